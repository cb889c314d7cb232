//! The emulator against the official API description: every example request is accepted and
//! every response carries each field (name and JSON type) of the example response; every
//! operation path of the swagger is routed.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use amlform_emulator::Emulator;
use axum::http::{Method, StatusCode};
use common::{Client, api_reference, read_json};
use serde_json::{Value, json};

/// Property names the API description marks `x-nullable`: the emulator may answer `null`
/// where an example shows a value (a subnet that was not requested, a node with no run).
fn nullable_properties(swagger: &Value) -> BTreeSet<String> {
    fn walk(value: &Value, names: &mut BTreeSet<String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::Object(properties)) = object.get("properties") {
                    for (name, schema) in properties {
                        if schema["x-nullable"] == true {
                            names.insert(name.clone());
                        }
                    }
                }
                object.values().for_each(|child| walk(child, names));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(child, names)),
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    walk(&swagger["definitions"], &mut names);
    names
}

static NULLABLE: OnceLock<BTreeSet<String>> = OnceLock::new();

/// Every field of `expected` must be in `actual` with the same JSON type. An example's
/// `null` matches anything, and ours is allowed where the API says the field is nullable;
/// arrays compare each example element with our first element.
fn shape_mismatches(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Null, _) => {}
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, expected_value) in expected {
                let child = format!("{path}.{key}");
                match actual.get(key) {
                    None => out.push(format!("{child}: missing")),
                    Some(Value::Null)
                        if NULLABLE
                            .get()
                            .is_some_and(|nullable| nullable.contains(key)) => {}
                    Some(actual_value) => {
                        shape_mismatches(&child, expected_value, actual_value, out)
                    }
                }
            }
        }
        (Value::Array(expected), Value::Array(actual)) => match actual.first() {
            Some(first) => {
                for (index, element) in expected.iter().enumerate() {
                    shape_mismatches(&format!("{path}[{index}]"), element, first, out);
                }
            }
            None if expected.is_empty() => {}
            None => out.push(format!(
                "{path}: empty, the example has {} elements",
                expected.len()
            )),
        },
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        (expected, actual) => out.push(format!(
            "{path}: example has {expected}, emulator has {actual}"
        )),
    }
}

fn assert_shape(what: &str, expected: &Value, actual: &Value) {
    let mut mismatches = Vec::new();
    shape_mismatches("$", expected, actual, &mut mismatches);
    assert!(
        mismatches.is_empty(),
        "{what}: the response lacks fields of the example:\n  {}\nresponse: {actual:#}",
        mismatches.join("\n  ")
    );
}

fn example_path(parameters: &Value) -> String {
    let text = |name: &str| {
        parameters[name]
            .as_str()
            .unwrap_or_else(|| panic!("example parameter {name}"))
            .to_owned()
    };
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}/computes/{}",
        text("subscriptionId"),
        text("resourceGroupName"),
        text("workspaceName"),
        text("computeName")
    )
}

/// A resource as GET returns it, minus what a client cannot send.
fn as_request(resource: &Value) -> Value {
    let mut request = resource.clone();
    if let Some(properties) = request["properties"].as_object_mut() {
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
    request
}

fn emulator() -> (Emulator, Client) {
    if let Some(api) = api_reference() {
        NULLABLE.get_or_init(|| {
            nullable_properties(&read_json(&api.join("machineLearningServices.json")))
        });
    }
    let emulator = Emulator::builder()
        .without_rate_limits()
        .page_size(1)
        .build()
        .unwrap();
    let client = Client::new(&emulator);
    (emulator, client)
}

fn examples(dir: &Path) -> Vec<(String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                read_json(&path),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_create_example_is_accepted_with_the_example_fields() {
    let Some(api) = api_reference() else { return };
    let found = examples(&api.join("examples/Compute/createOrUpdate"));
    assert!(found.len() >= 9, "found {} create examples", found.len());
    for (name, example) in found {
        let (_emulator, client) = emulator();
        let path = example_path(&example["parameters"]);
        let reply = client
            .put(&path, &example["parameters"]["parameters"])
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{name}: {}", reply.body);
        assert!(
            reply.header("azure-asyncoperation").is_some(),
            "{name}: no Azure-AsyncOperation"
        );
        assert_shape(&name, &example["responses"]["201"]["body"], &reply.body);
        let outcome = client.wait(&reply).await;
        assert_eq!(outcome["status"], "Succeeded", "{name}: {outcome}");

        // Sending the same request again is an idempotent 200 with the example's 200 fields.
        let again = client
            .put(&path, &example["parameters"]["parameters"])
            .await;
        assert_eq!(again.status, StatusCode::OK, "{name}: {}", again.body);
        assert_shape(
            &format!("{name} (again)"),
            &example["responses"]["200"]["body"],
            &again.body,
        );
    }
}

#[tokio::test]
async fn every_get_example_round_trips() {
    let Some(api) = api_reference() else { return };
    for (name, example) in examples(&api.join("examples/Compute/get")) {
        let (_emulator, client) = emulator();
        let path = example_path(&example["parameters"]);
        let expected = &example["responses"]["200"]["body"];
        let got = client.create(&path, &as_request(expected)).await;
        assert_shape(&name, expected, &got);
        assert_eq!(
            got["properties"]["provisioningState"], "Succeeded",
            "{name}"
        );
    }
}

#[tokio::test]
async fn list_example_pages_with_next_link() {
    let Some(api) = api_reference() else { return };
    let example = read_json(&api.join("examples/Compute/list.json"));
    let (_emulator, client) = emulator();
    let expected = &example["responses"]["200"]["body"];
    let parameters = &example["parameters"];
    for item in expected["value"].as_array().unwrap() {
        let mut with_name = parameters.clone();
        with_name["computeName"] = item["name"].clone();
        client
            .create(&example_path(&with_name), &as_request(item))
            .await;
    }
    let workspace = example_path(&json!({
        "subscriptionId": parameters["subscriptionId"],
        "resourceGroupName": parameters["resourceGroupName"],
        "workspaceName": parameters["workspaceName"],
        "computeName": "x"
    }));
    let list_path = workspace.trim_end_matches("/computes/x").to_owned() + "/computes";
    let first = client.get(&list_path).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_shape("list.json page 1", expected, &first.body);

    // Follow nextLink to the end: every compute once, in name order.
    let mut names = Vec::new();
    let mut page = first.body;
    loop {
        names.extend(
            page["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["name"].as_str().unwrap().to_owned()),
        );
        let Some(next) = page["nextLink"].as_str() else {
            break;
        };
        let path = next.strip_prefix("http://emulator.test").unwrap();
        page = client.raw(Method::GET, path, None).await.body;
    }
    assert_eq!(names, ["compute123", "compute1234"]);
}

/// A page of the list is serialized straight from the store, a GET through a `Value`: for
/// every kind the example requests create (and a compute instance's SSH defaults), each item
/// of the list is the GET of that compute, and the page is valid JSON in name order.
#[tokio::test]
async fn every_listed_compute_is_its_get() {
    let Some(api) = api_reference() else { return };
    let (_emulator, client) = emulator();
    let workspace = "ws-list";
    let mut names = Vec::new();
    for (index, (_, example)) in examples(&api.join("examples/Compute/createOrUpdate"))
        .into_iter()
        .enumerate()
    {
        let name = format!("c{index:02}");
        client
            .create(
                &common::compute_path(workspace, &name),
                &example["parameters"]["parameters"],
            )
            .await;
        names.push(name);
    }
    let mut listed = Vec::new();
    let mut page = client
        .get(&format!("{}/computes", common::workspace_path(workspace)))
        .await;
    loop {
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        listed.extend(page.body["value"].as_array().unwrap().iter().cloned());
        let Some(next) = page.body["nextLink"].as_str() else {
            break;
        };
        let path = next
            .strip_prefix("http://emulator.test")
            .unwrap()
            .to_owned();
        page = client.raw(Method::GET, &path, None).await;
    }
    let listed_names: Vec<&str> = listed
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed_names, names);
    for item in &listed {
        let name = item["name"].as_str().unwrap();
        let got = client.get(&common::compute_path(workspace, name)).await;
        assert_eq!(&got.body, item, "{name}: the list and the GET differ");
    }
}

#[tokio::test]
async fn patch_delete_start_list_keys_and_list_nodes_examples() {
    let Some(api) = api_reference() else { return };
    let compute = |file: &str| read_json(&api.join("examples/Compute").join(file));
    let create = read_json(&api.join("examples/Compute/createOrUpdate/BasicAmlCompute.json"));

    let (_emulator, client) = emulator();
    let patch = compute("patch.json");
    let path = example_path(&patch["parameters"]);
    client
        .create(&path, &create["parameters"]["parameters"])
        .await;
    let reply = client
        .patch(&path, &patch["parameters"]["parameters"])
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.header("azure-asyncoperation").is_some());
    assert_shape(
        "patch.json",
        &patch["responses"]["200"]["body"],
        &reply.body,
    );
    assert_eq!(client.wait(&reply).await["status"], "Succeeded");
    let scaled = client.get(&path).await.body;
    assert_eq!(
        scaled["properties"]["properties"]["scaleSettings"]["maxNodeCount"],
        4
    );

    let nodes = compute("listNodes.json");
    let listed = client.post(&format!("{path}/listNodes")).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_shape(
        "listNodes.json",
        &json!({"nodes": nodes["responses"]["200"]["body"]["nodes"]}),
        &listed.body,
    );
    assert_eq!(
        listed.body["nodes"].as_array().unwrap().len(),
        4,
        "minNodeCount 4 after the patch"
    );

    let delete = compute("delete.json");
    let reply = client
        .delete(
            &path,
            delete["parameters"]["underlyingResourceAction"]
                .as_str()
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    for header in delete["responses"]["202"]["headers"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            reply.header(header).is_some(),
            "delete.json: no {header} header"
        );
    }
    assert_eq!(client.wait(&reply).await["status"], "Succeeded");
    assert_eq!(client.get(&path).await.status, StatusCode::NOT_FOUND);

    // start.json: a stopped compute instance starts.
    let start = compute("start.json");
    let instance =
        read_json(&api.join("examples/Compute/createOrUpdate/ComputeInstanceMinimal.json"));
    let path = example_path(&start["parameters"]);
    client
        .create(&path, &instance["parameters"]["parameters"])
        .await;
    let stopped = client.post(&format!("{path}/stop")).await;
    client.wait(&stopped).await;
    let reply = client.post(&format!("{path}/start")).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    for header in start["responses"]["202"]["headers"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            reply.header(header).is_some(),
            "start.json: no {header} header"
        );
    }

    // listKeys.json is an AKS compute's keys.
    let keys = compute("listKeys.json");
    let aks = read_json(&api.join("examples/Compute/createOrUpdate/AKSCompute.json"));
    let (_emulator, client) = emulator();
    let path = example_path(&keys["parameters"]);
    client.create(&path, &aks["parameters"]["parameters"]).await;
    let reply = client.post(&format!("{path}/listKeys")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_shape(
        "listKeys.json",
        &keys["responses"]["200"]["body"],
        &reply.body,
    );
}

#[tokio::test]
async fn location_examples_usages_quotas_and_sizes() {
    let Some(api) = api_reference() else { return };
    let (_emulator, client) = emulator();
    for file in [
        "Usage/list.json",
        "Quota/list.json",
        "VirtualMachineSize/list.json",
    ] {
        let example = read_json(&api.join("examples").join(file));
        let parameters = &example["parameters"];
        let operation = match file {
            "Usage/list.json" => "usages",
            "Quota/list.json" => "quotas",
            _ => "vmSizes",
        };
        let path = format!(
            "/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}/{operation}",
            parameters["subscriptionId"].as_str().unwrap(),
            parameters["location"].as_str().unwrap()
        );
        let reply = client.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{file}: {}", reply.body);
        let mut expected = example["responses"]["200"]["body"].clone();
        // Quotas list subscription-level family quotas first; the example's workspace-level
        // entries (no `name`) exist only once updateQuotas sets them.
        if file == "Quota/list.json" {
            expected["value"] = json!(
                expected["value"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(
                        |item| item["type"] == "Microsoft.MachineLearningServices/vmFamily/quotas"
                    )
                    .cloned()
                    .collect::<Vec<_>>()
            );
        }
        expected.as_object_mut().unwrap().remove("nextLink");
        assert_shape(file, &expected, &reply.body);
        if file == "Usage/list.json" {
            // Every subscription-level row type of the example: the clusters, the regional
            // dedicated and low-priority totals, each family.
            let types = |body: &Value| -> BTreeSet<String> {
                (body["value"].as_array().unwrap().iter())
                    .filter_map(|row| row["type"].as_str())
                    .filter(|kind| !kind.contains("/workspace"))
                    .map(str::to_owned)
                    .collect()
            };
            let ours = types(&reply.body);
            for kind in types(&expected) {
                assert!(ours.contains(&kind), "no {kind} row: {ours:?}");
            }
        }
    }

    let update = read_json(&api.join("examples/Quota/update.json"));
    let parameters = &update["parameters"];
    let path = format!(
        "/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}/updateQuotas",
        parameters["subscriptionId"].as_str().unwrap(),
        parameters["location"].as_str().unwrap()
    );
    let reply = client
        .send(Method::POST, &path, Some(&parameters["parameters"]))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_shape(
        "Quota/update.json",
        &update["responses"]["200"]["body"],
        &reply.body,
    );
    assert!(
        reply.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["status"] == "Success")
    );
}

/// Every path and method of the API description reaches a handler (not the "unknown path"
/// or "method not allowed" fallbacks).
#[tokio::test]
async fn every_swagger_operation_is_routed() {
    let Some(api) = api_reference() else { return };
    let swagger = read_json(&api.join("machineLearningServices.json"));
    let (_emulator, client) = emulator();
    let mut checked = 0;
    for (template, operations) in swagger["paths"].as_object().unwrap() {
        let path = template
            .replace("{subscriptionId}", common::SUB)
            .replace("{resourceGroupName}", common::RG)
            .replace("{workspaceName}", "routing")
            .replace("{computeName}", "routed")
            .replace("{location}", "eastus");
        for method in operations
            .as_object()
            .unwrap()
            .keys()
            .filter(|method| *method != "parameters")
        {
            let method: Method = method.to_uppercase().parse().unwrap();
            let body = json!({});
            let reply = client.send(method.clone(), &path, Some(&body)).await;
            assert_ne!(
                reply.code(),
                "InvalidResourceType",
                "{method} {template} is not routed"
            );
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {template} is not routed"
            );
            checked += 1;
        }
    }
    assert!(checked >= 14, "only {checked} operations in the swagger");
    // The fallback really answers what the assertions above look for.
    let unknown = client
        .get("/subscriptions/s/providers/Microsoft.MachineLearningServices/nothing")
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "InvalidResourceType")
    );
}

/// "Update a AML Compute" (`createOrUpdate/AmlCompute.json`) sends only `scaleSettings` and
/// `description` to an existing cluster: its 200 keeps `vmSize`, `osType` and the rest, and
/// the remote login access that was `NotSpecified` at creation reads `Enabled` or `Disabled`
/// (`AmlComputeProperties.remoteLoginPortPublicAccess`; compare `get/AmlCompute.json`).
#[tokio::test]
async fn a_partial_put_keeps_what_it_leaves_out() {
    let Some(api) = api_reference() else { return };
    let basic = read_json(&api.join("examples/Compute/createOrUpdate/BasicAmlCompute.json"));
    let update = read_json(&api.join("examples/Compute/createOrUpdate/AmlCompute.json"));
    let (_emulator, client) = emulator();
    let path = example_path(&update["parameters"]);
    let created = client
        .create(&path, &basic["parameters"]["parameters"])
        .await;
    let sent = &basic["parameters"]["parameters"]["properties"]["properties"];
    assert_eq!(sent["remoteLoginPortPublicAccess"], "NotSpecified");
    assert_eq!(
        created["properties"]["properties"]["remoteLoginPortPublicAccess"], "Enabled",
        "NotSpecified without a subnet is open"
    );

    let reply = client.put(&path, &update["parameters"]["parameters"]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(client.wait(&reply).await["status"], "Succeeded");
    let updated = client.get(&path).await.body;
    let properties = &updated["properties"]["properties"];
    assert_eq!(properties["vmSize"], sent["vmSize"], "{updated:#}");
    assert_eq!(properties["osType"], sent["osType"]);
    assert_eq!(properties["vmPriority"], sent["vmPriority"]);
    assert_eq!(properties["remoteLoginPortPublicAccess"], "Enabled");
    let asked = &update["parameters"]["parameters"]["properties"];
    assert_eq!(
        properties["scaleSettings"]["maxNodeCount"],
        asked["properties"]["scaleSettings"]["maxNodeCount"]
    );
    assert_eq!(updated["properties"]["description"], asked["description"]);
    assert_shape(
        "AmlCompute.json (update)",
        &update["responses"]["200"]["body"],
        &updated,
    );
}
