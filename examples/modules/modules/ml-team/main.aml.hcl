# Every team's standard set: a CPU cluster that scales to zero, a low-priority GPU cluster,
# and a personal compute instance.
locals {
  tags = {
    team       = var.team
    managed_by = "ml-platform"
  }
}

aml_compute "cpu" {
  name                          = "${var.team}-cpu"
  vm_size                       = var.cpu_vm_size
  min_nodes                     = 0
  max_nodes                     = 4
  idle_seconds_before_scaledown = 300
  tags                          = local.tags
}

aml_compute "gpu" {
  name        = "${var.team}-gpu"
  vm_size     = "STANDARD_NC6"
  vm_priority = "lowpriority"
  max_nodes   = var.max_gpu_nodes
  tags        = local.tags
}

compute_instance "notebook" {
  name              = "${var.team}-nb"
  vm_size           = "STANDARD_D3_V2"
  ssh_public_access = false
  tags              = local.tags
}

output "cpu_cluster_id" {
  value = aml_compute.cpu.id
}

output "gpu_cluster_name" {
  value = aml_compute.gpu.name
}
