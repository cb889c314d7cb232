# An HDInsight Spark cluster attached over SSH on the embedded emulator: `amlform -C examples/hdinsight apply` needs no Azure account.
workspace "dev" {
  name           = "ml-hdinsight"
  resource_group = "ml-examples-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

variable "ssh_password" {
  type      = string
  sensitive = true
  # Set it with AMLFORM_VAR_ssh_password or --var; the default is for the emulator only.
  default = "emulator-only-password"
}

# Removing the block detaches the cluster; the cluster itself is never deleted.
hdinsight_compute "spark" {
  name        = "hdi-spark"
  description = "Spark cluster for data preparation steps"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hdi-rg/providers/Microsoft.HDInsight/clusters/spark-prep"
  ssh_port    = 22
  username    = "sshuser"
  password    = var.ssh_password
}
