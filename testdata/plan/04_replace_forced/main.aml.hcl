workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "cpu" {
  name        = "cpu"
  vm_size     = "STANDARD_D3_V2"
  vm_priority = "lowpriority"
  max_nodes   = 4
}
