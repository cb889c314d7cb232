//! What GET answers: a workspace and a compute as `ComputeResource`, with the read-only
//! fields the service reports for each type (node counts, instance state, endpoints), and
//! never a secret.

use serde_json::{Map, Value, json};

use crate::clock::timestamp;
use crate::compute_service::{COMPUTE_RESOURCE_TYPE, current_node_count};
use crate::store::{Compute, Workspace};

/// Drops what a client cannot set, so a rendered resource can be sent back as a request.
pub(crate) fn strip_read_only(mut resource: Value) -> Value {
    if let Some(properties) = resource
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    {
        for field in [
            "provisioningState",
            "provisioningErrors",
            "createdOn",
            "modifiedOn",
            "isAttachedCompute",
        ] {
            properties.remove(field);
        }
    }
    resource
}

// ---- rendering ------------------------------------------------------------------------------

pub fn render_workspace(workspace: &Workspace) -> Value {
    json!({
        "id": workspace.id(),
        "name": workspace.name,
        "type": "Microsoft.MachineLearningServices/workspaces",
        "location": workspace.location,
        "properties": {
            "friendlyName": workspace.name,
            "provisioningState": "Succeeded",
            "creationTime": timestamp(workspace.created_ms),
        }
    })
}

/// A compute as GET returns it (`ComputeResource`), secrets never included.
pub fn render_compute(workspace: &Workspace, compute: &Compute) -> Value {
    let mut properties = Map::new();
    properties.insert("computeType".into(), json!(compute.compute_type));
    for (field, value) in &compute.settable {
        properties.insert(field.clone(), value.clone());
    }
    properties.insert("description".into(), json!(compute.description));
    properties.insert(
        "provisioningState".into(),
        json!(compute.provisioning_state),
    );
    properties.insert(
        "provisioningErrors".into(),
        if compute.provisioning_errors.is_empty() {
            Value::Null
        } else {
            json!(compute.provisioning_errors)
        },
    );
    properties.insert("createdOn".into(), json!(timestamp(compute.created_ms)));
    properties.insert("modifiedOn".into(), json!(timestamp(compute.modified_ms)));
    if let Some(resource_id) = &compute.resource_id {
        properties.insert("resourceId".into(), json!(resource_id));
    }
    properties.insert("isAttachedCompute".into(), json!(compute.is_attached));
    if let Some(typed) = render_type_properties(workspace, compute) {
        properties.insert("properties".into(), typed);
    }
    let mut resource = json!({
        "id": format!("{}/computes/{}", workspace.id(), compute.name),
        "type": COMPUTE_RESOURCE_TYPE,
        "name": compute.name,
        "location": compute.location,
        "properties": properties,
    });
    for (field, value) in [
        ("identity", &compute.identity),
        ("tags", &compute.tags),
        ("sku", &compute.sku),
    ] {
        if let Some(value) = value {
            resource[field] = value.clone();
        }
    }
    resource
}

pub(crate) fn render_type_properties(workspace: &Workspace, compute: &Compute) -> Option<Value> {
    let mut typed = compute.properties.clone().unwrap_or_else(|| json!({}));
    let object = typed.as_object_mut()?;
    let modified = json!(timestamp(compute.modified_ms));
    let mut fill = |field: &str, value: Value| {
        object.entry(field).or_insert(value);
    };
    match compute.compute_type.as_str() {
        "AmlCompute" => {
            let nodes = current_node_count(compute);
            let steady = matches!(compute.provisioning_state.as_str(), "Succeeded" | "Failed");
            fill("virtualMachineImage", Value::Null);
            fill("subnet", Value::Null);
            fill("userAccountCredentials", Value::Null);
            fill(
                "allocationState",
                json!(if steady { "Steady" } else { "Resizing" }),
            );
            fill("allocationStateTransitionTime", modified);
            fill("errors", Value::Null);
            fill("currentNodeCount", json!(nodes));
            fill("targetNodeCount", json!(nodes));
            fill(
                "nodeStateCounts",
                json!({
                    "preparingNodeCount": 0,
                    "runningNodeCount": 0,
                    "idleNodeCount": nodes,
                    "unusableNodeCount": 0,
                    "leavingNodeCount": 0,
                    "preemptedNodeCount": 0
                }),
            );
        }
        "ComputeInstance" => {
            let host = format!(
                "{}.{}.instances.azureml.ms",
                compute.name.to_ascii_lowercase(),
                compute.location
            );
            fill("subnet", Value::Null);
            fill(
                "osImageMetadata",
                json!({
                    "currentImageVersion": "26.11.01",
                    "latestImageVersion": "26.11.01",
                    "isLatestOsImageVersion": true
                }),
            );
            fill(
                "connectivityEndpoints",
                json!({"publicIpAddress": "20.0.0.10", "privateIpAddress": "10.0.0.10"}),
            );
            fill(
                "applications",
                json!([
                    {"displayName": "Jupyter", "endpointUri": format!("https://{host}/tree/")},
                    {"displayName": "Jupyter Lab", "endpointUri": format!("https://{host}/lab")}
                ]),
            );
            fill(
                "createdBy",
                json!({
                    "userName": "emulator@amlform.local",
                    "userOrgId": "00000000-0000-0000-0000-000000000000",
                    "userId": "00000000-0000-0000-0000-000000000000"
                }),
            );
            fill("errors", Value::Null);
            fill(
                "state",
                json!(
                    compute
                        .instance_state
                        .clone()
                        .unwrap_or_else(|| "Unknown".to_owned())
                ),
            );
            fill(
                "lastOperation",
                json!({
                    "operationName": "Create",
                    "operationTime": timestamp(compute.created_ms),
                    "operationStatus": if compute.provisioning_state == "Failed" { "CreateFailed" } else { "Succeeded" },
                    "operationTrigger": "User"
                }),
            );
            if let Some(ssh) = object.get_mut("sshSettings").and_then(Value::as_object_mut) {
                ssh.entry("adminUserName").or_insert(json!("azureuser"));
                ssh.entry("sshPort").or_insert(json!(50_000));
            }
        }
        "AKS" => {
            if !compute.is_attached {
                fill(
                    "clusterFqdn",
                    json!(format!(
                        "{}-{}.hcp.{}.azmk8s.io",
                        compute.name.to_ascii_lowercase(),
                        workspace.resource_group.to_ascii_lowercase(),
                        compute.location
                    )),
                );
            }
            fill(
                "systemServices",
                json!([{"systemServiceType": "ScoringFrontEnd", "publicIpAddress": "20.0.0.20", "version": "1.0"}]),
            );
            fill("clusterPurpose", json!("FastProd"));
            fill("loadBalancerType", json!("PublicIp"));
        }
        "Kubernetes" => {
            fill("relayConnectionString", Value::Null);
            fill("serviceBusConnectionString", Value::Null);
            fill("extensionPrincipalId", Value::Null);
            fill("extensionInstanceReleaseTrain", json!("stable"));
            fill("vcName", Value::Null);
            fill("namespace", json!("default"));
        }
        _ => {}
    }
    if object.is_empty() && compute.properties.is_none() {
        return None;
    }
    Some(typed)
}
