workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "cpu" {
  name                          = "cpu"
  vm_size                       = "STANDARD_D2_V2"
  max_nodes                     = 8
  min_nodes                     = 1
  idle_seconds_before_scaledown = 300
  identity_type                 = "SystemAssigned"
  description                   = "training cluster"
  tags                          = { team = "ml", cost = "shared" }
}
