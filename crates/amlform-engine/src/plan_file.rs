//! [`PlanFile`]: a plan saved with `plan --out FILE`: the changes plus what they were computed
//! from (the state's lineage and serial, and keyed hashes of the configuration and each
//! variable's value), so `show` renders it later and `apply FILE` refuses it once it is stale.
//!
//! The file is a format of its own (as Terraform's `planfile` is), versioned and written
//! through the wire types below, never serde derives of the planner's types: the planner can
//! change its data without changing what a saved file means. It holds no secret: sensitive
//! values are only ever markers in a plan, and the hashes are keyed by the state's key.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use amlform_plan::{
    Action, AttributeChange, OutputChange, Plan, PlanContext, PlanError, ResourceChange,
    ResourceDrift, Shown,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const FORMAT: &str = "amlform-plan";
/// 2: the configuration's files and each variable's value are hashed apart, so a stale plan
/// says which variable differs. 3: the plan file's own wire format (actions and shown values
/// as tagged words, not the planner's Rust names). 4: the outputs before and after, and what
/// Terraform's plan JSON says beside the changes (prior state, configuration, variables).
pub const PLAN_FILE_VERSION: u32 = 4;

/// What a plan was made from, as keyed hashes (they reveal no value, secret or not).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanInputs {
    /// Every configuration file's name and text.
    pub files: String,
    /// Each variable's value, by name.
    pub variables: BTreeMap<String, String>,
}

/// A saved plan and what it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFile {
    pub lineage: String,
    pub serial: u64,
    pub inputs: PlanInputs,
    pub plan: Plan,
}

/// Why a plan file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    // The I/O error is in the message, not a `source`: a chain would say it twice.
    #[error("cannot read the plan file {}: {reason}", path.display())]
    Read {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("cannot write the plan to {}: {reason}", path.display())]
    Write {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("{} is not a plan file written by `amlform plan --out`", path.display())]
    NotAPlan { path: PathBuf },
    #[error("{} was written by an older amlform (plan format {version}); make a new one with `amlform plan --out {}`", path.display(), path.display())]
    Older { path: PathBuf, version: u64 },
    #[error("{} was written by a newer amlform (plan format {version}); upgrade amlform to read it", path.display())]
    Newer { path: PathBuf, version: u64 },
    #[error("{} is damaged: {reason}", path.display())]
    Damaged { path: PathBuf, reason: String },
}

impl PlanFile {
    pub fn new(plan: Plan, lineage: &str, serial: u64, inputs: PlanInputs) -> PlanFile {
        PlanFile {
            lineage: lineage.to_owned(),
            serial,
            inputs,
            plan,
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let wire = WireFile {
            format: FORMAT.to_owned(),
            format_version: PLAN_FILE_VERSION,
            lineage: self.lineage.clone(),
            serial: self.serial,
            inputs: self.inputs.clone(),
            plan: WirePlan::from(&self.plan),
        };
        let bytes = serde_json::to_vec_pretty(&wire).expect("a plan serialises");
        std::fs::write(path, bytes).map_err(|reason| PlanFileError::Write {
            path: path.to_owned(),
            reason,
        })
    }

    /// Reads a saved plan, saying what is wrong when it is not one of this version.
    pub fn read(path: &Path) -> Result<PlanFile, PlanFileError> {
        let bytes = std::fs::read(path).map_err(|reason| PlanFileError::Read {
            path: path.to_owned(),
            reason,
        })?;
        let not_a_plan = || PlanFileError::NotAPlan {
            path: path.to_owned(),
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| not_a_plan())?;
        if value["format"] != FORMAT {
            return Err(not_a_plan());
        }
        let version = value["format_version"].as_u64().unwrap_or(0);
        if version < u64::from(PLAN_FILE_VERSION) {
            let path = path.to_owned();
            return Err(PlanFileError::Older { path, version });
        }
        if version > u64::from(PLAN_FILE_VERSION) {
            let path = path.to_owned();
            return Err(PlanFileError::Newer { path, version });
        }
        let wire: WireFile =
            serde_json::from_value(value).map_err(|error| PlanFileError::Damaged {
                path: path.to_owned(),
                reason: error.to_string(),
            })?;
        Ok(PlanFile {
            lineage: wire.lineage,
            serial: wire.serial,
            inputs: wire.inputs,
            plan: wire.plan.into(),
        })
    }

    /// Why the plan no longer describes what would happen, if it does not. Variables are
    /// named, never their values.
    pub fn staleness(&self, lineage: &str, serial: u64, inputs: &PlanInputs) -> Option<String> {
        if self.lineage != lineage {
            return Some("it was made for another state (its lineage differs)".to_owned());
        }
        if self.serial != serial {
            return Some(format!(
                "the state has changed since it was made (serial {} then, {serial} now)",
                self.serial
            ));
        }
        if self.inputs.files != inputs.files {
            return Some("the configuration files have changed since it was made".to_owned());
        }
        let names: BTreeSet<&String> = (self.inputs.variables.keys())
            .chain(inputs.variables.keys())
            .collect();
        let differ: Vec<String> = names
            .into_iter()
            .filter(|name| self.inputs.variables.get(*name) != inputs.variables.get(*name))
            .map(|name| format!("`{name}`"))
            .collect();
        if !differ.is_empty() {
            return Some(format!(
                "variable {} has another value than when it was made (give it as then: `--var`, a `*.amlvars.hcl` file or `AMLFORM_VAR_<name>`)",
                differ.join(", ")
            ));
        }
        None
    }
}

// ---- the wire format (version 4) ----------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct WireFile {
    format: String,
    format_version: u32,
    lineage: String,
    serial: u64,
    inputs: PlanInputs,
    plan: WirePlan,
}

#[derive(Serialize, Deserialize)]
struct WirePlan {
    changes: Vec<WireChange>,
    drift: Vec<WireDrift>,
    errors: Vec<WireError>,
    warnings: Vec<String>,
    refresh_only: bool,
    outputs: Vec<WireOutput>,
    context: Option<WireContext>,
}

#[derive(Serialize, Deserialize)]
struct WireOutput {
    name: String,
    before: WireShown,
    after: WireShown,
    sensitive: bool,
    changed: bool,
}

#[derive(Serialize, Deserialize)]
struct WireContext {
    prior_state: Option<Value>,
    configuration: Value,
    /// A sensitive variable's value is `null`: it is never written.
    variables: BTreeMap<String, Option<Value>>,
    relevant_attributes: Vec<(String, String)>,
    timestamp: String,
}

#[derive(Serialize, Deserialize)]
struct WireChange {
    address: String,
    kind: String,
    workspace: String,
    name: String,
    action: WireAction,
    reason: Option<String>,
    attributes: Vec<WireAttribute>,
    arm_id: Option<String>,
    import_id: Option<String>,
    /// `[before, after]`.
    hourly_cost: Option<[f64; 2]>,
    previous_address: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireAction {
    NoOp,
    Create,
    Attach,
    Update,
    Replace {
        attached: bool,
        create_before_destroy: bool,
    },
    Delete,
    Detach,
    Start,
    Stop,
    Import,
    Forget,
}

#[derive(Serialize, Deserialize)]
struct WireAttribute {
    name: String,
    before: WireShown,
    after: WireShown,
    changed: bool,
    forces_replacement: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "shown", content = "value", rename_all = "snake_case")]
enum WireShown {
    Absent,
    Value(Value),
    Sensitive,
    KnownAfterApply,
}

#[derive(Serialize, Deserialize)]
struct WireDrift {
    address: String,
    kind: String,
    description: String,
    changes: Vec<WireAttribute>,
    deleted: bool,
}

#[derive(Serialize, Deserialize)]
struct WireError {
    address: String,
    message: String,
    hint: String,
    location: Option<String>,
    attribute: Option<String>,
}

impl From<&Plan> for WirePlan {
    fn from(plan: &Plan) -> WirePlan {
        WirePlan {
            changes: plan.changes.iter().map(WireChange::from).collect(),
            drift: (plan.drift.iter())
                .map(|drift| WireDrift {
                    address: drift.address.clone(),
                    kind: drift.kind.clone(),
                    description: drift.description.clone(),
                    changes: drift.changes.iter().map(WireAttribute::from).collect(),
                    deleted: drift.deleted,
                })
                .collect(),
            errors: (plan.errors.iter())
                .map(|error| WireError {
                    address: error.address.clone(),
                    message: error.message.clone(),
                    hint: error.hint.clone(),
                    location: error.location.clone(),
                    attribute: error.attribute.clone(),
                })
                .collect(),
            warnings: plan.warnings.clone(),
            refresh_only: plan.refresh_only,
            outputs: (plan.outputs.iter())
                .map(|output| WireOutput {
                    name: output.name.clone(),
                    before: WireShown::from(&output.before),
                    after: WireShown::from(&output.after),
                    sensitive: output.sensitive,
                    changed: output.changed,
                })
                .collect(),
            context: plan.context.as_ref().map(|context| WireContext {
                prior_state: context.prior_state.clone(),
                configuration: context.configuration.clone(),
                variables: context.variables.clone(),
                relevant_attributes: context.relevant_attributes.clone(),
                timestamp: context.timestamp.clone(),
            }),
        }
    }
}

impl From<WirePlan> for Plan {
    fn from(wire: WirePlan) -> Plan {
        Plan {
            changes: wire.changes.into_iter().map(ResourceChange::from).collect(),
            drift: (wire.drift.into_iter())
                .map(|drift| ResourceDrift {
                    address: drift.address,
                    kind: drift.kind,
                    description: drift.description,
                    changes: drift
                        .changes
                        .into_iter()
                        .map(AttributeChange::from)
                        .collect(),
                    deleted: drift.deleted,
                })
                .collect(),
            errors: (wire.errors.into_iter())
                .map(|error| PlanError {
                    address: error.address,
                    message: error.message,
                    hint: error.hint,
                    location: error.location,
                    attribute: error.attribute,
                })
                .collect(),
            warnings: wire.warnings,
            refresh_only: wire.refresh_only,
            outputs: (wire.outputs.into_iter())
                .map(|output| OutputChange {
                    name: output.name,
                    before: output.before.into(),
                    after: output.after.into(),
                    sensitive: output.sensitive,
                    changed: output.changed,
                })
                .collect(),
            context: wire.context.map(|context| PlanContext {
                prior_state: context.prior_state,
                configuration: context.configuration,
                variables: context.variables,
                relevant_attributes: context.relevant_attributes,
                timestamp: context.timestamp,
            }),
        }
    }
}

impl From<&ResourceChange> for WireChange {
    fn from(change: &ResourceChange) -> WireChange {
        WireChange {
            address: change.address.clone(),
            kind: change.kind.clone(),
            workspace: change.workspace.clone(),
            name: change.name.clone(),
            action: WireAction::from(change.action),
            reason: change.reason.clone(),
            attributes: change.attributes.iter().map(WireAttribute::from).collect(),
            arm_id: change.arm_id.clone(),
            import_id: change.import_id.clone(),
            hourly_cost: change.hourly_cost.map(|(before, after)| [before, after]),
            previous_address: change.previous_address.clone(),
        }
    }
}

impl From<WireChange> for ResourceChange {
    fn from(wire: WireChange) -> ResourceChange {
        ResourceChange {
            address: wire.address,
            kind: wire.kind,
            workspace: wire.workspace,
            name: wire.name,
            action: wire.action.into(),
            reason: wire.reason,
            attributes: wire
                .attributes
                .into_iter()
                .map(AttributeChange::from)
                .collect(),
            arm_id: wire.arm_id,
            import_id: wire.import_id,
            hourly_cost: wire.hourly_cost.map(|[before, after]| (before, after)),
            previous_address: wire.previous_address,
        }
    }
}

impl From<Action> for WireAction {
    fn from(action: Action) -> WireAction {
        match action {
            Action::NoOp => WireAction::NoOp,
            Action::Create => WireAction::Create,
            Action::Attach => WireAction::Attach,
            Action::Update => WireAction::Update,
            Action::Replace {
                attached,
                create_before_destroy,
            } => WireAction::Replace {
                attached,
                create_before_destroy,
            },
            Action::Delete => WireAction::Delete,
            Action::Detach => WireAction::Detach,
            Action::Start => WireAction::Start,
            Action::Stop => WireAction::Stop,
            Action::Import => WireAction::Import,
            Action::Forget => WireAction::Forget,
        }
    }
}

impl From<WireAction> for Action {
    fn from(wire: WireAction) -> Action {
        match wire {
            WireAction::NoOp => Action::NoOp,
            WireAction::Create => Action::Create,
            WireAction::Attach => Action::Attach,
            WireAction::Update => Action::Update,
            WireAction::Replace {
                attached,
                create_before_destroy,
            } => Action::Replace {
                attached,
                create_before_destroy,
            },
            WireAction::Delete => Action::Delete,
            WireAction::Detach => Action::Detach,
            WireAction::Start => Action::Start,
            WireAction::Stop => Action::Stop,
            WireAction::Import => Action::Import,
            WireAction::Forget => Action::Forget,
        }
    }
}

impl From<&Shown> for WireShown {
    fn from(shown: &Shown) -> WireShown {
        match shown {
            Shown::Absent => WireShown::Absent,
            Shown::Value(value) => WireShown::Value(value.clone()),
            Shown::Sensitive => WireShown::Sensitive,
            Shown::KnownAfterApply => WireShown::KnownAfterApply,
        }
    }
}

impl From<WireShown> for Shown {
    fn from(wire: WireShown) -> Shown {
        match wire {
            WireShown::Absent => Shown::Absent,
            WireShown::Value(value) => Shown::Value(value),
            WireShown::Sensitive => Shown::Sensitive,
            WireShown::KnownAfterApply => Shown::KnownAfterApply,
        }
    }
}

impl From<&AttributeChange> for WireAttribute {
    fn from(change: &AttributeChange) -> WireAttribute {
        WireAttribute {
            name: change.name.to_string(),
            before: WireShown::from(&change.before),
            after: WireShown::from(&change.after),
            changed: change.changed,
            forces_replacement: change.forces_replacement,
        }
    }
}

impl From<WireAttribute> for AttributeChange {
    fn from(wire: WireAttribute) -> AttributeChange {
        AttributeChange {
            name: Cow::Owned(wire.name),
            before: wire.before.into(),
            after: wire.after.into(),
            changed: wire.changed,
            forces_replacement: wire.forces_replacement,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(files: &str, token: &str) -> PlanInputs {
        PlanInputs {
            files: files.to_owned(),
            variables: [("token".to_owned(), token.to_owned())]
                .into_iter()
                .collect(),
        }
    }

    /// A plan with every action and every way a value shows.
    fn every_shape() -> Plan {
        let actions = [
            Action::NoOp,
            Action::Create,
            Action::Attach,
            Action::Update,
            Action::Replace {
                attached: true,
                create_before_destroy: false,
            },
            Action::Replace {
                attached: false,
                create_before_destroy: true,
            },
            Action::Delete,
            Action::Detach,
            Action::Start,
            Action::Stop,
            Action::Import,
            Action::Forget,
        ];
        let attribute = |name: &'static str, before: Shown, after: Shown| AttributeChange {
            name: Cow::Borrowed(name),
            before,
            after,
            changed: true,
            forces_replacement: name == "vm_size",
        };
        Plan {
            changes: (actions.iter().enumerate())
                .map(|(index, action)| ResourceChange {
                    address: format!("aml_compute.c{index}"),
                    kind: "aml_compute".to_owned(),
                    workspace: "dev".to_owned(),
                    name: format!("c{index}"),
                    action: *action,
                    reason: Some("why".to_owned()),
                    attributes: vec![
                        attribute("vm_size", Shown::Absent, Shown::Value("STANDARD_D2".into())),
                        attribute("admin_password", Shown::Sensitive, Shown::Sensitive),
                        attribute("resource_id", Shown::Absent, Shown::KnownAfterApply),
                    ],
                    arm_id: Some(format!("/subscriptions/s/.../computes/c{index}")),
                    import_id: None,
                    hourly_cost: Some((0.0, 1.5)),
                    previous_address: (index == 3).then(|| "aml_compute.old".to_owned()),
                })
                .collect(),
            drift: vec![ResourceDrift {
                address: "aml_compute.c1".to_owned(),
                kind: "aml_compute".to_owned(),
                description: "scaled in the portal".to_owned(),
                changes: vec![attribute(
                    "max_nodes",
                    Shown::Value(2.into()),
                    Shown::Value(4.into()),
                )],
                deleted: false,
            }],
            errors: vec![PlanError {
                address: "aml_compute.c2".to_owned(),
                message: "no".to_owned(),
                hint: "do this".to_owned(),
                location: Some("main.aml.hcl:3:1".to_owned()),
                attribute: Some("vm_size".to_owned()),
            }],
            warnings: vec!["careful".to_owned()],
            refresh_only: false,
            outputs: vec![OutputChange {
                name: "id".to_owned(),
                before: Shown::Absent,
                after: Shown::KnownAfterApply,
                sensitive: false,
                changed: true,
            }],
            context: Some(PlanContext {
                prior_state: Some(serde_json::json!({"resources": []})),
                configuration: serde_json::json!({"root_module": {}}),
                variables: [("token".to_owned(), None), ("n".to_owned(), Some(3.into()))]
                    .into_iter()
                    .collect(),
                relevant_attributes: vec![("aml_compute.c1".to_owned(), "name".to_owned())],
                timestamp: "2026-12-02T00:00:00.0000000+00:00".to_owned(),
            }),
        }
    }

    #[test]
    fn every_shape_of_a_plan_round_trips_through_the_file() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("plan.json");
        let saved = PlanFile::new(every_shape(), "lineage-1", 3, inputs("hash-a", "t1"));
        saved.write(&path).unwrap();
        assert_eq!(PlanFile::read(&path).unwrap(), saved);
        // The file speaks its own words, not the planner's Rust names.
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"type\": \"no_op\""), "{text}");
        assert!(text.contains("\"shown\": \"known_after_apply\""), "{text}");
        assert!(
            !text.contains("NoOp") && !text.contains("KnownAfterApply"),
            "{text}"
        );
    }

    #[test]
    fn a_stale_plan_says_why_and_names_variables_never_their_values() {
        let saved = PlanFile::new(Plan::default(), "lineage-1", 3, inputs("hash-a", "t1"));
        assert_eq!(
            saved.staleness("lineage-1", 3, &inputs("hash-a", "t1")),
            None
        );
        let why = |lineage, serial, inputs| saved.staleness(lineage, serial, &inputs).unwrap();
        assert!(why("lineage-2", 3, inputs("hash-a", "t1")).contains("another state"));
        assert!(why("lineage-1", 4, inputs("hash-a", "t1")).contains("serial 3 then, 4 now"));
        assert!(why("lineage-1", 3, inputs("hash-b", "t1")).contains("configuration files"));
        let variable = why("lineage-1", 3, inputs("hash-a", "t2"));
        assert!(variable.contains("variable `token`"), "{variable}");
        assert!(
            !variable.contains("t2") && !variable.contains("t1"),
            "{variable}"
        );
    }

    #[test]
    fn other_files_and_other_versions_are_refused_by_name() {
        let temp = tempfile::tempdir().unwrap();
        let path = temp.path().join("plan.json");
        let read = |text: &str| {
            std::fs::write(&path, text).unwrap();
            PlanFile::read(&path).unwrap_err().to_string()
        };
        assert!(read("{\"format\": \"something-else\"}").contains("not a plan file"));
        assert!(read("not json").contains("not a plan file"));
        let older = read("{\"format\": \"amlform-plan\", \"format_version\": 2}");
        assert!(older.contains("older amlform (plan format 2)"), "{older}");
        let older = read("{\"format\": \"amlform-plan\", \"format_version\": 3}");
        assert!(older.contains("older amlform (plan format 3)"), "{older}");
        let newer = read("{\"format\": \"amlform-plan\", \"format_version\": 5}");
        assert!(newer.contains("newer amlform (plan format 5)"), "{newer}");
        let damaged = read("{\"format\": \"amlform-plan\", \"format_version\": 4}");
        assert!(damaged.contains("is damaged"), "{damaged}");
    }
}
