//! The compute kinds of `DOMAIN.md`, attribute by attribute.
//!
//! SDK names come from the seeds (`AmlCompute.provisioning_configuration(...)`,
//! `RemoteCompute.attach_configuration(...)`, ...); REST paths from the 2024-10-01 API description
//! (`properties` is the compute resource's, `properties.properties` the kind-specific schema).

use crate::compute_kind::{
    AttrType::{self, Bool, Enum, InstanceTypes, Integer, Schedules, StringList, StringMap},
    Attribute, ComputeKind,
    DefaultValue::{self, Bool as DefaultBool, Integer as DefaultInt},
    Family, Mode,
};

/// Arguments every compute block accepts besides its kind's attributes.
pub const META_ARGUMENTS: &[&str] = &["workspace", "count", "for_each", "depends_on", "lifecycle"];

const STRING: AttrType = AttrType::String;
const fn default_str(value: &'static str) -> DefaultValue {
    DefaultValue::String(value)
}

const VM_PRIORITIES: &[&str] = &["dedicated", "lowpriority"];
/// `ManagedServiceIdentityType` (common-types v3) less `None`, which is no identity.
const IDENTITY_TYPES: &[&str] = &[
    "SystemAssigned",
    "UserAssigned",
    "SystemAssigned,UserAssigned",
];
/// `SslConfigStatus`: `Enabled` with a certificate, `Auto` with a Microsoft-issued one for a
/// leaf domain label.
const SSL_STATUSES: &[&str] = &["Disabled", "Enabled", "Auto"];
const REMOTE_LOGIN_ACCESS: &[&str] = &["Enabled", "Disabled", "NotSpecified"];
const POWER_STATES: &[&str] = &["running", "stopped"];
const CLUSTER_PURPOSES: &[&str] = &["FastProd", "DenseProd", "DevTest"];
const LOAD_BALANCER_TYPES: &[&str] = &["PublicIp", "InternalLoadBalancer"];
const OS_TYPES: &[&str] = &["Linux", "Windows"];
/// `applicationSharingPolicy`: who may use the applications of a compute instance.
const SHARING_POLICIES: &[&str] = &["Personal", "Shared"];
/// `computeInstanceAuthorizationType`: the API's one value.
const AUTHORIZATION_TYPES: &[&str] = &["personal"];

const NAME: Attribute = Attribute::new("name", STRING)
    .rest("name")
    .doc("The compute's name in the workspace (2 to 16 characters; 3 to 24 for a compute instance); defaults to the block label");
const DESCRIPTION: Attribute = Attribute::new("description", STRING)
    .user_owned()
    .rest("properties.description");
const TAGS: Attribute = Attribute::new("tags", StringMap).user_owned().rest("tags");

const VNET_RESOURCE_GROUP: Attribute = Attribute::new("vnet_resourcegroup_name", STRING)
    .rest("properties.properties.subnet.id")
    .doc("Resource group of the virtual network; defaults to the workspace's");
const VNET_NAME: Attribute = Attribute::new("vnet_name", STRING)
    .rest("properties.properties.subnet.id")
    .doc("Virtual network in the workspace's region");
const SUBNET_NAME: Attribute =
    Attribute::new("subnet_name", STRING).rest("properties.properties.subnet.id");

const RESOURCE_ID_NOTE: &str = "ARM id of the existing resource to attach";
const SSH_PORT: Attribute = Attribute::new("ssh_port", Integer { min: 1 })
    .default(DefaultInt(22))
    .rest("properties.properties.sshPort");
const USERNAME: Attribute = Attribute::new("username", STRING)
    .required()
    .rest("properties.properties.administratorAccount.username");
const PASSWORD: Attribute = Attribute::new("password", STRING)
    .sensitive()
    .rest("properties.properties.administratorAccount.password")
    .doc("SSH password; an SSH key is recommended instead");
const PRIVATE_KEY_FILE: Attribute = Attribute::new("private_key_file", STRING)
    .file_path()
    .rest("properties.properties.administratorAccount.privateKeyData")
    .doc("Path of the SSH private key, read at apply time and sent only to the service");
const PRIVATE_KEY_PASSPHRASE: Attribute = Attribute::new("private_key_passphrase", STRING)
    .sensitive()
    .doc("Passphrase of the private key; used to read it, never sent or stored");
const ADDRESS: Attribute = Attribute::new("address", STRING)
    .rest("properties.properties.address")
    .doc("FQDN or IP address (the 2018 SDK's form); prefer `resource_id`");
const ATTACHED_RESOURCE_GROUP: Attribute = Attribute::new("resource_group", STRING)
    .required()
    .doc("Resource group of the attached resource; its subscription is the workspace's");

/// Every compute kind amlform manages, in the order of `DOMAIN.md`.
pub const COMPUTE_KINDS: &[ComputeKind] = &[
    ComputeKind {
        block_name: "aml_compute",
        sdk_class: "AmlCompute",
        rest_compute_type: "AmlCompute",
        family: Family::Managed,
        summary: "Compute cluster: managed, autoscaling nodes created by the workspace",
        capabilities: "GPU, hyperparameter tuning, automated ML, pipelines",
        attributes: &[
            NAME,
            DESCRIPTION.in_place(),
            TAGS.in_place(),
            Attribute::new("vm_size", STRING)
                .required()
                .rest("properties.properties.vmSize")
                .doc("VM size of every node, from the region's list"),
            Attribute::new("vm_priority", Enum(VM_PRIORITIES))
                .default(default_str("dedicated"))
                .rest("properties.properties.vmPriority")
                .doc("Low-priority nodes are cheaper and may be preempted"),
            Attribute::new("max_nodes", Integer { min: 1 })
                .required()
                .in_place()
                .rest("properties.properties.scaleSettings.maxNodeCount"),
            Attribute::new("min_nodes", Integer { min: 0 })
                .default(DefaultInt(0))
                .in_place()
                .rest("properties.properties.scaleSettings.minNodeCount")
                .doc("Nodes kept running (and billed) when idle"),
            Attribute::new("idle_seconds_before_scaledown", Integer { min: 0 })
                .default(DefaultInt(120))
                .in_place()
                .rest("properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown"),
            VNET_RESOURCE_GROUP,
            VNET_NAME,
            SUBNET_NAME,
            Attribute::new("identity_type", Enum(IDENTITY_TYPES))
                .in_place()
                .rest("identity.type")
                .doc("Managed identity; can be added to a live cluster"),
            Attribute::new("identity_id", StringList)
                .in_place()
                .rest("identity.userAssignedIdentities")
                .doc("User-assigned identity resource ids (with `UserAssigned`)"),
            Attribute::new("admin_username", STRING)
                .rest("properties.properties.userAccountCredentials.adminUserName"),
            Attribute::new("admin_user_password", STRING)
                .sensitive()
                .rest("properties.properties.userAccountCredentials.adminUserPassword"),
            Attribute::new("admin_user_ssh_key", STRING)
                .rest("properties.properties.userAccountCredentials.adminUserSshPublicKey"),
            Attribute::new("remote_login_port_public_access", Enum(REMOTE_LOGIN_ACCESS))
                .default(default_str("NotSpecified"))
                .rest("properties.properties.remoteLoginPortPublicAccess"),
            Attribute::new("enable_node_public_ip", Bool)
                .default(DefaultBool(true))
                .rest("properties.properties.enableNodePublicIp"),
            Attribute::new("os_type", Enum(OS_TYPES))
                .default(default_str("Linux"))
                .rest("properties.properties.osType"),
            Attribute::new("vm_image_id", STRING)
                .rest("properties.properties.virtualMachineImage.id")
                .doc("A custom image's resource id (`virtualMachineImage`: Windows only)"),
            Attribute::new("isolated_network", Bool)
                .rest("properties.properties.isolatedNetwork"),
        ],
        one_of: &[],
        computed: &["id", "resource_id", "provisioning_state"],
    },
    ComputeKind {
        block_name: "compute_instance",
        sdk_class: "ComputeInstance",
        rest_compute_type: "ComputeInstance",
        family: Family::Managed,
        summary: "Compute instance: a single managed VM; its name is unique in the Azure region",
        capabilities: "GPU, hyperparameter tuning, automated ML, pipelines",
        attributes: &[
            NAME,
            DESCRIPTION.in_place(),
            TAGS.in_place(),
            Attribute::new("vm_size", STRING)
                .required()
                .rest("properties.properties.vmSize"),
            Attribute::new("ssh_public_access", Bool)
                .default(DefaultBool(false))
                .rest("properties.properties.sshSettings.sshPublicAccess"),
            Attribute::new("admin_user_ssh_public_key", STRING)
                .rest("properties.properties.sshSettings.adminPublicKey")
                .doc("Public key for SSH access (not a secret)"),
            VNET_RESOURCE_GROUP,
            VNET_NAME,
            SUBNET_NAME,
            Attribute::new("state", Enum(POWER_STATES))
                .default(default_str("running"))
                .in_place()
                .rest("properties.properties.state")
                .doc("Declared power state: an instance does not scale, stop it to stop charges"),
            Attribute::new("assigned_user_object_id", STRING)
                .rest("properties.properties.personalComputeInstanceSettings.assignedUser.objectId")
                .doc("Entra object id of the data scientist it is created for (with `assigned_user_tenant_id`)"),
            Attribute::new("assigned_user_tenant_id", STRING)
                .rest("properties.properties.personalComputeInstanceSettings.assignedUser.tenantId"),
            Attribute::new("idle_minutes_before_shutdown", Integer { min: 15 })
                .rest("properties.properties.idleTimeBeforeShutdown")
                .doc("Stop after this many idle minutes: 15 to 4320 (3 days; `IdleShutdownSetting`)"),
            Attribute::new("creation_script", STRING)
                .rest("properties.properties.setupScripts.scripts.creationScript.scriptData")
                .doc("Path, in the workspace's file share, of a script run once when it is created"),
            Attribute::new("creation_script_arguments", STRING)
                .rest("properties.properties.setupScripts.scripts.creationScript.scriptArguments"),
            Attribute::new("startup_script", STRING)
                .rest("properties.properties.setupScripts.scripts.startupScript.scriptData")
                .doc("Path, in the workspace's file share, of a script run at every start"),
            Attribute::new("startup_script_arguments", STRING)
                .rest("properties.properties.setupScripts.scripts.startupScript.scriptArguments"),
            Attribute::new("enable_node_public_ip", Bool)
                .rest("properties.properties.enableNodePublicIp")
                .doc("`false` gives it no public IP (it needs a subnet then)"),
            Attribute::new("schedules", Schedules)
                .in_place()
                .rest("properties.properties.schedules.computeStartStop")
                .doc("Start and stop on a cron expression or a recurrence, in a time zone (`ComputeStartStopSchedule`)"),
            Attribute::new("application_sharing_policy", Enum(SHARING_POLICIES))
                .default(default_str("Shared"))
                .rest("properties.properties.applicationSharingPolicy"),
            Attribute::new("authorization_type", Enum(AUTHORIZATION_TYPES))
                .default(default_str("personal"))
                .rest("properties.properties.computeInstanceAuthorizationType"),
        ],
        one_of: &[],
        // `instance_state`: the service's own word (`JobRunning`, `SetupFailed`, ...).
        computed: &["id", "resource_id", "provisioning_state", "instance_state"],
    },
    ComputeKind {
        block_name: "remote_compute",
        sdk_class: "RemoteCompute",
        rest_compute_type: "VirtualMachine",
        family: Family::Attached,
        summary: "Remote VM (Ubuntu, public IP) attached over SSH",
        capabilities: "hyperparameter tuning, automated ML, pipelines",
        attributes: &[
            NAME,
            DESCRIPTION,
            TAGS,
            Attribute::new("resource_id", STRING)
                .rest("properties.resourceId")
                .doc(RESOURCE_ID_NOTE),
            ADDRESS,
            SSH_PORT,
            USERNAME,
            PASSWORD,
            PRIVATE_KEY_FILE,
            PRIVATE_KEY_PASSPHRASE,
        ],
        one_of: &["resource_id", "address"],
        computed: &["id", "provisioning_state"],
    },
    ComputeKind {
        block_name: "hdinsight_compute",
        sdk_class: "HDInsightCompute",
        rest_compute_type: "HDInsight",
        family: Family::Attached,
        summary: "HDInsight Spark cluster (public IP) attached over SSH",
        capabilities: "pipelines",
        attributes: &[
            NAME,
            DESCRIPTION,
            TAGS,
            Attribute::new("resource_id", STRING)
                .rest("properties.resourceId")
                .doc(RESOURCE_ID_NOTE),
            ADDRESS,
            SSH_PORT,
            USERNAME,
            PASSWORD,
            PRIVATE_KEY_FILE,
            PRIVATE_KEY_PASSPHRASE,
        ],
        one_of: &["resource_id", "address"],
        computed: &["id", "provisioning_state"],
    },
    ComputeKind {
        block_name: "databricks_compute",
        sdk_class: "DatabricksCompute",
        rest_compute_type: "Databricks",
        family: Family::Attached,
        summary: "Azure Databricks workspace (same subscription) attached for pipelines",
        capabilities: "pipelines only",
        attributes: &[
            NAME,
            DESCRIPTION,
            TAGS,
            Attribute::new("workspace_name", STRING)
                .required()
                .doc("Name of the Databricks workspace"),
            ATTACHED_RESOURCE_GROUP,
            Attribute::new("access_token", STRING)
                .required()
                .sensitive()
                .rest("properties.properties.databricksAccessToken"),
        ],
        one_of: &[],
        computed: &["id", "resource_id", "provisioning_state"],
    },
    ComputeKind {
        block_name: "adla_compute",
        sdk_class: "AdlaCompute",
        rest_compute_type: "DataLakeAnalytics",
        family: Family::Attached,
        summary: "Data Lake Analytics account attached for pipelines",
        capabilities: "pipelines only",
        attributes: &[
            NAME,
            DESCRIPTION,
            TAGS,
            // Attached by the account's resource id (`properties.resourceId`);
            // `dataLakeStoreAccountName` names another resource, its default Data Lake Store.
            Attribute::new("account_name", STRING)
                .required()
                .doc("Name of the Data Lake Analytics account"),
            ATTACHED_RESOURCE_GROUP,
            Attribute::new("data_lake_store_account_name", STRING)
                .rest("properties.properties.dataLakeStoreAccountName")
                .doc("The account's Data Lake Store (`DataLakeAnalyticsSchema`)"),
        ],
        one_of: &[],
        computed: &["id", "resource_id", "provisioning_state"],
    },
    ComputeKind {
        block_name: "aks_compute",
        sdk_class: "AksCompute",
        rest_compute_type: "AKS",
        family: Family::CreateOrAttach,
        summary: "Azure Kubernetes Service: created, or attached when `resource_id` is given",
        capabilities: "GPU, model deployment",
        attributes: &[
            NAME,
            DESCRIPTION,
            TAGS,
            Attribute::new("resource_id", STRING)
                .mode(Mode::AttachOnly)
                .rest("properties.resourceId")
                .doc("ARM id of an existing AKS cluster to attach"),
            Attribute::new("cluster_purpose", Enum(CLUSTER_PURPOSES))
                .default(default_str("FastProd"))
                .rest("properties.properties.clusterPurpose"),
            Attribute::new("agent_count", Integer { min: 1 })
                .default(DefaultInt(3))
                .mode(Mode::CreateOnly)
                .rest("properties.properties.agentCount"),
            Attribute::new("vm_size", STRING)
                .default(default_str("Standard_D3_v2"))
                .mode(Mode::CreateOnly)
                .sdk("vm_size (agent_vm_size)")
                .rest("properties.properties.agentVmSize"),
            Attribute::new("load_balancer_type", Enum(LOAD_BALANCER_TYPES))
                .default(default_str("PublicIp"))
                .rest("properties.properties.loadBalancerType"),
            Attribute::new("load_balancer_subnet", STRING)
                .rest("properties.properties.loadBalancerSubnet"),
            Attribute::new("vnet_resourcegroup_name", STRING)
                .mode(Mode::CreateOnly)
                .rest("properties.properties.aksNetworkingConfiguration.subnetId"),
            Attribute::new("vnet_name", STRING)
                .mode(Mode::CreateOnly)
                .rest("properties.properties.aksNetworkingConfiguration.subnetId"),
            Attribute::new("subnet_name", STRING)
                .mode(Mode::CreateOnly)
                .rest("properties.properties.aksNetworkingConfiguration.subnetId"),
            Attribute::new("ssl_status", Enum(SSL_STATUSES))
                .rest("properties.properties.sslConfiguration.status")
                .doc("TLS for scoring: `Enabled` with a certificate, `Auto` with a leaf domain label; inferred from them when unset"),
            Attribute::new("ssl_cname", STRING)
                .rest("properties.properties.sslConfiguration.cname")
                .doc("TLS: changing it on an attached cluster is detach + attach"),
            Attribute::new("ssl_cert_pem_file", STRING)
                .file_path()
                .rest("properties.properties.sslConfiguration.cert"),
            Attribute::new("ssl_key_pem_file", STRING)
                .file_path()
                .rest("properties.properties.sslConfiguration.key")
                .doc("Path of the TLS private key, read at apply time, never stored"),
            Attribute::new("leaf_domain_label", STRING)
                .rest("properties.properties.sslConfiguration.leafDomainLabel"),
            Attribute::new("overwrite_existing_domain", Bool)
                .default(DefaultBool(false))
                .rest("properties.properties.sslConfiguration.overwriteExistingDomain"),
        ],
        one_of: &[],
        computed: &["id", "provisioning_state"],
    },
    // The compute types of the 2024-10-01 API beyond the seeds: each attaches a resource made
    // elsewhere (`ComputeType`: `Kubernetes`, `SynapseSpark`, `DataFactory`).
    ComputeKind {
        block_name: "kubernetes_compute",
        sdk_class: "KubernetesCompute",
        rest_compute_type: "Kubernetes",
        family: Family::Attached,
        summary: "Kubernetes cluster (AKS or Arc-enabled) with the Azure ML extension, attached for training and inference",
        capabilities: "GPU, training, model deployment",
        attributes: &[
            NAME,
            DESCRIPTION,
            TAGS,
            Attribute::new("resource_id", STRING)
                .required()
                .rest("properties.resourceId")
                .doc("ARM id of the AKS cluster or Arc-enabled (connected) cluster"),
            Attribute::new("namespace", STRING)
                .default(default_str("default"))
                .rest("properties.properties.namespace")
                .doc("Kubernetes namespace the workloads run in"),
            Attribute::new("default_instance_type", STRING)
                .rest("properties.properties.defaultInstanceType"),
            Attribute::new("instance_types", InstanceTypes)
                .rest("properties.properties.instanceTypes")
                .doc("By name, the node selector and resource requests and limits of its pods (`InstanceTypeSchema`)"),
            Attribute::new("extension_instance_release_train", STRING)
                .rest("properties.properties.extensionInstanceReleaseTrain")
                .doc("Release train of the Azure ML extension (`stable`, `preview`)"),
            Attribute::new("extension_principal_id", STRING)
                .rest("properties.properties.extensionPrincipalId"),
            Attribute::new("vc_name", STRING).rest("properties.properties.vcName"),
            Attribute::new("identity_type", Enum(IDENTITY_TYPES)).rest("identity.type"),
            Attribute::new("identity_id", StringList).rest("identity.userAssignedIdentities"),
        ],
        one_of: &[],
        computed: &["id", "provisioning_state"],
    },
    ComputeKind {
        block_name: "synapse_spark_compute",
        sdk_class: "SynapseSparkCompute",
        rest_compute_type: "SynapseSpark",
        family: Family::Attached,
        summary: "Synapse Spark pool attached for interactive and pipeline Spark jobs",
        capabilities: "Spark, pipelines",
        attributes: &[
            NAME,
            DESCRIPTION,
            TAGS,
            Attribute::new("resource_id", STRING)
                .required()
                .rest("properties.resourceId")
                .doc("ARM id of the Spark pool: .../Microsoft.Synapse/workspaces/<ws>/bigDataPools/<pool>"),
            Attribute::new("identity_type", Enum(IDENTITY_TYPES))
                .rest("identity.type")
                .doc("The identity the pool's jobs run as"),
            Attribute::new("identity_id", StringList).rest("identity.userAssignedIdentities"),
        ],
        one_of: &[],
        computed: &["id", "provisioning_state"],
    },
    ComputeKind {
        block_name: "data_factory_compute",
        sdk_class: "DataFactoryCompute",
        rest_compute_type: "DataFactory",
        family: Family::Attached,
        summary: "Azure Data Factory attached for data movement in pipelines",
        capabilities: "pipelines only",
        attributes: &[
            NAME,
            DESCRIPTION,
            TAGS,
            Attribute::new("resource_id", STRING)
                .required()
                .rest("properties.resourceId")
                .doc("ARM id of the data factory"),
        ],
        one_of: &[],
        computed: &["id", "provisioning_state"],
    },
];

/// A kind of compute the documents mention that amlform cannot manage, and why.
#[derive(Debug)]
pub struct UnsupportedKind {
    /// Block names a user might write for it.
    pub block_names: &'static [&'static str],
    pub what: &'static str,
    pub reason: &'static str,
    pub hint: &'static str,
}

pub const UNSUPPORTED_KINDS: &[UnsupportedKind] = &[
    UnsupportedKind {
        block_names: &["aci_compute", "container_instance", "aci"],
        what: "an Azure Container Instance",
        reason: "is created only by deploying a model; it cannot be created or attached in any other way",
        hint: "deploy the model to ACI with the Azure ML SDK or CLI; there is no compute target to declare",
    },
    UnsupportedKind {
        block_names: &["local_compute", "local"],
        what: "the local computer",
        reason: "needs no compute target: training on your own machine runs without one",
        hint: "remove the block and run the training script locally",
    },
    UnsupportedKind {
        block_names: &["dsvm_compute", "dsvm"],
        what: "a Data Science VM created by the workspace",
        reason: "is retired: DsvmCompute existed only in the 2018 SDK",
        hint: "create the VM outside Azure ML and attach it with a `remote_compute` block",
    },
    // The v1 SDK's `BatchCompute` sent `computeType: "Batch"`, but no version of the ARM API
    // has that type: not 2024-10-01's `ComputeType`, nor any earlier or later one (the type
    // listings generated for every Microsoft.MachineLearningServices API version in
    // Azure/bicep-types-az have no `Batch`), and the v1 SDK's support ended on 30 June 2026.
    UnsupportedKind {
        block_names: &["batch_compute", "azure_batch_compute"],
        what: "an Azure Batch account",
        reason: "cannot be attached through the Azure ML REST API: no API version has a `Batch` compute type; only the retired v1 SDK's BatchCompute attached one",
        hint: "run the work on an `aml_compute` cluster (a pipeline's parallel job replaces AzureBatchStep), and manage the Batch account outside amlform",
    },
    UnsupportedKind {
        block_names: &["batchai_compute", "batch_ai_compute"],
        what: "a Batch AI cluster",
        reason: "is retired: Batch AI was replaced by the Azure ML compute cluster",
        hint: "declare an `aml_compute` block instead",
    },
];
