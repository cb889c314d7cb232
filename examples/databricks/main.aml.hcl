# An Azure Databricks workspace attached for pipelines on the embedded emulator: `amlform -C examples/databricks apply` needs no Azure account.
workspace "dev" {
  name           = "ml-databricks"
  resource_group = "ml-examples-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

variable "databricks_token" {
  type      = string
  sensitive = true
  # A personal access token of the Databricks workspace; the default is for the emulator only.
  default = "dapi-emulator-only"
}

databricks_compute "dbx" {
  name           = "dbx-pipelines"
  workspace_name = "dbx-analytics"
  resource_group = "dbx-rg"
  access_token   = var.databricks_token
}
