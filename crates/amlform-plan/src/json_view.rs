//! The plan as JSON whose `resource_changes[].change.actions` use Terraform's vocabulary, so
//! policy tools written for Terraform plans can read it. Secrets never appear: a sensitive
//! attribute is absent from `before`/`after` and `true` in `before_sensitive`/`after_sensitive`.

use serde_json::{Map, Value, json};

use crate::plan::{Action, AttributeChange, Plan, ResourceChange, Shown};
use crate::state_values::AddressParts;

pub const FORMAT_VERSION: &str = "1.0";

pub fn render_json(plan: &Plan) -> Value {
    let summary = plan.summary();
    json!({
        "format_version": FORMAT_VERSION,
        "amlform_version": env!("CARGO_PKG_VERSION"),
        "refresh_only": plan.refresh_only,
        "resource_changes": plan.changes.iter().map(resource_change).collect::<Vec<_>>(),
        "resource_drift": plan.drift.iter().map(|drift| json!({
            "address": drift.address,
            "type": drift.kind,
            "description": drift.description,
            "change": {
                "actions": if drift.deleted { json!(["delete"]) } else { json!(["update"]) },
                "before": side(&drift.changes, |change| &change.before),
                "after": if drift.deleted { Value::Null } else { side(&drift.changes, |change| &change.after) },
            }
        })).collect::<Vec<_>>(),
        "warnings": plan.warnings,
        "errors": plan.errors.iter().map(|error| json!({
            "address": error.address,
            "message": error.message,
            "hint": error.hint,
            "location": error.location,
        })).collect::<Vec<_>>(),
        "summary": {"add": summary.add, "change": summary.change, "destroy": summary.destroy, "import": summary.import},
        "hourly_cost": plan.hourly_cost().map(|(before, after)| json!({"before": round(before), "after": round(after), "currency": "USD"})),
    })
}

fn resource_change(change: &ResourceChange) -> Value {
    let exists_before =
        !matches!(change.action, Action::Create | Action::Attach) || change.import_id.is_some();
    let exists_after = !matches!(
        change.action,
        Action::Delete | Action::Detach | Action::Forget
    );
    let AddressParts { name, index, .. } = AddressParts::of(&change.address);
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
    let mut body = json!({
        "address": change.address,
        "mode": "managed",
        "type": change.kind,
        "name": name,
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
    if let Some(index) = index {
        body["index"] = index;
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
