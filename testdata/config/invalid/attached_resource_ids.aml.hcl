workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# Each kind attaches its own resource type: a VM is no Kubernetes cluster, a Synapse
# workspace is not one of its Spark pools, a storage account is no data factory.
kubernetes_compute "k8s" {
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
}

synapse_spark_compute "spark" {
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Synapse/workspaces/syn1"
}

data_factory_compute "adf" {
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa1"
}
