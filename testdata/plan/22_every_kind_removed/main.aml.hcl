workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

variable "password" {
  sensitive = true
  default   = "pw-canary-value"
}
