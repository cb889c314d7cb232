//! The standalone server: HTTPS with the generated CA (trusted by a real client), plain HTTP
//! beside it, loopback only, and a graceful shutdown.

use std::time::Duration;

use crate::common;

use amlform_emulator::ServeArgs;
use clap::Parser;
use tokio_rustls::rustls;

#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    serve: ServeArgs,
}

#[tokio::test]
async fn https_with_the_printed_ca_and_http_on_loopback() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("state");
    let args = Args::parse_from([
        "serve",
        "--port",
        "0",
        "--http-port",
        "0",
        "--state-dir",
        dir.to_str().unwrap(),
        "--no-rate-limits",
    ])
    .serve;

    let (info, stop, server) = common::serve_standalone(args).await;
    assert!(info.https.ip().is_loopback());
    assert!(info.http.unwrap().ip().is_loopback());
    assert!(info.ca_path.starts_with(&dir));

    let ca = std::fs::read(&info.ca_path).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .build()
        .unwrap();
    let workspace = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlws";
    let url = format!(
        "https://localhost:{}{workspace}/computes/cpu?api-version=2024-10-01",
        info.https.port()
    );
    let created = client
        .put(&url)
        .bearer_auth("any-token")
        .json(&serde_json::json!({"properties": {"computeType": "AmlCompute", "properties": {"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": 1}}}}))
        .send()
        .await
        .expect("an HTTPS request trusted through the generated CA");
    assert_eq!(created.status(), 201);
    let operation = created.headers()["azure-asyncoperation"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        operation.starts_with(&format!("https://localhost:{}/", info.https.port())),
        "{operation}"
    );

    // A client that does not trust the CA is refused.
    let untrusting = reqwest::Client::builder()
        .tls_certs_only([])
        .build()
        .unwrap();
    assert!(untrusting.get(&url).bearer_auth("t").send().await.is_err());

    // Plain HTTP sees the same state.
    let http_url = format!(
        "http://127.0.0.1:{}{workspace}/computes/cpu?api-version=2024-10-01",
        info.http.unwrap().port()
    );
    let got = reqwest::Client::new()
        .get(&http_url)
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);

    stop.send(()).unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("graceful shutdown");
    outcome.unwrap().unwrap();
    assert!(
        reqwest::Client::new().get(&http_url).send().await.is_err(),
        "stopped servers refuse connections"
    );

    // The state directory kept the compute and a certificate reused on the next start.
    assert!(dir.join(amlform_emulator::JOURNAL_FILE).exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
