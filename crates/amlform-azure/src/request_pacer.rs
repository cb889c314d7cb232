//! Client-side token buckets per subscription and kind of request, matching ARM's limits
//! (which it keeps per subscription), so a big apply paces itself instead of storming into
//! 429s. A request waits for a token;
//! the service's own 429 + `Retry-After` stays the backstop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;

/// Burst and refill of reads and writes. The default is ARM's: reads 250 burst, 25/s;
/// writes 200 burst, 10/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientRateLimits {
    pub read_burst: f64,
    pub read_per_second: f64,
    pub write_burst: f64,
    pub write_per_second: f64,
}

impl Default for ClientRateLimits {
    fn default() -> Self {
        ClientRateLimits {
            read_burst: 250.0,
            read_per_second: 25.0,
            write_burst: 200.0,
            write_per_second: 10.0,
        }
    }
}

/// The client's buckets: a read and a write bucket per subscription, as ARM keeps them, so
/// ten subscriptions behind one endpoint and credential are paced as ten, not as one.
#[derive(Debug, Clone)]
pub struct RequestPacer {
    limits: ClientRateLimits,
    subscriptions: Arc<Mutex<HashMap<String, Arc<Buckets>>>>,
}

#[derive(Debug)]
struct Buckets {
    reads: Mutex<Bucket>,
    writes: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn new(capacity: f64, per_second: f64) -> Bucket {
        Bucket {
            capacity,
            per_second,
            tokens: capacity,
            updated: Instant::now(),
        }
    }

    /// Takes a token now, or says how long until one is there.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64(
                (1.0 - self.tokens) / self.per_second,
            ))
        }
    }
}

impl RequestPacer {
    pub fn new(limits: ClientRateLimits) -> RequestPacer {
        RequestPacer {
            limits,
            subscriptions: Arc::default(),
        }
    }

    /// Waits until a request of this method to `path` (relative, or an absolute `nextLink`)
    /// may go, by the buckets of the subscription it names. A path outside any subscription
    /// (a tenant-level read) shares one bucket pair of its own.
    pub async fn wait_turn(&self, method: &Method, path: &str) {
        let buckets = self.buckets(subscription_of(path));
        let bucket = if method == Method::GET {
            &buckets.reads
        } else {
            &buckets.writes
        };
        loop {
            let wait = lock(bucket).take(Instant::now());
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    fn buckets(&self, subscription: &str) -> Arc<Buckets> {
        // ARM compares subscription ids without case.
        let subscription = subscription.to_ascii_lowercase();
        let mut subscriptions = lock(&self.subscriptions);
        if let Some(buckets) = subscriptions.get(&subscription) {
            return buckets.clone();
        }
        let limits = self.limits;
        let buckets = Arc::new(Buckets {
            reads: Mutex::new(Bucket::new(limits.read_burst, limits.read_per_second)),
            writes: Mutex::new(Bucket::new(limits.write_burst, limits.write_per_second)),
        });
        subscriptions.insert(subscription, buckets.clone());
        buckets
    }
}

/// The subscription id a request path names, as written; empty for a path outside any
/// subscription.
fn subscription_of(path: &str) -> &str {
    let lower_start = path
        .as_bytes()
        .windows(15)
        .position(|window| window.eq_ignore_ascii_case(b"/subscriptions/"));
    match lower_start {
        Some(start) => {
            let rest = &path[start + 15..];
            rest.split(['/', '?']).next().unwrap_or_default()
        }
        None => "",
    }
}

/// A lock even after a panic elsewhere: a bucket's numbers stay valid.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_refill_rate() {
        let start = Instant::now();
        let mut bucket = Bucket::new(3.0, 10.0);
        bucket.updated = start;
        for _ in 0..3 {
            assert_eq!(bucket.take(start), None);
        }
        let wait = bucket.take(start).expect("the burst is spent");
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        assert_eq!(bucket.take(start + Duration::from_millis(100)), None);
        // Idle time refills up to the burst, no further.
        let later = start + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(bucket.take(later), None);
        }
        assert!(bucket.take(later).is_some());
    }

    #[test]
    fn requests_are_paced_by_the_subscription_they_name() {
        let named = |path| subscription_of(path).to_ascii_lowercase();
        assert_eq!(named("/subscriptions/AbC/resourceGroups/rg/x"), "abc");
        assert_eq!(
            named("https://management.azure.com/SUBSCRIPTIONS/s1/providers/p?api-version=1"),
            "s1"
        );
        assert_eq!(named("/subscriptions/s2?api-version=1"), "s2");
        assert_eq!(
            named("/providers/Microsoft.MachineLearningServices/operations"),
            ""
        );
        let pacer = RequestPacer::new(ClientRateLimits {
            read_burst: 2.0,
            read_per_second: 0.001,
            ..ClientRateLimits::default()
        });
        let bucket = |path| pacer.buckets(subscription_of(path));
        let now = Instant::now();
        // s1 spends its burst of two reads; S1 is the same subscription.
        for path in ["/subscriptions/s1/a", "/subscriptions/S1/b"] {
            assert_eq!(lock(&bucket(path).reads).take(now), None, "{path}");
        }
        assert!(
            lock(&bucket("/subscriptions/s1/c").reads)
                .take(now)
                .is_some()
        );
        // s2 still has its own burst, and s1's writes are untouched.
        assert_eq!(lock(&bucket("/subscriptions/s2/a").reads).take(now), None);
        assert_eq!(lock(&bucket("/subscriptions/s1/a").writes).take(now), None);
    }
}
