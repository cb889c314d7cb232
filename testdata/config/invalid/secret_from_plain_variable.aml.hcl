workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "token" {
  default = "dapi-canary-token"
}

databricks_compute "dbx" {
  workspace_name = "dbx-ws"
  resource_group = "dbx-rg"
  access_token   = var.token
}
