# An Azure Batch account attached for AzureBatchStep pipelines on the embedded emulator: `amlform -C examples/batch apply` needs no Azure account.
workspace "dev" {
  name           = "ml-batch"
  resource_group = "ml-examples-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

batch_compute "batch" {
  name           = "batch-jobs"
  description    = "Batch account for pipeline steps"
  account_name   = "mlbatchaccount"
  resource_group = "batch-rg"
}
