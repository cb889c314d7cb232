//! A state in Terraform's `values` representation (`show -json`, and a plan's
//! `prior_state`), so tools written for Terraform's JSON read amlform's. No secret is in a
//! state, so none can be here: a secret attribute is only `true` in `sensitive_values`.

use serde_json::{Map, Value, json};

use amlform_state::StateRecord;

/// The provider every amlform resource belongs to, in Terraform's `provider_name` form.
pub const PROVIDER_NAME: &str = "amlform.dev/amlform/azureml";

/// A resource address in its parts: `aml_compute.pool["a"]` is kind `aml_compute`, name
/// `pool`, index `"a"`; `aml_compute.gpu[0]` has the number `0` as its index.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressParts<'a> {
    /// The module path (`module.team["vision"]`), empty in the root module.
    pub module: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    /// A `for_each` key (a string) or a `count` index (a number).
    pub index: Option<Value>,
}

impl<'a> AddressParts<'a> {
    pub fn of(address: &'a str) -> AddressParts<'a> {
        let (kind, name, key) = amlform_schema::resource_parts(address);
        // `"a"` is a JSON string and `0` a JSON number; anything else stays text.
        let index = key.map(|key| serde_json::from_str(key).unwrap_or_else(|_| json!(key)));
        AddressParts {
            module: amlform_schema::module_of(address),
            kind,
            name,
            index,
        }
    }
}

/// `{"format_version", "terraform_version", "values": {"outputs", "root_module"}}`, as
/// `terraform show -json` prints a state; just the format version when there is no state.
pub fn render_state_json(records: &[StateRecord], outputs: Option<Value>) -> Value {
    if records.is_empty() && outputs.as_ref().is_none_or(|outputs| outputs == &json!({})) {
        return json!({"format_version": crate::json_view::FORMAT_VERSION});
    }
    let mut values = json!({ "root_module": root_module(records) });
    if let Some(outputs) = outputs {
        values["outputs"] = outputs;
    }
    json!({
        "format_version": crate::json_view::FORMAT_VERSION,
        "terraform_version": env!("CARGO_PKG_VERSION"),
        "amlform_version": env!("CARGO_PKG_VERSION"),
        "values": values,
    })
}

/// `{"resources": [...], "child_modules": [...]}`: every record, in address order.
pub fn root_module(records: &[StateRecord]) -> Value {
    let mut records: Vec<&StateRecord> = records.iter().collect();
    records.sort_by(|a, b| a.address.cmp(&b.address));
    module_tree(records.into_iter().map(resource).collect())
}

/// Resources (each with its `address`) as Terraform's module tree: the root's in
/// `resources`, each module instance's in a `child_modules` entry with its `address`.
pub fn module_tree(resources: Vec<Value>) -> Value {
    let mut root = Vec::new();
    let mut children: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for resource in resources {
        let module = amlform_schema::module_of(resource["address"].as_str().unwrap_or_default());
        if module.is_empty() {
            root.push(resource);
        } else {
            children
                .entry(module.to_owned())
                .or_default()
                .push(resource);
        }
    }
    let mut tree = json!({ "resources": root });
    if !children.is_empty() {
        tree["child_modules"] = (children.into_iter())
            .map(|(address, resources)| json!({ "address": address, "resources": resources }))
            .collect();
    }
    tree
}

fn resource(record: &StateRecord) -> Value {
    let parts = AddressParts::of(&record.address);
    let mut values: Map<String, Value> = (record.attributes.iter())
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    values.insert("id".to_owned(), json!(record.arm_id));
    values.insert("workspace".to_owned(), json!(record.workspace));
    // A secret has only its fingerprint in the state; a file attribute keeps its path in
    // `values` (the file's content is what is fingerprinted).
    let sensitive: Map<String, Value> = (record.secret_fingerprints.keys())
        .filter(|name| !values.contains_key(name.as_str()))
        .map(|name| (name.clone(), Value::Bool(true)))
        .collect();
    let mut body = json!({
        "address": record.address,
        "mode": "managed",
        "type": record.kind,
        "name": parts.name,
        "provider_name": PROVIDER_NAME,
        "schema_version": 0,
        "values": values,
        "sensitive_values": sensitive,
    });
    if let Some(index) = parts.index {
        body["index"] = index;
    }
    if !record.dependencies.is_empty() {
        body["depends_on"] = json!(record.dependencies);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_is_a_key_or_a_number() {
        assert_eq!(
            AddressParts::of("aml_compute.pool[\"a\"]"),
            AddressParts {
                module: "",
                kind: "aml_compute",
                name: "pool",
                index: Some(json!("a"))
            }
        );
        assert_eq!(AddressParts::of("aml_compute.gpu[3]").index, Some(json!(3)));
        assert_eq!(AddressParts::of("compute_instance.nb").index, None);
        assert_eq!(AddressParts::of("compute_instance.nb").name, "nb");
    }

    #[test]
    fn a_secret_is_only_marked_sensitive_and_a_file_path_is_a_value() {
        let record = StateRecord {
            address: "virtual_machine_compute.vm[0]".to_owned(),
            kind: "virtual_machine_compute".to_owned(),
            workspace: "dev".to_owned(),
            arm_id: Some("/subscriptions/s/computes/vm".to_owned()),
            attributes: [("private_key_file".to_owned(), json!("id_rsa"))]
                .into_iter()
                .collect(),
            dependencies: vec!["aml_compute.a".to_owned()],
            secret_fingerprints: [("password", "f1"), ("private_key_file", "f2")]
                .into_iter()
                .map(|(name, print)| (name.to_owned(), print.to_owned()))
                .collect(),
            status: amlform_state::RecordStatus::Ready,
        };
        let shown = render_state_json(&[record], None);
        let resource = &shown["values"]["root_module"]["resources"][0];
        assert_eq!(resource["index"], json!(0));
        assert_eq!(resource["sensitive_values"], json!({"password": true}));
        assert_eq!(resource["values"]["private_key_file"], "id_rsa");
        assert!(!shown.to_string().contains("f1") && !shown.to_string().contains("\"f2\""));
        assert_eq!(resource["depends_on"], json!(["aml_compute.a"]));
    }
}
