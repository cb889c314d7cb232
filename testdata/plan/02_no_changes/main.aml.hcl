workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

variable "token" {
  sensitive = true
  default   = "dapi-canary-token"
}

aml_compute "cpu" {
  name                          = "cpu"
  vm_size                       = "STANDARD_D2_V2"
  vm_priority                   = "lowpriority"
  max_nodes                     = 4
  idle_seconds_before_scaledown = 300
  identity_type                 = "UserAssigned"
  identity_id                   = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1"]
  tags                          = { team = "ml" }
}

compute_instance "nb" {
  name              = "nb-ada"
  vm_size           = "STANDARD_DS3_V2"
  ssh_public_access = true
}

remote_compute "vm" {
  name             = "vm"
  resource_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vm-rg/providers/Microsoft.Compute/virtualMachines/vm1"
  username         = "azureuser"
  private_key_file = "id_rsa"
}

databricks_compute "dbx" {
  name           = "dbx"
  workspace_name = "dbx-ws"
  resource_group = "dbx-rg"
  access_token   = var.token
}

aks_compute "aks_new" {
  name = "aks-new"
}

kubernetes_compute "k8s" {
  name        = "k8s"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/k8s-rg/providers/Microsoft.Kubernetes/connectedClusters/arc1"
  namespace   = "ml"
}

synapse_spark_compute "spark_pool" {
  name        = "syn-spark"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/syn-rg/providers/Microsoft.Synapse/workspaces/syn1/bigDataPools/pool1"
}

data_factory_compute "adf" {
  name        = "adf"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/adf-rg/providers/Microsoft.DataFactory/factories/adf1"
}
