# An Arc-enabled Kubernetes cluster with the Azure ML extension, attached for training and
# inference in its own namespace, on the embedded emulator: `amlform -C examples/kubernetes apply`
# needs no Azure account.
workspace "dev" {
  name           = "ml-kubernetes"
  resource_group = "ml-examples-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

kubernetes_compute "arc" {
  name                             = "arc-training"
  description                      = "On-premises GPU cluster"
  resource_id                      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/k8s-rg/providers/Microsoft.Kubernetes/connectedClusters/onprem-gpu"
  namespace                        = "azureml"
  extension_instance_release_train = "stable"
  default_instance_type            = "gpu"

  # What a job asks for when it names an instance type: the nodes it may run on, and the
  # resources its pods request and are limited to.
  instance_types = {
    gpu = {
      node_selector = { accelerator = "nvidia" }
      requests      = { cpu = "4", memory = "16Gi", "nvidia.com/gpu" = "1" }
      limits        = { cpu = "4", memory = "16Gi", "nvidia.com/gpu" = "1" }
    }
  }
}
