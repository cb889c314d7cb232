//! The provider against the emulator over real HTTP: one paged list per workspace,
//! attributes in configuration terms, retries that honour the service.

use std::time::Duration;

use amlform_azure::{ArmClient, ArmClientOptions, AzureProvider, RetryPolicy};
use amlform_emulator::{Emulator, Faults};
use reqwest::Method;
use serde_json::json;

use amlform_test_support::{
    emulator_client as client, serve_emulator as serve, test_workspace as target,
};

#[tokio::test]
async fn lists_every_page_in_configuration_terms() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .page_size(2)
        .build()
        .unwrap();
    let client = client(serve(&emulator).await);
    let workspace = target();
    for index in 0..5 {
        client
            .send(
                Method::PUT,
                &format!("{}/computes/cpu{index}", workspace.path()),
                Some(&json!({"properties": {"computeType": "AmlCompute", "properties": {"vmSize": "STANDARD_D2_V2", "vmPriority": "LowPriority", "scaleSettings": {"maxNodeCount": index + 1}}}})),
            )
            .await
            .unwrap();
    }
    let provider = AzureProvider::new(client);
    let computes = provider.computes(&workspace).await.unwrap();
    assert_eq!(computes.len(), 5, "every page followed");
    let third = &computes[2];
    assert_eq!(third.name, "cpu2");
    assert_eq!(third.kind.unwrap().block_name, "aml_compute");
    assert_eq!(third.attributes["max_nodes"], 3);
    assert_eq!(third.attributes["vm_priority"], "lowpriority");
    assert_eq!(third.attributes["idle_seconds_before_scaledown"], 120);
    assert!(third.arm_id.ends_with("/computes/cpu2"));
    let sizes = provider
        .vm_sizes(&workspace.subscription_id, "eastus")
        .await
        .unwrap();
    let d2 = sizes
        .iter()
        .find(|size| size.name == "Standard_D2_v2")
        .unwrap();
    assert_eq!(d2.vcpus, 2);
    assert!(d2.price_per_hour.unwrap() > 0.0);
}

#[tokio::test]
async fn reads_retry_through_throttling_and_server_errors_but_actions_do_not() {
    let emulator = Emulator::builder().without_rate_limits().build().unwrap();
    let client = client(serve(&emulator).await);
    let workspace = target();
    client
        .send(Method::PUT, &format!("{}/computes/cpu", workspace.path()), Some(&json!({"properties": {"computeType": "AmlCompute", "properties": {"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": 1}}}})))
        .await
        .unwrap();
    emulator.set_faults(Faults {
        throttled: 0.3,
        internal_error: 0.2,
        unavailable: 0.2,
        ..Default::default()
    });
    let provider = AzureProvider::new(client.clone());
    for _ in 0..10 {
        assert_eq!(provider.computes(&workspace).await.unwrap().len(), 1);
    }

    emulator.set_faults(Faults {
        internal_error: 1.0,
        ..Default::default()
    });
    // A POST action is not idempotent: its 500 is returned, not retried.
    let error = client
        .send(
            Method::POST,
            &format!("{}/computes/cpu/stop", workspace.path()),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.status(),
        Some(500),
        "a POST action is not retried blindly: {error}"
    );
    let error = provider.computes(&workspace).await.unwrap_err();
    assert!(error.to_string().contains("after 40 attempts"), "{error}");
    assert!(
        !format!("{client:?}").contains("test-token"),
        "the token never shows"
    );
}

#[tokio::test]
async fn service_errors_carry_code_and_request_id() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .auto_create_workspaces(None)
        .build()
        .unwrap();
    let provider = AzureProvider::new(client(serve(&emulator).await));
    let error = provider.computes(&target()).await.unwrap_err();
    assert_eq!(error.code(), Some("ParentResourceNotFound"));
    assert!(error.to_string().contains("x-ms-request-id"), "{error}");
}

/// An Entra ID stand-in: hands out one token and counts how often it is asked.
#[derive(Debug, Default)]
struct CountingCredential {
    asked: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for CountingCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        assert_eq!(scopes, [format!("{}/.default", "http://arm.test")]);
        self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(azure_core::credentials::AccessToken::new(
            "entra-canary-token",
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn an_entra_credential_signs_every_request_and_is_never_shown() {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .require_token("entra-canary-token")
        .build()
        .unwrap();
    let endpoint = serve(&emulator).await;
    let source = std::sync::Arc::new(CountingCredential::default());
    let client = ArmClient::new(ArmClientOptions {
        endpoint,
        credential: Some(amlform_azure::Credential::Entra {
            source: source.clone(),
            scope: "http://arm.test/.default".to_owned(),
            name: "test",
        }),
        ..Default::default()
    })
    .unwrap();
    let provider = AzureProvider::new(client.clone());
    assert!(provider.computes(&target()).await.unwrap().is_empty());
    assert!(source.asked.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    assert!(!format!("{client:?}").contains("canary"), "{client:?}");

    // The wrong token is refused: the emulator really checks it.
    let wrong = ArmClient::new(ArmClientOptions {
        endpoint: client.endpoint().to_owned(),
        token: "another".to_owned(),
        ..Default::default()
    })
    .unwrap();
    assert!(AzureProvider::new(wrong).computes(&target()).await.is_err());
}

#[tokio::test]
async fn pacing_to_the_service_limits_avoids_429s_that_unpaced_requests_meet() {
    let emulator = Emulator::builder()
        .rate_limits(amlform_emulator::RateLimits {
            read_burst: 5,
            read_refill_per_second: 50.0,
            write_burst: 5,
            write_refill_per_second: 50.0,
        })
        .build()
        .unwrap();
    let endpoint = serve(&emulator).await;
    let client = |rate_limits| {
        AzureProvider::new(
            ArmClient::new(ArmClientOptions {
                endpoint: endpoint.clone(),
                token: "t".to_owned(),
                // No retries: a 429 is an error here.
                retry: RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                },
                rate_limits,
                ..Default::default()
            })
            .unwrap(),
        )
    };
    let unpaced = client(None);
    let mut refused = 0;
    for _ in 0..20 {
        if unpaced.computes(&target()).await.is_err() {
            refused += 1;
        }
    }
    assert!(refused > 0, "the emulator's limit is real");
    tokio::time::sleep(Duration::from_millis(200)).await; // the bucket refills
    let paced = client(Some(amlform_azure::ClientRateLimits {
        read_burst: 5.0,
        read_per_second: 45.0,
        write_burst: 5.0,
        write_per_second: 45.0,
    }));
    for request in 0..20 {
        paced
            .computes(&target())
            .await
            .unwrap_or_else(|error| panic!("request {request}: {error}"));
    }
}
