//! The plan as data: one [`ResourceChange`] per resource, sorted by address, plus drift and
//! errors. Pure data; views live in `text_view` and `json_view`.

use std::borrow::Cow;

use serde_json::Value;

use crate::plan_context::{OutputChange, PlanContext};

/// What will happen to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    NoOp,
    Create,
    Attach,
    Update,
    /// Delete then create (managed), or detach then attach (attached).
    Replace {
        attached: bool,
        create_before_destroy: bool,
    },
    Delete,
    Detach,
    Start,
    Stop,
    /// Adopt an existing compute into state (from an `import` block).
    Import,
    /// Drop from the state, leaving the compute as it is (a `removed` block with
    /// `destroy = false`).
    Forget,
}

impl Action {
    /// Terraform's `resource_changes[].change.actions` vocabulary.
    pub fn terraform_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp | Action::Import => &["no-op"],
            Action::Create | Action::Attach => &["create"],
            Action::Update | Action::Start | Action::Stop => &["update"],
            Action::Replace {
                create_before_destroy: true,
                ..
            } => &["create", "delete"],
            Action::Replace { .. } => &["delete", "create"],
            Action::Delete | Action::Detach => &["delete"],
            Action::Forget => &["forget"],
        }
    }

    /// amlform's own name of the action, finer than Terraform's.
    pub fn name(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Attach => "attach",
            Action::Update => "update",
            Action::Replace { attached: true, .. } => "reattach",
            Action::Replace { .. } => "replace",
            Action::Delete => "delete",
            Action::Detach => "detach",
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Import => "import",
            Action::Forget => "forget",
        }
    }

    pub fn is_destructive(self) -> bool {
        matches!(
            self,
            Action::Replace { .. } | Action::Delete | Action::Detach
        )
    }
}

/// A value as a plan may show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Absent,
    Value(Value),
    Sensitive,
    KnownAfterApply,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttributeChange {
    /// Schema attribute names are borrowed; names read back from state are owned.
    pub name: Cow<'static, str>,
    pub before: Shown,
    pub after: Shown,
    /// Whether it changes. Not `before != after`: a changed secret shows `(sensitive value)`
    /// on both sides.
    pub changed: bool,
    pub forces_replacement: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    pub address: String,
    /// The block name (`aml_compute`).
    pub kind: String,
    pub workspace: String,
    /// The compute's name in its workspace.
    pub name: String,
    pub action: Action,
    /// Why, in words (`vm_size cannot change in place`, `deleted outside amlform`).
    pub reason: Option<String>,
    /// Every attribute, changed or not, in name order; `changed()` filters.
    pub attributes: Vec<AttributeChange>,
    /// The ARM id when the compute exists.
    pub arm_id: Option<String>,
    /// For imports: the id imported.
    pub import_id: Option<String>,
    /// Hourly cost of always-on nodes, before and after (`min_nodes` x price).
    pub hourly_cost: Option<(f64, f64)>,
    /// The address the state knew it by, when a `moved` block gave it this one.
    pub previous_address: Option<String>,
}

impl ResourceChange {
    /// Whether applying it does anything: an action, or only a new address for the state.
    pub fn does_something(&self) -> bool {
        self.action != Action::NoOp || self.previous_address.is_some()
    }
}

impl ResourceChange {
    pub fn changed(&self) -> impl Iterator<Item = &AttributeChange> {
        self.attributes.iter().filter(|change| change.changed)
    }

    pub fn forced_by(&self) -> Vec<&str> {
        self.changed()
            .filter(|change| change.forces_replacement)
            .map(|change| change.name.as_ref())
            .collect()
    }
}

/// Something that changed outside amlform since the state was written.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDrift {
    pub address: String,
    pub kind: String,
    pub description: String,
    pub changes: Vec<AttributeChange>,
    /// The compute is gone from the service.
    pub deleted: bool,
}

/// A problem that makes the plan unusable (`prevent_destroy`, a name taken in the region).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanError {
    pub address: String,
    pub message: String,
    pub hint: String,
    /// `file:line:column` of the block, when known.
    pub location: Option<String>,
    /// The attribute the error is about (its line is the one shown), when there is one.
    pub attribute: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub changes: Vec<ResourceChange>,
    pub drift: Vec<ResourceDrift>,
    pub errors: Vec<PlanError>,
    pub warnings: Vec<String>,
    /// Only drift was asked for (`--refresh-only`).
    pub refresh_only: bool,
    /// The configuration's outputs before and after (empty when it declares none).
    pub outputs: Vec<OutputChange>,
    /// What Terraform's plan JSON adds (`prior_state`, `configuration`, ...), when asked for.
    pub context: Option<PlanContext>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub import: usize,
    /// Computes the state forgets without touching them.
    pub forget: usize,
    /// Computes that only get a new address.
    pub moved: usize,
}

impl Plan {
    /// Counts as Terraform does: a replacement adds one and destroys one.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::Create | Action::Attach => summary.add += 1,
                Action::Update | Action::Start | Action::Stop => summary.change += 1,
                Action::Replace { .. } => {
                    summary.add += 1;
                    summary.destroy += 1;
                }
                Action::Delete | Action::Detach => summary.destroy += 1,
                Action::Import => {
                    summary.import += 1;
                    if change.changed().next().is_some() {
                        summary.change += 1;
                    }
                }
                Action::NoOp => {}
                Action::Forget => summary.forget += 1,
            }
            if change.previous_address.is_some() {
                summary.moved += 1;
            }
        }
        summary
    }

    /// Total hourly cost of always-on nodes before and after, over the changes that have one.
    pub fn hourly_cost(&self) -> Option<(f64, f64)> {
        let costs: Vec<(f64, f64)> = self
            .changes
            .iter()
            .filter_map(|change| change.hourly_cost)
            .collect();
        (!costs.is_empty()).then(|| {
            costs.iter().fold((0.0, 0.0), |(a, b), (before, after)| {
                (a + before, b + after)
            })
        })
    }

    /// Whether applying would do anything (changes, or drift to accept).
    pub fn has_changes(&self) -> bool {
        if self.refresh_only {
            return !self.drift.is_empty();
        }
        self.changes.iter().any(ResourceChange::does_something)
    }
}
