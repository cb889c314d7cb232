# An Azure Data Factory attached for data movement in pipelines, on the embedded emulator:
# `amlform -C examples/data-factory apply` needs no Azure account.
workspace "dev" {
  name           = "ml-factory"
  resource_group = "ml-examples-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

data_factory_compute "adf" {
  name        = "adf-copy"
  resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/adf-rg/providers/Microsoft.DataFactory/factories/ingest"
}
