# The attached kinds' settings of the API description: AKS TLS with a Microsoft-issued
# certificate (`ssl_status = "Auto"`), a Data Lake Analytics account's store, a Kubernetes
# cluster's namespace and extension release train. An attached compute changes only by
# detaching and attaching again, and each plan says which setting forces it.
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aks_compute "scoring" {
  name              = "aks-scoring"
  resource_id       = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/aks-rg/providers/Microsoft.ContainerService/managedClusters/scoring"
  ssl_status        = "Auto"
  leaf_domain_label = "scoring-v1"
}

adla_compute "adla" {
  name                         = "adla"
  account_name                 = "adlaacct"
  resource_group               = "adla-rg"
  data_lake_store_account_name = "store1"
}

kubernetes_compute "arc" {
  name                             = "arc"
  resource_id                      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/k8s-rg/providers/Microsoft.Kubernetes/connectedClusters/arc1"
  namespace                        = "azureml"
  extension_instance_release_train = "stable"
}

kubernetes_compute "steady" {
  name        = "arc-steady"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/k8s-rg/providers/Microsoft.Kubernetes/connectedClusters/arc2"
}
