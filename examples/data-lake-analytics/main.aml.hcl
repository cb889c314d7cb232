# A Data Lake Analytics account attached for pipelines on the embedded emulator: `amlform -C examples/data-lake-analytics apply` needs no Azure account.
workspace "dev" {
  name           = "ml-data-lake-analytics"
  resource_group = "ml-examples-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

adla_compute "adla" {
  name           = "adla-pipelines"
  account_name   = "mladlaaccount"
  resource_group = "adla-rg"
}
