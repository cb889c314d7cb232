workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

aks_compute "aks" {
  name            = "aks-create"
  agent_count     = 4
  vm_size         = "Standard_D3_v2"
  cluster_purpose = "DevTest"
  ssl_cname       = "ml.contoso.com"
  ssl_cert_pem_file = "cert.pem"
  ssl_key_pem_file  = "key.pem"
}
