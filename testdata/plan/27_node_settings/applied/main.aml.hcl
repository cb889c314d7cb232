# Every cluster and compute instance setting of the API description, applied once; the
# configuration then changes some of them. None can change in place (only a cluster's scale
# settings can), so each change is a replacement that names what forces it, and the computes
# whose settings are unchanged read back from the service with no change at all.
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "windows" {
  name             = "win-cpu"
  vm_size          = "STANDARD_D2_V2"
  max_nodes        = 2
  os_type          = "Windows"
  vm_image_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/img-rg/providers/Microsoft.Compute/images/win-v1"
  isolated_network = false
}

aml_compute "steady" {
  name             = "steady-cpu"
  vm_size          = "STANDARD_D2_V2"
  max_nodes        = 2
  os_type          = "Windows"
  vm_image_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/img-rg/providers/Microsoft.Compute/images/win-v1"
  isolated_network = true
}

compute_instance "ada" {
  name                         = "nb-ada"
  vm_size                      = "STANDARD_DS3_V2"
  assigned_user_object_id      = "11111111-1111-1111-1111-111111111111"
  assigned_user_tenant_id      = "22222222-2222-2222-2222-222222222222"
  idle_minutes_before_shutdown = 30
  creation_script              = "Users/ada/setup.sh"
  startup_script               = "Users/ada/start.sh"
  startup_script_arguments     = "--quiet"
  application_sharing_policy   = "Personal"
}

compute_instance "grace" {
  name                         = "nb-grace"
  vm_size                      = "STANDARD_DS3_V2"
  assigned_user_object_id      = "33333333-3333-3333-3333-333333333333"
  assigned_user_tenant_id      = "22222222-2222-2222-2222-222222222222"
  idle_minutes_before_shutdown = 60
  application_sharing_policy   = "Personal"
}
