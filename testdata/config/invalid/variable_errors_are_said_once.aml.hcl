# A variable without a value, and one whose default does not fit its type: one error each,
# and no "not defined" for the references that read them.
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

variable "missing" {
  type = number
}

variable "wrong" {
  type    = number
  default = "abc"
}

aml_compute "cpu" {
  name      = "cpu"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = var.missing
  min_nodes = var.wrong
}
