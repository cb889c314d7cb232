workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "databricks_token" {
  type      = string
  sensitive = true
  default   = "dapi-canary-token-value"
}

databricks_compute "dbx" {
  workspace_name = "dbx-workspace"
  resource_group = "dbx-rg"
  access_token   = var.databricks_token
}
