workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "gpu" {
  type    = bool
  default = true
}

aml_compute "cpu" {
  name      = "%{ if var.gpu }gpu%{ else }cpu%{ endif }-pool"
  vm_size   = var.gpu ? "STANDARD_NC6" : "STANDARD_D2_V2"
  max_nodes = 2
  tags      = { list = "%{ for t in ["a", "b"] }${t};%{ endfor }" }
}
