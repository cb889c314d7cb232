variable "team" {
  type = string
}

variable "nodes" {
  type    = number
  default = 1
}

aml_compute "cpu" {
  name      = "${var.team}-cpu"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = var.nodes
}

compute_instance "nb" {
  name    = "${var.team}-nb"
  vm_size = "STANDARD_D3_V2"
}
