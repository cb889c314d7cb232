workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "clusters" {
  type = map(object({ size = string, max = number }))
  default = {
    small = { size = "STANDARD_D2_V2", max = 2 }
    large = { size = "STANDARD_D13_V2", max = 10 }
  }
}

aml_compute "cluster" {
  for_each  = var.clusters
  name      = "cl-${each.key}"
  vm_size   = each.value.size
  max_nodes = each.value.max
}
