//! `amlform output [NAME] [--json | --raw]`: the configuration's outputs, with computed values (a
//! compute's `id`) as the state knows them. A sensitive output shows as `(sensitive value)`
//! in every form: amlform never prints a secret.

use crate::exit_status::ExitStatus;
use std::collections::BTreeMap;

use amlform_lang::{EvaluatedOutput, Module, Value};
use amlform_state::StateStore;
use serde_json::json;

use crate::cli::OutputArgs;
use crate::module_loader::load_knowing;
use crate::plan_command::open_state;
use crate::settings::Settings;
use amlform_engine::known_values;

pub fn run(args: &OutputArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let records = open_state("output", args.lock_timeout, settings)?.records()?;
    let module = load_knowing(&args.variables, known_values(&records))?;
    if !settings.printer.diagnostics(&module) {
        return Ok(ExitStatus::Failure);
    }
    let outputs = &module.evaluated.outputs;
    let chosen: BTreeMap<&String, &EvaluatedOutput> = match &args.name {
        Some(name) => match outputs.get_key_value(name) {
            Some(one) => BTreeMap::from([one]),
            None => {
                let declared: Vec<&str> = outputs.keys().map(String::as_str).collect();
                anyhow::bail!(
                    "the configuration has no output named `{name}`\nhint: {}",
                    if declared.is_empty() {
                        "declare one with `output \"NAME\" { value = ... }`".to_owned()
                    } else {
                        format!("it declares: {}", declared.join(", "))
                    }
                );
            }
        },
        None => outputs.iter().collect(),
    };
    if args.json {
        let rendered = outputs_json(chosen.into_iter());
        println!("{}", serde_json::to_string_pretty(&rendered)?);
    } else if let (true, Some((name, output))) = (args.raw, chosen.first_key_value()) {
        print!("{}", raw(name, output)?);
    } else if let (Some(_), Some((_, output))) = (&args.name, chosen.first_key_value()) {
        println!("{}", shown(output));
    } else {
        print!("{}", render_outputs(&module));
    }
    Ok(ExitStatus::Success)
}

/// `name = value` lines, sorted by name; empty when there are no outputs.
pub fn render_outputs(module: &Module) -> String {
    module
        .evaluated
        .outputs
        .iter()
        .map(|(name, output)| format!("{name} = {}\n", shown(output)))
        .collect()
}

fn shown(output: &EvaluatedOutput) -> String {
    if output.sensitive {
        "(sensitive value)".to_owned()
    } else {
        output.value.to_string()
    }
}

/// `output -raw NAME`: a string as it is, a number or bool as text; anything else, or a
/// secret, is refused (Terraform prints a sensitive value here; amlform never prints one).
fn raw(name: &str, output: &EvaluatedOutput) -> anyhow::Result<String> {
    if output.sensitive {
        anyhow::bail!(
            "output `{name}` is sensitive, and amlform never prints a secret\nhint: read it where it comes from (the variable's source, or Azure's key vault)"
        );
    }
    match &output.value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(_) | Value::Bool(_) => Ok(output.value.to_string()),
        Value::Unknown => {
            anyhow::bail!("output `{name}` is known only after apply\nhint: `amlform apply` first")
        }
        Value::Null => anyhow::bail!("output `{name}` is null: -raw has nothing to print"),
        _ => anyhow::bail!(
            "output `{name}` is a list or map, which -raw cannot print as one value\nhint: `amlform output -json {name}`"
        ),
    }
}

/// `{"NAME": <output_json>, ...}`.
pub fn outputs_json<'a>(
    outputs: impl Iterator<Item = (&'a String, &'a EvaluatedOutput)>,
) -> serde_json::Map<String, serde_json::Value> {
    outputs
        .map(|(name, output)| (name.clone(), output_json(output)))
        .collect()
}

/// Terraform's `output -json` shape: `{"sensitive": .., "value": ..}`; a sensitive value is
/// left out, an unknown one is `null` with `"known": false`.
fn output_json(output: &EvaluatedOutput) -> serde_json::Value {
    let known = !output.value.is_unknown();
    if output.sensitive {
        json!({ "sensitive": true, "known": known })
    } else {
        json!({
            "sensitive": false,
            "known": known,
            "value": amlform_plan::to_json(&output.value),
        })
    }
}
