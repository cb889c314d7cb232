//! `amlform plan`: load, refresh every workspace in one paged list each, diff, and show the
//! plan as text, JSON or Markdown. Exit 1 on errors; with `--detailed-exitcode`, 2 when something would
//! change and 0 when nothing would. The pipeline itself is the engine's ([`amlform_engine::plan`]);
//! here it is loaded, locked and connected.

use std::collections::BTreeMap;
use std::time::Duration;

use amlform_engine::PlanFile;
use amlform_engine::{PlanRequest, Refreshed, Workspaces};
use amlform_lang::Module;
use amlform_plan::{Plan, PlanOptions};
use amlform_state::{StateError, StateRecord, StateStore};

use crate::cli::{PlanArgs, TargetingArgs, VariableArgs};
use crate::connection;
use crate::exit_status::ExitStatus;
use crate::printer::PlanForm;
use crate::settings::Settings;
use crate::state_backend::{Backend, Store};

pub fn run(args: &PlanArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    if let Some(out) = &args.generate_config_out {
        crate::generate_config::write(&args.variables, out, settings)?;
    }
    let mut timings = crate::timings::Timings::start();
    let options = PlanOptions {
        refresh_only: args.refresh_only,
        destroy: args.destroy,
        ..targeting_options(&args.targeting)
    };
    let Some(planned) = prepare(
        &args.variables,
        args.lock_timeout,
        "plan",
        options,
        args.json || args.out.is_some(),
        settings,
        &mut timings,
    )?
    else {
        return Ok(ExitStatus::Failure);
    };
    let Planned {
        module,
        store,
        plan,
        ..
    } = &planned;
    let form = PlanForm::of(args.json, args.markdown.as_deref());
    if !plan.errors.is_empty() {
        // No plan body and no plan file: only why.
        settings.printer.plan_errors(module, plan, form)?;
        return Ok(ExitStatus::Failure);
    }
    if let Some(path) = &args.out {
        let inputs = amlform_engine::plan_inputs(module, &|bytes| store.fingerprint(bytes));
        PlanFile::new(plan.clone(), store.lineage(), store.serial(), inputs).write(path)?;
        settings.printer.note(&format!(
            "Saved the plan to {}; `amlform show {}` shows it again.",
            path.display(),
            path.display()
        ));
    }
    settings.printer.plan(plan, form)?;
    timings.phase("render");
    timings.report();
    let status = if args.detailed_exitcode && plan.has_changes() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    };
    let Planned {
        module,
        store,
        plan,
        workspaces,
        refreshed,
        runtime,
    } = planned;
    // The state is closed (flushed, its lock released), the connections (an embedded
    // emulator among them) and the runtime stopped as usual.
    drop((store, workspaces, runtime));
    leave_to_exit((module, plan, refreshed));
    Ok(status)
}

/// Leaves `values`, which hold nothing to flush or release, to the end of the process rather
/// than dropping them: the command ends here, and the system takes the memory back at once,
/// where freeing a large plan value by value took about a tenth of a no-change plan of 5,000
/// computes.
fn leave_to_exit<T>(values: T) {
    std::mem::forget(values);
}

/// The plan options `-target`, `-exclude` and `-replace` give.
pub fn targeting_options(targeting: &TargetingArgs) -> PlanOptions {
    PlanOptions {
        replace: targeting.replace.clone(),
        targets: targeting.targets.clone(),
        exclude: targeting.exclude.clone(),
        ..PlanOptions::default()
    }
}

/// A plan with what it was made from: the configuration, the (locked) state, the workspaces'
/// connections, and the runtime the embedded emulator (if any) runs on.
pub struct Planned {
    pub module: Module,
    pub store: Store,
    pub plan: Plan,
    pub workspaces: Workspaces,
    /// What refresh read.
    pub refreshed: Refreshed,
    pub runtime: tokio::runtime::Runtime,
}

/// Loads, locks the state for `operation`, connects, and runs the engine's plan pipeline.
/// `None` when the configuration has errors (they are printed). With `wants_context`, the plan
/// carries what Terraform's plan JSON says beside its changes (for `-json` and `-out`).
pub fn prepare(
    variables: &VariableArgs,
    lock_timeout: Duration,
    operation: &str,
    options: PlanOptions,
    wants_context: bool,
    settings: &Settings,
    timings: &mut crate::timings::Timings,
) -> anyhow::Result<Option<Planned>> {
    let printer = &settings.printer;
    // The state is read while the configuration evaluates: neither needs the other. The
    // parse comes first, alone, because it uses every core and evaluation uses one.
    let mut parsed = crate::module_loader::parse(variables)?;
    let runtime = connection::new_runtime()?;
    let early = (operation == "plan")
        .then(|| early_refresh(&mut parsed, &runtime, settings))
        .flatten();
    // The backend block is literal, so the state can be read before evaluation.
    let backend = Backend::checked(parsed.backend());
    let reading = backend.as_ref().ok().cloned().map(|backend| {
        let operation = operation.to_owned();
        let credential = settings.credential.clone();
        std::thread::spawn(move || {
            read_state_unless_locked(&backend, &operation, credential.as_deref())
        })
    });
    let mut module = parsed.evaluate(&BTreeMap::new());
    check_files(&mut module);
    let read = reading.map(|reading| {
        reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    if !printer.diagnostics(&module) {
        return Ok(None);
    }
    let backend = backend?;
    timings.phase("load");
    let (mut store, mut records, early) = match read.flatten() {
        Some(read) => {
            let (store, records) = read?;
            (store, records, early)
        }
        // Another process holds the lock: wait for it as `--lock-timeout` says, and read the
        // service only once it is ours (what it holds may change meanwhile).
        None => {
            if let Some(task) = &early {
                task.abort();
            }
            let store = Store::open(
                &backend,
                operation,
                lock_timeout,
                settings.credential.as_deref(),
            )?;
            let records = store.records()?;
            (store, records, None)
        }
    };
    printer.stale_lock(&store);
    // A value known only after apply (`"${aml_compute.a.id}"`) is known once the compute it
    // reads is in the state: evaluate again knowing it, or the plan never settles.
    if !records.is_empty()
        && (module.evaluated.computes.values()).any(|instance| instance.unknown_setting().is_some())
    {
        module =
            crate::module_loader::load_knowing(variables, amlform_engine::known_values(&records))?;
        check_files(&mut module);
        // Its warnings were shown already; errors would be new.
        if module.diagnostics.has_errors() && !printer.diagnostics(&module) {
            return Ok(None);
        }
    }
    timings.phase("state");
    let early = early.and_then(|task| {
        let (config, workspaces, refreshed) = runtime.block_on(task).ok()??;
        same_workspaces(&config, &module.evaluated).then_some((workspaces, refreshed))
    });
    let (workspaces, refreshed) = match early {
        Some(early) => early,
        None => {
            let workspaces = runtime.block_on(connection::connect(
                &module.evaluated,
                settings.credential.as_deref(),
            ))?;
            let refreshed =
                runtime.block_on(amlform_engine::refresh(&module.evaluated, &workspaces));
            (workspaces, refreshed)
        }
    };
    let writes = matches!(operation, "apply" | "destroy");
    let refreshed = runtime.block_on(amlform_engine::settle(
        &module.evaluated,
        &workspaces,
        &mut store,
        &mut records,
        writes,
        &|event| printer.plan_event(&event),
        refreshed,
    ))?;
    timings.phase("refresh");
    let (refresh_only, destroy) = (options.refresh_only, options.destroy);
    let mut plan = amlform_engine::plan(PlanRequest {
        module: &module,
        records: &records,
        refreshed: &refreshed,
        fingerprint: &|bytes| store.fingerprint(bytes),
        read_file: &amlform_engine::read_config_file,
        options,
    });
    if !refresh_only && !module.evaluated.outputs.is_empty() {
        plan.outputs = output_changes(variables, &module, &records, &plan, destroy)?;
    }
    if wants_context {
        let timestamp = amlform_emulator::timestamp(amlform_state::now_ms());
        plan.context = Some(amlform_engine::plan_context(&module, &records, timestamp));
    }
    // Thousands of records are spent once diffed: free them beside what follows (printing
    // the plan, or applying it), not before it.
    std::thread::spawn(move || drop(records));
    timings.phase("diff");
    Ok(Some(Planned {
        module,
        store,
        plan,
        workspaces,
        refreshed,
        runtime,
    }))
}

/// What [`early_refresh`] read, with the workspaces it read them with.
type EarlyRefresh = tokio::task::JoinHandle<
    Option<(
        amlform_lang::EvaluatedConfig,
        Workspaces,
        Result<Refreshed, amlform_engine::RefreshError>,
    )>,
>;

/// A refresh begun before the configuration is evaluated, from its workspace blocks alone:
/// the service is read while the computes evaluate and the state is read. What it read is
/// used only if the whole evaluation gives the same workspaces (and the state's lock was
/// free); otherwise it is dropped and the workspaces are read again. Not for the embedded
/// emulator, whose world the connection changes (it makes the workspaces), nor when the
/// workspaces cannot be evaluated apart.
fn early_refresh(
    parsed: &mut amlform_lang::ParsedModule,
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
) -> Option<EarlyRefresh> {
    let config = parsed.evaluated_workspaces()?;
    if (config.workspaces.values())
        .any(|workspace| workspace.attribute("endpoint") == Some("embedded"))
    {
        return None;
    }
    let credential = settings.credential.clone();
    Some(runtime.spawn(async move {
        // A connection that fails here fails again, and is reported, on the usual path.
        let workspaces = connection::connect(&config, credential.as_deref())
            .await
            .ok()?;
        let refreshed = amlform_engine::refresh(&config, &workspaces).await;
        Some((config, workspaces, refreshed))
    }))
}

/// Whether two evaluations give the same workspace blocks, label for label.
fn same_workspaces(
    early: &amlform_lang::EvaluatedConfig,
    whole: &amlform_lang::EvaluatedConfig,
) -> bool {
    early.workspaces.len() == whole.workspaces.len()
        && (early.workspaces.iter().zip(&whole.workspaces))
            .all(|((a, x), (b, y))| a == b && x.attributes == y.attributes)
}

/// The outputs over the state's values (before) and over the values the plan keeps (after:
/// a compute it creates, replaces or removes has its computed values unknown again). The
/// configuration is evaluated again only for what `module` (evaluated knowing nothing, or
/// all of the state) is not: with no state, neither side needs it.
fn output_changes(
    variables: &VariableArgs,
    module: &Module,
    records: &[StateRecord],
    plan: &Plan,
    destroy: bool,
) -> anyhow::Result<Vec<amlform_plan::OutputChange>> {
    use amlform_engine::known_values;
    use amlform_plan::Action;
    if records.is_empty() {
        return Ok(amlform_engine::output_changes(
            None,
            &module.evaluated,
            destroy,
        ));
    }
    let before = crate::module_loader::load_knowing(variables, known_values(records))?;
    let renewed: std::collections::HashSet<&str> = (plan.changes.iter())
        .filter(|change| {
            matches!(
                change.action,
                Action::Create
                    | Action::Attach
                    | Action::Replace { .. }
                    | Action::Delete
                    | Action::Detach
                    | Action::Forget
            )
        })
        .map(|change| change.address.as_str())
        .collect();
    if renewed.is_empty() {
        // Every compute keeps what the state knows of it: the outputs stay as they are.
        return Ok(amlform_engine::output_changes(
            Some(&before.evaluated),
            &before.evaluated,
            destroy,
        ));
    }
    let kept: Vec<StateRecord> = (records.iter())
        .filter(|record| !renewed.contains(record.address.as_str()))
        .cloned()
        .collect();
    let after = crate::module_loader::load_knowing(variables, known_values(&kept))?;
    Ok(amlform_engine::output_changes(
        Some(&before.evaluated),
        &after.evaluated,
        destroy,
    ))
}

/// The backend the configuration of the current directory declares (only its `backend`
/// block is read), checked against what `amlform init` set up.
pub fn current_backend() -> anyhow::Result<Backend> {
    let parsed = crate::module_loader::parse(&VariableArgs::default()).ok();
    Backend::checked(parsed.as_ref().and_then(|parsed| parsed.backend()))
}

/// Locks and opens the state of the current directory's backend, saying so when it takes
/// over a lock left by a process that is no longer running.
pub fn open_state(
    operation: &str,
    lock_timeout: Duration,
    settings: &Settings,
) -> anyhow::Result<Store> {
    open_backend_state(&current_backend()?, operation, lock_timeout, settings)
}

/// Locks and opens the state of the backend `module` declares (already loaded: its `backend`
/// block is not parsed again).
pub fn open_module_state(
    module: &Module,
    operation: &str,
    lock_timeout: Duration,
    settings: &Settings,
) -> anyhow::Result<Store> {
    let backend = Backend::checked(module.backend.as_ref())?;
    open_backend_state(&backend, operation, lock_timeout, settings)
}

/// Locks and opens the state of `backend`.
pub fn open_backend_state(
    backend: &Backend,
    operation: &str,
    lock_timeout: Duration,
    settings: &Settings,
) -> anyhow::Result<Store> {
    let store = Store::open(
        backend,
        operation,
        lock_timeout,
        settings.credential.as_deref(),
    )?;
    settings.printer.stale_lock(&store);
    Ok(store)
}

/// Locks and reads the state; `None` when another process holds the lock.
fn read_state_unless_locked(
    backend: &Backend,
    operation: &str,
    credential: Option<&str>,
) -> Option<anyhow::Result<(Store, Vec<StateRecord>)>> {
    let store = match Store::open(backend, operation, Duration::ZERO, credential) {
        Ok(store) => store,
        Err(error)
            if matches!(
                error.downcast_ref::<StateError>(),
                Some(StateError::Locked { .. } | StateError::LockedRemote { .. })
            ) =>
        {
            return None;
        }
        Err(error) => return Some(Err(error)),
    };
    Some(
        store
            .records()
            .map(|records| (store, records))
            .map_err(Into::into),
    )
}

/// Adds an error for every file attribute that cannot be read: a plan or apply needs them all
/// (see `amlform_lang::check_file_attributes`).
pub fn check_files(module: &mut Module) {
    for diagnostic in amlform_lang::check_file_attributes(&module.evaluated) {
        module.diagnostics.push(diagnostic);
    }
}
