workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# A custom image on Linux nodes, more nodes than a cluster can have, and no public IP
# without a subnet.
aml_compute "linux" {
  vm_size               = "STANDARD_D2_V2"
  max_nodes             = 70000
  vm_image_id           = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/img-rg/providers/Microsoft.Compute/images/custom"
  enable_node_public_ip = false
}

# Idle shutdown past 3 days, half an assigned user, script arguments without the script.
compute_instance "notebook" {
  vm_size                      = "STANDARD_DS3_V2"
  idle_minutes_before_shutdown = 5000
  assigned_user_object_id      = "11111111-1111-1111-1111-111111111111"
  startup_script_arguments     = "--quiet"
}
