workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

compute_instance "notebook" {
  vm_size = "STANDARD_D3_V2"
  state   = "paused"
}
