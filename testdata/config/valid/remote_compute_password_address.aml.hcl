workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# The 2018 SDK form: an address instead of a resource id.
variable "vm_password" {
  sensitive = true
  default   = "canary-password-value"
}

remote_compute "legacy" {
  address  = "10.0.0.4"
  ssh_port = 2222
  username = "azureuser"
  password = var.vm_password
}
