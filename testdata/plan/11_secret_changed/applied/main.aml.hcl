workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

variable "token" {
  sensitive = true
  default   = "dapi-canary-old"
}

databricks_compute "dbx" {
  name           = "dbx"
  workspace_name = "dbx-ws"
  resource_group = "dbx-rg"
  access_token   = var.token
}

remote_compute "vm" {
  name             = "vm"
  resource_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vm-rg/providers/Microsoft.Compute/virtualMachines/vm1"
  username         = "azureuser"
  private_key_file = "id_rsa"
}
