//! [`adoption`]: what `amlform adopt` writes for the computes a workspace has that neither the
//! state manages nor a block declares (made by scripts that followed the Azure ML SDK's
//! articles): a block each with the values the service reports, an `import` block, and a
//! sensitive variable for each secret the block needs. The next apply imports them without
//! touching them: only what the service reports is written, so nothing differs.

use std::collections::{BTreeMap, BTreeSet};

use amlform_lang::{EvaluatedConfig, GeneratedCompute, Setting, Value, label_for};
use amlform_provider::RemoteCompute;
use amlform_schema::{DefaultValue, Mode};
use amlform_state::StateRecord;

/// The computes to write, and the ones left out with why.
#[derive(Debug, Default)]
pub struct Adoption {
    pub computes: Vec<GeneratedCompute>,
    /// `workspace/name: why`.
    pub left_out: Vec<String>,
}

/// The computes of `remote` (by workspace label; only `only` when given) that no record and
/// no block has.
pub fn adoption(
    config: &EvaluatedConfig,
    records: &[StateRecord],
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
    only: Option<&str>,
) -> Adoption {
    let named = |workspace: &str, name: &str| {
        (records.iter()).any(|record| {
            record.workspace == workspace
                && (record.attributes.get("name").and_then(|n| n.as_str()))
                    .is_some_and(|known| known.eq_ignore_ascii_case(name))
        }) || (config.computes.values()).any(|instance| {
            instance.workspace == workspace
                && instance
                    .str("name")
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    };
    let imported: BTreeSet<String> = (config.imports.iter())
        .filter_map(|import| import.id.as_str().map(str::to_ascii_lowercase))
        .collect();
    let mut taken: BTreeSet<String> = config
        .computes
        .keys()
        .map(|a| amlform_lang::block_of(a).to_owned())
        .collect();
    let mut adoption = Adoption::default();
    for (workspace, computes) in remote {
        if only.is_some_and(|only| only != workspace) {
            continue;
        }
        for compute in computes {
            if named(workspace, &compute.name)
                || imported.contains(&compute.arm_id.to_ascii_lowercase())
            {
                continue;
            }
            let Some(kind) = compute.kind else {
                adoption.left_out.push(format!(
                    "{workspace}/{}: a {} compute, which amlform cannot manage",
                    compute.name, compute.compute_type
                ));
                continue;
            };
            let mut label = label_for(&compute.name);
            if taken.contains(&format!("{}.{label}", kind.block_name)) {
                label = format!("{label}_{}", label_for(workspace));
            }
            taken.insert(format!("{}.{label}", kind.block_name));
            adoption.computes.push(GeneratedCompute {
                kind,
                settings: generated_settings(compute, &label),
                label,
                workspace: (config.workspaces.len() > 1).then(|| workspace.clone()),
                import_id: Some(compute.arm_id.clone()),
                origin: format!(
                    "The compute `{}` of workspace {workspace}, as the service reported it.",
                    compute.name
                ),
            });
        }
    }
    adoption
}

/// The attributes the service reports, `name` first, leaving out what equals the schema's
/// default and what the service chooses itself; a required secret or key file becomes a
/// sensitive variable (the service never returns one).
pub fn generated_settings(compute: &RemoteCompute, label: &str) -> Vec<(&'static str, Setting)> {
    let Some(kind) = compute.kind else {
        return Vec::new();
    };
    let mut settings = Vec::new();
    let attributes = kind
        .attributes
        .iter()
        .filter(|attribute| match attribute.mode {
            Mode::Both => true,
            Mode::CreateOnly => !compute.is_attached,
            Mode::AttachOnly => compute.is_attached,
        });
    for attribute in attributes {
        if attribute.sensitive || attribute.is_file_path {
            if attribute.required {
                let variable = format!("{}_{}", label.replace('-', "_"), attribute.name);
                let description = format!(
                    "The {} of {}.{label}: the service never returns it",
                    attribute.name, kind.block_name
                );
                settings.push((
                    attribute.name,
                    Setting::Secret {
                        variable,
                        description,
                    },
                ));
            }
            continue;
        }
        let Some(value) = compute
            .attributes
            .get(attribute.name)
            .filter(|v| !v.is_null())
        else {
            continue;
        };
        let default = attribute.default.as_ref().map(|default| match default {
            DefaultValue::String(text) => serde_json::json!(text),
            DefaultValue::Integer(number) => serde_json::json!(number),
            DefaultValue::Bool(flag) => serde_json::json!(flag),
        });
        if default.as_ref() == Some(value) && attribute.name != "name" {
            continue;
        }
        settings.push((attribute.name, Setting::Literal(Value::from_json(value))));
    }
    settings.sort_by_key(|(name, _)| *name != "name");
    settings
}
