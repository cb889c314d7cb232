workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "token" {
  sensitive = true
  default   = "x"
}

output "token" {
  value = var.token
}
