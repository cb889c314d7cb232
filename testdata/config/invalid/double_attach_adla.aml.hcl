workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# One Data Lake Analytics account attached twice (names compared without case).
adla_compute "first" {
  account_name   = "mladla"
  resource_group = "adla-rg"
}

adla_compute "second" {
  account_name   = "MLAdla"
  resource_group = "adla-rg"
}
