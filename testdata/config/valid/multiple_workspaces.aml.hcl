# Two workspaces; each compute says where it lives.
workspace "prod" {
  name            = "ml-prod"
  resource_group  = "ml-prod-rg"
  location        = "eastus"
  subscription_id = var.subscription_id
}

workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-dev-rg"
  location       = "westeurope"
  endpoint       = "embedded"
}

variable "subscription_id" {
  default = "00000000-0000-0000-0000-000000000002"
}

aml_compute "prod_cpu" {
  workspace = workspace.prod
  name      = "cpu"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 4
}

aml_compute "dev_cpu" {
  workspace   = workspace.dev
  name        = "cpu"
  vm_size     = "STANDARD_D2_V2"
  max_nodes   = 1
  description = "in ${workspace.dev.name} (${workspace.dev.location})"
}
