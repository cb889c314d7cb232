//! `amlform adopt [--workspace LABEL] [--out FILE]`: writes a block and an `import` block for
//! every compute of the configuration's workspaces that the state does not manage and no
//! block declares (default file: `adopted.aml.hcl`), with the values the service reports and
//! a sensitive variable for each secret. The next `apply` imports them without changing
//! them. Nothing is written to the state or the service.

use amlform_state::StateStore;

use crate::cli::AdoptArgs;
use crate::exit_status::ExitStatus;
use crate::settings::Settings;

pub fn run(args: &AdoptArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    if args.out.exists() {
        anyhow::bail!(
            "{} already exists, and adopt never overwrites a file\nhint: move it away, or name another with --out FILE",
            args.out.display()
        );
    }
    let module = crate::module_loader::load(&args.variables)?;
    if !settings.printer.diagnostics(&module) {
        return Ok(ExitStatus::Failure);
    }
    let config = &module.evaluated;
    if let Some(label) = &args.workspace
        && !config.workspaces.contains_key(label)
    {
        let declared: Vec<&str> = config.workspaces.keys().map(String::as_str).collect();
        anyhow::bail!(
            "the configuration declares no workspace `{label}`\nhint: it declares: {}",
            declared.join(", ")
        );
    }
    let records =
        crate::plan_command::open_module_state(&module, "adopt", args.lock_timeout, settings)?
            .records()?;
    let (runtime, workspaces) =
        crate::connection::connect_on_runtime(config, settings.credential.as_deref())?;
    let refreshed = runtime.block_on(amlform_engine::refresh(config, &workspaces))?;
    let adoption = amlform_engine::adoption(
        config,
        &records,
        &refreshed.remote,
        args.workspace.as_deref(),
    );
    for why in &adoption.left_out {
        settings.printer.note(&format!("Not adopted: {why}."));
    }
    if adoption.computes.is_empty() {
        println!(
            "Nothing to adopt: the state or the configuration has every compute amlform can manage."
        );
        return Ok(ExitStatus::Success);
    }
    let header = "Written by `amlform adopt`: the computes the state did not manage, as the service\nreported them. `amlform plan` shows each as an import; `amlform apply` adopts them\nwithout changing them. Secrets are variables: set them (AMLFORM_VAR_NAME or --var)\nbefore a change that needs them.";
    let text = amlform_lang::render_generated(header, &adoption.computes);
    std::fs::write(&args.out, text)
        .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", args.out.display()))?;
    let secrets = (adoption.computes.iter())
        .flat_map(|compute| &compute.settings)
        .filter(|(_, setting)| matches!(setting, amlform_lang::Setting::Secret { .. }))
        .count();
    println!(
        "Wrote {} compute block(s) and their import blocks to {}{}.\nNext: `amlform plan` shows them as imports, and `amlform apply` adopts them without changing them.",
        adoption.computes.len(),
        args.out.display(),
        if secrets > 0 {
            format!(", with {secrets} secret(s) as sensitive variables to set")
        } else {
            String::new()
        }
    );
    Ok(ExitStatus::Success)
}
