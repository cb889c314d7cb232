workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

dsvm_compute "dsvm" {
  vm_size = "Standard_D2_v2"
}
