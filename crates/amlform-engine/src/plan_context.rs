//! What a plan says beside its changes, from the configuration and the state: the outputs
//! before and after ([`output_changes`]) and, for Terraform's plan JSON, [`plan_context`]:
//! the prior state, the configuration (each block's expressions as constants or references),
//! the variables and the attributes other blocks read. No secret reaches either.

use std::collections::{BTreeMap, BTreeSet};

use amlform_lang::{ComputeInstance, EvaluatedConfig, Module, Value, expression_references};
use amlform_plan::{OutputChange, PROVIDER_NAME, PlanContext, Shown};
use amlform_state::StateRecord;
use serde_json::{Map, json};

/// Each output as the state's values make it (`before`: `None` when there is no state) and as
/// the configuration will once the plan is applied (`after`; everything absent for a
/// destroy), in name order. Outputs are not kept in the state: they are the configuration's
/// values over the state's, as `amlform output` shows them, so they change when a compute
/// they read is created, replaced or removed (an output not known before had no value).
pub fn output_changes(
    before: Option<&EvaluatedConfig>,
    after: &EvaluatedConfig,
    destroy: bool,
) -> Vec<OutputChange> {
    let names: BTreeSet<&String> = (after.outputs.keys())
        .chain(before.into_iter().flat_map(|before| before.outputs.keys()))
        .collect();
    names
        .into_iter()
        .map(|name| {
            let old = before.and_then(|before| before.outputs.get(name));
            let new = after.outputs.get(name).filter(|_| !destroy);
            let sensitive = old.is_some_and(|o| o.sensitive) || new.is_some_and(|n| n.sensitive);
            let shown = |value: Option<&Value>| match value {
                None | Some(Value::Null) => Shown::Absent,
                Some(value) if value.is_unknown() => Shown::KnownAfterApply,
                Some(_) if sensitive => Shown::Sensitive,
                Some(value) => Shown::Value(value.to_json()),
            };
            let (old_value, new_value) = (old.map(|o| &o.value), new.map(|n| &n.value));
            let before = match shown(old_value) {
                Shown::KnownAfterApply => Shown::Absent,
                known => known,
            };
            let after = shown(new_value);
            let changed = after == Shown::KnownAfterApply
                || (before == Shown::Absent && after != Shown::Absent)
                || old_value.unwrap_or(&Value::Null) != new_value.unwrap_or(&Value::Null);
            OutputChange {
                name: name.clone(),
                before,
                after,
                sensitive,
                changed,
            }
        })
        .collect()
}

/// The parts of Terraform's plan JSON about what the plan was made from.
pub fn plan_context(module: &Module, records: &[StateRecord], timestamp: String) -> PlanContext {
    let config = &module.evaluated;
    // One entry per block: its first instance stands for the expressions they all share.
    let mut blocks: BTreeMap<String, &ComputeInstance> = BTreeMap::new();
    for (address, instance) in &config.computes {
        blocks
            .entry(amlform_lang::block_of(address).to_owned())
            .or_insert(instance);
    }
    let mut relevant: BTreeSet<(String, String)> = BTreeSet::new();
    let resources: Vec<serde_json::Value> = (blocks.iter())
        .map(|(address, instance)| {
            let mut expressions = Map::new();
            for (name, attribute) in instance.attributes.iter() {
                let Some(span) = &attribute.span else {
                    continue; // a default or a computed value: not written
                };
                let references = expression_references(module.sources.snippet(span));
                for reference in &references {
                    let parts: Vec<&str> = reference.split('.').collect();
                    if let [kind, label, attribute] = parts[..]
                        && amlform_schema::compute_kind(kind).is_some()
                    {
                        relevant.insert((format!("{kind}.{label}"), attribute.to_owned()));
                    }
                }
                let expression = if !references.is_empty() {
                    json!({ "references": references })
                } else if attribute.sensitive || attribute.value.is_unknown() {
                    json!({})
                } else {
                    json!({ "constant_value": attribute.value.to_json() })
                };
                expressions.insert((*name).to_owned(), expression);
            }
            let (_, label, _) = amlform_schema::resource_parts(address);
            let mut resource = json!({
                "address": address,
                "mode": "managed",
                "type": instance.kind.block_name,
                "name": label,
                "provider_config_key": "azureml",
                "expressions": expressions,
                "schema_version": 0,
            });
            if !instance.depends_on.is_empty() {
                resource["depends_on"] = json!(instance.depends_on);
            }
            resource
        })
        .collect();
    let outputs: Map<String, serde_json::Value> = (config.outputs.iter())
        .map(|(name, output)| {
            let expression = if output.sensitive || output.value.is_unknown() {
                json!({})
            } else {
                json!({ "constant_value": output.value.to_json() })
            };
            let mut shown = json!({ "expression": expression });
            if output.sensitive {
                shown["sensitive"] = json!(true);
            }
            (name.clone(), shown)
        })
        .collect();
    let variables: Map<String, serde_json::Value> = (config.variables.iter())
        .map(|(name, variable)| {
            let shown = if variable.sensitive {
                json!({ "sensitive": true })
            } else {
                json!({})
            };
            (name.clone(), shown)
        })
        .collect();
    PlanContext {
        prior_state: (!records.is_empty()).then(|| amlform_plan::root_module(records)),
        configuration: json!({
            "provider_config": { "azureml": { "name": "azureml", "full_name": PROVIDER_NAME } },
            "root_module": { "resources": resources, "outputs": outputs, "variables": variables },
        }),
        variables: (config.variables.iter())
            .map(|(name, variable)| {
                let value = (!variable.sensitive).then(|| variable.value.to_json());
                (name.clone(), value)
            })
            .collect(),
        relevant_attributes: relevant.into_iter().collect(),
        timestamp,
    }
}
