workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# ManagedServiceIdentityType's fourth value: both kinds of identity at once.
aml_compute "cpu" {
  vm_size       = "STANDARD_D2_V2"
  max_nodes     = 2
  identity_type = "SystemAssigned,UserAssigned"
  identity_id   = ["/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/id-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/training"]
}
