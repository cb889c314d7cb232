//! [`Provider`]: what amlform reads from a compute service and asks of it, behind one
//! object-safe trait, so the engine holds an `Arc<dyn Provider>` and tests can hand it a fake.

use std::collections::BTreeMap;
use std::sync::Arc;

use amlform_schema::ComputeKind;
use serde_json::Value;

use crate::{RemoteCompute, Usage, VmSizeInfo, WorkspaceTarget};

/// What amlform reads from a compute service and asks of it. Async, so the reads of many
/// workspaces and the writes of many computes overlap; every write is followed through its
/// long-running operation to its end before it returns.
#[async_trait::async_trait]
pub trait Provider: Send + Sync + std::fmt::Debug {
    /// Every compute of the workspace, in one paged list (not one request per compute).
    async fn computes(&self, target: &WorkspaceTarget)
    -> Result<Vec<RemoteCompute>, ProviderError>;
    /// The region's VM sizes, with their cores and prices.
    async fn vm_sizes(
        &self,
        subscription_id: &str,
        location: &str,
    ) -> Result<Vec<VmSizeInfo>, ProviderError>;
    /// The region's quota rows and their use.
    async fn usages(
        &self,
        subscription_id: &str,
        location: &str,
    ) -> Result<Vec<Usage>, ProviderError>;
    /// Creates, attaches or updates the compute, waits for it, and reads it back.
    async fn put_compute(
        &self,
        request: &ComputeRequest<'_>,
    ) -> Result<RemoteCompute, ProviderError>;
    /// Deletes or detaches the compute, and waits until it is gone.
    async fn delete_compute(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        action: UnderlyingAction,
    ) -> Result<(), ProviderError>;
    /// Starts or stops a compute instance, and waits for it; one already as asked is left alone.
    async fn power(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        action: PowerAction,
    ) -> Result<(), ProviderError>;
    /// The same provider, telling `observer` the service's state of each operation as it goes.
    fn observed(&self, observer: StateObserver) -> Arc<dyn Provider>;
}

/// Told the service's state of an operation as it goes: the compute's `provisioningState`
/// when a write is accepted (`Creating`, `Updating`, `Deleting`), then each poll's status.
pub type StateObserver = Arc<dyn Fn(&str) + Send + Sync>;

/// A compute to create, attach or update, in the configuration's terms.
pub struct ComputeRequest<'a> {
    pub target: &'a WorkspaceTarget,
    pub name: &'a str,
    pub kind: &'static ComputeKind,
    /// The workspace's region.
    pub location: &'a str,
    /// The configuration's values as JSON, secrets included (they go to the service only).
    /// A `null` clears a user-owned attribute (`description`, `tags`) the configuration no
    /// longer writes; an attribute left out is the service's to keep.
    pub values: &'a BTreeMap<String, Value>,
    /// The contents of a file attribute's path (SSH keys, certificates).
    pub read_file: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

impl std::fmt::Debug for ComputeRequest<'_> {
    /// Names and kinds only: the values hold secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComputeRequest")
            .field("target", &self.target.label)
            .field("name", &self.name)
            .field("kind", &self.kind.block_name)
            .field("attributes", &self.values.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// What a delete does to the resource behind a compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnderlyingAction {
    /// Delete the compute and what the workspace created for it (managed computes).
    Delete,
    /// Only remove the attachment; the VM or cluster stays (attached computes, always).
    Detach,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    Start,
    Stop,
}

/// Why a provider's read or write did not succeed, in words for the user (with its hint).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    /// The HTTP status of the service's refusal, when it answered with one.
    pub status: Option<u16>,
    pub message: String,
}

impl ProviderError {
    pub fn new(message: impl Into<String>) -> ProviderError {
        ProviderError {
            status: None,
            message: message.into(),
        }
    }

    /// Whether the service refused the request outright (a 4xx answer): nothing was made.
    pub fn is_refusal(&self) -> bool {
        self.status
            .is_some_and(|status| (400..500).contains(&status))
    }
}
