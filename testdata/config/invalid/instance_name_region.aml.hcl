workspace "east1" {
  name            = "ml-east-1"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

workspace "east2" {
  name            = "ml-east-2"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

compute_instance "a" {
  workspace = workspace.east1
  name      = "alice-nb"
  vm_size   = "STANDARD_D3_V2"
}

compute_instance "b" {
  workspace = workspace.east2
  name      = "alice-nb"
  vm_size   = "STANDARD_D3_V2"
}
