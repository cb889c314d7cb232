//! `amlform apply` and `amlform destroy`: plan, show it, ask (unless `--auto-approve`), then
//! make it happen, printing a line per resource as it starts and finishes. Exit 0 when every
//! change succeeded, 1 otherwise (the summary says what was done and what was not).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use amlform_engine::{ApplyContext, ApplyEvent};
use amlform_plan::{Action, PlanOptions};
use amlform_state::StateStore;

use crate::cli::ApplyArgs;
use crate::plan_command::{Planned, expand_home, prepare};

pub fn run(args: &ApplyArgs, destroy: bool, color: bool) -> anyhow::Result<u8> {
    let mut timings = crate::timings::Timings::start();
    let operation = if destroy { "destroy" } else { "apply" };
    let options = PlanOptions {
        destroy,
        refresh_only: args.refresh_only && !destroy,
        ..PlanOptions::default()
    };
    let Some(Planned {
        module,
        mut store,
        plan,
        bindings,
        remote,
        runtime,
    }) = prepare(
        &args.variables,
        args.lock_timeout,
        operation,
        options,
        color,
        &mut timings,
    )?
    else {
        return Ok(1);
    };
    print!("{}", amlform_plan::render_text(&plan, color));
    if !plan.errors.is_empty() {
        return Ok(1);
    }
    if !plan.has_changes() {
        return Ok(0);
    }
    if !args.auto_approve && !confirmed(destroy)? {
        println!(
            "\n{} cancelled; nothing was changed.",
            if destroy { "Destroy" } else { "Apply" }
        );
        return Ok(1);
    }
    println!();
    if plan.refresh_only {
        let change = amlform_plan::accept_drift(&store.records()?, &remote);
        let (updated, forgotten) = (change.put.len(), change.remove.len());
        let serial = store.commit(change)?;
        println!(
            "Apply complete! The state accepts {updated} changed and forgets {forgotten} deleted compute(s) (serial {serial}); no compute was changed."
        );
        return Ok(0);
    }

    let read_file = |path: &str| std::fs::read_to_string(expand_home(path)).ok();
    let on_event = |event: ApplyEvent| println!("{}", describe(&event));
    let context = ApplyContext {
        config: &module.evaluated,
        workspaces: &bindings,
        parallelism: usize::from(args.parallelism),
        read_file: &read_file,
        on_event: &on_event,
    };
    let store = Mutex::new(store);
    let report = runtime.block_on(amlform_engine::apply(&plan, &context, &store))?;
    timings.phase("apply");
    timings.report();

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
            Action::NoOp => {}
        }
    }
    let verb = if destroy { "Destroy" } else { "Apply" };
    if report.is_success() {
        println!(
            "\n{verb} complete! Resources: {added} added, {changed} changed, {destroyed} destroyed."
        );
        Ok(0)
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
        Ok(1)
    }
}

/// Asks on a terminal; refuses to guess when there is none.
fn confirmed(destroy: bool) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "refusing to {} without confirmation: stdin is not a terminal\nhint: pass --auto-approve (for CI), or run it in a terminal",
            if destroy { "destroy" } else { "apply" }
        );
    }
    print!(
        "\nDo you want to {}? Only 'yes' will be accepted: ",
        if destroy {
            "destroy all these computes"
        } else {
            "perform these actions"
        }
    );
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

/// `aml_compute.cpu: Creating...`, `aml_compute.cpu: Creation complete after 2s [id=...]`.
fn describe(event: &ApplyEvent) -> String {
    match event {
        ApplyEvent::Started { address, action } => format!("{address}: {}", verbs(*action).0),
        ApplyEvent::Finished {
            address,
            action,
            elapsed,
            arm_id,
        } => format!(
            "{address}: {} after {}{}",
            verbs(*action).1,
            duration(*elapsed),
            arm_id
                .as_ref()
                .map(|id| format!(" [id={id}]"))
                .unwrap_or_default()
        ),
        ApplyEvent::Failed {
            address, message, ..
        } => format!("{address}: failed: {message}"),
        ApplyEvent::Skipped {
            address,
            because_of,
        } => format!("{address}: skipped, because {because_of} failed"),
    }
}

fn verbs(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("Creating...", "Creation complete"),
        Action::Attach => ("Attaching...", "Attach complete"),
        Action::Update => ("Modifying...", "Modifications complete"),
        Action::Replace { attached: true, .. } => {
            ("Detaching and attaching again...", "Reattach complete")
        }
        Action::Replace { .. } => ("Replacing...", "Replacement complete"),
        Action::Delete => ("Destroying...", "Destruction complete"),
        Action::Detach => ("Detaching...", "Detach complete"),
        Action::Start => ("Starting...", "Start complete"),
        Action::Stop => ("Stopping...", "Stop complete"),
        Action::Import => ("Importing...", "Import complete"),
        Action::NoOp => ("", ""),
    }
}

/// `2m14s`, `3s`, `120ms`.
fn duration(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    match seconds {
        0 => format!("{}ms", elapsed.as_millis()),
        1..=59 => format!("{seconds}s"),
        _ => format!("{}m{}s", seconds / 60, seconds % 60),
    }
}
