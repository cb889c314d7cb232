# Defaults the configuration does not write are the service's once the compute exists:
# remote login access was turned off in the portal, an idle timer was set in
# the portal, and the instance was stopped by its idle shutdown. None of them is a change.
# The cluster's max_nodes, which the configuration writes, is still updated in place.
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "cpu" {
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 6
}

compute_instance "nb" {
  name    = "nb-grace"
  vm_size = "STANDARD_DS3_V2"
}
