workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

# A schedule triggers on a cron expression or on a recurrence, not on both.
compute_instance "notebook" {
  vm_size = "STANDARD_DS3_V2"
  schedules = [
    { action = "Stop", cron = "0 19 * * *", recurrence = { frequency = "Day", interval = 1, hours = [19], minutes = [0] } },
  ]
}
