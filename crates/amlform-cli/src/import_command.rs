//! `amlform import ADDRESS ID`: adopt an existing compute into the state, reading it from the
//! service; nothing is changed. The next plan compares it with the configuration.

use amlform_azure::Provider;
use amlform_lang::RenderStyle;
use amlform_state::{ChangeSet, StateStore};
use anyhow::bail;

use crate::cli::ImportArgs;

pub fn run(args: &ImportArgs, color: bool) -> anyhow::Result<u8> {
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
    let Some(instance) = module.evaluated.computes.get(&args.address) else {
        bail!(
            "the configuration has no block for {}\nhint: write the block first (its settings as they are), then import into it",
            args.address
        );
    };
    let segment = |name: &str| {
        let mut segments = args.id.split('/');
        segments
            .by_ref()
            .find(|segment| segment.eq_ignore_ascii_case(name));
        segments.next().map(str::to_owned)
    };
    let (Some(workspace_name), Some(compute_name)) = (segment("workspaces"), segment("computes"))
    else {
        bail!(
            "`{}` is not a compute id\nhint: it looks like /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<workspace>/computes/<name>",
            args.id
        );
    };
    let mut store = crate::plan_command::open_state("import", args.lock_timeout)?;
    if store.record(&args.address)?.is_some() {
        bail!(
            "{} is already in the state\nhint: `amlform state rm {}` first to import something else there",
            args.address,
            args.address
        );
    }
    // One compute managed at two addresses would be deleted by one and kept by the other.
    let records = store.records()?;
    if let Some(managing) = (records.iter()).find(|record| {
        record
            .arm_id
            .as_deref()
            .is_some_and(|id| id.eq_ignore_ascii_case(&args.id))
            || (record.workspace == instance.workspace
                && record
                    .attributes
                    .get("name")
                    .and_then(|name| name.as_str())
                    .is_some_and(|name| name.eq_ignore_ascii_case(&compute_name)))
    }) {
        bail!(
            "{compute_name} is already managed by amlform, as {}; nothing was imported\nhint: {}",
            managing.address,
            amlform_plan::moved_hint(&managing.address, &args.address)
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let connections = runtime.block_on(crate::connection::connect(&module.evaluated))?;
    let bindings = connections.bindings(&module.evaluated);
    let binding = &bindings[&instance.workspace];
    if !binding.target.name.eq_ignore_ascii_case(&workspace_name) {
        bail!(
            "the id names workspace {workspace_name}, but {} is in workspace {} ({})",
            args.address,
            instance.workspace,
            binding.target.name
        );
    }
    let computes = runtime.block_on(binding.provider.computes(&binding.target))?;
    let Some(found) = computes
        .iter()
        .find(|compute| compute.name.eq_ignore_ascii_case(&compute_name))
    else {
        bail!(
            "workspace {} has no compute named {compute_name}",
            binding.target.name
        );
    };
    if found.kind.map(|kind| kind.block_name) != Some(instance.kind.block_name) {
        bail!(
            "{compute_name} is a {} compute, but {} is a {} block",
            found.compute_type,
            args.address,
            instance.kind.block_name
        );
    }
    let read_file =
        |path: &str| amlform_lang::read_text_file(&amlform_lang::expand_home(path)).ok();
    let record = amlform_engine::state_record(instance, Some(found), None, &read_file, &|bytes| {
        store.fingerprint(bytes)
    });
    store.commit(ChangeSet {
        put: vec![record],
        remove: vec![],
        operation: "import".to_owned(),
    })?;
    println!(
        "Imported {} from {}.\nRun `amlform plan` to compare it with the configuration.",
        args.address, found.arm_id
    );
    Ok(0)
}
