# A platform team's standard set for each ML team, from one module, for three teams.
workspace "prod" {
  name           = "ml-platform-prod"
  resource_group = "ml-platform-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

module "team" {
  for_each  = toset(["vision", "nlp", "speech"])
  source    = "./modules/ml-team"
  workspace = workspace.prod

  team          = each.key
  cpu_vm_size   = "STANDARD_D2_V2"
  max_gpu_nodes = each.key == "vision" ? 4 : 2
}

output "cpu_clusters" {
  value = { for team, set in module.team : team => set.cpu_cluster_id }
}
