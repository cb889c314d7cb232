# A compute instance's start and stop schedules change in place (`schedules` is the one
# setting of a compute instance the service updates on a live one); an instance whose
# schedules are unchanged reads back from the service with no change.
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

compute_instance "ada" {
  name    = "nb-ada"
  vm_size = "STANDARD_DS3_V2"
  schedules = [
    { action = "Stop", cron = "0 18 * * 1-5", time_zone = "W. Europe Standard Time" },
  ]
}

compute_instance "grace" {
  name    = "nb-grace"
  vm_size = "STANDARD_DS3_V2"
  schedules = [
    { action = "Start", recurrence = { frequency = "Week", interval = 1, hours = [8], minutes = [30], week_days = ["Monday", "Thursday"] } },
    { action = "Stop", cron = "0 20 * * *", enabled = false },
  ]
}
