//! The emulator as the integration tests of other crates reach it: served on a loopback port,
//! with a provider that retries and polls in milliseconds instead of ARM's seconds.

use std::time::Duration;

use amlform_azure::{ArmClient, ArmClientOptions, AzureProvider, RetryPolicy, WorkspaceTarget};
use amlform_emulator::Emulator;

/// Serves the emulator on a free loopback port for the life of the test's runtime; its URL.
pub async fn serve_emulator(emulator: &Emulator) -> String {
    let listener =
        (tokio::net::TcpListener::bind("127.0.0.1:0").await).expect("a free loopback port");
    let address = listener.local_addr().expect("a bound address");
    tokio::spawn(axum::serve(listener, emulator.router()).into_future());
    format!("http://{address}")
}

/// Retries and polls in milliseconds: an in-process emulator answers at once.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 40,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(10),
        max_retry_after: Duration::from_millis(10),
        max_poll_interval: Duration::from_millis(5),
        ..RetryPolicy::default()
    }
}

/// A client of the emulator at `endpoint`, with [`fast_retry`] and no pacing.
pub fn emulator_client(endpoint: String) -> ArmClient {
    ArmClient::new(ArmClientOptions {
        endpoint,
        token: "test-token".to_owned(),
        retry: fast_retry(),
        ..Default::default()
    })
    .expect("a client of a plain-HTTP endpoint")
}

/// Serves the emulator and returns a provider of it (see [`emulator_client`]).
pub async fn emulator_provider(emulator: &Emulator) -> AzureProvider {
    AzureProvider::new(emulator_client(serve_emulator(emulator).await))
}

/// The workspace most tests use: `mlws` in resource group `rg` of the zero subscription.
pub fn test_workspace() -> WorkspaceTarget {
    WorkspaceTarget {
        label: "dev".to_owned(),
        subscription_id: "00000000-0000-0000-0000-000000000000".to_owned(),
        resource_group: "rg".to_owned(),
        name: "mlws".to_owned(),
    }
}
