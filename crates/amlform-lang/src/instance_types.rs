//! A Kubernetes compute's instance types (`instanceTypes` of `KubernetesProperties`, each an
//! `InstanceTypeSchema`): by name, the node selector and the resource requests and limits of
//! the pods that run on it. Checked here and written in one shape (empty parts left out), so
//! the configuration compares equal to what the service reports.
//!
//! ```hcl
//! instance_types = {
//!   gpu = {
//!     node_selector = { accelerator = "nvidia" }
//!     requests      = { cpu = "4", memory = "16Gi", "nvidia.com/gpu" = "1" }
//!     limits        = { cpu = "4", memory = "16Gi", "nvidia.com/gpu" = "1" }
//!   }
//! }
//! ```

use std::collections::BTreeMap;

use crate::value::Value;

const FIELDS: &[&str] = &["node_selector", "requests", "limits"];

/// The instance types in their one shape, or what is wrong (a message and a hint).
pub(crate) fn typed_instance_types(value: &Value) -> Result<Value, (String, String)> {
    let Value::Map(types) = value else {
        return Err((
            format!(
                "`instance_types` must be a map of instance types, not a {}",
                value.type_name()
            ),
            "write `instance_types = { gpu = { requests = { cpu = \"4\" } } }`".to_owned(),
        ));
    };
    let mut out = BTreeMap::new();
    for (name, instance_type) in types {
        let Value::Map(fields) = instance_type else {
            return Err((
                format!("instance type `{name}` must be an object"),
                "give it `node_selector`, `requests` and `limits`".to_owned(),
            ));
        };
        if let Some(field) = fields.keys().find(|key| !FIELDS.contains(&key.as_str())) {
            return Err((
                format!("`{field}` is not a setting of instance type `{name}`"),
                format!("an instance type has {}", FIELDS.join(", ")),
            ));
        }
        let mut typed = BTreeMap::new();
        for field in FIELDS {
            let Some(value) = fields.get(*field).filter(|value| **value != Value::Null) else {
                continue;
            };
            let strings = string_map(value).ok_or_else(|| {
                (
                    format!("`{field}` of instance type `{name}` must be a map of strings"),
                    "write quantities as strings, as Kubernetes does: `cpu = \"500m\"`, `memory = \"4Gi\"`".to_owned(),
                )
            })?;
            if !strings.is_empty() {
                typed.insert((*field).to_owned(), Value::Map(strings));
            }
        }
        out.insert(name.clone(), Value::Map(typed));
    }
    Ok(Value::Map(out))
}

fn string_map(value: &Value) -> Option<BTreeMap<String, Value>> {
    let Value::Map(map) = value else {
        return None;
    };
    map.iter()
        .map(|(key, value)| Some((key.clone(), Value::String(value.to_template_string()?))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs)
    }

    #[test]
    fn instance_types_are_checked_and_shaped() {
        let typed = typed_instance_types(&map(&[(
            "gpu",
            map(&[
                (
                    "requests",
                    map(&[
                        ("cpu", Value::Number(4.0)),
                        ("memory", Value::String("16Gi".into())),
                    ]),
                ),
                ("limits", map(&[])),
            ]),
        )]))
        .unwrap();
        assert_eq!(
            typed,
            map(&[(
                "gpu",
                map(&[(
                    "requests",
                    map(&[
                        ("cpu", Value::String("4".into())),
                        ("memory", Value::String("16Gi".into()))
                    ])
                )])
            )]),
            "numbers become quantities, an empty part is left out"
        );
        let (message, _) =
            typed_instance_types(&map(&[("gpu", map(&[("taints", map(&[]))]))])).unwrap_err();
        assert!(message.contains("`taints` is not a setting"), "{message}");
    }
}
