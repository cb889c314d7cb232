workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

variable "ssh_password" {
  sensitive = true
  default   = "canary-hdi-password"
}

hdinsight_compute "spark" {
  name        = "myhdi"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/hdi-rg/providers/Microsoft.HDInsight/clusters/spark1"
  ssh_port    = 22
  username    = "sshuser"
  password    = var.ssh_password
}
