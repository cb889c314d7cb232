workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "vm_password" {
  sensitive = true
  default   = "not-a-real-password"
}

remote_compute "vm" {
  resource_id      = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
  username         = "azureuser"
  password         = var.vm_password
  private_key_file = "id_rsa"
}
