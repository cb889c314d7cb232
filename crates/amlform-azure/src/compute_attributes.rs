//! ARM's compute resource in the configuration's terms: which kind it is, and each attribute
//! the service reports under the name and in the form the configuration uses
//! (`"LowPriority"` is `"lowpriority"`, `"PT2M"` is `120` seconds, a subnet id is three names).
//!
//! Secrets and file contents are never read back: the service does not return them, and the
//! state keeps only their fingerprints.

use amlform_schema::AttributeMap;

use amlform_schema::{COMPUTE_KINDS, ComputeKind};
use serde_json::Value;

use crate::JsonTree;
use amlform_provider::{INSTANCE_STATE, InstanceState};

/// The kind of a `computeType`, or `None` for types amlform does not manage.
pub fn kind_of(compute_type: &str) -> Option<&'static ComputeKind> {
    COMPUTE_KINDS
        .iter()
        .find(|kind| kind.rest_compute_type.eq_ignore_ascii_case(compute_type))
}

/// Every attribute of `kind` the resource reports, by configuration name. Absent and null
/// values are left out.
pub fn attributes(
    kind: &ComputeKind,
    resource: &JsonTree<'_>,
) -> AttributeMap<&'static str, Value> {
    let mut values = Vec::new();
    let resource_id = at_path(resource, "properties.resourceId").and_then(JsonTree::as_str);
    for attribute in kind.attributes {
        if attribute.sensitive || attribute.is_file_path {
            continue;
        }
        let owned = (at_path(resource, attribute.rest_path))
            .filter(|value| !value.is_null())
            .map(JsonTree::to_value);
        let raw = owned.as_ref();
        let value = match attribute.name {
            "vm_priority" => raw
                .and_then(Value::as_str)
                .map(|text| Value::from(text.to_ascii_lowercase())),
            // `JobRunning`, `SettingUp`, ... are `running`; a failed or unknown state is no
            // declared state at all (`instance_state` keeps the service's word).
            "state" => raw
                .and_then(Value::as_str)
                .and_then(|text| InstanceState::of(text).declared())
                .map(Value::from),
            "idle_seconds_before_scaledown" => raw
                .and_then(Value::as_str)
                .and_then(duration_seconds)
                .map(Value::from),
            "instance_types" => raw.and_then(Value::as_object).map(|types| {
                Value::Object(
                    (types.iter())
                        .map(|(name, schema)| (name.clone(), instance_type_attributes(schema)))
                        .collect(),
                )
            }),
            "schedules" => raw
                .and_then(Value::as_array)
                .map(|schedules| Value::Array(schedules.iter().map(schedule_attributes).collect())),
            "idle_minutes_before_shutdown" => raw
                .and_then(Value::as_str)
                .and_then(duration_seconds)
                .map(|seconds| Value::from(seconds / 60)),
            "ssh_public_access" => raw
                .and_then(Value::as_str)
                .map(|text| Value::from(text.eq_ignore_ascii_case("Enabled"))),
            // `None` is no identity; `SystemAssigned, UserAssigned` is spelled both ways.
            "identity_type" => raw
                .and_then(Value::as_str)
                .map(|text| text.replace(' ', ""))
                .filter(|text| !text.eq_ignore_ascii_case("None"))
                .map(Value::from),
            "identity_id" => raw.and_then(Value::as_object).map(|ids| {
                let mut ids: Vec<&String> = ids.keys().collect();
                ids.sort();
                Value::from(ids.into_iter().cloned().collect::<Vec<_>>())
            }),
            "vnet_resourcegroup_name" | "vnet_name" | "subnet_name" => {
                raw.and_then(Value::as_str).and_then(|id| {
                    let segment = match attribute.name {
                        "vnet_resourcegroup_name" => "resourceGroups",
                        "vnet_name" => "virtualNetworks",
                        _ => "subnets",
                    };
                    id_segment(id, segment).map(Value::from)
                })
            }
            "resource_group" => resource_id
                .and_then(|id| id_segment(id, "resourceGroups"))
                .map(Value::from),
            "account_name" | "workspace_name" if raw.is_none() => resource_id
                .and_then(|id| id.rsplit('/').next())
                .map(Value::from),
            _ => owned,
        };
        if let Some(value) = value {
            values.push((attribute.name, value));
        }
    }
    if kind.computed.contains(&INSTANCE_STATE)
        && let Some(state) =
            at_path(resource, "properties.properties.state").and_then(JsonTree::as_str)
    {
        values.push((INSTANCE_STATE, Value::from(state)));
    }
    AttributeMap::from_distinct(values)
}

/// An `InstanceTypeSchema` in the configuration's shape: its node selector, requests and
/// limits, each without the `null` entries the service writes (`"nvidia.com/gpu": null`) and
/// left out when empty.
fn instance_type_attributes(schema: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for (name, part) in [
        ("node_selector", &schema["nodeSelector"]),
        ("requests", &schema["resources"]["requests"]),
        ("limits", &schema["resources"]["limits"]),
    ] {
        let Some(entries) = part.as_object() else {
            continue;
        };
        let kept: serde_json::Map<String, Value> = (entries.iter())
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        if !kept.is_empty() {
            out.insert(name.to_owned(), Value::Object(kept));
        }
    }
    Value::Object(out)
}

/// A `ComputeStartStopSchedule` in the configuration's shape, its service-made fields (`id`,
/// `provisioningStatus`) left out: the inverse of the body's.
fn schedule_attributes(schedule: &Value) -> Value {
    let recurring = schedule["triggerType"].as_str() == Some("Recurrence");
    let trigger = if recurring {
        &schedule["recurrence"]
    } else {
        &schedule["cron"]
    };
    let mut out = serde_json::Map::new();
    out.insert("action".to_owned(), schedule["action"].clone());
    out.insert(
        "enabled".to_owned(),
        Value::Bool(schedule["status"].as_str() != Some("Disabled")),
    );
    out.insert(
        "time_zone".to_owned(),
        Value::from(trigger["timeZone"].as_str().unwrap_or("UTC")),
    );
    if recurring {
        let when = &trigger["schedule"];
        let mut recurrence = serde_json::Map::new();
        recurrence.insert("frequency".to_owned(), trigger["frequency"].clone());
        recurrence.insert("interval".to_owned(), trigger["interval"].clone());
        recurrence.insert("hours".to_owned(), when["hours"].clone());
        recurrence.insert("minutes".to_owned(), when["minutes"].clone());
        if when["weekDays"]
            .as_array()
            .is_some_and(|days| !days.is_empty())
        {
            recurrence.insert("week_days".to_owned(), when["weekDays"].clone());
        }
        out.insert("recurrence".to_owned(), Value::Object(recurrence));
    } else {
        out.insert("cron".to_owned(), trigger["expression"].clone());
    }
    Value::Object(out)
}

/// The value at a dotted REST path (`properties.properties.vmSize`); none for an empty path.
/// Unlike `Value::pointer`, it allocates nothing: refresh reads several fields of every compute.
pub(crate) fn at_path<'t, 'a>(
    resource: &'t JsonTree<'a>,
    rest_path: &str,
) -> Option<&'t JsonTree<'a>> {
    if rest_path.is_empty() {
        return None;
    }
    rest_path
        .split('.')
        .try_fold(resource, |value, segment| value.get(segment))
}

/// The value after `name` in an ARM id (`resourceGroups` → the group), matched without case.
fn id_segment<'a>(id: &'a str, name: &str) -> Option<&'a str> {
    let mut segments = id.split('/');
    while let Some(segment) = segments.next() {
        if segment.eq_ignore_ascii_case(name) {
            return segments.next();
        }
    }
    None
}

/// Seconds in an ISO 8601 duration of days, hours, minutes and seconds (`PT2M`, `P1DT2H`).
pub fn duration_seconds(text: &str) -> Option<i64> {
    let rest = text.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((days, time)) => (days, time),
        None => (rest, ""),
    };
    let mut total = 0f64;
    for (part, units) in [
        (days, &[('D', 86_400.0)][..]),
        (time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)][..]),
    ] {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
            } else {
                let scale = units.iter().find(|(unit, _)| *unit == c)?.1;
                total += number.parse::<f64>().ok()? * scale;
                number.clear();
            }
        }
        if !number.is_empty() {
            return None;
        }
    }
    Some(total.round() as i64)
}

/// `PT120S`: how the configuration's seconds are sent.
pub fn seconds_duration(seconds: i64) -> String {
    format!("PT{seconds}S")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_both_ways() {
        assert_eq!(duration_seconds("PT5M"), Some(300));
        assert_eq!(duration_seconds("PT120S"), Some(120));
        assert_eq!(duration_seconds("P1DT1H30M"), Some(91_800));
        assert_eq!(duration_seconds("5M"), None);
        assert_eq!(duration_seconds("PT5X"), None);
        assert_eq!(duration_seconds(&seconds_duration(90)), Some(90));
    }

    #[test]
    fn an_aml_compute_in_configuration_terms() {
        let kind = kind_of("AmlCompute").unwrap();
        let resource = json!({
            "name": "cpu",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/b": {}, "/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a": {}}},
            "properties": {"computeType": "AmlCompute", "description": null, "properties": {
                "vmSize": "STANDARD_D2_V2", "vmPriority": "LowPriority",
                "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4, "nodeIdleTimeBeforeScaleDown": "PT2M"},
                "subnet": {"id": "/subscriptions/s/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default"},
                "userAccountCredentials": {"adminUserName": "azureuser", "adminUserPassword": "never-returned"}
            }}
        });
        let values = attributes(kind, &JsonTree::from(&resource));
        assert_eq!(values["name"], "cpu");
        assert_eq!(values["vm_priority"], "lowpriority");
        assert_eq!(values["idle_seconds_before_scaledown"], 120);
        assert_eq!(values["max_nodes"], 4);
        assert_eq!(values["vnet_resourcegroup_name"], "net-rg");
        assert_eq!(values["vnet_name"], "vnet1");
        assert_eq!(values["subnet_name"], "default");
        assert_eq!(values["identity_type"], "UserAssigned");
        assert!(
            values["identity_id"][0].as_str().unwrap().ends_with("/a"),
            "sorted ids"
        );
        assert!(!values.contains_key("description"), "null is absent");
        assert!(
            !values.contains_key("admin_user_password"),
            "secrets are never read back"
        );
    }

    #[test]
    fn attached_kinds_read_their_resource_from_the_id() {
        let adla = kind_of("DataLakeAnalytics").unwrap();
        assert_eq!(adla.block_name, "adla_compute");
        let values = attributes(
            adla,
            &JsonTree::from(
                &json!({"name": "a", "properties": {"computeType": "DataLakeAnalytics", "resourceId": "/subscriptions/s/resourceGroups/adla-rg/providers/Microsoft.DataLakeAnalytics/accounts/acct", "properties": {"dataLakeStoreAccountName": "store"}}}),
            ),
        );
        assert_eq!(
            values["account_name"], "acct",
            "the account is the attached resource"
        );
        assert_eq!(values["resource_group"], "adla-rg");
        assert_eq!(values["data_lake_store_account_name"], "store");
        assert!(
            kind_of("Batch").is_none(),
            "no API version has a Batch type"
        );
    }

    #[test]
    fn identity_types_as_the_service_spells_them() {
        let kind = kind_of("AmlCompute").unwrap();
        let identity = |kind_name: &str| json!({"name": "c", "identity": {"type": kind_name}, "properties": {"computeType": "AmlCompute"}});
        assert!(
            !attributes(kind, &JsonTree::from(&identity("None"))).contains_key("identity_type")
        );
        assert_eq!(
            attributes(
                kind,
                &JsonTree::from(&identity("SystemAssigned, UserAssigned"))
            )["identity_type"],
            "SystemAssigned,UserAssigned"
        );
    }
}
