workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# Every setting of a compute cluster, with the seed SDK names.
aml_compute "gpu" {
  name                          = "gpu-cluster"
  description                   = "Low-priority GPU nodes"
  vm_size                       = "STANDARD_NC6"
  vm_priority                   = "LowPriority" # case-insensitive, stored canonically
  min_nodes                     = 1
  max_nodes                     = 8
  idle_seconds_before_scaledown = 600
  vnet_resourcegroup_name       = "net-rg"
  vnet_name                     = "ml-vnet"
  subnet_name                   = "default"
  identity_type                 = "UserAssigned"
  identity_id                   = ["/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/ml-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ml-id"]
  admin_username                = "azureuser"
  admin_user_ssh_key            = "ssh-rsa AAAAB3Nza... user@host"
  remote_login_port_public_access = "Disabled"
  enable_node_public_ip         = false
  tags                          = { team = "vision" }
}
