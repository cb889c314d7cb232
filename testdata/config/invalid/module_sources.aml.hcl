# A module from a registry, and one with no source: each one error, naming it.
workspace "w" {
  name           = "ws-modules"
  resource_group = "rg"
  location       = "eastus"
  endpoint       = "embedded"
}

module "remote" {
  source = "hashicorp/ml/azure"
}

module "nowhere" {
  team = "a"
}
