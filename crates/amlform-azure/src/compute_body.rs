//! The configuration's attributes as ARM's `ComputeResource` request body: the inverse of
//! [`crate::compute_attributes`]. Secrets and file contents are put in the body here and
//! nowhere else; the body goes only to the service.

use std::collections::BTreeMap;

use amlform_schema::ComputeKind;
use serde_json::{Map, Value, json};

use crate::compute_attributes::seconds_duration;

/// Where the compute goes, for ids the body must spell out in full.
#[derive(Debug, Clone)]
pub struct BodyContext<'a> {
    pub subscription_id: &'a str,
    /// The workspace's resource group: the default for a virtual network's.
    pub resource_group: &'a str,
    pub location: &'a str,
}

/// Builds the PUT body. `values` are the configuration's attribute values as JSON (secrets
/// included, unknowns absent); `read_file` returns the contents of a file attribute's path.
pub fn compute_body(
    kind: &ComputeKind,
    values: &BTreeMap<String, Value>,
    context: &BodyContext<'_>,
    read_file: &dyn Fn(&str) -> Option<String>,
) -> Value {
    let mut body = json!({
        "location": context.location,
        "properties": {"computeType": kind.rest_compute_type},
    });
    let text = |name: &str| values.get(name).and_then(Value::as_str);
    let provider_id =
        |provider: &str, resource_group: Option<&str>, name: Option<&str>| -> Option<String> {
            Some(format!(
                "/subscriptions/{}/resourceGroups/{}/providers/{provider}/{}",
                context.subscription_id, resource_group?, name?
            ))
        };
    for attribute in kind.attributes {
        let Some(value) = values.get(attribute.name) else {
            continue;
        };
        if value.is_null() {
            // A description or tags the configuration no longer writes: cleared, since a
            // PUT leaves out what it does not name (`createOrUpdate/AmlCompute.json`).
            if attribute.user_owned {
                let cleared = if attribute.name == "tags" {
                    json!({})
                } else {
                    Value::Null
                };
                set_path(&mut body, attribute.rest_path, cleared);
            }
            continue;
        }
        let converted = match attribute.name {
            "name" | "state" | "private_key_passphrase" | "resource_group" => None,
            "vm_priority" => value.as_str().map(|priority| {
                json!(if priority.eq_ignore_ascii_case("lowpriority") {
                    "LowPriority"
                } else {
                    "Dedicated"
                })
            }),
            "idle_seconds_before_scaledown" => value
                .as_i64()
                .map(|seconds| json!(seconds_duration(seconds))),
            // `InstanceTypeSchema`: `nodeSelector`, and `resources` of requests and limits.
            "instance_types" => value.as_object().map(|types| {
                Value::Object(
                    types
                        .iter()
                        .map(|(name, shape)| {
                            let mut schema = json!({});
                            if !shape["node_selector"].is_null() {
                                schema["nodeSelector"] = shape["node_selector"].clone();
                            }
                            for part in ["requests", "limits"] {
                                if !shape[part].is_null() {
                                    schema["resources"][part] = shape[part].clone();
                                }
                            }
                            (name.clone(), schema)
                        })
                        .collect(),
                )
            }),
            "schedules" => value
                .as_array()
                .map(|schedules| Value::Array(schedules.iter().map(schedule_body).collect())),
            "idle_minutes_before_shutdown" => {
                value.as_i64().map(|minutes| json!(format!("PT{minutes}M")))
            }
            "ssh_public_access" => value
                .as_bool()
                .map(|enabled| json!(if enabled { "Enabled" } else { "Disabled" })),
            "identity_id" => value.as_array().map(|ids| {
                Value::Object(
                    ids.iter()
                        .filter_map(Value::as_str)
                        .map(|id| (id.to_owned(), json!({})))
                        .collect(),
                )
            }),
            "vnet_resourcegroup_name" | "vnet_name" => None,
            "subnet_name" => provider_id(
                "Microsoft.Network/virtualNetworks",
                text("vnet_resourcegroup_name").or(Some(context.resource_group)),
                text("vnet_name"),
            )
            .map(|vnet| {
                json!(format!(
                    "{vnet}/subnets/{}",
                    value.as_str().unwrap_or_default()
                ))
            }),
            _ if attribute.is_file_path => value.as_str().and_then(read_file).map(Value::from),
            _ => Some(value.clone()),
        };
        if let (Some(converted), false) = (converted, attribute.rest_path.is_empty()) {
            set_path(&mut body, attribute.rest_path, converted);
        }
    }
    // Attached kinds named by account and group: the service wants the full resource id.
    let attached_id = match kind.block_name {
        "databricks_compute" => provider_id(
            "Microsoft.Databricks/workspaces",
            text("resource_group"),
            text("workspace_name"),
        ),
        "adla_compute" => provider_id(
            "Microsoft.DataLakeAnalytics/accounts",
            text("resource_group"),
            text("account_name"),
        ),
        _ => None,
    };
    if let Some(id) = attached_id {
        set_path(&mut body, "properties.resourceId", json!(id));
    }
    // A setup script is a file of the workspace's share (`ScriptReference.scriptSource`).
    for script in ["creationScript", "startupScript"] {
        let data = format!("properties.properties.setupScripts.scripts.{script}");
        let pointer = format!("/{}/scriptData", data.replace('.', "/"));
        if body.pointer(&pointer).is_some() {
            set_path(
                &mut body,
                &format!("{data}.scriptSource"),
                json!("workspaceStorage"),
            );
        }
    }
    // TLS is on only when `sslConfiguration.status` says so: a certificate means `Enabled`,
    // a leaf domain label (a Microsoft-issued certificate) `Auto`.
    if kind.block_name == "aks_compute" && text("ssl_status").is_none() {
        let status = if text("leaf_domain_label").is_some() {
            Some("Auto")
        } else if ["ssl_cname", "ssl_cert_pem_file", "ssl_key_pem_file"]
            .iter()
            .any(|name| text(name).is_some())
        {
            Some("Enabled")
        } else {
            None
        };
        if let Some(status) = status {
            set_path(
                &mut body,
                "properties.properties.sslConfiguration.status",
                json!(status),
            );
        }
    }
    body
}

/// A schedule in the configuration's shape (`action`, `cron` or `recurrence`, `time_zone`,
/// `enabled`) as a `ComputeStartStopSchedule`.
fn schedule_body(schedule: &Value) -> Value {
    let time_zone = schedule["time_zone"].as_str().unwrap_or("UTC");
    let mut body = json!({
        "action": schedule["action"],
        "status": if schedule["enabled"] == false { "Disabled" } else { "Enabled" },
    });
    if let Some(expression) = schedule["cron"].as_str() {
        body["triggerType"] = json!("Cron");
        body["cron"] = json!({"expression": expression, "timeZone": time_zone});
    } else {
        let recurrence = &schedule["recurrence"];
        let mut when = json!({"hours": recurrence["hours"], "minutes": recurrence["minutes"]});
        if recurrence["week_days"].is_array() {
            when["weekDays"] = recurrence["week_days"].clone();
        }
        body["triggerType"] = json!("Recurrence");
        body["recurrence"] = json!({
            "frequency": recurrence["frequency"],
            "interval": recurrence["interval"],
            "timeZone": time_zone,
            "schedule": when,
        });
    }
    body
}

fn set_path(body: &mut Value, dotted: &str, value: Value) {
    let mut current = body;
    let segments: Vec<&str> = dotted.split('.').collect();
    for (index, segment) in segments.iter().enumerate() {
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        let object = current.as_object_mut().expect("made an object above");
        if index + 1 == segments.len() {
            object.insert((*segment).to_owned(), value);
            return;
        }
        current = object
            .entry(*segment)
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute_attributes::{attributes, kind_of};

    const CONTEXT: BodyContext<'static> = BodyContext {
        subscription_id: "sub",
        resource_group: "ws-rg",
        location: "eastus",
    };

    #[test]
    fn an_aml_compute_body_reads_back_as_its_attributes() {
        let kind = kind_of("AmlCompute").unwrap();
        let values: BTreeMap<String, Value> = serde_json::from_value(json!({
            "name": "cpu", "vm_size": "STANDARD_D2_V2", "vm_priority": "lowpriority",
            "max_nodes": 4, "min_nodes": 1, "idle_seconds_before_scaledown": 300,
            "vnet_name": "vnet1", "subnet_name": "default",
            "identity_type": "UserAssigned", "identity_id": ["/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a"],
            "tags": {"team": "ml"}, "admin_user_password": "canary-secret"
        }))
        .unwrap();
        let body = compute_body(kind, &values, &CONTEXT, &|_| None);
        assert_eq!(
            body["properties"]["properties"]["vmPriority"],
            "LowPriority"
        );
        assert_eq!(
            body["properties"]["properties"]["scaleSettings"]["nodeIdleTimeBeforeScaleDown"],
            "PT300S"
        );
        assert_eq!(
            body["properties"]["properties"]["subnet"]["id"],
            "/subscriptions/sub/resourceGroups/ws-rg/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default"
        );
        assert_eq!(
            body["properties"]["properties"]["userAccountCredentials"]["adminUserPassword"],
            "canary-secret"
        );
        let mut resource = body.clone();
        resource["name"] = json!("cpu");
        let read_back = attributes(kind, &crate::JsonTree::from(&resource));
        for (name, value) in &values {
            if name != "admin_user_password" {
                assert_eq!(read_back.get(name), Some(value), "{name}");
            }
        }
        assert_eq!(
            read_back["vnet_resourcegroup_name"], "ws-rg",
            "the workspace's group by default"
        );
    }

    #[test]
    fn attached_kinds_get_full_ids_and_file_contents() {
        let adla = kind_of("DataLakeAnalytics").unwrap();
        let values: BTreeMap<String, Value> =
            serde_json::from_value(json!({"account_name": "acct", "resource_group": "adla-rg"}))
                .unwrap();
        let body = compute_body(adla, &values, &CONTEXT, &|_| None);
        assert_eq!(body["properties"]["computeType"], "DataLakeAnalytics");
        assert_eq!(
            body["properties"]["resourceId"],
            "/subscriptions/sub/resourceGroups/adla-rg/providers/Microsoft.DataLakeAnalytics/accounts/acct"
        );
        assert!(
            body["properties"]["properties"]["dataLakeStoreAccountName"].is_null(),
            "the analytics account is not its store: {body}"
        );

        let vm = kind_of("VirtualMachine").unwrap();
        let values: BTreeMap<String, Value> = serde_json::from_value(json!({"resource_id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/v", "username": "azureuser", "private_key_file": "id_rsa", "ssh_port": 22})).unwrap();
        let body = compute_body(vm, &values, &CONTEXT, &|path| {
            (path == "id_rsa").then(|| "KEY".to_owned())
        });
        assert_eq!(
            body["properties"]["properties"]["administratorAccount"]["privateKeyData"],
            "KEY"
        );
        assert_eq!(
            body["properties"]["properties"]["administratorAccount"]["username"],
            "azureuser"
        );
    }

    #[test]
    fn aks_tls_is_turned_on() {
        let aks = kind_of("AKS").unwrap();
        let body = |values: Value| {
            let values: BTreeMap<String, Value> = serde_json::from_value(values).unwrap();
            compute_body(aks, &values, &CONTEXT, &|_| Some("PEM".to_owned()))
        };
        let status =
            |body: &Value| body["properties"]["properties"]["sslConfiguration"]["status"].clone();
        let certificate = body(
            json!({"ssl_cname": "ml.contoso.com", "ssl_cert_pem_file": "c.pem", "ssl_key_pem_file": "k.pem"}),
        );
        assert_eq!(status(&certificate), "Enabled");
        assert_eq!(status(&body(json!({"leaf_domain_label": "myml"}))), "Auto");
        assert_eq!(status(&body(json!({"ssl_status": "Disabled"}))), "Disabled");
        assert!(
            status(&body(json!({}))).is_null(),
            "no TLS settings, none sent"
        );
    }

    /// A schedule goes out as a `ComputeStartStopSchedule` and comes back in the
    /// configuration's shape, the service's `id` and `provisioningStatus` left out.
    #[test]
    fn schedules_both_ways() {
        let kind = kind_of("ComputeInstance").unwrap();
        let values: BTreeMap<String, Value> = serde_json::from_value(json!({
            "vm_size": "STANDARD_DS3_V2",
            "schedules": [
                {"action": "Stop", "cron": "0 19 * * 1-5", "time_zone": "UTC", "enabled": true},
                {"action": "Start", "recurrence": {"frequency": "Week", "interval": 1, "hours": [8], "minutes": [30], "week_days": ["Monday"]}, "time_zone": "Pacific Standard Time", "enabled": false}
            ]
        }))
        .unwrap();
        let mut body = compute_body(kind, &values, &CONTEXT, &|_| None);
        let schedules = &body["properties"]["properties"]["schedules"]["computeStartStop"];
        assert_eq!(schedules[0]["triggerType"], "Cron");
        assert_eq!(schedules[0]["cron"]["expression"], "0 19 * * 1-5");
        assert_eq!(schedules[1]["status"], "Disabled");
        assert_eq!(
            schedules[1]["recurrence"]["schedule"]["weekDays"][0],
            "Monday"
        );
        body["properties"]["properties"]["schedules"]["computeStartStop"][0]["id"] = json!("s1");
        body["properties"]["properties"]["schedules"]["computeStartStop"][0]["provisioningStatus"] =
            json!("Completed");
        body["name"] = json!("nb-ada");
        assert_eq!(
            attributes(kind, &crate::JsonTree::from(&body))["schedules"],
            values["schedules"]
        );
    }

    /// Instance types go out as `InstanceTypeSchema` and come back without the service's
    /// `null` entries (`examples/Compute/get/KubernetesCompute.json` has them).
    #[test]
    fn kubernetes_instance_types_both_ways() {
        let kind = kind_of("Kubernetes").unwrap();
        let values: BTreeMap<String, Value> = serde_json::from_value(json!({
            "resource_id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Kubernetes/connectedClusters/arc",
            "instance_types": {"gpu": {"requests": {"cpu": "4", "nvidia.com/gpu": "1"}, "limits": {"cpu": "4"}}}
        }))
        .unwrap();
        let mut body = compute_body(kind, &values, &CONTEXT, &|_| None);
        let gpu = &body["properties"]["properties"]["instanceTypes"]["gpu"];
        assert_eq!(gpu["resources"]["requests"]["nvidia.com/gpu"], "1");
        assert!(gpu.get("nodeSelector").is_none(), "{gpu}");
        body["properties"]["properties"]["instanceTypes"]["gpu"]["nodeSelector"] = Value::Null;
        body["properties"]["properties"]["instanceTypes"]["gpu"]["resources"]["limits"]["memory"] =
            Value::Null;
        body["name"] = json!("arc");
        assert_eq!(
            attributes(kind, &crate::JsonTree::from(&body))["instance_types"],
            values["instance_types"]
        );
    }
}
