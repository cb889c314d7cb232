//! `amlform import ADDRESS ID`: adopt an existing compute into the state, reading it from the
//! service; nothing is changed. The next plan compares it with the configuration.

use crate::exit_status::ExitStatus;

use crate::cli::ImportArgs;
use crate::settings::Settings;

pub fn run(args: &ImportArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let module = crate::module_loader::load(&args.variables)?;
    if module.diagnostics.has_errors() {
        settings.printer.diagnostics(&module);
        return Ok(ExitStatus::Failure);
    }
    let mut store =
        crate::plan_command::open_module_state(&module, "import", args.lock_timeout, settings)?;
    // What can be refused without the service is refused before connecting.
    amlform_engine::check_import(&module, &store, &args.address, &args.id)?;
    let (runtime, workspaces) =
        crate::connection::connect_on_runtime(&module.evaluated, settings.credential.as_deref())?;
    let found = runtime.block_on(amlform_engine::import(
        &module,
        &workspaces,
        &mut store,
        &args.address,
        &args.id,
    ))?;
    println!(
        "Imported {} from {}.\nRun `amlform plan` to compare it with the configuration.",
        args.address, found.arm_id
    );
    Ok(ExitStatus::Success)
}
