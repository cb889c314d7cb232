//! Requests per second the emulator answers on loopback with rate limits off, so benchmarks
//! of the client know the emulator is not their bottleneck.
//!
//! `cargo bench -p amlform-emulator --bench requests`

#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use amlform_emulator::Emulator;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

const WORKSPACE: &str = "/subscriptions/bench/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/bench-ws";
const COMPUTES: usize = 100;
const CONCURRENCY: usize = 8;
const DURATION: Duration = Duration::from_secs(3);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let emulator = Emulator::builder().without_rate_limits().build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, emulator.router()).into_future());
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();

    for index in 0..COMPUTES {
        let reply = client
            .put(format!("{base}{WORKSPACE}/computes/cpu{index}?api-version=2024-10-01"))
            .bearer_auth("bench")
            .json(&json!({"properties": {"computeType": "AmlCompute", "properties": {"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": 1}}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201);
    }

    println!(
        "emulator on loopback, rate limits off, {CONCURRENCY} concurrent clients, {} s each",
        DURATION.as_secs()
    );
    let get = measure(
        &client,
        format!("{base}{WORKSPACE}/computes/cpu7?api-version=2024-10-01"),
    )
    .await;
    println!("  GET one compute:            {get:>8.0} requests/s");
    let list = measure(
        &client,
        format!("{base}{WORKSPACE}/computes?api-version=2024-10-01"),
    )
    .await;
    println!(
        "  GET list of {COMPUTES} computes:    {list:>8.0} requests/s ({:.0} computes/s)",
        list * COMPUTES as f64
    );

    // The same list without sockets or a client: what the emulator itself costs.
    let router = emulator.router();
    let start = Instant::now();
    let mut served = 0u32;
    while start.elapsed() < DURATION {
        let request =
            axum::http::Request::get(format!("{WORKSPACE}/computes?api-version=2024-10-01"))
                .header("authorization", "Bearer bench")
                .body(axum::body::Body::empty())
                .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200);
        response.into_body().collect().await.unwrap();
        served += 1;
    }
    let per_list = start.elapsed() / served;
    println!("  list in process, one caller: {per_list:>8.2?} per list of {COMPUTES}");
}

async fn measure(client: &reqwest::Client, url: String) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, url, done) = (client.clone(), url.clone(), done.clone());
            tokio::spawn(async move {
                while start.elapsed() < DURATION {
                    let reply = client.get(&url).bearer_auth("bench").send().await.unwrap();
                    assert_eq!(reply.status(), 200);
                    reply.bytes().await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}
