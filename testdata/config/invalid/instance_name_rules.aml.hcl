workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# Compute instance names are 3 to 24 characters and may not end in a hyphen and digits;
# a cluster's may (2 to 16 characters).
compute_instance "numbered" {
  name    = "nb-01"
  vm_size = "STANDARD_DS3_V2"
}

aml_compute "numbered" {
  name      = "gpu-01"
  vm_size   = "STANDARD_NC6"
  max_nodes = 2
}
