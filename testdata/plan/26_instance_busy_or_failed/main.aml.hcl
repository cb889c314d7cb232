# The service's instance states in the configuration's terms: an instance running a job is
# running (no start, no drift); one whose setup failed is left alone with a warning, since a
# start or stop cannot help; one stopping is stopped, as declared.
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

compute_instance "busy" {
  name    = "nb-busy"
  vm_size = "STANDARD_DS3_V2"
  state   = "running"
}

compute_instance "broken" {
  name    = "nb-broken"
  vm_size = "STANDARD_DS3_V2"
  state   = "running"
}

compute_instance "stopping" {
  name    = "nb-stopping"
  vm_size = "STANDARD_DS3_V2"
  state   = "stopped"
}
