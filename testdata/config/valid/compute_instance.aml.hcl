workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

compute_instance "notebook" {
  name                      = "alice-nb"
  vm_size                   = "STANDARD_D3_V2"
  ssh_public_access         = true
  admin_user_ssh_public_key = "ssh-rsa AAAAB3Nza... alice@laptop"
  state                     = "stopped"
}
