//! The provider boundary: what amlform reads from a compute service and asks of it.
//!
//! The [`Provider`] trait (list computes, VM sizes, usages; put, delete, start and stop), and
//! its data: a workspace as the configuration names it ([`WorkspaceTarget`]), a compute as the
//! service reports it in the configuration's terms ([`RemoteCompute`]), a region's VM sizes
//! and usages, and what a compute instance's state means ([`InstanceState`]). The planner
//! reads these and nothing else of the service; the engine drives an `Arc<dyn Provider>`;
//! `amlform-azure` implements it over ARM's REST API. No HTTP, no I/O.

mod instance_state;
mod provider;

use amlform_schema::{AttributeMap, ComputeKind};
use serde_json::Value;

pub use instance_state::InstanceState;
pub use provider::{
    ComputeRequest, PowerAction, Provider, ProviderError, StateObserver, UnderlyingAction,
};

/// The computed value holding a compute instance's state in the service's words
/// (`JobRunning`), beside the declared `state` it maps to (`running`).
pub const INSTANCE_STATE: &str = "instance_state";

/// A workspace as the configuration names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkspaceTarget {
    /// The workspace block's label.
    pub label: String,
    pub subscription_id: String,
    pub resource_group: String,
    pub name: String,
}

impl WorkspaceTarget {
    pub fn path(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
            self.subscription_id, self.resource_group, self.name
        )
    }
}

/// A compute as the service reports it, in configuration terms.
#[derive(Debug, Clone)]
pub struct RemoteCompute {
    pub name: String,
    pub arm_id: String,
    /// `None` for compute types amlform does not manage (Kubernetes, Synapse, ...).
    pub kind: Option<&'static ComputeKind>,
    pub compute_type: String,
    pub provisioning_state: String,
    /// `code: message` of each provisioning error.
    pub provisioning_errors: Vec<String>,
    pub is_attached: bool,
    pub resource_id: Option<String>,
    pub attributes: AttributeMap<&'static str, Value>,
}

impl RemoteCompute {
    /// The attributes keyed as a state record keeps them.
    pub fn owned_attributes(&self) -> AttributeMap<String, Value> {
        (self.attributes.iter())
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect()
    }
}

/// A VM size of a region, with what the planner needs: validity, cores, price.
#[derive(Debug, Clone, PartialEq)]
pub struct VmSizeInfo {
    pub name: String,
    pub family: String,
    pub vcpus: u64,
    /// Linux pay-as-you-go price per hour (dedicated, low priority), when the service gives it.
    pub price_per_hour: Option<f64>,
    pub low_priority_price_per_hour: Option<f64>,
}

/// One quota's use in a region (`usages`).
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// What the row counts: `Microsoft.MachineLearningServices/vmFamily/usages` (a VM family),
    /// `.../dedicatedCores/usages` (the region's dedicated total), `.../lowPriorityCores/usages`,
    /// `.../totalCores/usages` (clusters), or a workspace's or compute's share
    /// (`.../workspaces/usages`, `.../workspaces/computes/usages`), as `examples/Usage/list.json`.
    pub kind: String,
    /// `Standard DSv2 Family Cluster Dedicated vCPUs`.
    pub name: String,
    pub current: u64,
    /// `u64::MAX` where the service says `-1` (no limit).
    pub limit: u64,
}

impl Usage {
    /// Whether the row is of this type (`vmFamily`, `dedicatedCores`, ...).
    pub fn is(&self, kind: &str) -> bool {
        self.kind
            .strip_prefix("Microsoft.MachineLearningServices/")
            .and_then(|rest| rest.strip_suffix("/usages"))
            .is_some_and(|rest| rest.eq_ignore_ascii_case(kind))
    }
}
