workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "prefix" {
  default = "far-too-long-prefix"

  validation {
    condition     = length(var.prefix) <= 6
    error_message = "The prefix must be at most 6 characters."
  }
}
