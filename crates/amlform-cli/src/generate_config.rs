//! `plan -generate-config-out=FILE`: for each `import` block whose `to` has no compute block
//! yet, reads the compute its id names and writes the block to FILE (a new `*.aml.hcl`
//! file) with the values the service reports, secrets as sensitive variables; the plan then
//! runs with it, showing each as an import (Terraform 1.5's workflow).

use std::collections::BTreeMap;
use std::path::Path;

use amlform_lang::{GeneratedCompute, label_for};
use anyhow::bail;

use crate::cli::VariableArgs;
use crate::settings::Settings;

/// Writes FILE when some import block needs a block; says so and writes nothing otherwise.
pub fn write(variables: &VariableArgs, out: &Path, settings: &Settings) -> anyhow::Result<()> {
    if out.exists() {
        bail!(
            "{} already exists, and -generate-config-out never overwrites a file\nhint: name a new file, or move it away",
            out.display()
        );
    }
    if !(out.to_string_lossy()).ends_with(amlform_lang::CONFIG_SUFFIX) {
        bail!(
            "-generate-config-out={} must end with {}, or the configuration would not read it\nhint: -generate-config-out=generated.aml.hcl",
            out.display(),
            amlform_lang::CONFIG_SUFFIX
        );
    }
    let mut parsed = crate::module_loader::parse(variables)?;
    let orphans = parsed.take_imports_without_blocks();
    if orphans.is_empty() {
        settings
            .printer
            .note("Every import block has its compute block; -generate-config-out wrote nothing.");
        return Ok(());
    }
    let module = parsed.evaluate(&BTreeMap::new());
    if !settings.printer.diagnostics(&module) {
        bail!("the configuration has errors; no configuration was generated");
    }
    let config = &module.evaluated;
    let (runtime, workspaces) =
        crate::connection::connect_on_runtime(config, settings.credential.as_deref())?;
    let mut computes = Vec::with_capacity(orphans.len());
    for (to, id) in orphans {
        let Some(id) = id else {
            bail!(
                "the `id` of the import block for {to} must be a literal string for its block to be generated"
            );
        };
        let Some((workspace_name, compute_name)) = amlform_engine::parse_compute_id(&id) else {
            bail!(
                "the import block for {to} has id `{id}`, which names no compute\nhint: an id ends with /workspaces/WORKSPACE/computes/NAME"
            );
        };
        let Some((label, binding)) = (workspaces.iter())
            .find(|(_, binding)| binding.target.name.eq_ignore_ascii_case(&workspace_name))
        else {
            bail!(
                "the import block for {to} names workspace {workspace_name}, which no workspace block declares"
            );
        };
        let found = runtime.block_on(binding.provider.computes(&binding.target))?;
        let Some(compute) =
            (found.into_iter()).find(|c| c.name.eq_ignore_ascii_case(&compute_name))
        else {
            bail!(
                "workspace {workspace_name} has no compute `{compute_name}` (the import block for {to})"
            );
        };
        let (kind_name, block_label) = to.split_once('.').unwrap_or(("", &to));
        let Some(kind) = compute.kind.filter(|kind| kind.block_name == kind_name) else {
            bail!(
                "the import block for {to} names `{compute_name}`, a {} compute, not a {kind_name}",
                compute.compute_type
            );
        };
        computes.push(GeneratedCompute {
            kind,
            settings: amlform_engine::generated_settings(&compute, &label_for(block_label)),
            label: block_label.to_owned(),
            workspace: (config.workspaces.len() > 1).then(|| label.clone()),
            import_id: None,
            origin: format!(
                "The compute `{}` of workspace {workspace_name}, as the service reported it.",
                compute.name
            ),
        });
    }
    let header = "Written by `amlform plan -generate-config-out`: the blocks the import blocks\nimport into, as the service reported them. Review them, then keep them.";
    std::fs::write(out, amlform_lang::render_generated(header, &computes))
        .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", out.display()))?;
    settings.printer.note(&format!(
        "Wrote {} compute block(s) to {} for the import blocks that had none.",
        computes.len(),
        out.display()
    ));
    Ok(())
}
