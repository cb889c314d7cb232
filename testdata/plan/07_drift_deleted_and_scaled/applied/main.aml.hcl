workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "cpu" {
  name      = "cpu"
  vm_size   = "STANDARD_D2_V2"
  min_nodes = 0
  max_nodes = 4
}

aml_compute "gpu" {
  name      = "gpu"
  vm_size   = "STANDARD_NC6"
  max_nodes = 2
}
