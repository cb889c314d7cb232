//! [`apply`]: walks a plan's changes through the provider, dependencies first (removals
//! dependents first), at most `parallelism` at a time. Before each request the intent is
//! recorded in the state (`Pending`) and after it the result, so a process that dies at any
//! moment leaves a state the next plan reconciles by reading the service.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::commit_queue::CommitQueue;
use amlform_graph::{Dag, Order, Walk};
use amlform_lang::{
    AttributeMap, ComputeInstance, EvaluatedConfig, Value as ConfigValue, block_of,
};
use amlform_plan::{Action, Plan, ResourceChange};
use amlform_provider::{
    ComputeRequest, PowerAction, ProviderError, RemoteCompute, StateObserver, UnderlyingAction,
};
use amlform_state::{ChangeSet, RecordStatus, StateError, StateRecord, StateStore};

use crate::WorkspaceBinding;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::Value;

/// What the walk reports as it goes, for progress output.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplyEvent {
    Started {
        address: String,
        action: Action,
    },
    Finished {
        address: String,
        action: Action,
        elapsed: Duration,
        arm_id: Option<String>,
    },
    Failed {
        address: String,
        action: Action,
        message: String,
    },
    Skipped {
        address: String,
        because_of: String,
    },
    /// What the service says of a running operation: the compute's provisioning state when
    /// the request is accepted (`Creating`, `Updating`, `Deleting`), then how it ended.
    ServiceState {
        address: String,
        state: String,
    },
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ApplyReport {
    pub succeeded: Vec<(String, Action)>,
    pub failed: Vec<(String, String)>,
    pub skipped: Vec<String>,
    /// Changes never started because of an interrupt.
    pub not_started: Vec<String>,
    /// Changes in flight when a second interrupt stopped the wait: their intent stays
    /// recorded (`Pending`) and the next plan settles them by reading the service.
    pub abandoned: Vec<String>,
}

impl ApplyReport {
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
            && self.skipped.is_empty()
            && self.not_started.is_empty()
            && self.abandoned.is_empty()
    }
}

/// How far an interrupt (Ctrl-C) has gone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Interrupt {
    #[default]
    None,
    /// Start nothing new; let what runs finish and record it.
    Stop,
    /// Stop waiting for what runs too.
    Abandon,
}

/// An interrupt that is never raised, for applies nobody can interrupt.
pub fn no_interrupt() -> tokio::sync::watch::Receiver<Interrupt> {
    tokio::sync::watch::channel(Interrupt::None).1
}

/// The next level the interrupt is raised to; never, once nobody can raise it.
async fn raised(interrupt: &mut tokio::sync::watch::Receiver<Interrupt>) -> Interrupt {
    if interrupt.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
    *interrupt.borrow_and_update()
}

/// Everything an apply needs besides the plan.
pub struct ApplyContext<'a> {
    pub config: &'a EvaluatedConfig,
    pub workspaces: &'a BTreeMap<String, WorkspaceBinding>,
    pub parallelism: usize,
    /// The contents of a file attribute's path (SSH keys, certificates).
    pub read_file: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub on_event: &'a (dyn Fn(ApplyEvent) + Sync),
    /// An instance evaluated again knowing the state's computed values (see
    /// [`known_values`]): how a value known only after apply (`"${aml_compute.a.id}"`) is
    /// sent once what it depends on exists. `None` when it cannot be evaluated.
    pub resolve: &'a (dyn Fn(&str, &KnownValues) -> Option<ComputeInstance> + Sync),
    /// Raised on Ctrl-C (see [`Interrupt`]); [`no_interrupt`] when nothing can raise it.
    pub interrupt: tokio::sync::watch::Receiver<Interrupt>,
}

impl std::fmt::Debug for ApplyContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplyContext")
            .field("parallelism", &self.parallelism)
            .finish_non_exhaustive()
    }
}

/// Why an apply could not start, or could not go on recording its results.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    State(#[from] StateError),
    /// The order of the changes has a cycle (each one named), so none was started.
    #[error(
        "the changes cannot be ordered, so none was made: {0}\n  hint: the dependencies come from the configuration, or from the state for computes no longer in it; remove the `depends_on` or reference that closes the cycle, or `amlform state rm` the record whose remembered dependency does"
    )]
    Cycle(String),
}

/// Why one change failed; the walk skips what depends on it and goes on with the rest.
#[derive(Debug, thiserror::Error)]
enum ChangeError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("the result could not be recorded: {0}")]
    State(#[from] StateError),
    #[error("workspace {0} is not connected")]
    NotConnected(String),
    #[error("{0} is not in the configuration")]
    NotInConfiguration(String),
    #[error("{0} could not be evaluated again with what apply made")]
    NotResolved(String),
    #[error(
        "{attribute} of {address} is still unknown after everything it depends on was applied, so it cannot be sent"
    )]
    StillUnknown { attribute: String, address: String },
    #[error(
        "the replacement {name} is in place, but the old compute {old_name} could not be removed and is no longer tracked: {error}; delete it with `az ml compute delete --name {old_name}`"
    )]
    OldNotRemoved {
        name: String,
        old_name: String,
        error: ProviderError,
    },
}

fn describe_cycles(cycles: &[amlform_graph::Cycle<String>]) -> String {
    let described: Vec<String> = cycles.iter().map(|cycle| cycle.0.join(" -> ")).collect();
    described.join("; ")
}

/// Applies `plan`: removals first (dependents before what they depend on), then everything
/// else (dependencies first). A failure skips what depends on it; independent work goes on.
/// Refused with [`ApplyError::Cycle`] before anything starts when the order has a cycle.
pub async fn apply<S: StateStore + Send>(
    plan: &Plan,
    context: &ApplyContext<'_>,
    store: &Mutex<S>,
) -> Result<ApplyReport, ApplyError> {
    let changes: BTreeMap<&str, &ResourceChange> = plan
        .changes
        .iter()
        .filter(|change| change.action != Action::NoOp)
        .map(|change| (change.address.as_str(), change))
        .collect();
    record_moves(plan, store)?;
    let records: BTreeMap<String, StateRecord> = lock(store)
        .records()?
        .into_iter()
        .map(|record| (record.address.clone(), record))
        .collect();
    let records = &records;
    record_unchanged_dependencies(plan, context.config, records, store)?;
    let mut report = ApplyReport::default();
    let mut interrupt = context.interrupt.clone();
    let mut level = *interrupt.borrow_and_update();
    let ApplyGraph { removals, others } = apply_graph(plan, context.config, records);
    // Both graphs are checked before anything starts: a cycle changes nothing.
    let check = |dag: Dag<String>| {
        (dag.check()).map_err(|cycles| ApplyError::Cycle(describe_cycles(&cycles)))
    };
    let (removals, others) = (check(removals)?, check(others)?);
    let walks = [
        Walk::new(&removals, Order::DependentsFirst, context.parallelism),
        Walk::new(&others, Order::DependenciesFirst, context.parallelism),
    ];
    let mut lock_lost = false;
    let queue = &CommitQueue::new(store);
    for mut walk in walks {
        let mut running = FuturesUnordered::new();
        let mut in_flight = BTreeSet::new();
        let (states, mut state_reports) = tokio::sync::mpsc::unbounded_channel();
        loop {
            if level > Interrupt::None || lock_lost {
                walk.stop();
            }
            for address in walk.start_ready() {
                let change = changes[address.as_str()];
                tracing::debug!(%address, action = change.action.name(), "graph step started");
                (context.on_event)(ApplyEvent::Started {
                    address: address.clone(),
                    action: change.action,
                });
                in_flight.insert(address.clone());
                let states = states.clone();
                running.push(async move {
                    let started = Instant::now();
                    let observer = {
                        let address = address.clone();
                        move |state: &str| {
                            let _ = states.send((address.clone(), state.to_owned()));
                        }
                    };
                    let outcome = run_change(
                        change,
                        context,
                        queue,
                        records.get(&address),
                        std::sync::Arc::new(observer),
                    )
                    .await;
                    (address, change.action, started.elapsed(), outcome)
                });
            }
            if running.is_empty() {
                break;
            }
            // In this order: an interrupt first; the service's states an operation reported
            // before its end (so none is lost to its completion); its commits; its end.
            let (address, action, elapsed, outcome) = tokio::select! {
                biased;
                raised = raised(&mut interrupt) => {
                    level = raised;
                    if level == Interrupt::Abandon {
                        report.abandoned.extend(std::mem::take(&mut in_flight));
                        break;
                    }
                    continue;
                }
                Some((address, state)) = state_reports.recv() => {
                    (context.on_event)(ApplyEvent::ServiceState { address, state });
                    continue;
                }
                () = queue.wanted() => {
                    queue.flush();
                    continue;
                }
                Some(finished) = running.next() => finished,
            };
            in_flight.remove(&address);
            match outcome {
                Ok(arm_id) => {
                    tracing::debug!(%address, action = action.name(), elapsed_ms = elapsed.as_millis() as u64, "graph step succeeded");
                    walk.succeed(&address);
                    report.succeeded.push((address.clone(), action));
                    (context.on_event)(ApplyEvent::Finished {
                        address,
                        action,
                        elapsed,
                        arm_id,
                    });
                }
                Err(error) => {
                    // The state's lock is gone: nothing more may start (each would fail to
                    // record its intent anyway); what runs ends and is reported.
                    if matches!(error, ChangeError::State(StateError::LockLost { .. })) {
                        lock_lost = true;
                        walk.stop();
                    }
                    let message = error.to_string();
                    tracing::warn!(%address, action = action.name(), error = %message, "graph step failed");
                    for skipped in walk.fail(&address) {
                        tracing::debug!(address = %skipped, because_of = %address, "graph step skipped");
                        (context.on_event)(ApplyEvent::Skipped {
                            address: skipped.clone(),
                            because_of: address.clone(),
                        });
                        report.skipped.push(skipped);
                    }
                    report.failed.push((address.clone(), message.clone()));
                    (context.on_event)(ApplyEvent::Failed {
                        address,
                        action,
                        message,
                    });
                }
            }
        }
        // What abandoned operations had queued is written still.
        queue.flush();
        report.not_started.extend(walk.not_started());
    }
    Ok(report)
}

/// `moved` blocks: the records take their new addresses first, in one commit, so everything
/// after (and a process killed after) sees them there. Only the state changes.
fn record_moves<S: StateStore>(plan: &Plan, store: &Mutex<S>) -> Result<(), StateError> {
    let mut store = lock(store);
    let mut change = ChangeSet {
        operation: "apply (moved)".to_owned(),
        ..ChangeSet::default()
    };
    for planned in &plan.changes {
        let Some(previous) = &planned.previous_address else {
            continue;
        };
        if store.record(&planned.address)?.is_some() {
            continue; // moved already (a plan applied again after an interruption)
        }
        if let Some(mut record) = store.record(previous)? {
            record.address = planned.address.clone();
            change.put.push(record);
            change.remove.push(previous.clone());
        }
    }
    if !change.put.is_empty() {
        store.commit(change)?;
    }
    Ok(())
}

/// A compute the plan leaves alone still has its record's dependencies brought up to date
/// with the configuration, so a later destroy orders it by today's edges, not by ones since
/// reversed (which could make a cycle).
fn record_unchanged_dependencies<S: StateStore>(
    plan: &Plan,
    config: &EvaluatedConfig,
    records: &BTreeMap<String, StateRecord>,
    store: &Mutex<S>,
) -> Result<(), StateError> {
    let put: Vec<StateRecord> = (plan.changes.iter())
        .filter(|change| change.action == Action::NoOp)
        .filter_map(|change| {
            let record = records.get(&change.address)?;
            let instance = config.computes.get(&change.address)?;
            let dependencies = recorded_dependencies(instance);
            (record.dependencies != dependencies).then(|| StateRecord {
                dependencies,
                ..record.clone()
            })
        })
        .collect();
    if !put.is_empty() {
        lock(store).commit(ChangeSet {
            put,
            remove: Vec::new(),
            operation: "apply".to_owned(),
        })?;
    }
    Ok(())
}

/// The two graphs an apply walks: removals (walked dependents first, using the dependencies
/// the state remembers) and everything else (walked dependencies first, using the
/// configuration's). Nodes are the addresses of the plan's changes; no-ops are left out.
#[derive(Debug)]
pub struct ApplyGraph {
    pub removals: Dag<String>,
    pub others: Dag<String>,
}

pub fn apply_graph(
    plan: &Plan,
    config: &EvaluatedConfig,
    records: &BTreeMap<String, StateRecord>,
) -> ApplyGraph {
    let changes: BTreeMap<&str, &ResourceChange> = plan
        .changes
        .iter()
        .filter(|change| change.action != Action::NoOp)
        .map(|change| (change.address.as_str(), change))
        .collect();
    let is_removal =
        |change: &ResourceChange| matches!(change.action, Action::Delete | Action::Detach);
    // A dependency names a block (`aml_compute.pool`); with `count` or `for_each` it stands
    // for every instance of the block (`aml_compute.pool["a"]`, ...).
    let mut instances: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for address in changes.keys() {
        instances
            .entry(block_of(address))
            .or_default()
            .push(address);
    }
    let mut removals: Dag<String> = Dag::new();
    let mut others: Dag<String> = Dag::new();
    for (address, change) in &changes {
        let removal = is_removal(change);
        let in_config = config.computes.get(*address);
        // A removal's order comes from the dependencies the state remembers, except where the
        // configuration still declares the compute: its current edges win, so a dependency
        // reversed since the records were written is no cycle.
        let dependencies = match (removal, in_config) {
            (false, instance) | (true, instance @ Some(_)) => {
                instance.map(|instance| instance.depends_on.clone())
            }
            (true, None) => records
                .get(*address)
                .map(|record| record.dependencies.clone()),
        };
        let dag = if removal { &mut removals } else { &mut others };
        dag.add_node((*address).to_owned());
        for dependency in dependencies.unwrap_or_default() {
            let targets = match instances.get(dependency.as_str()) {
                Some(targets) => targets.clone(),
                None => vec![dependency.as_str()],
            };
            for target in targets {
                if target != *address
                    && changes
                        .get(target)
                        .is_some_and(|other| is_removal(other) == removal)
                {
                    dag.add_dependency((*address).to_owned(), target.to_owned());
                }
            }
        }
    }
    ApplyGraph { removals, others }
}

fn lock<S>(store: &Mutex<S>) -> std::sync::MutexGuard<'_, S> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One change, start to finish; `Ok` carries the compute's ARM id when it exists after.
async fn run_change<S: StateStore>(
    change: &ResourceChange,
    context: &ApplyContext<'_>,
    writer: &CommitQueue<'_, S>,
    previous: Option<&StateRecord>,
    observer: StateObserver,
) -> Result<Option<String>, ChangeError> {
    let binding = context
        .workspaces
        .get(&change.workspace)
        .ok_or_else(|| ChangeError::NotConnected(change.workspace.clone()))?;
    let binding = &WorkspaceBinding {
        provider: binding.provider.observed(observer),
        ..binding.clone()
    };
    let name = change.name.as_str();
    match change.action {
        Action::NoOp => Ok(change.arm_id.clone()),
        Action::Forget => {
            writer
                .commit(ChangeSet {
                    put: vec![],
                    remove: vec![change.address.clone()],
                    operation: "apply (removed)".to_owned(),
                })
                .await?;
            Ok(change.arm_id.clone())
        }
        Action::Delete | Action::Detach => {
            let how = if change.action == Action::Detach {
                UnderlyingAction::Detach
            } else {
                UnderlyingAction::Delete
            };
            record_intent(writer, context, change, previous, "delete").await?;
            binding
                .provider
                .delete_compute(&binding.target, name, how)
                .await?;
            writer
                .commit(ChangeSet {
                    put: vec![],
                    remove: vec![change.address.clone()],
                    operation: "apply".to_owned(),
                })
                .await?;
            Ok(None)
        }
        Action::Start | Action::Stop => {
            let power = if change.action == Action::Start {
                PowerAction::Start
            } else {
                PowerAction::Stop
            };
            binding.provider.power(&binding.target, name, power).await?;
            let instance = instance(context, change)?;
            let refreshed = binding.provider.computes(&binding.target).await?;
            let found = refreshed
                .into_iter()
                .find(|compute| compute.name.eq_ignore_ascii_case(name));
            Ok(record_result(writer, context, instance, found.as_ref(), previous).await?)
        }
        Action::Replace {
            attached,
            create_before_destroy,
        } => {
            record_intent(writer, context, change, previous, "replace").await?;
            let how = if attached {
                UnderlyingAction::Detach
            } else {
                UnderlyingAction::Delete
            };
            // The compute to remove goes by the name it has now, which a rename changes.
            let old_name = previous
                .and_then(|record| record.attributes.get("name"))
                .and_then(Value::as_str)
                .or_else(|| {
                    change
                        .arm_id
                        .as_deref()
                        .and_then(|id| id.rsplit('/').next())
                })
                .unwrap_or(name)
                .to_owned();
            let remove_old = || async {
                binding
                    .provider
                    .delete_compute(&binding.target, &old_name, how)
                    .await
            };
            if create_before_destroy && !old_name.eq_ignore_ascii_case(name) {
                // The new one first, so the capacity never goes away; then the old one.
                let created = put(change, context, binding, writer, previous).await?;
                remove_old()
                    .await
                    .map_err(|error| ChangeError::OldNotRemoved {
                        name: name.to_owned(),
                        old_name: old_name.clone(),
                        error,
                    })?;
                Ok(created)
            } else {
                // Names are unique in a workspace: with the same name the old one must go
                // before the new one comes (the plan warns when create_before_destroy asked
                // otherwise).
                remove_old().await?;
                put(change, context, binding, writer, previous).await
            }
        }
        Action::Create | Action::Attach | Action::Update | Action::Import => {
            put(change, context, binding, writer, previous).await
        }
    }
}

async fn put<S: StateStore>(
    change: &ResourceChange,
    context: &ApplyContext<'_>,
    binding: &WorkspaceBinding,
    writer: &CommitQueue<'_, S>,
    previous: Option<&StateRecord>,
) -> Result<Option<String>, ChangeError> {
    let resolved: ComputeInstance;
    let mut instance = instance(context, change)?;
    if instance.unknown_setting().is_some() {
        // Everything it depends on has finished: its values are known now.
        let records = writer.store().records()?;
        resolved = (context.resolve)(&change.address, &known_values(&records))
            .ok_or_else(|| ChangeError::NotResolved(change.address.clone()))?;
        if let Some(name) = resolved.unknown_setting() {
            return Err(ChangeError::StillUnknown {
                attribute: name.to_owned(),
                address: change.address.clone(),
            });
        }
        instance = &resolved;
    }
    if change.action == Action::Import {
        // Adopt first, as it is; changes the configuration asks for follow in the same PUT.
        record_intent(writer, context, change, previous, "import").await?;
    } else {
        record_intent(writer, context, change, previous, "create or update").await?;
    }
    // An update (or an adoption) sends only what the configuration writes: a default it does
    // not write is the service's to keep, as the "Update a AML Compute" example's partial
    // body shows (`examples/Compute/createOrUpdate/AmlCompute.json`).
    let creating = !matches!(change.action, Action::Update | Action::Import);
    let values = config_values(instance, creating);
    let result = binding
        .provider
        .put_compute(&ComputeRequest {
            target: &binding.target,
            name: &change.name,
            kind: instance.kind,
            location: &binding.location,
            values: &values,
            read_file: context.read_file,
        })
        .await;
    let mut created = match result {
        Ok(created) => created,
        Err(error) if error.is_refusal() && previous.is_none() => {
            // Refused before anything existed: forget the intent.
            writer
                .commit(ChangeSet {
                    put: vec![],
                    remove: vec![change.address.clone()],
                    operation: "apply".to_owned(),
                })
                .await?;
            return Err(error.into());
        }
        Err(error) => return Err(error.into()),
    };
    // A compute instance is created running; stop it if the configuration says so.
    if instance.kind.block_name == "compute_instance"
        && instance.str("state") == Some("stopped")
        && created.attributes.get("state").and_then(Value::as_str) != Some("stopped")
    {
        binding
            .provider
            .power(&binding.target, &change.name, PowerAction::Stop)
            .await?;
        created.attributes.insert("state", Value::from("stopped"));
    }
    Ok(record_result(writer, context, instance, Some(&created), previous).await?)
}

fn instance<'a>(
    context: &ApplyContext<'a>,
    change: &ResourceChange,
) -> Result<&'a ComputeInstance, ChangeError> {
    context
        .config
        .computes
        .get(&change.address)
        .ok_or_else(|| ChangeError::NotInConfiguration(change.address.clone()))
}

/// The computed values (`id`, `resource_id`, `provisioning_state`) the state knows, by
/// address: what an evaluation needs to resolve references to them.
pub type KnownValues = BTreeMap<String, BTreeMap<String, amlform_lang::Value>>;

/// What the state knows of each resource's computed attributes: its ARM id, and any other
/// computed attribute the service reported.
pub fn known_values(records: &[StateRecord]) -> KnownValues {
    use amlform_lang::Value as ConfigValue;
    records
        .iter()
        .map(|record| {
            let mut values: BTreeMap<String, ConfigValue> = ["resource_id", "provisioning_state"]
                .into_iter()
                .filter_map(|name| {
                    let value = record.attributes.get(name)?;
                    Some((name.to_owned(), ConfigValue::from_json(value)))
                })
                .collect();
            if let Some(id) = &record.arm_id {
                values.insert("id".to_owned(), ConfigValue::String(id.clone()));
            }
            (record.address.clone(), values)
        })
        .collect()
}

/// The configuration's values as JSON, secrets included (they go to the service only).
/// Creating (`with_defaults`), the defaults it does not write go too; updating, only what it
/// writes, and a `null` for a description or tags it no longer writes, which clears them.
fn config_values(instance: &ComputeInstance, with_defaults: bool) -> BTreeMap<String, Value> {
    let mut values: BTreeMap<String, Value> = instance
        .attributes
        .iter()
        .filter(|(name, attribute)| {
            !matches!(attribute.value, ConfigValue::Null | ConfigValue::Unknown)
                && (with_defaults || **name == "name" || attribute.span.is_some())
        })
        .map(|(name, attribute)| ((*name).to_owned(), amlform_plan::to_json(&attribute.value)))
        .collect();
    if !with_defaults {
        for attribute in instance.kind.attributes.iter().filter(|a| a.user_owned) {
            values
                .entry(attribute.name.to_owned())
                .or_insert(Value::Null);
        }
    }
    values
}

/// Records that a request is about to be sent, so a crash leaves a trace the next plan reads.
/// A new compute's record already holds the fingerprints of the secrets being sent: if the
/// process dies after the service took the request, the compute is adopted with them.
async fn record_intent<S: StateStore>(
    writer: &CommitQueue<'_, S>,
    context: &ApplyContext<'_>,
    change: &ResourceChange,
    previous: Option<&StateRecord>,
    operation: &str,
) -> Result<(), StateError> {
    let mut record = match (previous, context.config.computes.get(&change.address)) {
        (Some(previous), _) => previous.clone(),
        (None, Some(instance)) if change.action != Action::Import => {
            let guard = writer.store();
            state_record(instance, None, None, context.read_file, &|bytes| {
                guard.fingerprint(bytes)
            })
        }
        (None, _) => StateRecord {
            address: change.address.clone(),
            kind: change.kind.clone(),
            workspace: change.workspace.clone(),
            arm_id: change.arm_id.clone(),
            attributes: AttributeMap::default(),
            dependencies: vec![],
            secret_fingerprints: BTreeMap::new(),
            status: RecordStatus::Ready,
        },
    };
    if !record.attributes.contains_key("name") {
        (record.attributes).insert("name".to_owned(), Value::from(change.name.clone()));
    }
    record.status = RecordStatus::Pending {
        operation: operation.to_owned(),
    };
    writer
        .commit(ChangeSet {
            put: vec![record],
            remove: vec![],
            operation: "apply".to_owned(),
        })
        .await
}

/// Records what the service reports after a successful operation, with the fingerprints of
/// the secrets and files sent.
async fn record_result<S: StateStore>(
    writer: &CommitQueue<'_, S>,
    context: &ApplyContext<'_>,
    instance: &ComputeInstance,
    found: Option<&RemoteCompute>,
    previous: Option<&StateRecord>,
) -> Result<Option<String>, StateError> {
    let record = {
        let guard = writer.store();
        state_record(instance, found, previous, context.read_file, &|bytes| {
            guard.fingerprint(bytes)
        })
    };
    let arm_id = found.map(|found| found.arm_id.clone());
    writer
        .commit(ChangeSet {
            put: vec![record],
            remove: vec![],
            operation: "apply".to_owned(),
        })
        .await?;
    Ok(arm_id)
}

/// The record for a compute as the service reports it (`found`), with the configuration's
/// file paths and keyed fingerprints of its secrets and file contents (never the values).
pub fn state_record(
    instance: &ComputeInstance,
    found: Option<&RemoteCompute>,
    previous: Option<&StateRecord>,
    read_file: &dyn Fn(&str) -> Option<String>,
    fingerprint: &dyn Fn(&[u8]) -> String,
) -> StateRecord {
    let mut attributes = found
        .map(RemoteCompute::owned_attributes)
        .unwrap_or_else(|| {
            previous
                .map(|record| record.attributes.clone())
                .unwrap_or_default()
        });
    let mut secret_fingerprints = BTreeMap::new();
    for attribute in instance.kind.attributes {
        let Some(value) = instance.str(attribute.name) else {
            continue;
        };
        if attribute.is_file_path {
            attributes.insert(attribute.name.to_owned(), Value::from(value));
            if let Some(contents) = read_file(value) {
                secret_fingerprints
                    .insert(attribute.name.to_owned(), fingerprint(contents.as_bytes()));
            }
        } else if attribute.sensitive {
            secret_fingerprints.insert(attribute.name.to_owned(), fingerprint(value.as_bytes()));
        }
    }
    StateRecord {
        address: instance.address.clone(),
        kind: instance.kind.block_name.to_owned(),
        workspace: instance.workspace.clone(),
        arm_id: found
            .map(|found| found.arm_id.clone())
            .or_else(|| previous.and_then(|record| record.arm_id.clone())),
        attributes,
        dependencies: recorded_dependencies(instance),
        secret_fingerprints,
        status: RecordStatus::Ready,
    }
}

/// An instance's dependencies as its record keeps them: sorted, once each.
fn recorded_dependencies(instance: &ComputeInstance) -> Vec<String> {
    let dependencies: BTreeSet<&String> = instance.depends_on.iter().collect();
    dependencies.into_iter().cloned().collect()
}
