//! A client-side token bucket per kind of request, matching ARM's per-subscription limits,
//! so a big apply paces itself instead of storming into 429s. A request waits for a token;
//! the service's own 429 + `Retry-After` stays the backstop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use tokio::sync::Mutex;

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

#[derive(Debug, Clone)]
pub struct RequestPacer {
    reads: Arc<Mutex<Bucket>>,
    writes: Arc<Mutex<Bucket>>,
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
            reads: Arc::new(Mutex::new(Bucket::new(
                limits.read_burst,
                limits.read_per_second,
            ))),
            writes: Arc::new(Mutex::new(Bucket::new(
                limits.write_burst,
                limits.write_per_second,
            ))),
        }
    }

    /// Waits until a request of this method may go.
    pub async fn wait_turn(&self, method: &Method) {
        let bucket = if method == Method::GET {
            &self.reads
        } else {
            &self.writes
        };
        loop {
            let wait = bucket.lock().await.take(Instant::now());
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }
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
}
