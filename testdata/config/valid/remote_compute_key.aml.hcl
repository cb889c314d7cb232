workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

remote_compute "dsvm" {
  resource_id            = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/vm-rg/providers/Microsoft.Compute/virtualMachines/dsvm1"
  ssh_port               = 22
  username               = "azureuser"
  private_key_file       = "~/.ssh/id_rsa"
  private_key_passphrase = var.passphrase
}

variable "passphrase" {
  type      = string
  sensitive = true
  default   = "canary-passphrase-value"
}
