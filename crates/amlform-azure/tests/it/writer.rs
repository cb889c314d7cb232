//! The write side against the emulator: every operation followed through its long-running
//! operation, failures reported with the service's code, idempotent writes retried.

use std::time::Duration;

use amlform_azure::{
    ArmClient, ArmClientOptions, AzureError, AzureProvider, PowerAction, RetryPolicy,
    UnderlyingAction,
};
use amlform_emulator::{Emulator, Faults, LroStyle};

/// Every long-running-operation shape the API description allows; the writer follows each.
const STYLES: [LroStyle; 3] = [
    LroStyle::AzureAsyncOperation,
    LroStyle::Location,
    LroStyle::Resource,
];
use serde_json::{Value, json};

use amlform_test_support::{emulator_provider as provider, test_workspace as workspace};

/// An emulator without rate limits whose operations answer in `style` and take `millis`.
fn service(style: LroStyle, millis: u64) -> amlform_emulator::EmulatorBuilder {
    Emulator::builder()
        .without_rate_limits()
        .provisioning_delay(Duration::from_millis(millis))
        .lro_style(style)
}

fn cluster(max: u64) -> Value {
    json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": max}}}})
}

#[tokio::test]
async fn creates_updates_and_deletes_through_long_running_operations() {
    for style in STYLES {
        creates_updates_and_deletes(style).await;
    }
}

async fn creates_updates_and_deletes(style: LroStyle) {
    let emulator = service(style, 40).build().unwrap();
    let provider = provider(&emulator).await;
    let target = workspace();

    let created = provider
        .put_body(&target, "cpu", &cluster(2))
        .await
        .unwrap();
    assert_eq!(
        created.provisioning_state, "Succeeded",
        "{style:?}: waited for the operation"
    );
    let id = format!("{}/computes/cpu", target.path());
    assert_eq!(
        emulator.compute(&id).unwrap()["properties"]["provisioningState"],
        "Succeeded",
        "{style:?}: done on the service when the call returns"
    );
    assert_eq!(created.attributes["max_nodes"], 2);

    let scaled = provider
        .put_body(&target, "cpu", &json!({"properties": {"computeType": "AmlCompute", "properties": {"scaleSettings": {"maxNodeCount": 5, "minNodeCount": 0}}}}))
        .await
        .unwrap();
    assert_eq!(scaled.attributes["max_nodes"], 5);
    assert_eq!(scaled.provisioning_state, "Succeeded");

    provider
        .delete_compute(&target, "cpu", UnderlyingAction::Delete)
        .await
        .unwrap();
    assert!(provider.computes(&target).await.unwrap().is_empty());
    // Deleting what is gone is fine.
    provider
        .delete_compute(&target, "cpu", UnderlyingAction::Delete)
        .await
        .unwrap();
}

#[tokio::test]
async fn instances_stop_and_start_and_attachments_detach() {
    for style in STYLES {
        stop_start_and_detach(style).await;
    }
}

async fn stop_start_and_detach(style: LroStyle) {
    let emulator = service(style, 30).build().unwrap();
    let provider = provider(&emulator).await;
    let target = workspace();
    let instance = json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "STANDARD_DS3_V2"}}});
    assert_eq!(
        provider
            .put_body(&target, "nb1", &instance)
            .await
            .unwrap()
            .attributes["state"],
        "running"
    );
    provider
        .power(&target, "nb1", PowerAction::Stop)
        .await
        .unwrap();
    let state =
        |computes: Vec<amlform_azure::RemoteCompute>| computes[0].attributes["state"].clone();
    assert_eq!(
        state(provider.computes(&target).await.unwrap()),
        "stopped",
        "{style:?}"
    );
    provider
        .power(&target, "nb1", PowerAction::Start)
        .await
        .unwrap();
    assert_eq!(state(provider.computes(&target).await.unwrap()), "running");

    let vm = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1";
    let attach = json!({"location": "eastus", "properties": {"computeType": "VirtualMachine", "resourceId": vm, "properties": {"administratorAccount": {"username": "u", "password": "p"}}}});
    provider.put_body(&target, "vm", &attach).await.unwrap();
    provider
        .delete_compute(&target, "vm", UnderlyingAction::Detach)
        .await
        .unwrap();
    assert_eq!(
        emulator.underlying_resource_exists(vm),
        Some(true),
        "a detach leaves the VM"
    );
}

#[tokio::test]
async fn failures_carry_the_service_code_and_idempotent_writes_are_retried() {
    for style in STYLES {
        let emulator = service(style, 20)
            .faults(Faults {
                failed_provisioning: 1.0,
                ..Default::default()
            })
            .build()
            .unwrap();
        let provider = provider(&emulator).await;
        match provider.put_body(&workspace(), "cpu", &cluster(2)).await {
            Err(AzureError::OperationFailed { code, what, .. }) => {
                assert_eq!(code, "ProvisioningFailed", "{style:?}");
                assert!(what.contains("cpu"), "{style:?}: {what}");
            }
            other => panic!("{style:?}: expected a failed operation, got {other:?}"),
        }
    }
    let emulator = Emulator::builder()
        .without_rate_limits()
        .faults(Faults {
            failed_provisioning: 1.0,
            ..Default::default()
        })
        .build()
        .unwrap();
    let provider = provider(&emulator).await;
    let target = workspace();
    assert!(
        provider
            .put_body(&target, "cpu", &cluster(2))
            .await
            .is_err()
    );
    let unknown_size = json!({"properties": {"computeType": "AmlCompute", "properties": {"vmSize": "Standard_Nope", "scaleSettings": {"maxNodeCount": 1}}}});
    match provider.put_body(&target, "bad", &unknown_size).await {
        Err(error) => assert_eq!(error.code(), Some("InvalidVmSize")),
        Ok(_) => panic!("an unknown size was accepted"),
    }

    emulator.set_faults(Faults {
        internal_error: 0.3,
        unavailable: 0.2,
        throttled: 0.2,
        ..Default::default()
    });
    for index in 0..10 {
        let created = provider
            .put_body(&target, &format!("c{index}"), &cluster(1))
            .await
            .unwrap();
        assert_eq!(created.provisioning_state, "Succeeded");
    }
    emulator.set_faults(Faults::default());
    assert_eq!(
        provider.computes(&target).await.unwrap().len(),
        11,
        "10 created once each, plus the failed one; no duplicates"
    );
}

/// A service that answers a DELETE with only `Location`, as ARM may: 202 twice, then 204.
#[tokio::test]
async fn a_delete_with_only_a_location_header_is_followed_until_it_is_done() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let polls = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let location = format!("{endpoint}/operations/delete-1");
    let counted = polls.clone();
    let router = axum::Router::new()
        .route(
            "/{*path}",
            axum::routing::delete(move || {
                let location = location.clone();
                async move {
                    (
                        axum::http::StatusCode::ACCEPTED,
                        [("location", location), ("retry-after", "0".to_owned())],
                    )
                }
            }),
        )
        .route(
            "/operations/delete-1",
            axum::routing::get(move || {
                let polls = counted.clone();
                async move {
                    if polls.fetch_add(1, Ordering::SeqCst) < 2 {
                        axum::http::StatusCode::ACCEPTED
                    } else {
                        axum::http::StatusCode::NO_CONTENT
                    }
                }
            }),
        );
    tokio::spawn(axum::serve(listener, router).into_future());
    let provider = AzureProvider::new(
        ArmClient::new(ArmClientOptions {
            endpoint,
            token: "t".to_owned(),
            retry: RetryPolicy {
                max_poll_interval: Duration::from_millis(5),
                ..RetryPolicy::default()
            },
            ..Default::default()
        })
        .unwrap(),
    );
    provider
        .delete_compute(&workspace(), "gone", UnderlyingAction::Delete)
        .await
        .unwrap();
    assert_eq!(
        polls.load(Ordering::SeqCst),
        3,
        "polled until it was no longer 202"
    );
}

/// A write to a compute whose operation is still running is answered `409
/// AnotherOperationInProgress`: the writer waits it out and sends it again.
#[tokio::test]
async fn a_write_while_another_operation_runs_waits_for_it() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .provisioning_delay(Duration::from_millis(600))
        .build()
        .unwrap();
    let provider = provider(&emulator).await;
    let target = workspace();
    // A creation another process started (and did not wait for).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, emulator.router()).into_future());
    let other = ArmClient::new(ArmClientOptions {
        endpoint,
        token: "t".to_owned(),
        ..Default::default()
    })
    .unwrap();
    let started = other
        .send_full(
            reqwest::Method::PUT,
            &format!("{}/computes/cpu", target.path()),
            Some(&cluster(2)),
        )
        .await
        .unwrap();
    assert_eq!(started.body["properties"]["provisioningState"], "Creating");
    let scaled = provider
        .put_body(&target, "cpu", &json!({"properties": {"computeType": "AmlCompute", "properties": {"scaleSettings": {"maxNodeCount": 5, "minNodeCount": 0}}}}))
        .await
        .unwrap();
    assert_eq!(scaled.attributes["max_nodes"], 5);
}

/// A busy instance (`JobRunning`) is running: stopping it is sent; one still starting (after a
/// schedule, or the studio) is waited out before the stop; one already stopped is left alone.
#[tokio::test]
async fn power_actions_read_the_instance_state_first() {
    let emulator = service(LroStyle::Resource, 0).build().unwrap();
    let provider = provider(&emulator).await;
    let target = workspace();
    let instance = json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "STANDARD_DS3_V2"}}});
    provider.put_body(&target, "nb1", &instance).await.unwrap();
    let id = format!("{}/computes/nb1", target.path());
    let service_state = || {
        emulator.compute(&id).unwrap()["properties"]["properties"]["state"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    emulator.drift_instance_state(&id, "JobRunning").unwrap();
    let refreshed = provider.computes(&target).await.unwrap();
    assert_eq!(
        refreshed[0].attributes["state"], "running",
        "busy is running"
    );
    assert_eq!(refreshed[0].attributes["instance_state"], "JobRunning");
    provider
        .power(&target, "nb1", PowerAction::Stop)
        .await
        .unwrap();
    assert_eq!(service_state(), "Stopped");

    // Already stopped: nothing is sent (the emulator would refuse a second stop).
    provider
        .power(&target, "nb1", PowerAction::Stop)
        .await
        .unwrap();

    emulator.drift_instance_state(&id, "Starting").unwrap();
    let waiting = {
        let emulator = emulator.clone();
        let id = id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            emulator.drift_instance_state(&id, "Running").unwrap();
        })
    };
    provider
        .power(&target, "nb1", PowerAction::Stop)
        .await
        .unwrap();
    waiting.await.unwrap();
    assert_eq!(service_state(), "Stopped", "stopped after the start ended");

    emulator.drift_instance_state(&id, "SetupFailed").unwrap();
    let refreshed = provider.computes(&target).await.unwrap();
    assert!(
        !refreshed[0].attributes.contains_key("state"),
        "a failed instance is in no declared state"
    );
}

/// A `nextLink` without `api-version` gets the client's.
#[tokio::test]
async fn a_next_link_without_an_api_version_gets_one() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let next = format!("{endpoint}/page2");
    let router = axum::Router::new()
        .route(
            "/page1",
            axum::routing::get(move || {
                let next = next.clone();
                async move { axum::Json(json!({"value": [1], "nextLink": next})) }
            }),
        )
        .route(
            "/page2",
            axum::routing::get(
                |query: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
                    let version = query.get("api-version").cloned().unwrap_or_default();
                    axum::Json(json!({"value": [version]}))
                },
            ),
        );
    tokio::spawn(axum::serve(listener, router).into_future());
    let client = ArmClient::new(ArmClientOptions {
        endpoint,
        token: "t".to_owned(),
        ..Default::default()
    })
    .unwrap();
    let items = client
        .list("/page1", |item: &amlform_azure::JsonTree<'_>| {
            item.to_value()
        })
        .await
        .unwrap();
    assert_eq!(items, [json!(1), json!(amlform_azure::API_VERSION)]);
}

/// The service's `Retry-After` on a long-running operation is honoured as asked, past the
/// client's own poll interval: polling sooner spends the read budget ARM limits. A create is
/// followed on its own resource (it starts `Creating` and its final read is needed anyway), so
/// the operation's status is not read at all: one read where two were.
#[tokio::test]
async fn an_operation_is_polled_when_the_service_says() {
    use std::sync::{Arc, Mutex};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let status_url = format!("{endpoint}/operations/op-1");
    let first_poll: Arc<Mutex<Option<std::time::Instant>>> = Arc::default();
    let seen = first_poll.clone();
    let status_reads: Arc<Mutex<u32>> = Arc::default();
    let counted = status_reads.clone();
    let resource = json!({"id": "/x/computes/cpu", "name": "cpu", "properties": {"computeType": "AmlCompute", "provisioningState": "Succeeded"}});
    let answer = resource.clone();
    let router = axum::Router::new()
        .route(
            "/{*path}",
            axum::routing::put(move || {
                let status_url = status_url.clone();
                async move {
                    (
                        axum::http::StatusCode::CREATED,
                        [
                            ("azure-asyncoperation", status_url),
                            ("retry-after-ms", "300".to_owned()),
                        ],
                    )
                }
            })
            .get(move || {
                let answer = answer.clone();
                let seen = seen.clone();
                async move {
                    seen.lock()
                        .unwrap()
                        .get_or_insert_with(std::time::Instant::now);
                    axum::Json(answer)
                }
            }),
        )
        .route(
            "/operations/op-1",
            axum::routing::get(move || {
                let counted = counted.clone();
                async move {
                    *counted.lock().unwrap() += 1;
                    axum::Json(json!({"status": "Succeeded"}))
                }
            }),
        );
    tokio::spawn(axum::serve(listener, router).into_future());
    let provider = AzureProvider::new(
        ArmClient::new(ArmClientOptions {
            endpoint,
            token: "t".to_owned(),
            retry: RetryPolicy {
                max_poll_interval: Duration::from_millis(5),
                ..RetryPolicy::default()
            },
            ..Default::default()
        })
        .unwrap(),
    );
    let sent = std::time::Instant::now();
    provider
        .put_body(&workspace(), "cpu", &cluster(1))
        .await
        .unwrap();
    assert_eq!(*status_reads.lock().unwrap(), 0, "the status adds nothing");
    let polled = first_poll.lock().unwrap().expect("polled");
    assert!(
        polled.duration_since(sent) >= Duration::from_millis(300),
        "polled after {:?}, asked for 300 ms",
        polled.duration_since(sent)
    );
}
