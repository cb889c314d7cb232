# Azure Kubernetes Service: one cluster created, one attached on the embedded emulator: `amlform -C examples/aks apply` needs no Azure account.
workspace "dev" {
  name           = "ml-aks"
  resource_group = "ml-examples-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

# Created by Azure ML, and deleted with its compute.
aks_compute "inference" {
  name            = "aks-inference"
  cluster_purpose = "DevTest"
  agent_count     = 1
  vm_size         = "Standard_D3_v2"
}

# An existing cluster attached: removing the block detaches it, the cluster stays.
aks_compute "shared" {
  name        = "aks-shared"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/aks-rg/providers/Microsoft.ContainerService/managedClusters/shared-aks"
}
