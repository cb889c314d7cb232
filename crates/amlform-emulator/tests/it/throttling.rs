//! ARM's throttling: a burst beyond a subscription's bucket gets 429 with a `Retry-After`
//! that, when honoured, lets the next request through.

use crate::common;

use std::time::Duration;

use amlform_emulator::{Clock, Emulator};
use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn a_read_burst_beyond_the_bucket_waits_for_retry_after() {
    // ARM's default limits: 250 reads, refilled at 25 per second; time moves only when
    // the test moves it, so exactly the burst passes.
    let clock = Clock::manual();
    let emulator = Emulator::builder().clock(clock.clone()).build().unwrap();
    let client = Client::new(&emulator);
    let path = workspace_path("mlws");
    client.put(&path, &json!({"location": "eastus"})).await;
    // Send reads until one is refused: the full burst of 250 passes first, each reply
    // counting the tokens left.
    let mut admitted = 0;
    let mut last_left = u32::MAX;
    let mut throttled = None;
    for _ in 0..2000 {
        let reply = client.get(&path).await;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some(reply);
            break;
        }
        assert_eq!(reply.status, StatusCode::OK);
        admitted += 1;
        last_left = reply
            .header("x-ms-ratelimit-remaining-subscription-reads")
            .unwrap()
            .parse()
            .unwrap();
    }
    // The workspace PUT was a write: all 250 reads are left for the burst.
    assert_eq!(admitted, 250, "reads before the first 429");
    assert_eq!(last_left, 0, "the last admitted read saw an empty bucket");
    let throttled = throttled.expect("the read bucket never ran out");
    assert_eq!(throttled.code(), "SubscriptionRequestsThrottled");
    assert_eq!(
        throttled.header("x-ms-ratelimit-remaining-subscription-reads"),
        Some("0")
    );
    let retry_after: u64 = throttled
        .header("retry-after")
        .expect("a Retry-After header")
        .parse()
        .unwrap();
    assert_eq!(
        retry_after, 1,
        "one token comes back in 40 ms: wait a second"
    );

    // Writes have their own bucket, and so does every other subscription.
    let write = client.put(&path, &json!({"location": "eastus"})).await;
    assert_eq!(write.status, StatusCode::OK);
    assert!(
        write
            .header("x-ms-ratelimit-remaining-subscription-writes")
            .is_some()
    );
    let other = client
        .get("/subscriptions/another-subscription/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlws")
        .await;
    assert_ne!(other.status, StatusCode::TOO_MANY_REQUESTS);

    clock.advance(Duration::from_secs(retry_after));
    let after = client.get(&path).await;
    assert_eq!(
        after.status,
        StatusCode::OK,
        "honouring Retry-After succeeds"
    );
}

#[tokio::test]
async fn a_write_burst_is_throttled_and_configurable_limits_apply() {
    let clock = Clock::manual();
    let emulator = Emulator::builder()
        .clock(clock.clone())
        .rate_limits(amlform_emulator::RateLimits {
            write_burst: 5,
            write_refill_per_second: 2.0,
            ..Default::default()
        })
        .build()
        .unwrap();
    let client = Client::new(&emulator);
    let statuses: Vec<StatusCode> = {
        let mut statuses = Vec::new();
        for index in 0..6 {
            let reply = client
                .put(
                    &compute_path("mlws", &format!("cpu{index}")),
                    &aml_compute("STANDARD_D2_V2", 0, 1),
                )
                .await;
            statuses.push(reply.status);
        }
        statuses
    };
    assert_eq!(&statuses[..5], &[StatusCode::CREATED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    // A throttled request did nothing.
    assert_eq!(
        client.get(&compute_path("mlws", "cpu5")).await.status,
        StatusCode::NOT_FOUND
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        client
            .put(
                &compute_path("mlws", "cpu5"),
                &aml_compute("STANDARD_D2_V2", 0, 1)
            )
            .await
            .status,
        StatusCode::CREATED
    );

    // Off means off.
    emulator.set_rate_limits(None);
    for _ in 0..300 {
        assert_eq!(
            client.get(&compute_path("mlws", "cpu0")).await.status,
            StatusCode::OK
        );
    }
}
