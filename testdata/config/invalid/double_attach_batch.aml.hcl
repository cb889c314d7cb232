workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

batch_compute "a" {
  account_name   = "mybatch"
  resource_group = "batch-rg"
}

batch_compute "b" {
  account_name   = "MyBatch"
  resource_group = "batch-rg"
}
