workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# A compute instance created for a data scientist: assigned to her, stopped after an idle
# hour, set up by scripts from the workspace's file share, with no public IP.
compute_instance "ada" {
  name                         = "nb-ada"
  vm_size                      = "STANDARD_DS3_V2"
  assigned_user_object_id      = "11111111-1111-1111-1111-111111111111"
  assigned_user_tenant_id      = "22222222-2222-2222-2222-222222222222"
  idle_minutes_before_shutdown = 60
  creation_script              = "Users/ada/setup.sh"
  startup_script               = "Users/ada/start.sh"
  startup_script_arguments     = "--quiet"
  application_sharing_policy   = "Personal"
  enable_node_public_ip        = false
  vnet_name                    = "ml-vnet"
  subnet_name                  = "notebooks"
}
