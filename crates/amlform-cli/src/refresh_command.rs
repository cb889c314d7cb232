//! `amlform refresh`: read the service and write what changed outside amlform into the state
//! (Terraform's `apply -refresh-only -auto-approve`). No compute is changed.

use amlform_lang::RenderStyle;
use amlform_state::StateStore;

use crate::cli::RefreshArgs;

pub fn run(args: &RefreshArgs, color: bool) -> anyhow::Result<u8> {
    let module = crate::module_loader::load(&args.variables)?;
    if module.diagnostics.has_errors() {
        eprint!(
            "{}",
            module
                .diagnostics
                .render(&module.sources, RenderStyle::for_terminal(color))
        );
        return Ok(1);
    }
    let mut store = crate::plan_command::open_state("refresh", args.lock_timeout)?;
    let records = store.records()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let connections = runtime.block_on(crate::connection::connect(&module.evaluated))?;
    let (remote, _, _) = runtime.block_on(crate::plan_command::refresh(
        &module.evaluated,
        &connections,
    ))?;
    let change = amlform_plan::accept_drift(&records, &remote);
    if change.put.is_empty() && change.remove.is_empty() {
        println!("No changes. The state already matches the service.");
        return Ok(0);
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
    Ok(0)
}
