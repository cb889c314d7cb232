//! The diff: configuration (what should be), state (what amlform made) and the service (what
//! is), compared attribute by attribute with the schema's knowledge of what can change in
//! place, into a [`Plan`].

use foldhash::{HashMap, HashSet};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use amlform_graph::in_parallel;
use amlform_lang::{ComputeInstance, EvaluatedConfig, Value as ConfigValue};
use amlform_provider::{INSTANCE_STATE, InstanceState, RemoteCompute};
use amlform_schema::{Attribute, AttributeMap, Mode, Update};
use amlform_state::StateRecord;
use serde_json::Value;

use crate::plan::{Action, AttributeChange, Plan, PlanError, ResourceChange, ResourceDrift, Shown};

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Report drift only; plan no change.
    pub refresh_only: bool,
    /// Addresses to replace even if nothing forces it (`--replace`).
    pub replace: Vec<String>,
    /// Only these addresses (and what they depend on), when not empty (`--target`).
    pub targets: Vec<String>,
    /// Never these addresses (`--exclude`).
    pub exclude: Vec<String>,
    /// Plan to remove everything in the state (`destroy`), as if no compute were declared.
    pub destroy: bool,
}

/// Everything the planner compares.
pub struct PlanInput<'a> {
    pub config: &'a EvaluatedConfig,
    pub state: &'a [StateRecord],
    /// The refreshed computes of each workspace, by workspace label.
    pub remote: &'a BTreeMap<String, Vec<RemoteCompute>>,
    /// The keyed fingerprint of a secret or file attribute's desired value (`None` if unset).
    pub fingerprint: &'a (dyn Fn(&ComputeInstance, &Attribute) -> Option<String> + Sync),
    /// `file:line:column` of a compute block, for errors.
    pub locate: &'a (dyn Fn(&ComputeInstance) -> Option<String> + Sync),
    pub options: PlanOptions,
}

impl std::fmt::Debug for PlanInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanInput")
            .field("state", &self.state.len())
            .finish_non_exhaustive()
    }
}

pub fn plan(input: &PlanInput<'_>) -> Plan {
    // `moved` blocks first: every later step sees the records at their new addresses.
    let moved = crate::moves::apply_moves(input.state, &input.config.moves);
    let state: &[StateRecord] = &moved.records;
    let records: HashMap<&str, &StateRecord> = state
        .iter()
        .map(|record| (record.address.as_str(), record))
        .collect();
    let remote = RemoteIndex::new(input.remote);
    let imports: BTreeMap<&str, String> = input
        .config
        .imports
        .iter()
        .filter_map(|import| Some((import.to.as_str(), import.id.as_str()?.to_owned())))
        .collect();

    let mut plan = Plan {
        refresh_only: input.options.refresh_only,
        ..Plan::default()
    };
    // Each record's drift, and then each instance's change, are independent: all cores work
    // on them, and the results are gathered in order.
    let drifts = in_parallel(state, |record| {
        if !input.remote.contains_key(&record.workspace) {
            // Its workspace was not read: nothing can be said about it, and nothing done.
            return Err(PlanError {
                address: record.address.clone(),
                message: format!(
                    "it is in the state, in workspace {}, which the configuration no longer declares",
                    record.workspace
                ),
                hint: format!(
                    "keep the workspace block until its computes are destroyed, or forget it with `amlform state rm {}` (the compute itself stays)",
                    record.address
                ),
                location: None,
                attribute: None,
            });
        }
        Ok(drift_of(record, find_remote(&remote, record)))
    });
    for drift in drifts {
        match drift {
            Ok(drift) => plan.drift.extend(drift),
            Err(error) => plan.errors.push(error),
        }
    }
    if input.options.refresh_only {
        return plan;
    }

    let instances: Vec<&ComputeInstance> = if input.options.destroy {
        Vec::new()
    } else {
        input.config.computes.values().collect()
    };
    // Asked of every record below: hashing an address beats comparing it, in order, with
    // thousands that share its prefix.
    let declared: HashSet<&str> = (instances.iter())
        .map(|instance| instance.address.as_str())
        .collect();
    let changes = in_parallel(&instances, |instance| {
        compare(input, state, &records, &remote, &imports, instance)
    });
    plan.changes.reserve(changes.len());
    for (instance, change) in instances.into_iter().zip(changes) {
        let (mut change, found) = match change {
            Ok(compared) => compared,
            Err(error) => {
                plan.errors.push(error);
                continue;
            }
        };
        let address = &instance.address;
        if let (
            Action::Replace {
                create_before_destroy: true,
                attached,
            },
            Some(found),
        ) = (change.action, found)
        {
            let desired_name = instance.str("name").unwrap_or_default();
            if found.name.eq_ignore_ascii_case(desired_name) {
                // What the apply will do, in every form of the plan: the old one goes first.
                change.action = Action::Replace {
                    attached,
                    create_before_destroy: false,
                };
                plan.warnings.push(format!(
                    "{address}: create_before_destroy cannot hold: the replacement keeps the name '{desired_name}' and names are unique in a workspace, so the old compute is removed first; give it a new `name` to create the replacement first"
                ));
            }
        }
        if let Some(state) = found
            .and_then(|found| found.attributes.get(INSTANCE_STATE))
            .and_then(Value::as_str)
            .filter(|state| InstanceState::of(state) == InstanceState::Failed)
        {
            plan.warnings.push(format!(
                "{address}: the service reports the compute instance {state}; starting or stopping it cannot help, so amlform leaves it: `--replace={address}` creates it again (its local disk is lost)"
            ));
        }
        if change.action.is_destructive() && instance.lifecycle.prevent_destroy {
            plan.errors.push(PlanError {
                address: address.clone(),
                message: format!(
                    "lifecycle.prevent_destroy is set, but this plan would {} it{}",
                    if matches!(change.action, Action::Replace { .. }) { "replace" } else { "destroy" },
                    change.reason.as_ref().map(|reason| format!(" ({reason})")).unwrap_or_default()
                ),
                hint: "undo the change that forces it, or remove prevent_destroy if destroying it is intended".to_owned(),
                location: (input.locate)(instance),
                attribute: None,
            });
        }
        plan.changes.push(change);
    }

    // In state, gone from the configuration: delete (managed) or detach (attached), or forget
    // it where a `removed` block says `destroy = false`.
    for record in state {
        if declared.contains(record.address.as_str())
            || !input.remote.contains_key(&record.workspace)
        {
            continue;
        }
        let forgotten = (input.config.removals.iter())
            .any(|removal| !removal.destroy && removal.covers(&record.address));
        if forgotten && !input.options.destroy {
            plan.changes
                .push(forget(record, find_remote(&remote, record)));
            continue;
        }
        let Some(found) = find_remote(&remote, record) else {
            continue; // already gone: the drift says so, and applying forgets it
        };
        let attached = found.is_attached;
        plan.changes.push(ResourceChange {
            address: record.address.clone(),
            kind: record.kind.clone(),
            workspace: record.workspace.clone(),
            name: found.name.clone(),
            action: if attached {
                Action::Detach
            } else {
                Action::Delete
            },
            reason: Some(if input.options.destroy {
                "destroy requested".to_owned()
            } else {
                "no longer in the configuration".to_owned()
            }),
            attributes: record
                .attributes
                .iter()
                .map(|(name, value)| AttributeChange {
                    name: Cow::Owned(name.clone()),
                    before: Shown::Value(value.clone()),
                    after: Shown::Absent,
                    changed: true,
                    forces_replacement: false,
                })
                .collect(),
            arm_id: Some(found.arm_id.clone()),
            import_id: None,
            hourly_cost: reported_cost(&record.kind, &found.attributes).map(|before| (before, 0.0)),
            previous_address: None,
        });
    }

    for change in &mut plan.changes {
        let Some(previous) = moved.previous.get(&change.address) else {
            continue;
        };
        change.previous_address = Some(previous.clone());
        let old_name = records
            .get(change.address.as_str())
            .and_then(|record| record.attributes.get("name"))
            .and_then(Value::as_str);
        if let (Some(old_name), Action::Replace { .. }) = (old_name, change.action)
            && !old_name.eq_ignore_ascii_case(&change.name)
        {
            change.reason = Some(format!(
                "its name changes from '{old_name}' to '{}', and the name is the compute's identity in Azure, so the move is a replacement",
                change.name
            ));
        }
    }
    plan.warnings.extend(moved.warnings);
    apply_targeting(&mut plan, input);
    plan.changes.sort_by(|a, b| a.address.cmp(&b.address));
    plan
}

/// A record a `removed` block forgets: the state drops it, the compute stays.
fn forget(record: &StateRecord, found: Option<&RemoteCompute>) -> ResourceChange {
    ResourceChange {
        address: record.address.clone(),
        kind: record.kind.clone(),
        workspace: record.workspace.clone(),
        name: found.map_or_else(
            || {
                (record.attributes.get("name").and_then(Value::as_str))
                    .unwrap_or_default()
                    .to_owned()
            },
            |found| found.name.clone(),
        ),
        action: Action::Forget,
        reason: Some(
            "a removed block with destroy = false: the state forgets it, and the compute is kept"
                .to_owned(),
        ),
        attributes: Vec::new(),
        arm_id: found
            .map(|found| found.arm_id.clone())
            .or_else(|| record.arm_id.clone()),
        import_id: None,
        hourly_cost: None,
        previous_address: None,
    }
}

/// What to add when a block was renamed: the exact `moved` block.
pub fn moved_hint(from: &str, to: &str) -> String {
    format!(
        "if the block was renamed, add this so the state follows it (an import would manage one compute twice):\n\nmoved {{\n  from = {from}\n  to   = {to}\n}}"
    )
}

/// The state's record of the compute with this ARM id, when it has one.
pub fn managed_as<'a>(state: &'a [StateRecord], arm_id: &str) -> Option<&'a StateRecord> {
    state.iter().find(|record| {
        record
            .arm_id
            .as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case(arm_id))
    })
}

/// An instance's change, and the compute it was compared with; or why it cannot be compared.
fn compare<'a>(
    input: &PlanInput<'_>,
    state: &[StateRecord],
    records: &HashMap<&str, &StateRecord>,
    remote: &RemoteIndex<'a>,
    imports: &BTreeMap<&str, String>,
    instance: &ComputeInstance,
) -> Result<(ResourceChange, Option<&'a RemoteCompute>), PlanError> {
    let address = &instance.address;
    let record = records.get(address.as_str()).copied();
    let desired_name = instance.str("name").unwrap_or_default();
    let import_id = imports
        .get(address.as_str())
        .filter(|_| record.is_none())
        .cloned();
    let lookup_name = import_id
        .as_deref()
        .and_then(|id| id.rsplit('/').next())
        .unwrap_or(desired_name);
    let found = match record {
        Some(record) => find_remote(remote, record),
        None => remote.get(&instance.workspace, lookup_name),
    };
    if let (Some(id), None) = (&import_id, found) {
        return Err(PlanError {
            address: address.clone(),
            message: format!("cannot import {id}: workspace {} has no such compute", instance.workspace),
            hint: "check the id in the import block (`az ml compute list` shows the workspace's computes)".to_owned(),
            location: (input.locate)(instance),
            attribute: None,
        });
    }
    if record.is_none()
        && let Some(existing) = found
        && let Some(managing) = managed_as(state, &existing.arm_id)
    {
        // The block was renamed (or an import names a compute already managed): following
        // an `import` hint would delete the compute and create it again.
        return Err(PlanError {
            address: address.clone(),
            message: format!(
                "the compute '{}' in workspace {} is already managed by amlform, as {}",
                existing.name, instance.workspace, managing.address
            ),
            hint: moved_hint(&managing.address, address),
            location: (input.locate)(instance),
            attribute: Some("name".to_owned()),
        });
    }
    if record.is_none()
        && import_id.is_none()
        && let Some(existing) = found
    {
        return Err(PlanError {
            address: address.clone(),
            message: format!(
                "a compute named '{}' already exists in workspace {} and amlform does not manage it",
                existing.name, instance.workspace
            ),
            hint: format!(
                "to manage it, add `import {{ to = {address}, id = \"{}\" }}`; or give this block another name",
                existing.arm_id
            ),
            location: (input.locate)(instance),
            attribute: Some("name".to_owned()),
        });
    }
    Ok((
        diff_compute(input, instance, record, found, import_id),
        found,
    ))
}

/// The refreshed computes by workspace label, then name without regard to case.
struct RemoteIndex<'a>(HashMap<&'a str, HashMap<Cow<'a, str>, &'a RemoteCompute>>);

impl<'a> RemoteIndex<'a> {
    fn new(remote: &'a BTreeMap<String, Vec<RemoteCompute>>) -> Self {
        RemoteIndex(
            remote
                .iter()
                .map(|(workspace, computes)| {
                    let by_name = computes
                        .iter()
                        .map(|compute| (lowercase(&compute.name), compute))
                        .collect();
                    (workspace.as_str(), by_name)
                })
                .collect(),
        )
    }

    fn get(&self, workspace: &str, name: &str) -> Option<&'a RemoteCompute> {
        self.0.get(workspace)?.get(&lowercase(name)).copied()
    }
}

/// Lower-cased, allocating only when there is something to lower.
fn lowercase(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

fn find_remote<'a>(remote: &RemoteIndex<'a>, record: &StateRecord) -> Option<&'a RemoteCompute> {
    let name = record
        .attributes
        .get("name")
        .and_then(Value::as_str)
        .or_else(|| {
            record
                .arm_id
                .as_deref()
                .and_then(|id| id.rsplit('/').next())
        })?;
    remote.get(&record.workspace, name)
}

fn diff_compute(
    input: &PlanInput<'_>,
    instance: &ComputeInstance,
    record: Option<&StateRecord>,
    found: Option<&RemoteCompute>,
    import_id: Option<String>,
) -> ResourceChange {
    let kind = instance.kind;
    let ignore_all = instance
        .lifecycle
        .ignore_changes
        .iter()
        .any(|name| name == "all");
    let exists = found.is_some();
    // The service never returns a secret or a key file, so an import takes the
    // configuration's as they are: they are recorded, not compared.
    let importing = import_id.is_some() && record.is_none();
    let mut attributes = Vec::with_capacity(kind.attributes.len() + kind.computed.len());
    // In name order, as a plan lists them: attributes, then computed values, by position.
    for &position in kind.name_order() {
        let Some(attribute) = kind.attributes.get(position) else {
            let computed = kind.computed[position - kind.attributes.len()];
            let value = match (computed, found) {
                ("id", Some(found)) => Shown::Value(Value::from(found.arm_id.clone())),
                ("resource_id", Some(found)) => found
                    .resource_id
                    .clone()
                    .map_or(Shown::Absent, |id| Shown::Value(Value::from(id))),
                ("provisioning_state", Some(found)) => {
                    Shown::Value(Value::from(found.provisioning_state.clone()))
                }
                (INSTANCE_STATE, Some(found)) => found
                    .attributes
                    .get(INSTANCE_STATE)
                    .map_or(Shown::Absent, |state| Shown::Value(state.clone())),
                _ => Shown::KnownAfterApply,
            };
            attributes.push(AttributeChange {
                name: Cow::Borrowed(computed),
                before: if exists { value.clone() } else { Shown::Absent },
                after: value,
                changed: false,
                forces_replacement: false,
            });
            continue;
        };
        let applies = match attribute.mode {
            Mode::Both => true,
            Mode::CreateOnly => !instance.attached,
            // A created AKS cluster's id is the service's to report, not a setting.
            Mode::AttachOnly => instance.attached,
        };
        if !applies {
            continue;
        }
        let desired = instance.value(attribute.name);
        let recorded = record.and_then(|record| record.attributes.get(attribute.name));
        if matches!(desired, ConfigValue::Null) && recorded.is_none() {
            continue; // not managed: whatever the service has is fine
        }
        let secret = attribute.sensitive || attribute.is_file_path;
        let after = if attribute.sensitive && !matches!(desired, ConfigValue::Null) {
            Shown::Sensitive
        } else {
            shown(desired)
        };
        let before = if !exists {
            Shown::Absent
        } else if attribute.sensitive {
            match record.and_then(|record| record.secret_fingerprints.get(attribute.name)) {
                Some(_) => Shown::Sensitive,
                None => Shown::Absent,
            }
        } else if let Some(value) = found
            .and_then(|found| found.attributes.get(attribute.name))
            .filter(|_| !secret)
        {
            Shown::Value(value.clone())
        } else {
            recorded.cloned().map_or(Shown::Absent, Shown::Value)
        };
        let mut changed = if secret && importing {
            false
        } else if secret && exists {
            let desired_print = (input.fingerprint)(instance, attribute);
            let recorded_print = record
                .and_then(|record| record.secret_fingerprints.get(attribute.name))
                .cloned();
            desired_print != recorded_print
                || (attribute.is_file_path && !same(attribute.name, &before, &after))
        } else {
            !same(attribute.name, &before, &after)
        };
        // A setting the configuration does not write is the service's to choose once the
        // compute exists (Terraform's optional + computed): a default is sent when creating,
        // and afterwards whatever the service reports stands. `remoteLoginPortPublicAccess`,
        // for one, is `NotSpecified` "only during cluster creation time" and reads `Enabled`
        // or `Disabled` after (`AmlComputeProperties`; `examples/Compute/get/AmlCompute.json`).
        // Only a description and tags, which nothing but the configuration sets, are cleared
        // when their line goes.
        let service_chooses =
            attribute.name != "name" && !attribute.user_owned && !written(instance, attribute);
        let ignored = ignore_all
            || service_chooses
            || instance
                .lifecycle
                .ignore_changes
                .iter()
                .any(|name| name == attribute.name);
        if ignored && exists {
            changed = false;
        }
        attributes.push(AttributeChange {
            name: Cow::Borrowed(attribute.name),
            before,
            after: if ignored && exists && !secret {
                attributes_before(found, record, attribute.name)
            } else {
                after
            },
            changed,
            forces_replacement: changed
                && exists
                && (attribute.update == Update::Replace || instance.attached),
        });
    }
    // Unmanaged attributes were skipped: give back the room they would have taken.
    attributes.shrink_to_fit();

    let replace_requested = input
        .options
        .replace
        .iter()
        .any(|address| address == &instance.address);
    let forced: Vec<&str> = attributes
        .iter()
        .filter(|change| change.forces_replacement)
        .map(|change| change.name.as_ref())
        .collect();
    let in_place: Vec<&str> = attributes
        .iter()
        .filter(|change| change.changed && !change.forces_replacement)
        .map(|change| change.name.as_ref())
        .collect();
    let replace = Action::Replace {
        attached: instance.attached,
        create_before_destroy: instance.lifecycle.create_before_destroy,
    };
    let (action, reason) = match found {
        None => (
            if instance.attached {
                Action::Attach
            } else {
                Action::Create
            },
            record.map(|_| "deleted outside amlform; it will be created again".to_owned()),
        ),
        Some(_) if import_id.is_some() => (
            Action::Import,
            Some(format!(
                "import of {}",
                import_id.clone().unwrap_or_default()
            )),
        ),
        Some(found) if found.provisioning_state.eq_ignore_ascii_case("Failed") => (
            replace,
            Some(format!(
                "the service reports it Failed{}",
                found
                    .provisioning_errors
                    .first()
                    .map(|error| format!(" ({error})"))
                    .unwrap_or_default()
            )),
        ),
        Some(_) if replace_requested => (
            replace,
            Some("replacement requested with --replace".to_owned()),
        ),
        Some(_) if record.is_some_and(|record| record.workspace != instance.workspace) => (
            replace,
            Some(format!(
                "it moves from workspace {} to {}",
                record.map_or("", |record| record.workspace.as_str()),
                instance.workspace
            )),
        ),
        Some(_) if !forced.is_empty() => (
            replace,
            Some(if instance.attached {
                format!(
                    "{} of an attached compute can change only by detaching and attaching again",
                    forced.join(", ")
                )
            } else {
                format!("{} cannot change in place", forced.join(", "))
            }),
        ),
        Some(_) if in_place == ["state"] => {
            let running = matches!(instance.value("state").as_str(), Some("running"));
            (if running { Action::Start } else { Action::Stop }, None)
        }
        Some(_) if !in_place.is_empty() => (Action::Update, None),
        Some(_) => (Action::NoOp, None),
    };
    let hourly_cost = if matches!(kind.block_name, "aml_compute" | "compute_instance") {
        // What the compute will have: a default the configuration does not write stays as
        // the service has it (an instance its idle shutdown stopped costs nothing).
        let reported = |name: &str| {
            found
                .filter(|_| !instance.is_set(name))
                .and_then(|found| found.attributes.get(name))
        };
        let after = always_on_cost(
            kind.block_name,
            |name| match reported(name) {
                Some(value) => value.as_f64(),
                None => match instance.value(name) {
                    ConfigValue::Number(number) => Some(*number),
                    _ => None,
                },
            },
            |name| match reported(name) {
                Some(value) => value.as_str(),
                None => instance.str(name),
            },
        );
        let before = found.and_then(|found| reported_cost(kind.block_name, &found.attributes));
        after.map(|after| (before.unwrap_or(0.0), after))
    } else {
        None
    };
    ResourceChange {
        address: instance.address.clone(),
        kind: kind.block_name.to_owned(),
        workspace: instance.workspace.clone(),
        name: instance.str("name").unwrap_or_default().to_owned(),
        action,
        reason,
        attributes,
        arm_id: found.map(|found| found.arm_id.clone()),
        import_id,
        hourly_cost,
        previous_address: None,
    }
}

/// Whether the configuration writes a value for the attribute (a `null` is not one).
fn written(instance: &ComputeInstance, attribute: &Attribute) -> bool {
    (instance.attributes.get(attribute.name))
        .is_some_and(|set| set.span.is_some() && !matches!(set.value, ConfigValue::Null))
}

/// What the nodes that never scale away cost per hour: a cluster's `min_nodes`, a running
/// compute instance. `None` for other kinds and for sizes without a price.
/// `number` and `text` look an attribute up by name.
fn always_on_cost<'a>(
    kind: &str,
    number: impl Fn(&'static str) -> Option<f64>,
    text: impl Fn(&'static str) -> Option<&'a str>,
) -> Option<f64> {
    let nodes = match kind {
        "aml_compute" => number("min_nodes").unwrap_or(0.0),
        "compute_instance" => f64::from(u8::from(text("state") != Some("stopped"))),
        _ => return None,
    };
    let size = text("vm_size")?;
    let low_priority = text("vm_priority") == Some("lowpriority");
    Some(nodes * crate::vm_prices::hourly_price(size, low_priority)?)
}

/// [`always_on_cost`] of what the service reports.
fn reported_cost(kind: &str, attributes: &AttributeMap<&'static str, Value>) -> Option<f64> {
    always_on_cost(
        kind,
        |name| attributes.get(name)?.as_f64(),
        |name| attributes.get(name)?.as_str(),
    )
}

fn attributes_before(
    found: Option<&RemoteCompute>,
    record: Option<&StateRecord>,
    name: &str,
) -> Shown {
    found
        .and_then(|found| found.attributes.get(name))
        .or_else(|| record.and_then(|record| record.attributes.get(name)))
        .cloned()
        .map_or(Shown::Absent, Shown::Value)
}

/// What changed on the service since the state was written.
fn drift_of(record: &StateRecord, found: Option<&RemoteCompute>) -> Option<ResourceDrift> {
    let Some(found) = found else {
        return Some(ResourceDrift {
            address: record.address.clone(),
            kind: record.kind.clone(),
            description: "deleted outside amlform".to_owned(),
            changes: Vec::new(),
            deleted: true,
        });
    };
    let mut changes: Vec<AttributeChange> = record
        .attributes
        .iter()
        .filter_map(|(name, before)| {
            let after = found.attributes.get(name)?;
            (!same_value(name, before, after)).then(|| AttributeChange {
                name: Cow::Owned(name.clone()),
                before: Shown::Value(before.clone()),
                after: Shown::Value(after.clone()),
                changed: true,
                forces_replacement: false,
            })
        })
        .collect();
    // An instance busy with a job (`Running` -> `JobRunning`) has not drifted; the service's
    // word is shown only beside a change it explains.
    if changes.iter().all(|change| change.name == INSTANCE_STATE) {
        changes.clear();
    }
    let broken = found.provisioning_state.eq_ignore_ascii_case("Failed");
    if changes.is_empty() && !broken {
        return None;
    }
    let description = if broken {
        format!(
            "the service reports it Failed{}",
            found
                .provisioning_errors
                .first()
                .map(|error| format!(": {error}"))
                .unwrap_or_default()
        )
    } else {
        "changed outside amlform".to_owned()
    };
    Some(ResourceDrift {
        address: record.address.clone(),
        kind: record.kind.clone(),
        description,
        changes,
        deleted: false,
    })
}

/// `--target` keeps the named resources and what they depend on (with `--destroy`, what
/// depends on them); `--exclude` drops names.
/// An address that names nothing in the configuration or the state is an error (a typo would
/// otherwise plan nothing, or everything, and look like success); any targeting is a warning,
/// as in Terraform, since the plan may then not be all the configuration asks for.
fn apply_targeting(plan: &mut Plan, input: &PlanInput<'_>) {
    let options = &input.options;
    let flags = [
        ("--target", &options.targets),
        ("--exclude", &options.exclude),
        ("--replace", &options.replace),
    ];
    for (flag, addresses) in flags {
        for address in addresses {
            if !names_something(address, input) {
                plan.errors.push(PlanError {
                    address: address.clone(),
                    message: format!(
                        "{flag} names no resource of the configuration or the state"
                    ),
                    hint: "an address is `KIND.NAME` or `KIND.NAME[KEY]` (`aml_compute.cpu`, `aml_compute.pool[\"a\"]`), in a module `module.NAME[KEY].` before it, or a module alone (`module.team`); `amlform state list` lists the state's".to_owned(),
                    location: None,
                    attribute: None,
                });
            }
        }
    }
    if !options.targets.is_empty() || !options.exclude.is_empty() {
        plan.warnings.push(format!(
            "{}: this plan covers only part of the configuration (-target / -exclude), so it may not be all the changes it asks for; targeting is for exceptional situations, not routine use",
            crate::json_view::TARGETING_WARNING
        ));
    }
    if !options.targets.is_empty() {
        let mut keep: BTreeSet<String> = BTreeSet::new();
        let mut pending: Vec<String> = options.targets.clone();
        if options.destroy {
            // Destroying a target destroys what depends on it, never what it depends on; a
            // module's dependents are those of everything in it.
            let dependents = dependents(input.state);
            pending.extend(
                (input.state.iter())
                    .filter(|record| {
                        (options.targets.iter())
                            .any(|target| amlform_schema::is_under(&record.address, target))
                    })
                    .map(|record| record.address.clone()),
            );
            while let Some(address) = pending.pop() {
                if !keep.insert(address.clone()) {
                    continue;
                }
                let base = base_address(&address);
                let mut found: Vec<&str> = Vec::new();
                found.extend(dependents.on.get(address.as_str()).into_iter().flatten());
                if base == address {
                    found.extend(dependents.on_any_instance.get(&base).into_iter().flatten());
                } else {
                    found.extend(dependents.on.get(base.as_str()).into_iter().flatten());
                }
                pending.extend(found.into_iter().map(str::to_owned));
            }
        }
        // An address is an instance, or a block of instances.
        let mut by_block: HashMap<String, Vec<&ComputeInstance>> = HashMap::default();
        for (address, instance) in &input.config.computes {
            by_block
                .entry(base_address(address))
                .or_default()
                .push(instance);
        }
        while let Some(address) = pending.pop() {
            if !keep.insert(address.clone()) {
                continue;
            }
            let instances = match input.config.computes.get(&address) {
                Some(instance) => vec![instance],
                None => match by_block.get(&address) {
                    Some(found) => found.clone(),
                    // A module: everything in it.
                    None => (input.config.computes.iter())
                        .filter(|(key, _)| amlform_schema::is_under(key, &address))
                        .map(|(_, instance)| instance)
                        .collect(),
                },
            };
            for instance in instances {
                pending.extend(instance.depends_on.iter().cloned());
            }
        }
        plan.changes.retain(|change| {
            keep.contains(&change.address)
                || keep.contains(&base_address(&change.address))
                || (options.targets.iter())
                    .any(|target| amlform_schema::is_under(&change.address, target))
        });
    }
    if !options.exclude.is_empty() {
        plan.changes.retain(|change| {
            !(options.exclude.iter())
                .any(|excluded| amlform_schema::is_under(&change.address, excluded))
        });
    }
}

/// Who depends on what, from the state's records.
struct Dependents<'a> {
    /// By the address depended on, exactly as recorded.
    on: HashMap<&'a str, Vec<&'a str>>,
    /// By the block of the address depended on (`aml_compute.pool` for `…pool["a"]`).
    on_any_instance: HashMap<String, Vec<&'a str>>,
}

fn dependents(state: &[StateRecord]) -> Dependents<'_> {
    let mut found = Dependents {
        on: HashMap::default(),
        on_any_instance: HashMap::default(),
    };
    for record in state {
        for on in &record.dependencies {
            let dependent = record.address.as_str();
            found.on.entry(on.as_str()).or_default().push(dependent);
            (found.on_any_instance.entry(base_address(on)).or_default()).push(dependent);
        }
    }
    found
}

/// Whether `address` is a compute of the configuration or a record of the state, as an
/// instance or as the block of instances.
fn names_something(address: &str, input: &PlanInput<'_>) -> bool {
    let matches = |candidate: &str| amlform_schema::is_under(candidate, address);
    input.config.computes.keys().any(|key| matches(key))
        || input.state.iter().any(|record| matches(&record.address))
}

/// `aml_compute.pool["a"]` → `aml_compute.pool`, so a target names every instance of a block.
fn base_address(address: &str) -> String {
    amlform_schema::block_of(address).to_owned()
}

/// A configuration value as the plan shows it.
pub fn shown(value: &ConfigValue) -> Shown {
    match value {
        ConfigValue::Null => Shown::Absent,
        ConfigValue::Unknown => Shown::KnownAfterApply,
        other => Shown::Value(to_json(other)),
    }
}

/// A configuration value as JSON (whole numbers as integers): [`ConfigValue::to_json`].
pub fn to_json(value: &ConfigValue) -> Value {
    value.to_json()
}

/// Equal for planning: ids and sizes without regard to case, lists of ids as sets.
fn same(attribute: &str, before: &Shown, after: &Shown) -> bool {
    match (before, after) {
        (Shown::Value(a), Shown::Value(b)) => same_value(attribute, a, b),
        (Shown::KnownAfterApply, _) | (_, Shown::KnownAfterApply) => false,
        (a, b) => a == b,
    }
}

fn same_value(attribute: &str, a: &Value, b: &Value) -> bool {
    // `NotSpecified` leaves the choice to the service, which reports `Enabled` or `Disabled`
    // after creation (`AmlComputeProperties.remoteLoginPortPublicAccess`).
    if attribute == "remote_login_port_public_access"
        && [a, b]
            .iter()
            .any(|value| value.as_str() == Some("NotSpecified"))
    {
        return true;
    }
    let case_insensitive = matches!(
        attribute,
        "vm_size" | "resource_id" | "identity_id" | "identity_type"
    );
    match (a, b) {
        (Value::String(a), Value::String(b)) if case_insensitive => a.eq_ignore_ascii_case(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) if attribute == "identity_id" => {
            let normalise = |items: &Vec<Value>| {
                let mut ids: Vec<String> = items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_ascii_lowercase)
                    .collect();
                ids.sort();
                ids
            };
            normalise(a) == normalise(b)
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_value(attribute, a, b))
        }
        (a, b) => a == b,
    }
}
