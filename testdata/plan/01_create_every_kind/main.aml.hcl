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
  name          = "cpu"
  vm_size       = "STANDARD_D2_V2"
  vm_priority   = "lowpriority"
  max_nodes     = 4
  identity_type = "SystemAssigned"
  tags          = { team = "ml" }
}

compute_instance "nb" {
  name    = "nb-ada"
  vm_size = "STANDARD_DS3_V2"
}

variable "vm_password" {
  sensitive = true
  default   = "canary-vm-password"
}

remote_compute "vm" {
  name        = "vm"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vm-rg/providers/Microsoft.Compute/virtualMachines/vm1"
  ssh_port    = 22
  username    = "azureuser"
  password    = var.vm_password
}

hdinsight_compute "spark" {
  name        = "spark"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hdi-rg/providers/Microsoft.HDInsight/clusters/spark1"
  username    = "sshuser"
  password    = var.vm_password
}

databricks_compute "dbx" {
  name           = "dbx"
  workspace_name = "dbx-ws"
  resource_group = "dbx-rg"
  access_token   = var.token
}

adla_compute "adla" {
  name           = "adla"
  account_name   = "adlaacct"
  resource_group = "adla-rg"
}

aks_compute "aks_new" {
  name        = "aks-new"
  agent_count = 3
}

aks_compute "aks_attached" {
  name        = "aks-att"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/aks-rg/providers/Microsoft.ContainerService/managedClusters/aks1"
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
