//! `amlform apply` and `amlform destroy`: plan, show it, ask (unless `--auto-approve`), then
//! make it happen, printing a line per resource as it starts and finishes. Exit 0 when every
//! change succeeded, 1 otherwise (the summary says what was done and what was not).

use crate::exit_status::ExitStatus;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::{Arc, Mutex};

use amlform_engine::PlanFile;
use amlform_engine::{ApplyContext, ApplyEvent, Interrupt, Workspaces};
use amlform_lang::Module;
use amlform_plan::{Action, Plan, PlanOptions};
use amlform_state::{RecordStatus, StateStore};
use serde_json::json;
use tokio::sync::watch;

use crate::apply_progress::{Progress, ProgressStyle, STILL_RUNNING_EVERY, summary_json};
use crate::approval::approved;
use crate::cli::ApplyArgs;
use crate::plan_command::{Planned, check_files, open_module_state, prepare, targeting_options};
use crate::printer::PlanForm;
use crate::settings::Settings;
use crate::state_backend::Store;
use crate::ui_event::ui_event;
use crate::{connection, output_command};

pub fn run(args: &ApplyArgs, destroy: bool, settings: &Settings) -> anyhow::Result<ExitStatus> {
    if let Some(file) = &args.plan_file {
        if destroy {
            anyhow::bail!(
                "`amlform destroy` makes its own plan; it takes no plan file\nhint: `amlform plan --destroy --out {}` then `amlform apply {}`",
                file.display(),
                file.display()
            );
        }
        if !args.targeting.is_empty() {
            anyhow::bail!(
                "a saved plan is applied whole: -target, -exclude and -replace shape a plan as it is made\nhint: pass them to `amlform plan --out {}` instead",
                file.display()
            );
        }
        return apply_saved(args, file, settings);
    }
    if args.json && !args.auto_approve {
        anyhow::bail!(
            "--json cannot ask for confirmation\nhint: add --auto-approve, or apply a reviewed plan file (`amlform apply --json FILE`)"
        );
    }
    let mut timings = crate::timings::Timings::start();
    let operation = if destroy { "destroy" } else { "apply" };
    let options = PlanOptions {
        destroy,
        refresh_only: args.refresh_only && !destroy,
        ..targeting_options(&args.targeting)
    };
    let Some(Planned {
        module,
        mut store,
        plan,
        workspaces,
        refreshed,
        runtime,
    }) = prepare(
        &args.variables,
        args.lock_timeout,
        operation,
        options,
        args.json,
        settings,
        &mut timings,
    )?
    else {
        return Ok(ExitStatus::Failure);
    };
    if !plan.errors.is_empty() {
        let form = PlanForm::of(args.json, None);
        settings.printer.plan_errors(&module, &plan, form)?;
        return Ok(ExitStatus::Failure);
    }
    if args.json {
        print_planned_json(&plan);
    } else {
        settings.printer.plan(&plan, PlanForm::Text)?;
    }
    if !plan.has_changes() {
        return Ok(ExitStatus::Success);
    }
    let question = if destroy {
        "Do you really want to destroy all these computes?"
    } else {
        "Do you want to perform these actions?"
    };
    let hint = "pass -auto-approve (for CI), or apply a reviewed plan file (`amlform apply FILE`)";
    if !args.auto_approve && !approved(question, operation, hint, settings.input)? {
        println!(
            "\n{} cancelled; nothing was changed.",
            if destroy { "Destroy" } else { "Apply" }
        );
        return Ok(ExitStatus::Failure);
    }
    if !args.json {
        println!();
    }
    if plan.refresh_only {
        store.write_backup()?;
        let change = amlform_plan::accept_drift(&store.records()?, &refreshed.remote);
        let (updated, forgotten) = (change.put.len(), change.remove.len());
        let serial = store.commit(change)?;
        println!(
            "Apply complete! The state accepts {updated} changed and forgets {forgotten} deleted compute(s) (serial {serial}); no compute was changed."
        );
        return Ok(ExitStatus::Success);
    }
    let how = How {
        args,
        destroy,
        settings,
    };
    let code = execute(&plan, &module, store, &workspaces, &runtime, &how)?;
    timings.phase("apply");
    timings.report();
    Ok(code)
}

/// `amlform apply FILE`: exactly the changes of a plan saved with `plan --out`, without asking
/// (reviewing the saved plan was the approval), refused when the state, the configuration or
/// the variable values have changed since it was made.
fn apply_saved(args: &ApplyArgs, file: &Path, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let saved = PlanFile::read(file)?;
    let mut module = crate::module_loader::load(&args.variables)?;
    check_files(&mut module);
    if !settings.printer.diagnostics(&module) {
        return Ok(ExitStatus::Failure);
    }
    let store = open_module_state(&module, "apply", args.lock_timeout, settings)?;
    let inputs = amlform_engine::plan_inputs(&module, &|bytes| store.fingerprint(bytes));
    if let Some(why) = saved.staleness(store.lineage(), store.serial(), &inputs) {
        anyhow::bail!(
            "the saved plan {} is stale: {why}; applying it could undo or repeat changes\nhint: make and review a new one with `amlform plan --out {}`",
            file.display(),
            file.display()
        );
    }
    if store
        .records()?
        .iter()
        .any(|record| record.status != RecordStatus::Ready)
    {
        anyhow::bail!(
            "the state holds operations an interrupted apply left unfinished, which {} does not account for\nhint: settle them with `amlform refresh` (or a plain `amlform apply`), then make a new plan",
            file.display()
        );
    }
    let plan = saved.plan;
    if !plan.errors.is_empty() {
        anyhow::bail!(
            "the saved plan {} has errors and cannot be applied\nhint: `amlform show {}` lists them",
            file.display(),
            file.display()
        );
    }
    if plan.refresh_only {
        anyhow::bail!(
            "the saved plan {} only reports drift\nhint: accept drift with `amlform apply --refresh-only`",
            file.display()
        );
    }
    if !plan.has_changes() {
        println!("The saved plan has no changes; nothing to do.");
        return Ok(ExitStatus::Success);
    }
    let summary = plan.summary();
    if args.json {
        print_planned_json(&plan);
    } else {
        println!(
            "Applying the saved plan {}: {} to add, {} to change, {} to destroy.\n",
            file.display(),
            summary.add,
            summary.change,
            summary.destroy
        );
    }
    let (runtime, workspaces) =
        connection::connect_on_runtime(&module.evaluated, settings.credential.as_deref())?;
    let destroy = plan.changes.iter().all(|change| {
        matches!(
            change.action,
            Action::Delete | Action::Detach | Action::NoOp
        )
    });
    let how = How {
        args,
        destroy,
        settings,
    };
    execute(&plan, &module, store, &workspaces, &runtime, &how)
}

/// How an apply was asked for: its flags, whether it destroys, and the global settings.
struct How<'a> {
    args: &'a ApplyArgs,
    destroy: bool,
    settings: &'a Settings,
}

/// Applies `plan`, printing a line per resource as it starts and finishes, then the summary.
/// 0 when every change succeeded, 1 otherwise.
fn execute(
    plan: &Plan,
    module: &Module,
    store: Store,
    workspaces: &Workspaces,
    runtime: &tokio::runtime::Runtime,
    how: &How<'_>,
) -> anyhow::Result<ExitStatus> {
    let How {
        args,
        destroy,
        settings,
    } = *how;
    store.write_backup()?;
    let style = if args.json {
        ProgressStyle::Json
    } else if settings.printer.quiet {
        ProgressStyle::Quiet
    } else if std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
        ProgressStyle::Terminal
    } else {
        ProgressStyle::Plain
    };
    let total = plan
        .changes
        .iter()
        .filter(|change| change.action != Action::NoOp)
        .count();
    let progress = Arc::new(Progress::new(style, total));
    let ticker = runtime.spawn({
        let progress = progress.clone();
        async move {
            let mut every = tokio::time::interval(STILL_RUNNING_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                progress.tick();
            }
        }
    });
    let on_event = |event: ApplyEvent| progress.event(&event);
    let resolve = |address: &str, known: &amlform_engine::KnownValues| {
        let mut module = crate::module_loader::load_knowing(&args.variables, known.clone()).ok()?;
        module.evaluated.computes.remove(address)
    };
    let context = ApplyContext {
        config: &module.evaluated,
        workspaces,
        parallelism: usize::from(args.parallelism),
        read_file: &amlform_engine::read_config_file,
        on_event: &on_event,
        resolve: &resolve,
        interrupt: interrupt_on_ctrl_c(runtime),
    };
    let store = Mutex::new(store);
    let report = runtime.block_on(amlform_engine::apply(plan, &context, &store));
    ticker.abort();
    progress.finish();
    let report = report?;

    let (mut added, mut changed, mut destroyed) = (0, 0, 0);
    for (_, action) in &report.succeeded {
        match action {
            Action::Create | Action::Attach | Action::Import => added += 1,
            Action::Update | Action::Start | Action::Stop => changed += 1,
            Action::Replace { .. } => {
                added += 1;
                destroyed += 1;
            }
            Action::Delete | Action::Detach => destroyed += 1,
            Action::NoOp | Action::Forget => {}
        }
    }
    let verb = if destroy { "Destroy" } else { "Apply" };
    if args.json {
        let operation = if destroy { "destroy" } else { "apply" };
        let summary = summary_json(operation, [added, changed, destroyed], &report);
        println!("{summary}");
        if report.is_success() && !destroy && !module.evaluated.outputs.is_empty() {
            let module = knowing_the_state(store, args)?;
            let outputs = output_command::outputs_json(module.evaluated.outputs.iter());
            let message = format!("Outputs: {}", outputs.len());
            let event = ui_event("info", &message, "outputs", json!({ "outputs": outputs }));
            println!("{event}");
        }
        return Ok(ExitStatus::from_success(report.is_success()));
    }
    if !report.not_started.is_empty() || !report.abandoned.is_empty() {
        println!(
            "\n{verb} interrupted: {added} added, {changed} changed, {destroyed} destroyed; {} failed, {} not started, {} abandoned while in flight.",
            report.failed.len(),
            report.not_started.len() + report.skipped.len(),
            report.abandoned.len()
        );
        for address in &report.abandoned {
            println!("  {address}: in flight when abandoned; recorded as such");
        }
        println!(
            "Run `amlform plan` to see what is left; it settles what was in flight by reading the service."
        );
        return Ok(ExitStatus::Failure);
    }
    if report.is_success() {
        println!(
            "\n{verb} complete! Resources: {added} added, {changed} changed, {destroyed} destroyed."
        );
        if !(args.targeting.targets.is_empty() && args.targeting.exclude.is_empty()) {
            println!(
                "\nWarning: Applied changes may be incomplete: the plan was made with -target or -exclude, so it may not be all the configuration asks for; run `amlform plan` to see what is left."
            );
        }
        if !module.evaluated.outputs.is_empty() && !destroy {
            let module = knowing_the_state(store, args)?;
            println!("\nOutputs:\n\n{}", output_command::render_outputs(&module));
        }
        Ok(ExitStatus::Success)
    } else {
        println!(
            "\n{verb} incomplete: {added} added, {changed} changed, {destroyed} destroyed; {} failed, {} skipped because something they depend on failed.",
            report.failed.len(),
            report.skipped.len()
        );
        for (address, message) in &report.failed {
            eprintln!("error: {address}: {message}");
        }
        println!(
            "Run `amlform plan` to see what is left; the state records everything that was done."
        );
        Ok(ExitStatus::Failure)
    }
}

/// The configuration evaluated again now that the ids the outputs may show are known.
fn knowing_the_state(store: Mutex<Store>, args: &ApplyArgs) -> anyhow::Result<Module> {
    let records = (store.into_inner())
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .records()?;
    let known = amlform_engine::known_values(&records);
    crate::module_loader::load_knowing(&args.variables, known)
}

/// Terraform's opening events: `version`, a `planned_change` per change, then amlform's
/// `planned_changes` with the whole plan (its JSON representation).
fn print_planned_json(plan: &Plan) {
    println!("{}", crate::ui_event::version());
    for change in plan.changes.iter().filter(|change| change.does_something()) {
        let action = crate::ui_event::terraform_action(change.action);
        let message = format!("{}: Plan to {action}", change.address);
        let body = json!({
            "change": { "resource": crate::ui_event::resource(&change.address), "action": action },
        });
        println!("{}", ui_event("info", &message, "planned_change", body));
    }
    let summary = plan.summary();
    let message = format!(
        "Plan: {} to add, {} to change, {} to destroy.",
        summary.add, summary.change, summary.destroy
    );
    let body = json!({ "plan": amlform_plan::render_json(plan) });
    println!("{}", ui_event("info", &message, "planned_changes", body));
}

/// Ctrl-C once: start nothing new and wait for what is in flight. Twice: stop waiting (what
/// was in flight stays recorded as such, and the next plan settles it).
fn interrupt_on_ctrl_c(runtime: &tokio::runtime::Runtime) -> watch::Receiver<Interrupt> {
    let (raise, interrupt) = watch::channel(Interrupt::None);
    // Installed now, before any operation starts, so no Ctrl-C falls through to the default
    // action (ending the process at once).
    let Some(mut interrupts) = ctrl_c_stream(runtime) else {
        return interrupt;
    };
    runtime.spawn(async move {
        if interrupts.recv().await.is_none() {
            return;
        }
        eprintln!(
            "\nInterrupt received: starting nothing new, waiting for the operations in flight to finish. Press Ctrl-C again to stop waiting."
        );
        let _ = raise.send(Interrupt::Stop);
        if interrupts.recv().await.is_some() {
            eprintln!(
                "\nSecond interrupt: no longer waiting; operations in flight stay recorded as in flight."
            );
            let _ = raise.send(Interrupt::Abandon);
        }
    });
    interrupt
}

#[cfg(unix)]
fn ctrl_c_stream(runtime: &tokio::runtime::Runtime) -> Option<tokio::signal::unix::Signal> {
    let _entered = runtime.enter();
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok()
}

#[cfg(windows)]
fn ctrl_c_stream(runtime: &tokio::runtime::Runtime) -> Option<tokio::signal::windows::CtrlC> {
    let _entered = runtime.enter();
    tokio::signal::windows::ctrl_c().ok()
}
