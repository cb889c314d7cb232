workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "env" {
  default = "prod"
}

locals {
  is_prod  = var.env == "prod"
  nodes    = local.is_prod ? 10 : 2
  names    = [for s in ["a", "b", "c"] : "${var.env}-${s}"]
  by_name  = { for n in local.names : n => length(n) }
  upper    = [for n in local.names : upper(n) if n != "prod-b"]
  script   = <<EOT
echo ${var.env}
EOT
  coalesced = coalesce("", "fallback")
  parts    = split("-", "a-b-c")
  replaced = replace("a_b", "_", "-")
  has_b    = contains(local.parts, "b")
  looked   = lookup({ a = 1 }, "b", 42)
  smallest = min(3, 1, 2)
  num      = tonumber("5") + 1
  all      = concat(local.parts, ["d"])
}

aml_compute "cpu" {
  name      = "${var.env}-cpu"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = local.nodes
  min_nodes = local.is_prod ? 1 : 0
  tags      = { script = trimspace(local.script), first = local.names[0] }
}
