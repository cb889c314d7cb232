workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "sizes" {
  type    = list(string)
  default = ["standard_d2_v2", "standard_d3_v2"]
}

aml_compute "pool" {
  count     = length(var.sizes)
  name      = format("pool-%d", count.index)
  vm_size   = upper(var.sizes[count.index])
  max_nodes = max(2, count.index * 3)
  tags = merge({ index = tostring(count.index) }, { sizes = join(",", var.sizes) })
}
