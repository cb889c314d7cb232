# A Synapse Spark pool attached for Spark jobs, running as the workspace's managed identity,
# on the embedded emulator: `amlform -C examples/synapse-spark apply` needs no Azure account.
workspace "dev" {
  name           = "ml-synapse"
  resource_group = "ml-examples-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

synapse_spark_compute "spark" {
  name          = "spark-pool"
  resource_id   = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/syn-rg/providers/Microsoft.Synapse/workspaces/analytics/bigDataPools/mlpool"
  identity_type = "SystemAssigned"
}
