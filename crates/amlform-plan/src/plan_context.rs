//! What a plan says beside its changes: the outputs before and after it (`Changes to Outputs:`,
//! `output_changes`), and for Terraform's plan JSON the state it started from, the
//! configuration, the variables and the attributes other blocks read. None of it holds a
//! secret: a sensitive output or variable has no value here.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::plan::Shown;

/// An output as the state's values make it (`before`) and as the plan would (`after`).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputChange {
    pub name: String,
    /// `Absent` when there was no state to read it from.
    pub before: Shown,
    pub after: Shown,
    pub sensitive: bool,
    /// Whether the value changes (a sensitive one is compared before it is hidden).
    pub changed: bool,
}

impl OutputChange {
    /// Terraform's action for it: `create`, `update`, `delete` or `no-op`.
    pub fn action(&self) -> &'static str {
        match (&self.before, &self.after, self.changed) {
            (_, _, false) => "no-op",
            (Shown::Absent, _, true) => "create",
            (_, Shown::Absent, true) => "delete",
            _ => "update",
        }
    }
}

/// The parts of Terraform's plan JSON that are not about the changes; built only when the
/// plan is shown as JSON or saved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanContext {
    /// The state the plan started from, as Terraform's `values.root_module`; `None` when there
    /// was none.
    pub prior_state: Option<Value>,
    /// Terraform's `configuration` object (`provider_config`, `root_module`).
    pub configuration: Value,
    /// Each variable's value; `None` for a sensitive one.
    pub variables: BTreeMap<String, Option<Value>>,
    /// `(resource address, attribute)` pairs that other blocks read.
    pub relevant_attributes: Vec<(String, String)>,
    /// When the plan was made (RFC 3339, UTC).
    pub timestamp: String,
}
