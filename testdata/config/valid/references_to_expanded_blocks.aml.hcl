workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

aml_compute "pool" {
  count     = 2
  name      = "pool-${count.index}"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = count.index + 1
}

aml_compute "team" {
  for_each  = toset(["a", "b"])
  name      = "team-${each.key}"
  vm_size   = "STANDARD_D3_V2"
  max_nodes = 2
}

aml_compute "follower" {
  vm_size     = aml_compute.pool[1].vm_size
  max_nodes   = aml_compute.pool[1].max_nodes + aml_compute.team["b"].max_nodes
  description = join(",", aml_compute.pool[*].name)
  tags        = { teams = join(",", [for key, team in aml_compute.team : "${key}=${team.name}"]) }
}

output "pool_names" {
  value = aml_compute.pool[*].name
}

output "team_b" {
  value = aml_compute.team["b"].name
}
