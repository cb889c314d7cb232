workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "existing" {
  name      = "existing"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 2
}

import {
  to = aml_compute.existing
  id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-dev/computes/nowhere"
}
