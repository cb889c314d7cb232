workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

aml_compute "cpu" {
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 4
}

aml_compute "follower" {
  name        = "${aml_compute.cpu.name}-2"
  vm_size     = aml_compute.cpu.vm_size
  max_nodes   = aml_compute.cpu.max_nodes
  description = "Copies ${aml_compute.cpu.name}"
  tags        = { peer = aml_compute.cpu.id }
}

output "cpu_id" {
  value       = aml_compute.cpu.id
  description = "Known after apply"
}

output "follower_name" {
  value = aml_compute.follower.name
}
