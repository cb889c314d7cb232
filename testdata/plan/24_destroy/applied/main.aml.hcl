workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "cpu" {
  name      = "cpu"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 4
}

variable "vm_password" {
  sensitive = true
  default   = "pw-one"
}

remote_compute "vm" {
  name        = "vm"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vm-rg/providers/Microsoft.Compute/virtualMachines/vm1"
  ssh_port    = 22
  username    = "azureuser"
  password    = var.vm_password
}
