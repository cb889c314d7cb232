//! What GET answers: a workspace and a compute as `ComputeResource`, with the read-only
//! fields the service reports for each type (node counts, instance state, endpoints), and
//! never a secret.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};
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
    serde_json::to_value(compute_fields(workspace, compute)).unwrap_or_default()
}

/// The same resource, borrowed from the store: a page of a list serializes these directly,
/// without building (and dropping) a `Value` tree per compute.
pub(crate) fn compute_fields<'a>(workspace: &'a Workspace, compute: &'a Compute) -> Fields<'a> {
    let mut properties = Fields::default();
    properties.text("computeType", &compute.compute_type);
    for (field, value) in &compute.settable {
        properties.push(field.as_str(), Field::Borrowed(value));
    }
    properties.push(
        "description",
        compute
            .description
            .as_deref()
            .map_or(Field::Owned(Value::Null), |text| Field::Text(text.into())),
    );
    properties.text("provisioningState", &compute.provisioning_state);
    properties.owned(
        "provisioningErrors",
        if compute.provisioning_errors.is_empty() {
            Value::Null
        } else {
            json!(compute.provisioning_errors)
        },
    );
    properties.push(
        "createdOn",
        Field::Text(timestamp(compute.created_ms).into()),
    );
    properties.push(
        "modifiedOn",
        Field::Text(timestamp(compute.modified_ms).into()),
    );
    if let Some(resource_id) = &compute.resource_id {
        properties.text("resourceId", resource_id);
    }
    properties.owned("isAttachedCompute", Value::Bool(compute.is_attached));
    if let Some(typed) = type_properties(workspace, compute) {
        properties.push("properties", Field::Object(typed.finish()));
    }
    let mut resource = Fields::default();
    resource.push(
        "id",
        Field::Text(format!("{}/computes/{}", workspace.id(), compute.name).into()),
    );
    resource.text("type", COMPUTE_RESOURCE_TYPE);
    resource.text("name", &compute.name);
    resource.text("location", &compute.location);
    resource.push("properties", Field::Object(properties.finish()));
    for (field, value) in [
        ("identity", &compute.identity),
        ("tags", &compute.tags),
        ("sku", &compute.sku),
    ] {
        if let Some(value) = value {
            resource.push(field, Field::Borrowed(value));
        }
    }
    resource.finish()
}

/// A JSON object being rendered: its fields borrowed from the store where they can be.
/// [`Fields::finish`] sorts them and lets a later field replace an earlier one of the same
/// name, so that it serializes exactly as the `Map` it stands for.
#[derive(Default)]
pub(crate) struct Fields<'a>(Vec<(Cow<'a, str>, Field<'a>)>);

pub(crate) enum Field<'a> {
    Borrowed(&'a Value),
    Owned(Value),
    Text(Cow<'a, str>),
    Object(Fields<'a>),
}

impl<'a> Fields<'a> {
    fn push(&mut self, name: impl Into<Cow<'a, str>>, field: Field<'a>) {
        self.0.push((name.into(), field));
    }

    fn text(&mut self, name: &'static str, text: &'a str) {
        self.push(name, Field::Text(text.into()));
    }

    fn owned(&mut self, name: &'static str, value: Value) {
        self.push(name, Field::Owned(value));
    }

    /// Sorted by name, the last of each name kept.
    fn finish(mut self) -> Self {
        // Stable: of equal names, the later stays later.
        self.0.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(Cow<'a, str>, Field<'a>)> = Vec::with_capacity(self.0.len());
        for entry in self.0 {
            match kept.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => kept.push(entry),
            }
        }
        Fields(kept)
    }
}

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, field) in &self.0 {
            map.serialize_entry(name.as_ref(), field)?;
        }
        map.end()
    }
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Borrowed(value) => value.serialize(serializer),
            Field::Owned(value) => value.serialize(serializer),
            Field::Text(text) => serializer.serialize_str(text),
            Field::Object(fields) => fields.serialize(serializer),
        }
    }
}

/// `properties.properties`: what was accepted, and the read-only fields the service fills in
/// where the request did not set them. `None` where the stored value is not an object.
fn type_properties<'a>(workspace: &'a Workspace, compute: &'a Compute) -> Option<Fields<'a>> {
    let stored: Option<&'a Map<String, Value>> = match &compute.properties {
        Some(Value::Object(stored)) => Some(stored),
        Some(_) => return None,
        None => None,
    };
    let mut typed = Fields::default();
    for (name, value) in stored.into_iter().flatten() {
        typed.push(name.as_str(), Field::Borrowed(value));
    }
    let modified = json!(timestamp(compute.modified_ms));
    let mut fill = |field: &'static str, value: Value| {
        if !stored.is_some_and(|stored| stored.contains_key(field)) {
            typed.owned(field, value);
        }
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
            if let Some(Value::Object(ssh)) = stored.and_then(|stored| stored.get("sshSettings")) {
                let mut settings = Fields::default();
                for (name, value) in ssh {
                    settings.push(name.as_str(), Field::Borrowed(value));
                }
                for (field, value) in [
                    ("adminUserName", json!("azureuser")),
                    ("sshPort", json!(50_000)),
                ] {
                    if !ssh.contains_key(field) {
                        settings.owned(field, value);
                    }
                }
                typed.push("sshSettings", Field::Object(settings.finish()));
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
    if typed.0.is_empty() && compute.properties.is_none() {
        return None;
    }
    Some(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_fields_serialize_as_the_map_they_stand_for() {
        let stored = json!({"b": 1});
        let mut fields = Fields::default();
        fields.text("c", "first");
        fields.push("b", Field::Borrowed(&stored["b"]));
        fields.owned("a", json!([true]));
        fields.text("c", "second");
        let mut map = Map::new();
        map.insert("c".into(), json!("first"));
        map.insert("b".into(), json!(1));
        map.insert("a".into(), json!([true]));
        map.insert("c".into(), json!("second"));
        assert_eq!(
            serde_json::to_string(&fields.finish()).unwrap(),
            serde_json::to_string(&map).unwrap(),
        );
    }
}
