workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# A certificate without its key, and Auto without a leaf domain label.
aks_compute "scoring" {
  ssl_cname         = "ml.contoso.com"
  ssl_cert_pem_file = "cert.pem"
}

aks_compute "auto" {
  ssl_status = "Auto"
}

aks_compute "both" {
  ssl_cname         = "ml.contoso.com"
  ssl_cert_pem_file = "cert.pem"
  ssl_key_pem_file  = "key.pem"
  leaf_domain_label = "myml"
}
