variable "team" {
  type        = string
  description = "The team's short name, the prefix of every compute name"

  validation {
    condition     = length(var.team) >= 2 && length(var.team) <= 8
    error_message = "A team name is 2 to 8 characters, so compute names stay within 24."
  }
}

variable "cpu_vm_size" {
  type    = string
  default = "STANDARD_D2_V2"

  validation {
    condition     = startswith(var.cpu_vm_size, "STANDARD_D")
    error_message = "CPU clusters use the general-purpose D series."
  }
}

variable "max_gpu_nodes" {
  type    = number
  default = 2

  validation {
    condition     = var.max_gpu_nodes <= 8
    error_message = "A team gets at most 8 GPU nodes; ask the platform team for more."
  }
}
