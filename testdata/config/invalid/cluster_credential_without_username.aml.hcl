workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "node_password" {
  type      = string
  sensitive = true
  default   = "canary-node-password"
}

# UserAccountCredentials requires adminUserName: a password without it is refused.
aml_compute "cpu" {
  vm_size             = "STANDARD_D2_V2"
  max_nodes           = 4
  admin_user_password = var.node_password
}
