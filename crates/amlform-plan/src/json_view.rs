//! The plan as Terraform's plan representation (`format_version`, `planned_values`,
//! `resource_changes`, `resource_drift`, `output_changes`, `prior_state`, `configuration`,
//! `relevant_attributes`, `errored`, ...), so tools written for Terraform's plan JSON (policy
//! engines, checkov, cost tools) read it, plus amlform's own keys (`amlform_action`, `reason`,
//! `summary`, `hourly_cost`). Secrets never appear: a sensitive attribute is absent from
//! `before`/`after` and `true` in `before_sensitive`/`after_sensitive`.

use serde_json::{Map, Value, json};

use crate::plan::{Action, AttributeChange, Plan, ResourceChange, ResourceDrift, Shown};
use crate::plan_context::OutputChange;
use crate::state_values::{AddressParts, PROVIDER_NAME};

/// The state representation's version (`show -json`, `prior_state`).
pub const FORMAT_VERSION: &str = "1.0";
/// The plan representation's version, as Terraform 1.11 writes it.
pub const PLAN_FORMAT_VERSION: &str = "1.2";
/// The warning a plan made with `--target` or `--exclude` carries.
pub const TARGETING_WARNING: &str = "Resource targeting is in effect";

pub fn render_json(plan: &Plan) -> Value {
    let summary = plan.summary();
    let version = env!("CARGO_PKG_VERSION");
    let mut body = json!({
        "format_version": PLAN_FORMAT_VERSION,
        "terraform_version": version,
        "amlform_version": version,
        "planned_values": planned_values(plan),
        "resource_changes": plan.changes.iter().map(resource_change).collect::<Vec<_>>(),
        "resource_drift": plan.drift.iter().map(resource_drift).collect::<Vec<_>>(),
        "output_changes": (plan.outputs.iter())
            .map(|output| (output.name.clone(), output_change(output)))
            .collect::<Map<_, _>>(),
        "relevant_attributes": [],
        "checks": [],
        "applyable": plan.errors.is_empty() && plan.has_changes(),
        "complete": !plan.warnings.iter().any(|warning| warning.starts_with(TARGETING_WARNING)),
        "errored": !plan.errors.is_empty(),
        "refresh_only": plan.refresh_only,
        "warnings": plan.warnings,
        "errors": plan.errors.iter().map(|error| json!({
            "address": error.address,
            "message": error.message,
            "hint": error.hint,
            "location": error.location,
        })).collect::<Vec<_>>(),
        "summary": {"add": summary.add, "change": summary.change, "destroy": summary.destroy, "import": summary.import},
        "hourly_cost": plan.hourly_cost().map(|(before, after)| json!({"before": round(before), "after": round(after), "currency": "USD"})),
    });
    if let Some(context) = &plan.context {
        if let Some(prior) = &context.prior_state {
            body["prior_state"] = json!({
                "format_version": FORMAT_VERSION,
                "terraform_version": version,
                "values": { "root_module": prior },
            });
        }
        body["configuration"] = context.configuration.clone();
        body["variables"] = (context.variables.iter())
            .map(|(name, value)| {
                let shown = match value {
                    Some(value) => json!({ "value": value }),
                    None => json!({ "sensitive": true }),
                };
                (name.clone(), shown)
            })
            .collect::<Map<_, _>>()
            .into();
        body["relevant_attributes"] = (context.relevant_attributes.iter())
            .map(|(resource, attribute)| json!({"resource": resource, "attribute": [attribute]}))
            .collect();
        body["timestamp"] = json!(context.timestamp);
    }
    body
}

/// What the state will hold after the plan: every resource that stays, with its known values
/// (unknown ones are left out, as Terraform leaves them), and the known outputs.
fn planned_values(plan: &Plan) -> Value {
    let resources: Vec<Value> = (plan.changes.iter())
        .filter(|change| {
            !matches!(
                change.action,
                Action::Delete | Action::Detach | Action::Forget
            )
        })
        .map(|change| {
            let mut resource = resource_identity(&change.address, &change.kind);
            resource["schema_version"] = json!(0);
            resource["values"] = side(&change.attributes, |attribute| &attribute.after);
            resource["sensitive_values"] = flags(&change.attributes, |attribute| {
                attribute.after == Shown::Sensitive
            });
            resource
        })
        .collect();
    let outputs: Map<String, Value> = (plan.outputs.iter())
        .filter_map(|output| match &output.after {
            Shown::Value(value) => Some((
                output.name.clone(),
                json!({"sensitive": false, "value": value}),
            )),
            Shown::Sensitive => Some((output.name.clone(), json!({"sensitive": true}))),
            Shown::Absent | Shown::KnownAfterApply => None,
        })
        .collect();
    json!({ "outputs": outputs, "root_module": crate::state_values::module_tree(resources) })
}

/// `address`, `mode`, `type`, `name`, `index` and `provider_name`, as every resource entry
/// of Terraform's JSON starts.
fn resource_identity(address: &str, kind: &str) -> Value {
    let AddressParts {
        module,
        name,
        index,
        ..
    } = AddressParts::of(address);
    let mut identity = json!({
        "address": address,
        "mode": "managed",
        "type": kind,
        "name": name,
        "provider_name": PROVIDER_NAME,
    });
    if let Some(index) = index {
        identity["index"] = index;
    }
    if !module.is_empty() {
        identity["module_address"] = json!(module);
    }
    identity
}

fn resource_drift(drift: &ResourceDrift) -> Value {
    let mut body = resource_identity(&drift.address, &drift.kind);
    body["description"] = json!(drift.description);
    body["change"] = json!({
        "actions": if drift.deleted { json!(["delete"]) } else { json!(["update"]) },
        "before": side(&drift.changes, |change| &change.before),
        "after": if drift.deleted { Value::Null } else { side(&drift.changes, |change| &change.after) },
        "after_unknown": {},
        "before_sensitive": flags(&drift.changes, |change| change.before == Shown::Sensitive),
        "after_sensitive": flags(&drift.changes, |change| change.after == Shown::Sensitive),
    });
    body
}

fn output_change(output: &OutputChange) -> Value {
    let value = |shown: &Shown| match shown {
        Shown::Value(value) => value.clone(),
        _ => Value::Null,
    };
    json!({
        "actions": [output.action()],
        "before": value(&output.before),
        "after": value(&output.after),
        "after_unknown": output.after == Shown::KnownAfterApply,
        "before_sensitive": output.sensitive,
        "after_sensitive": output.sensitive,
    })
}

fn resource_change(change: &ResourceChange) -> Value {
    let exists_before =
        !matches!(change.action, Action::Create | Action::Attach) || change.import_id.is_some();
    let exists_after = !matches!(
        change.action,
        Action::Delete | Action::Detach | Action::Forget
    );
    let replace_paths: Vec<Value> = change
        .forced_by()
        .into_iter()
        .map(|name| json!([name]))
        .collect();
    let action_reason = match change.action {
        Action::Replace { .. }
            if change
                .reason
                .as_deref()
                .is_some_and(|reason| reason.contains("--replace")) =>
        {
            json!("replace_by_request")
        }
        Action::Replace { .. }
            if change
                .reason
                .as_deref()
                .is_some_and(|reason| reason.contains("Failed")) =>
        {
            json!("replace_because_tainted")
        }
        Action::Replace { .. } => json!("replace_because_cannot_update"),
        Action::Delete | Action::Detach => json!("delete_because_no_resource_config"),
        Action::Forget => json!("forget_because_removed"),
        _ => Value::Null,
    };
    let mut body = resource_identity(&change.address, &change.kind);
    let details = json!({
        "workspace": change.workspace,
        "change": {
            "actions": change.action.terraform_actions(),
            "before": if exists_before { side(&change.attributes, |attribute| &attribute.before) } else { Value::Null },
            "after": if exists_after { side(&change.attributes, |attribute| &attribute.after) } else { Value::Null },
            "after_unknown": flags(&change.attributes, |attribute| attribute.after == Shown::KnownAfterApply),
            "before_sensitive": flags(&change.attributes, |attribute| attribute.before == Shown::Sensitive),
            "after_sensitive": flags(&change.attributes, |attribute| attribute.after == Shown::Sensitive),
            "replace_paths": replace_paths,
        },
        "action_reason": action_reason,
        "amlform_action": change.action.name(),
        "reason": change.reason,
    });
    if let (Value::Object(body), Value::Object(details)) = (&mut body, details) {
        body.extend(details);
    }
    if let Some(id) = &change.import_id {
        body["change"]["importing"] = json!({ "id": id });
    }
    if let Some(previous) = &change.previous_address {
        body["previous_address"] = json!(previous);
    }
    if let Some((before, after)) = change.hourly_cost {
        body["hourly_cost"] =
            json!({"before": round(before), "after": round(after), "currency": "USD"});
    }
    body
}

/// The attribute values of one side, secrets and unknowns left out.
fn side(attributes: &[AttributeChange], pick: impl Fn(&AttributeChange) -> &Shown) -> Value {
    let mut map = Map::new();
    for attribute in attributes {
        if let Shown::Value(value) = pick(attribute) {
            map.insert(attribute.name.to_string(), value.clone());
        }
    }
    Value::Object(map)
}

fn flags(attributes: &[AttributeChange], flag: impl Fn(&AttributeChange) -> bool) -> Value {
    Value::Object(
        attributes
            .iter()
            .filter(|attribute| flag(attribute))
            .map(|attribute| (attribute.name.to_string(), Value::Bool(true)))
            .collect(),
    )
}

/// Cents are enough for an estimate, and keep float noise out of snapshots.
fn round(dollars: f64) -> f64 {
    (dollars * 10_000.0).round() / 10_000.0
}
