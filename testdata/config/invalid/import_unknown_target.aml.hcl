workspace "main" {
  name           = "ml-ws"
  resource_group = "ml-rg"
  location       = "eastus"
  subscription_id = "00000000-0000-0000-0000-000000000001"
}

import {
  to = aml_compute.cpu
  id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/cpu"
}
