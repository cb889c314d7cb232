workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "shared" {
  name      = "shared"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 2
}

module "team" {
  for_each  = toset(["a", "b"])
  source    = "./modules/team"
  workspace = workspace.dev
  team      = each.key
  nodes     = 3
}

module "solo" {
  count  = 1
  source = "./modules/team"
  team   = "solo"
}
