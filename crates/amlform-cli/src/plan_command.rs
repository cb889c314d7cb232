//! `amlform plan`: load, refresh every workspace in one paged list each, diff, and show the
//! plan as text, JSON or Markdown. Exit 1 on errors; with `--detailed-exitcode`, 2 when something would
//! change and 0 when nothing would.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use amlform_engine::WorkspaceBinding;

use amlform_azure::{Provider, RemoteCompute};
use amlform_lang::{
    ComputeInstance, Diagnostic, EvaluatedConfig, Module, RenderStyle, codes, expand_home,
};
use amlform_plan::{Plan, PlanInput, PlanInputs, PlanOptions, Region, RegionFacts, SavedPlan};
use amlform_schema::Attribute;
use amlform_state::{LocalStore, RecordStatus, STATE_DIR, StateError, StateRecord, StateStore};
use anyhow::Context;

use crate::cli::{PlanArgs, VariableArgs};
use crate::connection;

pub fn run(args: &PlanArgs, color: bool) -> anyhow::Result<u8> {
    let mut timings = crate::timings::Timings::start();
    let options = PlanOptions {
        refresh_only: args.refresh_only,
        replace: args.replace.clone(),
        targets: args.targets.clone(),
        exclude: args.exclude.clone(),
        destroy: args.destroy,
    };
    let Some(planned) = prepare(
        &args.variables,
        args.lock_timeout,
        "plan",
        options,
        color,
        &mut timings,
    )?
    else {
        return Ok(1);
    };
    let Planned {
        module,
        store,
        plan,
        ..
    } = &planned;
    if !plan.errors.is_empty() {
        // No plan body and no plan file: only why.
        print_plan_errors(module, plan, args.json, args.markdown, color)?;
        return Ok(1);
    }
    if let Some(path) = &args.out {
        let inputs = plan_inputs(module, store);
        SavedPlan::new(plan.clone(), store.lineage(), store.serial(), inputs)
            .write(path)
            .with_context(|| format!("cannot write the plan to {}", path.display()))?;
        eprintln!(
            "Saved the plan to {}; `amlform show {}` shows it again.",
            path.display(),
            path.display()
        );
    }
    print_plan(plan, args.json, args.markdown, color)?;
    timings.phase("render");
    timings.report();
    Ok(if !plan.errors.is_empty() {
        1
    } else if args.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    })
}

/// A plan with what it was made from: the configuration, the (locked) state, the workspaces'
/// connections, and the runtime the embedded emulator (if any) runs on.
pub struct Planned {
    pub module: Module,
    pub store: LocalStore,
    pub plan: Plan,
    pub bindings: BTreeMap<String, WorkspaceBinding>,
    /// What refresh read, by workspace label.
    pub remote: BTreeMap<String, Vec<RemoteCompute>>,
    pub runtime: tokio::runtime::Runtime,
}

/// Loads, locks the state for `operation`, refreshes and plans. `None` when the
/// configuration has errors (they are printed).
pub fn prepare(
    variables: &VariableArgs,
    lock_timeout: Duration,
    operation: &str,
    options: PlanOptions,
    color: bool,
    timings: &mut crate::timings::Timings,
) -> anyhow::Result<Option<Planned>> {
    // The state is read while the configuration evaluates: neither needs the other. The
    // parse comes first, alone, because it uses every core and evaluation uses one.
    let parsed = crate::module_loader::parse(variables)?;
    let reading = std::thread::spawn({
        let operation = operation.to_owned();
        move || read_state_unless_locked(&operation)
    });
    let mut module = parsed.evaluate(&BTreeMap::new());
    check_files(&mut module);
    let read = reading
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    if !print_diagnostics(&module, color) {
        return Ok(None);
    }
    timings.phase("load");
    let (mut store, mut records) = match read {
        Some(read) => read?,
        // Another process holds the lock: wait for it as `--lock-timeout` says.
        None => {
            let store = LocalStore::open(Path::new(STATE_DIR), operation, lock_timeout)?;
            let records = store.records()?;
            (store, records)
        }
    };
    note_stale_lock(&store);
    // A value known only after apply (`"${aml_compute.a.id}"`) is known once the compute it
    // reads is in the state: evaluate again knowing it, or the plan never settles.
    if !records.is_empty()
        && (module.evaluated.computes.values()).any(|instance| instance.unknown_setting().is_some())
    {
        module =
            crate::module_loader::load_knowing(variables, amlform_engine::known_values(&records))?;
        check_files(&mut module);
        // Its warnings were shown already; errors would be new.
        if module.diagnostics.has_errors() && !print_diagnostics(&module, color) {
            return Ok(None);
        }
    }
    timings.phase("state");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let connections = runtime.block_on(connection::connect(&module.evaluated))?;
    let (mut remote, regions, fact_warnings) =
        runtime.block_on(refresh(&module.evaluated, &connections))?;
    if matches!(operation, "apply" | "destroy") {
        // An operation an interrupted apply started may still be running: adopting the
        // compute now would record it ready, and the next change would meet a 409.
        let mut noted = false;
        let deadline = std::time::Instant::now() + Duration::from_secs(3600);
        loop {
            let busy = still_running(&records, &remote);
            if busy.is_empty() {
                break;
            }
            if !noted {
                eprintln!(
                    "note: waiting for {} operation(s) an interrupted apply left running on the service to end ({})",
                    busy.len(),
                    busy.join(", ")
                );
                noted = true;
            }
            if std::time::Instant::now() > deadline {
                anyhow::bail!(
                    "operations on {} are still running on the service after an hour\nhint: check them in the Azure portal, then run the command again",
                    busy.join(", ")
                );
            }
            runtime.block_on(async { tokio::time::sleep(Duration::from_secs(2)).await });
            remote = runtime
                .block_on(refresh(&module.evaluated, &connections))?
                .0;
        }
    }
    timings.phase("refresh");
    reconcile_interrupted(&mut store, &mut records, &remote, operation)?;

    let fingerprint = |instance: &ComputeInstance, attribute: &Attribute| -> Option<String> {
        let value = instance.str(attribute.name)?;
        if attribute.is_file_path {
            let contents = amlform_lang::read_text_file(&expand_home(value)).ok()?;
            Some(store.fingerprint(contents.as_bytes()))
        } else {
            Some(store.fingerprint(value.as_bytes()))
        }
    };
    let locate = |instance: &ComputeInstance| location(&module, instance);
    // Checks of what the configuration asks of the service (sizes, quota, free names) are
    // for what will exist; neither a destroy nor a refresh makes anything.
    let checks_service = !options.refresh_only && !options.destroy;
    let mut plan = amlform_plan::plan(&PlanInput {
        config: &module.evaluated,
        state: &records,
        remote: &remote,
        fingerprint: &fingerprint,
        locate: &locate,
        options,
    });
    if checks_service {
        amlform_plan::check_against_service(
            &mut plan,
            &module.evaluated,
            &remote,
            &regions,
            &locate,
        );
    }
    plan.warnings.extend(fact_warnings);
    // Thousands of records are spent once diffed: free them beside what follows (printing
    // the plan, or applying it), not before it.
    std::thread::spawn(move || drop(records));
    timings.phase("diff");
    let bindings = connections.bindings(&module.evaluated);
    Ok(Some(Planned {
        module,
        store,
        plan,
        bindings,
        remote,
        runtime,
    }))
}

/// Prints the configuration's diagnostics; false when there are errors.
pub fn print_diagnostics(module: &Module, color: bool) -> bool {
    eprint!(
        "{}",
        module
            .diagnostics
            .render(&module.sources, RenderStyle::for_terminal(color))
    );
    if module.diagnostics.has_errors() {
        eprintln!(
            "the configuration has errors; `amlform validate` shows the same without contacting any service"
        );
        return false;
    }
    true
}

/// The addresses of pending records whose compute the service still reports in a transitional
/// provisioning state (`Creating`, `Updating`, `Deleting`, ...).
fn still_running(
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

/// Settles what an interrupted apply left pending (see `amlform_plan::reconcile_interrupted`):
/// in memory for a plan, which writes nothing, and in the state for an apply or destroy.
fn reconcile_interrupted(
    store: &mut LocalStore,
    records: &mut Vec<StateRecord>,
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
    operation: &str,
) -> anyhow::Result<()> {
    let change = amlform_plan::reconcile_interrupted(records, remote);
    if change.put.is_empty() && change.remove.is_empty() {
        return Ok(());
    }
    eprintln!(
        "note: an earlier apply was interrupted: {} compute(s) it had started are adopted as the service reports them, {} it never created (or finished deleting) are forgotten{}",
        change.put.len(),
        change.remove.len(),
        if operation == "plan" {
            " (apply records this)"
        } else {
            ""
        }
    );
    records.retain(|record| !change.remove.contains(&record.address));
    for adopted in &change.put {
        if let Some(record) = records
            .iter_mut()
            .find(|record| record.address == adopted.address)
        {
            *record = adopted.clone();
        }
    }
    if matches!(operation, "apply" | "destroy") {
        store.commit(change)?;
    }
    Ok(())
}

/// A plan's errors as diagnostics: at the attribute's line (or the block's label) with a caret
/// and a hint, on stderr; with `--json` or `--markdown`, a document of them on stdout, so a CI
/// job posts why the plan failed instead of an empty comment.
pub fn print_plan_errors(
    module: &Module,
    plan: &Plan,
    json: bool,
    markdown: bool,
    color: bool,
) -> anyhow::Result<()> {
    let mut diagnostics = module.diagnostics.empty_like();
    for error in &plan.errors {
        let span = module
            .evaluated
            .computes
            .get(&error.address)
            .map(|instance| match &error.attribute {
                Some(attribute) => instance.span_of(attribute),
                None => instance.label_span.clone(),
            });
        diagnostics.push(
            Diagnostic::error(codes::PLAN, format!("{}: {}", error.address, error.message))
                .at_opt(span)
                .hint(error.hint.clone()),
        );
    }
    for warning in &plan.warnings {
        diagnostics.push(Diagnostic::warning(codes::PLAN, warning.clone()));
    }
    let errors = diagnostics.error_count();
    if json {
        let document = serde_json::json!({
            "format_version": "1.0",
            "errored": true,
            "error_count": errors,
            "diagnostics": diagnostics.to_json(&module.sources),
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
    } else if markdown {
        let mut out = format!("### amlform plan failed: {errors} error(s)\n\n");
        for item in diagnostics.to_json(&module.sources) {
            let place = item.range.map_or(String::new(), |range| {
                format!(" (`{}:{}`)", range.filename, range.start.line)
            });
            out.push_str(&format!(
                "> [!CAUTION]\n> **{}**{place}: {}  \n> {}\n\n",
                item.code,
                item.summary.replace('\n', " "),
                item.detail.unwrap_or_default().replace('\n', " ")
            ));
        }
        out.push_str("Nothing was planned or saved.\n");
        print!("{out}");
    } else {
        eprint!(
            "{}",
            diagnostics.render(&module.sources, RenderStyle::for_terminal(color))
        );
        eprintln!("the plan has {errors} error(s); nothing was planned or saved");
    }
    Ok(())
}

/// Prints a plan in the form asked for.
pub fn print_plan(plan: &Plan, json: bool, markdown: bool, color: bool) -> anyhow::Result<()> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&amlform_plan::render_json(plan))?
        );
    } else if markdown {
        print!("{}", amlform_plan::render_markdown(plan));
    } else {
        print!("{}", amlform_plan::render_text(plan, color));
    }
    Ok(())
}

/// What refresh learns: every workspace's computes, each region's sizes and usages, and
/// warnings for facts that could not be read.
pub type Refreshed = (
    BTreeMap<String, Vec<RemoteCompute>>,
    BTreeMap<Region, RegionFacts>,
    Vec<String>,
);

/// Every compute of every workspace (one paged list per workspace), and the VM sizes and
/// usages of every region, all at once.
pub async fn refresh(
    config: &EvaluatedConfig,
    connections: &connection::Connections,
) -> anyhow::Result<Refreshed> {
    let mut lists = tokio::task::JoinSet::new();
    let mut facts = tokio::task::JoinSet::new();
    let mut regions_seen = std::collections::BTreeSet::new();
    for (provider, targets) in connections.by_endpoint.values() {
        for target in targets {
            let (list_provider, list_target) = (provider.clone(), target.clone());
            lists.spawn(async move {
                let computes = list_provider.computes(&list_target).await;
                (list_target, computes)
            });
            let Some(region) = amlform_plan::region_of(config, &target.label) else {
                continue;
            };
            if regions_seen.insert(region.clone()) {
                let provider = provider.clone();
                facts.spawn(async move {
                    let sizes = provider.vm_sizes(&region.0, &region.1).await;
                    let usages = provider.usages(&region.0, &region.1).await;
                    (region, sizes, usages)
                });
            }
        }
    }
    let mut remote = BTreeMap::new();
    while let Some(joined) = lists.join_next().await {
        let (target, computes) = joined.context("a refresh task failed")?;
        let computes = computes.with_context(|| {
            format!(
                "cannot read the computes of workspace {} ({})",
                target.label, target.name
            )
        })?;
        remote.insert(target.label, computes);
    }
    let mut regions = BTreeMap::new();
    let mut warnings = Vec::new();
    while let Some(joined) = facts.join_next().await {
        let (region, sizes, usages) = joined.context("a refresh task failed")?;
        match (sizes, usages) {
            (Ok(sizes), Ok(usages)) => {
                regions.insert(region, RegionFacts { sizes, usages });
            }
            (Err(error), _) | (_, Err(error)) => warnings.push(format!(
                "VM sizes and quota of {} were not checked: {error}",
                region.1
            )),
        }
    }
    Ok((remote, regions, warnings))
}

fn location(module: &Module, instance: &ComputeInstance) -> Option<String> {
    let span = &instance.label_span;
    let file = module.sources.get(span.file);
    let (line, column) = module.sources.line_column(span.file, span.range.start);
    Some(format!("{}:{line}:{column}", file.name))
}

/// Locks and opens the state in `.amlform/state`, saying so when it takes over a lock left by
/// a process that is no longer running.
pub fn open_state(operation: &str, lock_timeout: Duration) -> anyhow::Result<LocalStore> {
    let store = LocalStore::open(Path::new(STATE_DIR), operation, lock_timeout)?;
    note_stale_lock(&store);
    Ok(store)
}

/// Locks and reads the state; `None` when another process holds the lock.
fn read_state_unless_locked(
    operation: &str,
) -> Option<anyhow::Result<(LocalStore, Vec<StateRecord>)>> {
    let store = match LocalStore::open(Path::new(STATE_DIR), operation, Duration::ZERO) {
        Ok(store) => store,
        Err(StateError::Locked { .. }) => return None,
        Err(error) => return Some(Err(error.into())),
    };
    Some(
        store
            .records()
            .map(|records| (store, records))
            .map_err(Into::into),
    )
}

/// Says so when the lock was taken over from a process that is no longer running.
fn note_stale_lock(store: &LocalStore) {
    if let Some(stale) = store.taken_over_lock() {
        if stale.pid == 0 {
            eprintln!(
                "note: replaced a state lock file that was empty or unreadable (amlform never writes one like that, so no process held it)"
            );
            return;
        }
        eprintln!(
            "note: took over the state lock that pid {} left for `{}` {}; that process is no longer running. `amlform plan` reconciles anything it left unfinished.",
            stale.pid,
            stale.operation,
            stale.since()
        );
    }
}

/// Adds an error for every file attribute that cannot be read: a plan or apply needs them all
/// (see `amlform_lang::check_file_attributes`).
pub fn check_files(module: &mut Module) {
    for diagnostic in amlform_lang::check_file_attributes(&module.evaluated) {
        module.diagnostics.push(diagnostic);
    }
}

/// Keyed hashes of the configuration files and of each variable's value: equal exactly when
/// the configuration would evaluate the same. Keyed by the state, so they reveal no secret.
pub fn plan_inputs(module: &Module, store: &LocalStore) -> PlanInputs {
    let mut bytes = Vec::new();
    for (_, file) in module.sources.files() {
        bytes.extend_from_slice(file.name.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(file.text.as_bytes());
        bytes.push(0);
    }
    PlanInputs {
        files: store.fingerprint(&bytes),
        variables: (module.evaluated.variables.iter())
            .map(|(name, variable)| {
                let value = amlform_plan::to_json(&variable.value).to_string();
                (name.clone(), store.fingerprint(value.as_bytes()))
            })
            .collect(),
    }
}
