//! [`WorkspaceBinding`]: where a workspace's computes go (its provider, ARM coordinates and
//! region), and [`workspace_target`], how a workspace block names them.

use std::collections::BTreeMap;
use std::sync::Arc;

use amlform_lang::EvaluatedWorkspace;
use amlform_provider::{Provider, WorkspaceTarget};

/// Where a workspace's computes go: its provider, its ARM coordinates and region.
#[derive(Debug, Clone)]
pub struct WorkspaceBinding {
    pub provider: Arc<dyn Provider>,
    pub target: WorkspaceTarget,
    pub location: String,
}

/// Every workspace's binding, by the workspace block's label.
pub type Workspaces = BTreeMap<String, WorkspaceBinding>;

/// The ARM coordinates and region a workspace block names: its `name` (the label when it
/// has none), subscription, resource group and `location` (`eastus` when it has none).
pub fn workspace_target(label: &str, workspace: &EvaluatedWorkspace) -> (WorkspaceTarget, String) {
    let text = |name: &str| workspace.attribute(name).unwrap_or_default().to_owned();
    let target = WorkspaceTarget {
        label: label.to_owned(),
        subscription_id: text("subscription_id"),
        resource_group: text("resource_group"),
        name: workspace.attribute("name").unwrap_or(label).to_owned(),
    };
    let location = workspace
        .attribute("location")
        .unwrap_or("eastus")
        .to_owned();
    (target, location)
}
