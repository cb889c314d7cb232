//! Terraform's machine-readable UI (`terraform apply -json`): one object per line with
//! `@level`, `@message`, `@module`, `@timestamp` and `type`, and for a resource a `hook`
//! naming it as Terraform does (`addr`, `module`, `resource_type`, `resource_name`,
//! `resource_key`). amlform's own keys (`address`, `action`, ...) sit beside them.

use amlform_plan::{Action, AddressParts};
use serde_json::{Value, json};

/// The `@module` of every event.
pub const UI_MODULE: &str = "amlform.ui";

/// `body` with the UI's keys added: its level, its message as a line of text, its type.
pub fn ui_event(level: &str, message: &str, kind: &str, mut body: Value) -> Value {
    if !body.is_object() {
        body = json!({});
    }
    body["@level"] = json!(level);
    body["@message"] = json!(message);
    body["@module"] = json!(UI_MODULE);
    body["@timestamp"] = json!(amlform_emulator::timestamp(amlform_state::now_ms()));
    body["type"] = json!(kind);
    body
}

/// The `resource` object of a hook or a planned change.
pub fn resource(address: &str) -> Value {
    let parts = AddressParts::of(address);
    let resource = &amlform_schema::block_of(address)[amlform_schema::resource_start(address)..];
    json!({
        "addr": address,
        "module": parts.module,
        "resource": resource,
        "implied_provider": "azureml",
        "resource_type": parts.kind,
        "resource_name": parts.name,
        "resource_key": parts.index,
    })
}

/// Terraform's word for an action: `create`, `update`, `replace`, `delete`, `noop` (an
/// attach creates, a start or stop updates, a detach or forget deletes from the state).
pub fn terraform_action(action: Action) -> &'static str {
    match action {
        Action::NoOp => "noop",
        Action::Create | Action::Attach | Action::Import => "create",
        Action::Update | Action::Start | Action::Stop => "update",
        Action::Replace { .. } => "replace",
        Action::Delete | Action::Detach | Action::Forget => "delete",
    }
}

/// A hook for `address` and `action`, with more keys (`elapsed_seconds`, `id_value`).
pub fn hook(address: &str, action: Action, more: Value) -> Value {
    let mut hook = json!({ "resource": resource(address), "action": terraform_action(action) });
    if let (Value::Object(hook), Value::Object(more)) = (&mut hook, more) {
        hook.extend(more);
    }
    hook
}

/// The `version` event that opens a stream.
pub fn version() -> Value {
    let version = env!("CARGO_PKG_VERSION");
    ui_event(
        "info",
        &format!("amlform {version}"),
        "version",
        json!({ "terraform": version, "amlform": version, "ui": "1.2" }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_has_the_ui_keys_and_a_hook_names_the_resource() {
        let event = ui_event(
            "info",
            "aml_compute.pool[\"a\"]: Creating...",
            "apply_start",
            json!({ "hook": hook("aml_compute.pool[\"a\"]", Action::Attach, json!({})) }),
        );
        assert_eq!(event["@level"], "info");
        assert_eq!(event["@module"], "amlform.ui");
        assert_eq!(event["type"], "apply_start");
        assert!(event["@timestamp"].as_str().unwrap().starts_with("20"));
        let hook = &event["hook"];
        assert_eq!(hook["action"], "create");
        assert_eq!(hook["resource"]["addr"], "aml_compute.pool[\"a\"]");
        assert_eq!(hook["resource"]["resource"], "aml_compute.pool");
        assert_eq!(hook["resource"]["resource_type"], "aml_compute");
        assert_eq!(hook["resource"]["resource_name"], "pool");
        assert_eq!(hook["resource"]["resource_key"], "a");
    }
}
