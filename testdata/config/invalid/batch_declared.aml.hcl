workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

batch_compute "batch" {
  name           = "mybatchcompute"
  account_name   = "mybatchaccount"
  resource_group = "batch-rg"
}
