workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

workspace "old" {
  name           = "ml-old"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "legacy" {
  workspace = workspace.old
  name      = "legacy"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 2
}
