# Quickstart: one workspace on the embedded emulator, no Azure account needed.
workspace "dev" {
  name           = "ml-quickstart"
  resource_group = "ml-quickstart-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

variable "prefix" {
  type        = string
  default     = "qs"
  description = "Prefix of every compute name"

  validation {
    condition     = length(var.prefix) <= 6
    error_message = "The prefix must be at most 6 characters, so names stay within 16."
  }
}

# The emulator takes any key text, so the quickstart ships a stand-in (not a key) and runs
# on a machine with no ~/.ssh; for a real VM: --var vm_ssh_key_file=~/.ssh/id_rsa
variable "vm_ssh_key_file" {
  type    = string
  default = "emulator-demo.key"
}

locals {
  tags = {
    owner   = "ml-platform"
    purpose = "quickstart"
  }
  identity = "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/ml-quickstart-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/qs-identity"
}

# A CPU cluster that scales to zero when idle.
aml_compute "cpu" {
  name                          = "${var.prefix}-cpu"
  vm_size                       = "STANDARD_D2_V2"
  min_nodes                     = 0
  max_nodes                     = 4
  idle_seconds_before_scaledown = 300
  tags                          = local.tags
}

# A low-priority GPU cluster with a user-assigned managed identity.
aml_compute "gpu" {
  name        = "${var.prefix}-gpu"
  vm_size     = "STANDARD_NC6"
  vm_priority = "lowpriority"
  max_nodes   = 2

  identity {
    type = "UserAssigned"
    ids  = [local.identity]
  }

  tags = local.tags
}

# A personal compute instance; stop it to stop paying for it.
compute_instance "notebook" {
  name              = "${var.prefix}-nb-ada"
  vm_size           = "STANDARD_D3_V2"
  ssh_public_access = false
  state             = "running"
}

# An existing Ubuntu VM attached over SSH (removing it detaches, never deletes the VM).
remote_compute "vm" {
  name             = "${var.prefix}-vm"
  resource_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-quickstart-rg/providers/Microsoft.Compute/virtualMachines/qs-dsvm"
  ssh_port         = 22
  username         = "azureuser"
  private_key_file = var.vm_ssh_key_file
}

output "cpu_cluster_id" {
  value = aml_compute.cpu.id
}
