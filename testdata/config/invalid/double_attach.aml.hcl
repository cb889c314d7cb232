workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "vm_id" {
  default = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
}

remote_compute "one" {
  resource_id      = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
  username         = "azureuser"
  private_key_file = "id_rsa"
}

remote_compute "two" {
  resource_id      = var.vm_id
  username         = "azureuser"
  private_key_file = "id_rsa"
}
