workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

remote_compute "vm" {
  resource_id      = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.HDInsight/clusters/hdi"
  username         = "azureuser"
  private_key_file = "id_rsa"
}
