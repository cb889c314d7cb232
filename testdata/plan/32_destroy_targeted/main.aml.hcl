workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "base" {
  name      = "base"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 2
}

# Depends on `base`, so destroying `base` destroys it too.
aml_compute "pool" {
  for_each    = toset(["a", "b"])
  name        = "pool-${each.key}"
  vm_size     = "STANDARD_D2_V2"
  max_nodes   = 2
  description = "after ${aml_compute.base.name}"
}

# Left alone.
aml_compute "other" {
  name      = "other"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 2
}
