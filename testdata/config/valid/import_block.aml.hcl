workspace "main" {
  name            = "ml-ws"
  resource_group  = "ml-rg"
  location        = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

aml_compute "existing" {
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 2
}

import {
  to = aml_compute.existing
  id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws/computes/existing"
}
