//! `amlform show [FILE]`: a plan saved with `plan --out`, in any of the plan's forms; without
//! a file, the state (`-json`: Terraform's `values` representation) with its outputs.

use amlform_engine::{PlanFile, known_values};
use amlform_state::StateStore;

use crate::cli::ShowArgs;
use crate::exit_status::ExitStatus;
use crate::printer::PlanForm;
use crate::settings::Settings;

pub fn run(args: &ShowArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let Some(file) = &args.file else {
        return show_state(args, settings);
    };
    let saved = PlanFile::read(file)?;
    (settings.printer).plan(
        &saved.plan,
        PlanForm::of(args.json, args.markdown.as_deref()),
    )?;
    Ok(ExitStatus::Success)
}

/// The state's resources, then the configuration's outputs with the values the state knows.
/// The state needs no configuration; when it has errors, the outputs are left out and a note
/// says why.
fn show_state(args: &ShowArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let store = crate::plan_command::open_state("show", args.lock_timeout, settings)?;
    let records = store.records()?;
    drop(store);
    let module = crate::module_loader::load_knowing(&args.variables, known_values(&records))
        .ok()
        .filter(|module| !module.diagnostics.has_errors());
    if module.is_none() {
        settings.printer.note(
            "The configuration does not load without errors, so its outputs are left out (`amlform validate` shows why).",
        );
    }
    if args.json {
        let outputs = (module.as_ref()).map(|module| {
            crate::output_command::outputs_json(module.evaluated.outputs.iter()).into()
        });
        let shown = amlform_plan::render_state_json(&records, outputs);
        println!("{}", serde_json::to_string_pretty(&shown)?);
        return Ok(ExitStatus::Success);
    }
    if records.is_empty() {
        println!("No state.");
    }
    let resources: Vec<String> = records.iter().map(crate::state_command::show).collect();
    print!("{}", resources.join("\n"));
    if let Some(module) = module
        && !module.evaluated.outputs.is_empty()
    {
        println!(
            "\nOutputs:\n\n{}",
            crate::output_command::render_outputs(&module).trim_end()
        );
    }
    Ok(ExitStatus::Success)
}
