//! The compute types the API defines, and what each allows: created by the workspace,
//! attached by reference, or either; which resource types it attaches; where its secrets are.

/// `ComputeType` of the API description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComputeType {
    pub name: &'static str,
    pub family: Family,
    /// ARM resource types (`Microsoft.Compute/virtualMachines`) an attached one may point at.
    pub attachable_resource_types: &'static [&'static str],
    /// JSON pointers, inside `properties.properties`, of values never returned by a GET.
    pub secret_pointers: &'static [&'static str],
    /// Settings under `properties.properties` that can change on a live compute (prefixes).
    pub in_place_properties: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Created by the workspace; cannot be attached or detached.
    Managed,
    /// Attached by reference to a resource created elsewhere; needs a `resourceId` (or an address).
    Attached,
    /// Created by the workspace without a `resourceId`, attached with one.
    CreateOrAttach,
}

const VM_SECRETS: &[&str] = &[
    "/administratorAccount/password",
    "/administratorAccount/privateKeyData",
    "/administratorAccount/publicKeyData",
];

pub const COMPUTE_TYPES: &[ComputeType] = &[
    ComputeType {
        name: "AmlCompute",
        family: Family::Managed,
        attachable_resource_types: &[],
        secret_pointers: &[
            "/userAccountCredentials/adminUserPassword",
            "/userAccountCredentials/adminUserSshPublicKey",
        ],
        in_place_properties: &["/scaleSettings"],
    },
    ComputeType {
        name: "ComputeInstance",
        family: Family::Managed,
        attachable_resource_types: &[],
        secret_pointers: &[],
        in_place_properties: &["/schedules"],
    },
    ComputeType {
        name: "AKS",
        family: Family::CreateOrAttach,
        attachable_resource_types: &["Microsoft.ContainerService/managedClusters"],
        secret_pointers: &["/sslConfiguration/key"],
        in_place_properties: &[],
    },
    ComputeType {
        name: "Kubernetes",
        family: Family::Attached,
        attachable_resource_types: &[
            "Microsoft.ContainerService/managedClusters",
            "Microsoft.Kubernetes/connectedClusters",
        ],
        secret_pointers: &[],
        in_place_properties: &[],
    },
    ComputeType {
        name: "VirtualMachine",
        family: Family::Attached,
        attachable_resource_types: &["Microsoft.Compute/virtualMachines"],
        secret_pointers: VM_SECRETS,
        in_place_properties: &[],
    },
    ComputeType {
        name: "HDInsight",
        family: Family::Attached,
        attachable_resource_types: &["Microsoft.HDInsight/clusters"],
        secret_pointers: VM_SECRETS,
        in_place_properties: &[],
    },
    ComputeType {
        name: "Databricks",
        family: Family::Attached,
        attachable_resource_types: &["Microsoft.Databricks/workspaces"],
        secret_pointers: &["/databricksAccessToken"],
        in_place_properties: &[],
    },
    ComputeType {
        name: "DataLakeAnalytics",
        family: Family::Attached,
        attachable_resource_types: &["Microsoft.DataLakeAnalytics/accounts"],
        secret_pointers: &[],
        in_place_properties: &[],
    },
    ComputeType {
        name: "DataFactory",
        family: Family::CreateOrAttach,
        attachable_resource_types: &["Microsoft.DataFactory/factories"],
        secret_pointers: &[],
        in_place_properties: &[],
    },
    ComputeType {
        name: "SynapseSpark",
        family: Family::Attached,
        attachable_resource_types: &["Microsoft.Synapse/workspaces"],
        secret_pointers: &[],
        in_place_properties: &[],
    },
];

/// Types that exist in Azure ML but cannot be created or attached through this API, with why.
const NOT_CREATABLE: &[(&str, &str)] = &[
    (
        "ACI",
        "Azure Container Instances are created only by deploying a model; they cannot be created or attached as a compute",
    ),
    (
        "ContainerInstance",
        "Azure Container Instances are created only by deploying a model; they cannot be created or attached as a compute",
    ),
    ("Local", "the local computer needs no compute target"),
    (
        "Batch",
        "no version of this API attaches an Azure Batch account (only the retired v1 SDK's BatchCompute did); run the work on an AmlCompute cluster",
    ),
    (
        "BatchAI",
        "Batch AI is retired; create an AmlCompute cluster instead",
    ),
    (
        "DSVM",
        "creating a Data Science VM is retired; create the VM outside Azure ML and attach it as VirtualMachine",
    ),
];

/// The type named `name` (any case), or why it cannot be used.
pub fn find(name: &str) -> Result<&'static ComputeType, String> {
    if let Some(found) = COMPUTE_TYPES
        .iter()
        .find(|kind| kind.name.eq_ignore_ascii_case(name))
    {
        return Ok(found);
    }
    if let Some((_, why)) = NOT_CREATABLE
        .iter()
        .find(|(kind, _)| kind.eq_ignore_ascii_case(name))
    {
        return Err(format!("computeType '{name}' is not supported: {why}."));
    }
    let known: Vec<&str> = COMPUTE_TYPES.iter().map(|kind| kind.name).collect();
    Err(format!(
        "computeType '{name}' is not a compute type; expected one of {}.",
        known.join(", ")
    ))
}
