//! Each rule the service enforces, provoked, with the error code it answers; and the
//! protocol's own errors (authentication, api-version, malformed bodies).

use crate::common;

use std::time::Duration;

use amlform_emulator::{Emulator, Faults};
use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

fn emulator() -> (Emulator, Client) {
    let emulator = Emulator::builder().without_rate_limits().build().unwrap();
    let client = Client::new(&emulator);
    (emulator, client)
}

#[tokio::test]
async fn compute_names_follow_the_pattern_and_length() {
    let (_emulator, client) = emulator();
    for bad in ["a", "9lives", "under_score", "much-too-long-a-name"] {
        let reply = client
            .put(
                &compute_path("mlws", bad),
                &aml_compute("STANDARD_D2_V2", 0, 1),
            )
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::BAD_REQUEST, "InvalidResourceName"),
            "{bad}"
        );
    }
    let reply = client
        .put(
            &compute_path("mlws", "ok-16-characters"),
            &aml_compute("STANDARD_D2_V2", 0, 1),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
}

#[tokio::test]
async fn compute_instance_names_are_unique_across_the_region() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .workspace(SUB, RG, "west-ws", "westus")
        .build()
        .unwrap();
    let client = Client::new(&emulator);
    client
        .create(
            &compute_path("team-a", "nb-shared"),
            &compute_instance("STANDARD_DS3_V2"),
        )
        .await;

    let mut same_region = compute_instance("STANDARD_DS3_V2");
    same_region.as_object_mut().unwrap().remove("location");
    let reply = client
        .put(&compute_path("team-b", "NB-shared"), &same_region)
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::CONFLICT, "ComputeNameUnavailable")
    );

    // Another region has its own names; a cluster may share the instance's name.
    let mut west = compute_instance("STANDARD_DS3_V2");
    west["location"] = json!("westus");
    assert_eq!(
        client
            .put(&compute_path("west-ws", "nb-shared"), &west)
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        client
            .put(
                &compute_path("team-b", "nb-shared"),
                &aml_compute("STANDARD_D2_V2", 0, 1)
            )
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_cluster_or_instance_cannot_be_attached_and_aci_cannot_be_created() {
    let (_emulator, client) = emulator();
    let mut attach_cluster = aml_compute("STANDARD_D2_V2", 0, 1);
    attach_cluster["properties"]["resourceId"] = json!(vm_id("vm"));
    let reply = client
        .put(&compute_path("mlws", "cpu"), &attach_cluster)
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::BAD_REQUEST, "AttachNotSupported")
    );

    for (kind, phrase) in [
        ("ACI", "deploying a model"),
        ("BatchAI", "retired"),
        ("Batch", "no version of this API"),
        ("Local", "no compute target"),
        ("Quantum", "expected one of"),
    ] {
        let reply = client
            .put(
                &compute_path("mlws", "other"),
                &json!({"properties": {"computeType": kind}}),
            )
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::BAD_REQUEST, "UnsupportedComputeType"),
            "{kind}"
        );
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(phrase),
            "{kind}: {}",
            reply.body
        );
    }

    let reply = client
        .put(
            &compute_path("mlws", "vm"),
            &json!({"properties": {"computeType": "VirtualMachine", "properties": {}}}),
        )
        .await;
    assert_eq!(reply.code(), "UnderlyingResourceRequired");
    let reply = client
        .put(
            &compute_path("mlws", "vm"),
            &attached_vm(
                "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/x",
            ),
        )
        .await;
    assert_eq!(reply.code(), "InvalidResourceId");
}

#[tokio::test]
async fn attaching_a_resource_again_under_another_name_breaks_the_first_attachment() {
    let (_emulator, client) = emulator();
    let first = compute_path("mlws", "vm-a");
    client
        .create(&first, &attached_vm(&vm_id("shared-vm")))
        .await;
    client
        .create(
            &compute_path("mlws", "vm-b"),
            &attached_vm(&vm_id("SHARED-VM")),
        )
        .await;
    let broken = client.get(&first).await.body;
    assert_eq!(broken["properties"]["provisioningState"], "Failed");
    let error = &broken["properties"]["provisioningErrors"][0]["error"];
    assert_eq!(error["code"], "AttachmentBroken");
    assert!(error["message"].as_str().unwrap().contains("vm-b"));
    // The second attachment is the one that works.
    assert_eq!(
        client.get(&compute_path("mlws", "vm-b")).await.body["properties"]["provisioningState"],
        "Succeeded"
    );
}

#[tokio::test]
async fn changing_an_attached_compute_requires_detaching_first() {
    let (_emulator, client) = emulator();
    let path = compute_path("mlws", "aks");
    let cluster = "/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerService/managedClusters/aks1";
    let attach = |leaf: &str| json!({"properties": {"computeType": "AKS", "resourceId": cluster, "properties": {"sslConfiguration": {"status": "Auto", "leafDomainLabel": leaf}}}});
    client.create(&path, &attach("one")).await;
    let reply = client.put(&path, &attach("two")).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::CONFLICT, "DetachRequired")
    );
    assert_eq!(
        reply.body["error"]["details"][0]["target"],
        "properties.properties.sslConfiguration.leafDomainLabel"
    );

    let detach = client.delete(&path, "Detach").await;
    client.wait(&detach).await;
    let reattached = client.create(&path, &attach("two")).await;
    assert_eq!(
        reattached["properties"]["properties"]["sslConfiguration"]["leafDomainLabel"],
        "two"
    );
}

#[tokio::test]
async fn scale_settings_and_vm_sizes_are_checked() {
    let (_emulator, client) = emulator();
    let reply = client
        .put(
            &compute_path("mlws", "cpu"),
            &aml_compute("STANDARD_D2_V2", 5, 2),
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::BAD_REQUEST, "InvalidScaleSettings")
    );
    let reply = client
        .put(
            &compute_path("mlws", "cpu"),
            &aml_compute("STANDARD_D2_V2", -1, 2),
        )
        .await;
    assert_eq!(reply.code(), "InvalidScaleSettings");
    let mut no_max = aml_compute("STANDARD_D2_V2", 0, 1);
    no_max["properties"]["properties"]["scaleSettings"] = json!({"minNodeCount": 0});
    assert_eq!(
        client
            .put(&compute_path("mlws", "cpu"), &no_max)
            .await
            .code(),
        "InvalidScaleSettings"
    );

    let reply = client
        .put(
            &compute_path("mlws", "cpu"),
            &aml_compute("Standard_D2_v9", 0, 2),
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::BAD_REQUEST, "InvalidVmSize")
    );
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Standard_D2_v2"),
        "nearest names suggested: {}",
        reply.body
    );
    let reply = client
        .put(
            &compute_path("mlws", "nb1"),
            &compute_instance("Standard_Huge"),
        )
        .await;
    assert_eq!(reply.code(), "InvalidVmSize");

    let mut wrong_type = aml_compute("STANDARD_D2_V2", 0, 1);
    wrong_type["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = json!("four");
    assert_eq!(
        client
            .put(&compute_path("mlws", "cpu"), &wrong_type)
            .await
            .code(),
        "InvalidRequestContent"
    );
    let mut bad_priority = aml_compute("STANDARD_D2_V2", 0, 1);
    bad_priority["properties"]["properties"]["vmPriority"] = json!("Spot");
    assert_eq!(
        client
            .put(&compute_path("mlws", "cpu"), &bad_priority)
            .await
            .code(),
        "InvalidRequestContent"
    );
}

#[tokio::test]
async fn cluster_cores_are_held_to_the_family_quota() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .quota_for_family("standardNCFamily", 24)
        .low_priority_quota(12)
        .build()
        .unwrap();
    let client = Client::new(&emulator);
    // 4 x NC6 = 24 vCPUs: exactly the quota.
    client
        .create(
            &compute_path("mlws", "gpu-a"),
            &aml_compute("STANDARD_NC6", 0, 4),
        )
        .await;
    let reply = client
        .put(
            &compute_path("other-ws", "gpu-b"),
            &aml_compute("STANDARD_NC6", 0, 1),
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::BAD_REQUEST, "QuotaExceeded")
    );
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Standard NC Family Cluster Dedicated vCPUs")
    );
    // Another family is unaffected; shrinking the first cluster frees cores.
    assert_eq!(
        client
            .put(
                &compute_path("mlws", "cpu"),
                &aml_compute("STANDARD_D2_V2", 0, 4)
            )
            .await
            .status,
        StatusCode::CREATED
    );
    let shrink = client
        .put(
            &compute_path("mlws", "gpu-a"),
            &aml_compute("STANDARD_NC6", 0, 3),
        )
        .await;
    client.wait(&shrink).await;
    assert_eq!(
        client
            .put(
                &compute_path("other-ws", "gpu-b"),
                &aml_compute("STANDARD_NC6", 0, 1)
            )
            .await
            .status,
        StatusCode::CREATED
    );
    // Growing past the quota is refused like creating past it.
    let grow = client
        .put(
            &compute_path("mlws", "gpu-a"),
            &aml_compute("STANDARD_NC6", 0, 5),
        )
        .await;
    assert_eq!(grow.code(), "QuotaExceeded");

    // Low-priority nodes count against their own regional quota.
    let mut low = aml_compute("STANDARD_D3_V2", 0, 3);
    low["properties"]["properties"]["vmPriority"] = json!("lowpriority");
    assert_eq!(
        client.put(&compute_path("mlws", "low"), &low).await.status,
        StatusCode::CREATED
    );
    low["properties"]["properties"]["scaleSettings"]["maxNodeCount"] = json!(1);
    assert_eq!(
        client.put(&compute_path("mlws", "low2"), &low).await.code(),
        "QuotaExceeded"
    );

    // Usages report what the clusters hold.
    let usages = client.get(&location_path("eastus", "usages")).await.body;
    let nc = usages["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|usage| usage["name"]["value"] == "Standard NC Family Cluster Dedicated vCPUs")
        .unwrap();
    assert_eq!(
        (nc["currentValue"].as_u64(), nc["limit"].as_u64()),
        (Some(24), Some(24))
    );
}

#[tokio::test]
async fn immutable_settings_conflict_and_the_same_request_is_idempotent() {
    let (emulator, client) = emulator();
    let path = compute_path("mlws", "cpu");
    client
        .create(&path, &aml_compute("STANDARD_D2_V2", 0, 2))
        .await;
    let reply = client
        .put(&path, &aml_compute("STANDARD_D3_V2", 0, 2))
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::CONFLICT, "PropertyChangeNotAllowed")
    );
    assert_eq!(
        reply.body["error"]["details"][0]["target"],
        "properties.properties.vmSize"
    );

    // Same settings, spelled with the defaults and another size case: 200, nothing to poll.
    let mut same = aml_compute("standard_d2_v2", 0, 2);
    same["properties"]["properties"]["vmPriority"] = json!("Dedicated");
    let again = client.put(&path, &same).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert!(again.header("azure-asyncoperation").is_none());
    assert_eq!(again.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(emulator.computes().len(), 1);

    let reply = client.put(&path, &json!({"properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "STANDARD_D2_V2"}}})).await;
    assert_eq!(reply.code(), "PropertyChangeNotAllowed");
}

#[tokio::test]
async fn operations_in_progress_and_power_states_are_respected() {
    let slow = Emulator::builder()
        .without_rate_limits()
        .provisioning_delay(Duration::from_secs(30))
        .build()
        .unwrap();
    let client = Client::new(&slow);
    let path = compute_path("mlws", "cpu");
    let first = client
        .put(&path, &aml_compute("STANDARD_D2_V2", 0, 2))
        .await;
    // The same request while creating is the same operation; a different one must wait.
    let repeat = client
        .put(&path, &aml_compute("STANDARD_D2_V2", 0, 2))
        .await;
    assert_eq!(repeat.status, StatusCode::OK);
    assert_eq!(
        repeat.header("azure-asyncoperation"),
        first.header("azure-asyncoperation")
    );
    let different = client
        .put(&path, &aml_compute("STANDARD_D2_V2", 0, 3))
        .await;
    assert_eq!(
        (different.status, different.code()),
        (StatusCode::CONFLICT, "AnotherOperationInProgress")
    );

    // Power actions need the right state, and the right kind of compute.
    let (_emulator, client) = emulator();
    let nb = compute_path("mlws", "nb1");
    client
        .create(&nb, &compute_instance("STANDARD_DS3_V2"))
        .await;
    let reply = client.post(&format!("{nb}/start")).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::CONFLICT, "InvalidComputeState")
    );
    client
        .create(&path, &aml_compute("STANDARD_D2_V2", 0, 2))
        .await;
    assert_eq!(
        client.post(&format!("{path}/stop")).await.code(),
        "OperationNotSupported"
    );
    assert_eq!(
        client.post(&format!("{nb}/listNodes")).await.code(),
        "OperationNotSupported"
    );
    assert_eq!(
        client
            .patch(
                &nb,
                &json!({"properties": {"properties": {"scaleSettings": {"maxNodeCount": 1}}}})
            )
            .await
            .code(),
        "OperationNotSupported"
    );
}

#[tokio::test]
async fn delete_needs_an_action_and_managed_computes_cannot_be_detached() {
    let (_emulator, client) = emulator();
    let path = compute_path("mlws", "cpu");
    client
        .create(&path, &aml_compute("STANDARD_D2_V2", 0, 2))
        .await;
    let reply = client.send(Method::DELETE, &path, None).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::BAD_REQUEST, "MissingUnderlyingResourceAction")
    );
    assert_eq!(
        client.delete(&path, "Destroy").await.code(),
        "InvalidUnderlyingResourceAction"
    );
    let reply = client.delete(&path, "Detach").await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::BAD_REQUEST, "OperationNotSupported")
    );
    assert_eq!(
        client.get(&path).await.status,
        StatusCode::OK,
        "a refused detach leaves the cluster"
    );
}

#[tokio::test]
async fn workspaces_are_found_created_and_reported_with_their_region() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .auto_create_workspaces(None)
        .build()
        .unwrap();
    let client = Client::new(&emulator);
    let reply = client.get(&compute_path("mlws", "cpu")).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::NOT_FOUND, "ParentResourceNotFound")
    );
    assert_eq!(
        client.get(&workspace_path("mlws")).await.code(),
        "ResourceNotFound"
    );

    let created = client
        .put(&workspace_path("mlws"), &json!({"location": "westeurope"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let got = client.get(&workspace_path("MLWS")).await;
    assert_eq!(
        (got.status, got.body["location"].as_str()),
        (StatusCode::OK, Some("westeurope"))
    );
    let moved = client
        .put(&workspace_path("mlws"), &json!({"location": "eastus"}))
        .await;
    assert_eq!(moved.code(), "InvalidResourceLocation");
    // Computes default to the workspace's region.
    let mut cluster = aml_compute("STANDARD_D2_V2", 0, 1);
    cluster.as_object_mut().unwrap().remove("location");
    assert_eq!(
        client.create(&compute_path("mlws", "cpu"), &cluster).await["location"],
        "westeurope"
    );
}

#[tokio::test]
async fn requests_need_a_bearer_token_and_an_api_version() {
    let (_emulator, mut client) = emulator();
    client.token = None;
    let reply = client.get(&workspace_path("mlws")).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::UNAUTHORIZED, "AuthenticationFailed")
    );
    assert!(reply.header("www-authenticate").is_some());

    let strict = Emulator::builder()
        .require_token("expected-token")
        .build()
        .unwrap();
    let mut client = Client::new(&strict);
    client.token = Some("other-token".to_owned());
    let reply = client.get(&compute_path("mlws", "cpu")).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken")
    );
    assert!(
        !reply.body.to_string().contains("other-token"),
        "the token is never echoed"
    );
    client.token = Some("expected-token".to_owned());
    assert_eq!(
        client.get(&compute_path("mlws", "cpu")).await.code(),
        "ResourceNotFound"
    );

    let reply = client
        .raw(Method::GET, &compute_path("mlws", "cpu"), None)
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::BAD_REQUEST, "MissingApiVersionParameter")
    );
    let reply = client
        .raw(
            Method::GET,
            &format!("{}?api-version=2031-01-01", compute_path("mlws", "cpu")),
            None,
        )
        .await;
    assert_eq!(reply.code(), "InvalidApiVersionParameter");
    let older = client
        .raw(
            Method::GET,
            &format!("{}?api-version=2023-04-01", workspace_path("mlws")),
            None,
        )
        .await;
    assert_ne!(older.code(), "InvalidApiVersionParameter");
}

#[tokio::test]
async fn malformed_bodies_are_bad_requests_and_every_reply_has_a_request_id() {
    let (_emulator, client) = emulator();
    let path = compute_path("mlws", "cpu");
    let mut ids = Vec::new();
    for body in [
        json!("not an object"),
        json!({"properties": {}}),
        json!({"properties": {"computeType": 7}}),
    ] {
        let reply = client.put(&path, &body).await;
        assert_eq!(
            (reply.status, reply.code()),
            (StatusCode::BAD_REQUEST, "InvalidRequestContent"),
            "{body}"
        );
        ids.push(reply.header("x-ms-request-id").unwrap().to_owned());
    }
    let ok = client
        .put(&path, &aml_compute("STANDARD_D2_V2", 0, 1))
        .await;
    ids.push(ok.header("x-ms-request-id").unwrap().to_owned());
    let missing = client.get(&compute_path("mlws", "nothing")).await;
    ids.push(missing.header("x-ms-request-id").unwrap().to_owned());
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "request ids are unique");
    // The ARM error body shape.
    assert!(missing.body["error"]["message"].is_string());
    assert!(missing.body["error"]["details"].is_array());
}

#[tokio::test]
async fn injected_faults_answer_429_500_and_503() {
    let emulator = Emulator::builder().without_rate_limits().build().unwrap();
    let client = Client::new(&emulator);
    for (faults, status, code) in [
        (
            Faults {
                throttled: 1.0,
                ..Default::default()
            },
            StatusCode::TOO_MANY_REQUESTS,
            "SubscriptionRequestsThrottled",
        ),
        (
            Faults {
                internal_error: 1.0,
                ..Default::default()
            },
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
        ),
        (
            Faults {
                unavailable: 1.0,
                ..Default::default()
            },
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
        ),
    ] {
        emulator.set_faults(faults);
        let reply = client
            .put(
                &compute_path("mlws", "cpu"),
                &aml_compute("STANDARD_D2_V2", 0, 1),
            )
            .await;
        assert_eq!((reply.status, reply.code()), (status, code));
        if status != StatusCode::INTERNAL_SERVER_ERROR {
            assert_eq!(reply.header("retry-after"), Some("1"));
        }
    }
    // Faults strike before the service acts: nothing was created.
    emulator.set_faults(Faults::default());
    assert_eq!(
        client.get(&compute_path("mlws", "cpu")).await.status,
        StatusCode::NOT_FOUND
    );

    // At 10%, about a tenth of requests fail.
    emulator.set_faults(Faults {
        internal_error: 0.1,
        ..Default::default()
    });
    let mut failures = 0;
    for _ in 0..500 {
        if client.get(&workspace_path("mlws")).await.status == StatusCode::INTERNAL_SERVER_ERROR {
            failures += 1;
        }
    }
    assert!(
        (25..=75).contains(&failures),
        "{failures} of 500 failed at 10%"
    );
}

// The settings added from the API description beyond the seeds, in a file of their own.
mod compute_settings;
