aml_compute "cpu" {
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 2
}
