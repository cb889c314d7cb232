//! `amlform refresh`: read the service and write what changed outside amlform into the state
//! (Terraform's `apply -refresh-only -auto-approve`). No compute is changed.

use crate::exit_status::ExitStatus;
use amlform_state::StateStore;

use crate::cli::RefreshArgs;
use crate::settings::Settings;

pub fn run(args: &RefreshArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let module = crate::module_loader::load(&args.variables)?;
    if module.diagnostics.has_errors() {
        settings.printer.diagnostics(&module);
        return Ok(ExitStatus::Failure);
    }
    let mut store =
        crate::plan_command::open_module_state(&module, "refresh", args.lock_timeout, settings)?;
    let records = store.records()?;
    let (runtime, workspaces) =
        crate::connection::connect_on_runtime(&module.evaluated, settings.credential.as_deref())?;
    let refreshed = runtime.block_on(amlform_engine::refresh(&module.evaluated, &workspaces))?;
    let change = amlform_plan::accept_drift(&records, &refreshed.remote);
    if change.put.is_empty() && change.remove.is_empty() {
        println!("No changes. The state already matches the service.");
        return Ok(ExitStatus::Success);
    }
    for record in &change.put {
        println!(
            "~ {}: the state now holds what the service reports",
            record.address
        );
    }
    for address in &change.remove {
        println!("- {address}: gone from the service, forgotten by the state");
    }
    let serial = store.commit(change)?;
    println!("State updated (serial {serial}).");
    Ok(ExitStatus::Success)
}
