workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "cpu" {
  name      = "cpu"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 4
}
