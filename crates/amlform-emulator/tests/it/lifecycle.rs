//! Each compute kind through its whole life: create or attach, provisioning to `Succeeded`,
//! get, list, update where the service allows it, delete or detach, and 404 after.

use crate::common;

use std::time::Duration;

use amlform_emulator::{Clock, Emulator};
use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn emulator() -> (Emulator, Client) {
    let emulator = Emulator::builder().without_rate_limits().build().unwrap();
    let client = Client::new(&emulator);
    (emulator, client)
}

async fn listed_names(client: &Client, workspace: &str) -> Vec<String> {
    let list = client
        .get(&format!("{}/computes", workspace_path(workspace)))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Removes a compute and checks it is gone from get and list.
async fn remove(client: &Client, workspace: &str, name: &str, action: &str) {
    let path = compute_path(workspace, name);
    let reply = client.delete(&path, action).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    assert!(
        reply.header("location").is_some(),
        "a delete answers a Location header"
    );
    assert_eq!(client.wait(&reply).await["status"], "Succeeded");
    let gone = client.get(&path).await;
    assert_eq!(
        (gone.status, gone.code()),
        (StatusCode::NOT_FOUND, "ResourceNotFound")
    );
    assert!(
        !listed_names(client, workspace)
            .await
            .contains(&name.to_owned())
    );
    // Deleting what is gone is a 204, as ARM answers.
    assert_eq!(
        client.delete(&path, action).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn aml_compute_creates_scales_in_place_and_deletes() {
    // Operations take half an hour, on a clock the client moves as it polls.
    let clock = Clock::manual();
    let emulator = Emulator::builder()
        .without_rate_limits()
        .clock(clock.clone())
        .provisioning_delay(Duration::from_secs(1800))
        .build()
        .unwrap();
    let client = Client::with_clock(&emulator, clock.clone());
    let path = compute_path("mlws", "cpu-cluster");

    let created = client
        .put(&path, &aml_compute("STANDARD_D2_V2", 0, 4))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["properties"]["provisioningState"], "Creating");
    clock.advance(Duration::from_secs(1799));
    let during = client.get(&path).await.body;
    assert_eq!(
        during["properties"]["provisioningState"], "Creating",
        "still provisioning a second before the delay ends"
    );
    assert_eq!(client.wait(&created).await["status"], "Succeeded");

    let got = client.get(&path).await.body;
    assert_eq!(got["properties"]["provisioningState"], "Succeeded");
    assert_eq!(got["properties"]["isAttachedCompute"], false);
    assert_eq!(
        got["properties"]["properties"]["vmPriority"], "Dedicated",
        "service default filled in"
    );
    assert_eq!(
        got["id"],
        format!(
            "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlws/computes/cpu-cluster"
        )
    );
    assert_eq!(listed_names(&client, "mlws").await, ["cpu-cluster"]);

    // Scale settings change in place through PUT...
    let mut bigger = aml_compute("STANDARD_D2_V2", 1, 8);
    bigger["tags"] = json!({"team": "ml"});
    let updated = client.put(&path, &bigger).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["properties"]["provisioningState"], "Updating");
    assert_eq!(client.wait(&updated).await["status"], "Succeeded");
    let got = client.get(&path).await.body;
    assert_eq!(
        got["properties"]["properties"]["scaleSettings"]["maxNodeCount"],
        8
    );
    assert_eq!(got["properties"]["properties"]["currentNodeCount"], 1);
    assert_eq!(got["tags"]["team"], "ml");
    assert_eq!(
        got["properties"]["createdOn"],
        created.body["properties"]["createdOn"]
    );

    // ... and through PATCH; an identity can be added without replacing the cluster.
    let patched = client.patch(&path, &json!({"properties": {"properties": {"scaleSettings": {"maxNodeCount": 2, "minNodeCount": 0}}}})).await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    client.wait(&patched).await;
    let mut with_identity = aml_compute("STANDARD_D2_V2", 0, 2);
    with_identity["tags"] = json!({"team": "ml"});
    with_identity["identity"] = json!({"type": "SystemAssigned"});
    let reply = client.put(&path, &with_identity).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    client.wait(&reply).await;
    let got = client.get(&path).await.body;
    assert_eq!(got["identity"]["type"], "SystemAssigned");
    assert!(got["identity"]["principalId"].is_string());
    assert_eq!(
        got["properties"]["properties"]["scaleSettings"]["maxNodeCount"],
        2
    );

    remove(&client, "mlws", "cpu-cluster", "Delete").await;
    assert!(emulator.computes().is_empty());
}

#[tokio::test]
async fn compute_instance_creates_stops_starts_restarts_and_deletes() {
    let (_emulator, client) = emulator();
    let path = compute_path("mlws", "notebook-ada");
    let got = client
        .create(&path, &compute_instance("STANDARD_DS3_V2"))
        .await;
    assert_eq!(got["properties"]["properties"]["state"], "Running");
    assert_eq!(listed_names(&client, "mlws").await, ["notebook-ada"]);

    let stop = client.post(&format!("{path}/stop")).await;
    assert_eq!(stop.status, StatusCode::ACCEPTED, "{}", stop.body);
    client.wait(&stop).await;
    assert_eq!(
        client.get(&path).await.body["properties"]["properties"]["state"],
        "Stopped"
    );

    let start = client.post(&format!("{path}/start")).await;
    assert_eq!(start.status, StatusCode::ACCEPTED);
    client.wait(&start).await;
    assert_eq!(
        client.get(&path).await.body["properties"]["properties"]["state"],
        "Running"
    );

    let restart = client.post(&format!("{path}/restart")).await;
    assert_eq!(restart.status, StatusCode::ACCEPTED);
    client.wait(&restart).await;
    assert_eq!(
        client.get(&path).await.body["properties"]["properties"]["state"],
        "Running"
    );

    remove(&client, "mlws", "notebook-ada", "Delete").await;
}

/// The attached kinds: attach, get (no secret), list, tags in place, detach; the underlying
/// resource outlives the attachment.
#[tokio::test]
async fn every_attached_kind_attaches_and_detaches_leaving_the_resource() {
    let (emulator, client) = emulator();
    let kinds: [(&str, &str, Value); 5] = [
        (
            "VirtualMachine",
            "Microsoft.Compute/virtualMachines/vm1",
            json!({"sshPort": 22, "address": "10.0.0.4", "administratorAccount": {"username": "azureuser", "password": "canary-password"}}),
        ),
        (
            "HDInsight",
            "Microsoft.HDInsight/clusters/hdi1",
            json!({"sshPort": 22, "administratorAccount": {"username": "sshuser", "privateKeyData": "canary-private-key"}}),
        ),
        (
            "Databricks",
            "Microsoft.Databricks/workspaces/dbw1",
            json!({"databricksAccessToken": "canary-token", "workspaceUrl": "https://adb-1.azuredatabricks.net"}),
        ),
        (
            "DataLakeAnalytics",
            "Microsoft.DataLakeAnalytics/accounts/adla1",
            json!({"dataLakeStoreAccountName": "store1"}),
        ),
        (
            "AKS",
            "Microsoft.ContainerService/managedClusters/aks1",
            json!({"agentCount": 3, "clusterPurpose": "DevTest"}),
        ),
    ];
    for (compute_type, resource, properties) in kinds {
        let resource_id = format!("/subscriptions/{SUB}/resourceGroups/{RG}/providers/{resource}");
        let name = format!(
            "{}-att",
            compute_type
                .to_ascii_lowercase()
                .chars()
                .take(8)
                .collect::<String>()
        );
        let path = compute_path("mlws", &name);
        let body = json!({
            "location": "eastus",
            "properties": {"computeType": compute_type, "resourceId": resource_id, "properties": properties}
        });
        let got = client.create(&path, &body).await;
        assert_eq!(
            got["properties"]["isAttachedCompute"], true,
            "{compute_type}"
        );
        assert_eq!(got["properties"]["resourceId"], resource_id.as_str());
        let text = got.to_string();
        assert!(
            !text.contains("canary"),
            "{compute_type}: a GET shows a secret: {text}"
        );
        assert!(listed_names(&client, "mlws").await.contains(&name));

        // Tags change in place; the attachment itself is untouched.
        let mut tagged = body.clone();
        tagged["tags"] = json!({"owner": "platform"});
        let reply = client.put(&path, &tagged).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{compute_type}: {}",
            reply.body
        );
        client.wait(&reply).await;

        remove(&client, "mlws", &name, "Detach").await;
        assert_eq!(
            emulator.underlying_resource_exists(&resource_id),
            Some(true),
            "{compute_type}: detach keeps the resource"
        );
    }
}

#[tokio::test]
async fn aks_created_by_the_workspace_is_deleted_with_its_cluster() {
    let (emulator, client) = emulator();
    let path = compute_path("mlws", "aks-new");
    let got = client
        .create(&path, &json!({"location": "eastus", "properties": {"computeType": "AKS", "properties": {"agentCount": 3}}}))
        .await;
    assert_eq!(got["properties"]["isAttachedCompute"], false);
    let cluster = got["properties"]["resourceId"]
        .as_str()
        .expect("the service reports the cluster it made")
        .to_owned();
    assert!(cluster.contains("/Microsoft.ContainerService/managedClusters/aks-new-"));
    assert_eq!(emulator.underlying_resource_exists(&cluster), Some(true));
    remove(&client, "mlws", "aks-new", "Delete").await;
    assert_eq!(emulator.underlying_resource_exists(&cluster), Some(false));
}

#[tokio::test]
async fn list_keys_returns_the_secrets_that_get_hides() {
    let (_emulator, client) = emulator();
    let path = compute_path("mlws", "vm");
    client.create(&path, &attached_vm(&vm_id("vm"))).await;
    let keys = client.post(&format!("{path}/listKeys")).await;
    assert_eq!(keys.status, StatusCode::OK);
    assert_eq!(keys.body["computeType"], "VirtualMachine");
    assert_eq!(keys.body["administratorAccount"]["username"], "azureuser");
    assert!(
        keys.body["administratorAccount"]["privateKeyData"]
            .as_str()
            .unwrap()
            .contains("canary")
    );
}

#[tokio::test]
async fn a_provisioning_failure_leaves_the_compute_failed_until_sent_again() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .faults(amlform_emulator::Faults {
            failed_provisioning: 1.0,
            ..Default::default()
        })
        .build()
        .unwrap();
    let client = Client::new(&emulator);
    let path = compute_path("mlws", "flaky");
    let reply = client
        .put(&path, &aml_compute("STANDARD_D2_V2", 0, 2))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let outcome = client.wait(&reply).await;
    assert_eq!(outcome["status"], "Failed");
    assert_eq!(outcome["error"]["code"], "ProvisioningFailed");
    let got = client.get(&path).await.body;
    assert_eq!(got["properties"]["provisioningState"], "Failed");
    assert_eq!(
        got["properties"]["provisioningErrors"][0]["error"]["code"],
        "ProvisioningFailed"
    );

    emulator.set_faults(amlform_emulator::Faults::default());
    let again = client
        .put(&path, &aml_compute("STANDARD_D2_V2", 0, 2))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(client.wait(&again).await["status"], "Succeeded");
    let got = client.get(&path).await.body;
    assert_eq!(got["properties"]["provisioningState"], "Succeeded");
    assert!(got["properties"]["provisioningErrors"].is_null());
}

#[tokio::test]
async fn drift_is_visible_to_the_next_read() {
    let (emulator, client) = emulator();
    let cluster = compute_path("mlws", "cpu");
    let instance = compute_path("mlws", "nb-drift");
    let vm = compute_path("mlws", "vm");
    client
        .create(&cluster, &aml_compute("STANDARD_D2_V2", 0, 4))
        .await;
    client
        .create(&instance, &compute_instance("STANDARD_DS3_V2"))
        .await;
    client.create(&vm, &attached_vm(&vm_id("vm"))).await;

    assert!(emulator.drift_scale(&cluster, 1, 9).unwrap());
    let got = client.get(&cluster).await.body;
    assert_eq!(
        got["properties"]["properties"]["scaleSettings"]["maxNodeCount"],
        9
    );
    assert!(
        emulator
            .drift_tag(&cluster, "edited", Some("portal"))
            .unwrap()
    );
    assert_eq!(client.get(&cluster).await.body["tags"]["edited"], "portal");

    assert!(emulator.drift_instance_state(&instance, "Stopped").unwrap());
    assert_eq!(
        client.get(&instance).await.body["properties"]["properties"]["state"],
        "Stopped"
    );

    assert!(emulator.drift_break_attachment(&vm).unwrap());
    let broken = client.get(&vm).await.body;
    assert_eq!(broken["properties"]["provisioningState"], "Failed");
    assert_eq!(
        broken["properties"]["provisioningErrors"][0]["error"]["code"],
        "AttachmentBroken"
    );

    assert!(emulator.drift_delete(&cluster).unwrap());
    assert_eq!(client.get(&cluster).await.status, StatusCode::NOT_FOUND);
    assert!(
        !emulator.drift_delete(&cluster).unwrap(),
        "nothing left to delete"
    );

    // The same levers over HTTP, for a standalone emulator.
    let reply = client
        .raw(
            axum::http::Method::POST,
            "/_emulator/drift",
            Some(&json!({"computeId": instance, "action": "delete"})),
        )
        .await;
    assert_eq!(reply.body["changed"], true, "{}", reply.body);
    assert_eq!(client.get(&instance).await.status, StatusCode::NOT_FOUND);
}

/// An emulator persisted in `dir`, provisioning in 150 ms.
fn persisted(dir: &std::path::Path) -> Emulator {
    Emulator::builder()
        .without_rate_limits()
        .persist_in(dir)
        .provisioning_delay(Duration::from_millis(150))
        .build()
        .unwrap()
}

#[tokio::test]
async fn state_persists_across_instances_without_secrets() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("state");
    let open = || persisted(&dir);
    let first = open();
    let client = Client::new(&first);
    let cluster = compute_path("mlws", "cpu");
    let reply = client
        .put(&cluster, &aml_compute("STANDARD_D2_V2", 0, 4))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    client
        .create(&compute_path("mlws", "vm"), &attached_vm(&vm_id("vm")))
        .await;
    drop(first);

    // A second process finds both, and the operation started by the first still finishes.
    let second = open();
    let client = Client::new(&second);
    assert_eq!(listed_names(&client, "mlws").await, ["cpu", "vm"]);
    assert_eq!(client.wait(&reply).await["status"], "Succeeded");
    assert_eq!(
        client.get(&cluster).await.body["properties"]["provisioningState"],
        "Succeeded"
    );
    drop(second);

    let journal = std::fs::read_to_string(dir.join(amlform_emulator::JOURNAL_FILE)).unwrap();
    assert!(journal.contains("\"cpu\""));
    assert!(
        !journal.contains("canary"),
        "a secret reached the state directory"
    );

    // A torn last line (a process killed mid-write) is dropped, not fatal.
    std::fs::write(
        dir.join(amlform_emulator::JOURNAL_FILE),
        format!("{journal}{{\"record\":\"comp"),
    )
    .unwrap();
    let third = open();
    assert_eq!(third.computes().len(), 2);
    drop(third);
}

/// An operation begun before a restart and one begun after have different ids, and both end.
#[tokio::test]
async fn operation_ids_are_unique_across_restarts() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("state");
    let open = || persisted(&dir);
    let first = open();
    let before = Client::new(&first)
        .put(
            &compute_path("mlws", "one"),
            &aml_compute("STANDARD_D2_V2", 0, 4),
        )
        .await;
    drop(first);
    let second = open();
    let client = Client::new(&second);
    let after = client
        .put(
            &compute_path("mlws", "two"),
            &aml_compute("STANDARD_D2_V2", 0, 4),
        )
        .await;
    let operation = |reply: &common::Reply| reply.header("azure-asyncoperation").map(str::to_owned);
    assert!(operation(&before).is_some());
    assert_ne!(operation(&before), operation(&after));
    assert_eq!(client.wait(&before).await["status"], "Succeeded");
    assert_eq!(client.wait(&after).await["status"], "Succeeded");
    let reply = client.delete(&compute_path("mlws", "one"), "Delete").await;
    assert!(reply.status.is_success(), "{:?}", reply.body);
}
