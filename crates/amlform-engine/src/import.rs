//! [`import`]: adopts a compute that exists on the service into the state at a block's
//! address, reading it from the service and changing nothing there. The next plan compares it
//! with the configuration.

use amlform_lang::Module;
use amlform_provider::{ProviderError, RemoteCompute};
use amlform_state::{ChangeSet, StateError, StateStore};

use crate::Workspaces;

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "the configuration has no block for {0}\nhint: write the block first (its settings as they are), then import into it"
    )]
    NoBlock(String),
    #[error(
        "`{0}` is not a compute id\nhint: it looks like /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<workspace>/computes/<name>"
    )]
    NotAComputeId(String),
    #[error(
        "{0} is already in the state\nhint: `amlform state rm {0}` first to import something else there"
    )]
    AlreadyInState(String),
    #[error(
        "{compute} is already managed by amlform, as {managing}; nothing was imported\nhint: {hint}"
    )]
    AlreadyManaged {
        compute: String,
        managing: String,
        hint: String,
    },
    #[error("the id names workspace {named}, but {address} is in workspace {label} ({name})")]
    OtherWorkspace {
        named: String,
        address: String,
        label: String,
        name: String,
    },
    #[error("workspace {label} is not connected")]
    NotConnected { label: String },
    #[error("workspace {workspace} has no compute named {compute}")]
    NotFound { workspace: String, compute: String },
    #[error("{compute} is a {compute_type} compute, but {address} is a {block} block")]
    OtherKind {
        compute: String,
        compute_type: String,
        address: String,
        block: &'static str,
    },
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(transparent)]
    State(#[from] StateError),
}

/// `(workspace, compute)` names from an ARM compute id
/// (`/subscriptions/.../workspaces/W/computes/C`), compared without case as ARM does.
pub fn parse_compute_id(id: &str) -> Option<(String, String)> {
    let segment = |name: &str| {
        let mut segments = id.split('/');
        segments
            .by_ref()
            .find(|segment| segment.eq_ignore_ascii_case(name));
        segments.next().map(str::to_owned)
    };
    Some((segment("workspaces")?, segment("computes")?))
}

/// What can be refused before the service is contacted: the block, the id, a state that
/// has the address or the compute already. Returns the workspace and compute names.
pub fn check_import<S: StateStore>(
    module: &Module,
    store: &S,
    address: &str,
    id: &str,
) -> Result<(String, String), ImportError> {
    let instance = (module.evaluated.computes.get(address))
        .ok_or_else(|| ImportError::NoBlock(address.to_owned()))?;
    let (workspace_name, compute_name) =
        parse_compute_id(id).ok_or_else(|| ImportError::NotAComputeId(id.to_owned()))?;
    if store.record(address)?.is_some() {
        return Err(ImportError::AlreadyInState(address.to_owned()));
    }
    // One compute managed at two addresses would be deleted by one and kept by the other.
    let records = store.records()?;
    if let Some(managing) = (records.iter()).find(|record| {
        record
            .arm_id
            .as_deref()
            .is_some_and(|arm_id| arm_id.eq_ignore_ascii_case(id))
            || (record.workspace == instance.workspace
                && (record.attributes.get("name"))
                    .and_then(|name| name.as_str())
                    .is_some_and(|name| name.eq_ignore_ascii_case(&compute_name)))
    }) {
        return Err(ImportError::AlreadyManaged {
            compute: compute_name,
            managing: managing.address.clone(),
            hint: amlform_plan::moved_hint(&managing.address, address),
        });
    }
    Ok((workspace_name, compute_name))
}

/// Imports the compute `id` into the state at `address`, which the configuration must
/// declare; refuses when the address is taken, the compute is managed elsewhere, or it is of
/// another kind (see [`check_import`]). Returns what the service reported.
pub async fn import<S: StateStore>(
    module: &Module,
    workspaces: &Workspaces,
    store: &mut S,
    address: &str,
    id: &str,
) -> Result<RemoteCompute, ImportError> {
    let (workspace_name, compute_name) = check_import(module, store, address, id)?;
    let instance = &module.evaluated.computes[address];
    let binding =
        (workspaces.get(&instance.workspace)).ok_or_else(|| ImportError::NotConnected {
            label: instance.workspace.clone(),
        })?;
    if !binding.target.name.eq_ignore_ascii_case(&workspace_name) {
        return Err(ImportError::OtherWorkspace {
            named: workspace_name,
            address: address.to_owned(),
            label: instance.workspace.clone(),
            name: binding.target.name.clone(),
        });
    }
    let computes = binding.provider.computes(&binding.target).await?;
    let found = (computes.into_iter())
        .find(|compute| compute.name.eq_ignore_ascii_case(&compute_name))
        .ok_or_else(|| ImportError::NotFound {
            workspace: binding.target.name.clone(),
            compute: compute_name.clone(),
        })?;
    if found.kind.map(|kind| kind.block_name) != Some(instance.kind.block_name) {
        return Err(ImportError::OtherKind {
            compute: compute_name,
            compute_type: found.compute_type.clone(),
            address: address.to_owned(),
            block: instance.kind.block_name,
        });
    }
    let record = crate::state_record(
        instance,
        Some(&found),
        None,
        &crate::read_config_file,
        &|bytes| store.fingerprint(bytes),
    );
    store.commit(ChangeSet {
        put: vec![record],
        remove: vec![],
        operation: "import".to_owned(),
    })?;
    Ok(found)
}
