workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

compute_instance "nb" {
  name    = "nb-ada"
  vm_size = "STANDARD_DS3_V2"
  state   = "running"
}
