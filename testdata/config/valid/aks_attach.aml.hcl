workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

aks_compute "aks" {
  name        = "aks-attached"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/aks-rg/providers/Microsoft.ContainerService/managedClusters/aks1"
  cluster_purpose = "FastProd"
}
