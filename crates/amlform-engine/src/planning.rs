//! The plan pipeline, as the CLI and the tests run it: [`refresh`] every workspace (one paged
//! list each) and every region's sizes and usages at once, settle what an interrupted apply
//! left pending ([`settle_interrupted`]), then [`plan`]: the planner's diff plus the checks of
//! what the configuration asks of the service. In the shape of Terraform's
//! `Context.Plan(config, prior state, options)`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use amlform_lang::{ComputeInstance, EvaluatedConfig, Module, expand_home};
use amlform_plan::{Plan, PlanInput, PlanOptions, Region, RegionFacts};
use amlform_provider::{ProviderError, RemoteCompute};
use amlform_schema::Attribute;
use amlform_state::{RecordStatus, StateError, StateRecord, StateStore};

use crate::{PlanInputs, Workspaces};

/// What refresh learned: every workspace's computes (by label), each region's sizes and
/// usages, and a warning for each region whose facts could not be read.
#[derive(Debug, Default, Clone)]
pub struct Refreshed {
    pub remote: BTreeMap<String, Vec<RemoteCompute>>,
    pub regions: BTreeMap<Region, RegionFacts>,
    pub warnings: Vec<String>,
}

/// Why the service could not be read, or what it said could not be settled: no plan is made.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("cannot read the computes of workspace {label} ({name}): {reason}")]
    Refresh {
        label: String,
        name: String,
        reason: ProviderError,
    },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(
        "operations on {} are still running on the service after an hour\nhint: check them in the Azure portal, then run the command again",
        .0.join(", ")
    )]
    StillRunning(Vec<String>),
    #[error("a refresh task failed: {0}")]
    Task(String),
}

/// Every compute of every workspace (one paged list per workspace), and the VM sizes and
/// usages of every region, all at once.
pub async fn refresh(
    config: &EvaluatedConfig,
    workspaces: &Workspaces,
) -> Result<Refreshed, RefreshError> {
    let started = Instant::now();
    let mut lists = tokio::task::JoinSet::new();
    let mut facts = tokio::task::JoinSet::new();
    let mut regions_seen = BTreeSet::new();
    for (label, binding) in workspaces {
        let (provider, target) = (binding.provider.clone(), binding.target.clone());
        lists.spawn(async move {
            let computes = provider.computes(&target).await;
            (target, computes)
        });
        let Some(region) = amlform_plan::region_of(config, label) else {
            continue;
        };
        if regions_seen.insert(region.clone()) {
            let provider = binding.provider.clone();
            facts.spawn(async move {
                let sizes = provider.vm_sizes(&region.0, &region.1).await;
                let usages = provider.usages(&region.0, &region.1).await;
                (region, sizes, usages)
            });
        }
    }
    let mut refreshed = Refreshed::default();
    while let Some(joined) = lists.join_next().await {
        let (target, computes) = joined.map_err(|error| RefreshError::Task(error.to_string()))?;
        let computes = computes.map_err(|reason| RefreshError::Refresh {
            label: target.label.clone(),
            name: target.name.clone(),
            reason,
        })?;
        refreshed.remote.insert(target.label, computes);
    }
    while let Some(joined) = facts.join_next().await {
        let (region, sizes, usages) =
            joined.map_err(|error| RefreshError::Task(error.to_string()))?;
        match (sizes, usages) {
            (Ok(sizes), Ok(usages)) => {
                refreshed
                    .regions
                    .insert(region, RegionFacts { sizes, usages });
            }
            (Err(error), _) | (_, Err(error)) => refreshed.warnings.push(format!(
                "VM sizes and quota of {} were not checked: {error}",
                region.1
            )),
        }
    }
    tracing::info!(
        workspaces = refreshed.remote.len(),
        computes = refreshed.remote.values().map(Vec::len).sum::<usize>(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "refreshed"
    );
    Ok(refreshed)
}

/// What the pipeline tells the user as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanEvent {
    /// Operations an interrupted apply started are still running on the service; the
    /// pipeline waits for them (up to an hour) before adopting the computes.
    WaitingForInterrupted { addresses: Vec<String> },
    /// What an interrupted apply left pending was settled: computes it had started adopted
    /// as the service reports them, ones it never created (or finished deleting) forgotten.
    /// `recorded`: in the state (an apply or destroy), or only in memory (a plan).
    Reconciled {
        adopted: usize,
        forgotten: usize,
        recorded: bool,
    },
}

/// Refreshes and settles what an interrupted apply left pending. `writes` (an apply or a
/// destroy) first waits out the operations such an apply left running (adopting a compute
/// still `Creating` would record it ready, and the next change would meet a 409), and
/// records what it settles; a plan settles it in memory only.
pub async fn refresh_settled<S: StateStore>(
    config: &EvaluatedConfig,
    workspaces: &Workspaces,
    store: &mut S,
    records: &mut Vec<StateRecord>,
    writes: bool,
    on_event: &(dyn Fn(PlanEvent) + Sync),
) -> Result<Refreshed, RefreshError> {
    let refreshed = refresh(config, workspaces).await;
    settle(
        config, workspaces, store, records, writes, on_event, refreshed,
    )
    .await
}

/// [`refresh_settled`] from a refresh already made: a plan reads the service while its
/// configuration evaluates.
pub async fn settle<S: StateStore>(
    config: &EvaluatedConfig,
    workspaces: &Workspaces,
    store: &mut S,
    records: &mut Vec<StateRecord>,
    writes: bool,
    on_event: &(dyn Fn(PlanEvent) + Sync),
    refreshed: Result<Refreshed, RefreshError>,
) -> Result<Refreshed, RefreshError> {
    let mut refreshed = refreshed?;
    if writes {
        let deadline = Instant::now() + Duration::from_secs(3600);
        let mut told = false;
        loop {
            let busy = still_running(records, &refreshed.remote);
            if busy.is_empty() {
                break;
            }
            if Instant::now() > deadline {
                return Err(RefreshError::StillRunning(busy));
            }
            if !told {
                on_event(PlanEvent::WaitingForInterrupted { addresses: busy });
                told = true;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            refreshed.remote = refresh(config, workspaces).await?.remote;
        }
    }
    settle_interrupted(store, records, &refreshed.remote, writes, on_event)?;
    Ok(refreshed)
}

/// The addresses of pending records whose compute the service still reports in a transitional
/// provisioning state (`Creating`, `Updating`, `Deleting`, ...).
pub fn still_running(
    records: &[StateRecord],
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
) -> Vec<String> {
    let finished = |state: &str| {
        ["Succeeded", "Failed", "Canceled", ""]
            .iter()
            .any(|done| state.eq_ignore_ascii_case(done))
    };
    (records.iter())
        .filter(|record| matches!(record.status, RecordStatus::Pending { .. }))
        .filter(|record| {
            let name = record.attributes.get("name").and_then(|name| name.as_str());
            (remote.get(&record.workspace).into_iter().flatten()).any(|compute| {
                name.is_some_and(|name| compute.name.eq_ignore_ascii_case(name))
                    && !finished(&compute.provisioning_state)
            })
        })
        .map(|record| record.address.clone())
        .collect()
}

/// Settles what an interrupted apply left pending (see `amlform_plan::reconcile_interrupted`)
/// in `records`, and in the state too when `writes`.
pub fn settle_interrupted<S: StateStore>(
    store: &mut S,
    records: &mut Vec<StateRecord>,
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
    writes: bool,
    on_event: &(dyn Fn(PlanEvent) + Sync),
) -> Result<(), StateError> {
    let change = amlform_plan::reconcile_interrupted(records, remote);
    if change.put.is_empty() && change.remove.is_empty() {
        return Ok(());
    }
    on_event(PlanEvent::Reconciled {
        adopted: change.put.len(),
        forgotten: change.remove.len(),
        recorded: writes,
    });
    records.retain(|record| !change.remove.contains(&record.address));
    for adopted in &change.put {
        if let Some(record) = (records.iter_mut()).find(|record| record.address == adopted.address)
        {
            *record = adopted.clone();
        }
    }
    if writes {
        store.commit(change)?;
    }
    Ok(())
}

/// What a plan is made from.
pub struct PlanRequest<'a> {
    pub module: &'a Module,
    /// The state's records (settled: see [`refresh_settled`]).
    pub records: &'a [StateRecord],
    pub refreshed: &'a Refreshed,
    /// The state's keyed fingerprint, so a secret is compared without being kept.
    pub fingerprint: &'a (dyn Fn(&[u8]) -> String + Sync),
    /// The contents of a file attribute's path (see [`read_config_file`]).
    pub read_file: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub options: PlanOptions,
}

impl std::fmt::Debug for PlanRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanRequest")
            .field("records", &self.records.len())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A file attribute's contents as the CLI reads them: `~` expanded, relative to the working
/// directory (the configuration's).
pub fn read_config_file(path: &str) -> Option<String> {
    amlform_lang::read_text_file(&expand_home(path)).ok()
}

/// The plan of the module against the state's records and what refresh read: the planner's
/// diff, then (unless it destroys or only refreshes, which make nothing) the checks of what
/// the configuration asks of the service (sizes, quota, free names), with refresh's warnings.
pub fn plan(request: PlanRequest<'_>) -> Plan {
    let PlanRequest {
        module,
        records,
        refreshed,
        fingerprint,
        read_file,
        options,
    } = request;
    let fingerprint = |instance: &ComputeInstance, attribute: &Attribute| -> Option<String> {
        let value = instance.str(attribute.name)?;
        if attribute.is_file_path {
            let contents = read_file(value)?;
            Some(fingerprint(contents.as_bytes()))
        } else {
            Some(fingerprint(value.as_bytes()))
        }
    };
    let locate = |instance: &ComputeInstance| Some(location(module, instance));
    let checks_service = !options.refresh_only && !options.destroy;
    let mut plan = amlform_plan::plan(&PlanInput {
        config: &module.evaluated,
        state: records,
        remote: &refreshed.remote,
        fingerprint: &fingerprint,
        locate: &locate,
        options,
    });
    if checks_service {
        amlform_plan::check_against_service(
            &mut plan,
            &module.evaluated,
            &refreshed.remote,
            &refreshed.regions,
            &locate,
        );
    }
    plan.warnings.extend(refreshed.warnings.iter().cloned());
    let summary = plan.summary();
    tracing::info!(
        add = summary.add,
        change = summary.change,
        destroy = summary.destroy,
        errors = plan.errors.len(),
        "planned"
    );
    plan
}

/// `file:line:column` of an instance's block label.
pub fn location(module: &Module, instance: &ComputeInstance) -> String {
    let span = &instance.label_span;
    let file = module.sources.get(span.file);
    let (line, column) = module.sources.line_column(span.file, span.range.start);
    format!("{}:{line}:{column}", file.name)
}

/// Keyed hashes of the configuration files and of each variable's value: equal exactly when
/// the configuration would evaluate the same. Keyed by the state, so they reveal no secret.
pub fn plan_inputs(module: &Module, fingerprint: &dyn Fn(&[u8]) -> String) -> PlanInputs {
    let mut bytes = Vec::new();
    for (_, file) in module.sources.files() {
        bytes.extend_from_slice(file.name.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(file.text.as_bytes());
        bytes.push(0);
    }
    PlanInputs {
        files: fingerprint(&bytes),
        variables: (module.evaluated.variables.iter())
            .map(|(name, variable)| {
                let value = amlform_plan::to_json(&variable.value).to_string();
                (name.clone(), fingerprint(value.as_bytes()))
            })
            .collect(),
    }
}
