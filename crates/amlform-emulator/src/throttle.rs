//! ARM's request throttling: a token bucket per subscription for reads and one for writes.

use std::collections::HashMap;
use std::time::Instant;

/// Bucket sizes and refill rates. The defaults are ARM's published per-subscription limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    pub read_burst: u32,
    pub read_refill_per_second: f64,
    pub write_burst: u32,
    pub write_refill_per_second: f64,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            read_burst: 250,
            read_refill_per_second: 25.0,
            write_burst: 200,
            write_refill_per_second: 10.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestClass {
    Read,
    Write,
}

impl RequestClass {
    /// ARM counts GET and HEAD as reads; PUT, PATCH, DELETE and POST actions as writes.
    pub fn of(method: &axum::http::Method) -> Self {
        if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
            RequestClass::Read
        } else {
            RequestClass::Write
        }
    }

    pub fn remaining_header(self) -> &'static str {
        match self {
            RequestClass::Read => "x-ms-ratelimit-remaining-subscription-reads",
            RequestClass::Write => "x-ms-ratelimit-remaining-subscription-writes",
        }
    }
}

#[derive(Debug)]
struct TokenBucket {
    capacity: f64,
    refill_per_second: f64,
    tokens: f64,
    last_refill: Instant,
}

impl TokenBucket {
    fn new(capacity: u32, refill_per_second: f64, now: Instant) -> Self {
        TokenBucket {
            capacity: f64::from(capacity),
            refill_per_second,
            tokens: f64::from(capacity),
            last_refill: now,
        }
    }

    /// Takes a token and returns how many remain, or the whole seconds to wait for one.
    fn take(&mut self, now: Instant) -> Result<u32, u64> {
        let elapsed = now
            .saturating_duration_since(self.last_refill)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.refill_per_second).min(self.capacity);
        self.last_refill = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(self.tokens as u32)
        } else {
            let wait = (1.0 - self.tokens) / self.refill_per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// The buckets of every subscription seen so far.
#[derive(Debug)]
pub struct Throttle {
    limits: RateLimits,
    buckets: HashMap<(String, bool), TokenBucket>,
}

impl Throttle {
    pub fn new(limits: RateLimits) -> Self {
        Throttle {
            limits,
            buckets: HashMap::new(),
        }
    }

    /// `Ok(remaining)` to let the request through, `Err(retry_after_seconds)` to answer 429.
    pub fn admit(
        &mut self,
        subscription: &str,
        class: RequestClass,
        now: Instant,
    ) -> Result<u32, u64> {
        let limits = self.limits;
        let is_write = class == RequestClass::Write;
        self.buckets
            .entry((subscription.to_ascii_lowercase(), is_write))
            .or_insert_with(|| match class {
                RequestClass::Read => {
                    TokenBucket::new(limits.read_burst, limits.read_refill_per_second, now)
                }
                RequestClass::Write => {
                    TokenBucket::new(limits.write_burst, limits.write_refill_per_second, now)
                }
            })
            .take(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_drains_then_refills_at_the_rate() {
        let start = Instant::now();
        let mut throttle = Throttle::new(RateLimits::default());
        for expected in (0..250).rev() {
            assert_eq!(
                throttle.admit("sub", RequestClass::Read, start),
                Ok(expected)
            );
        }
        assert_eq!(throttle.admit("sub", RequestClass::Read, start), Err(1));
        // Writes and other subscriptions have their own buckets.
        assert_eq!(throttle.admit("sub", RequestClass::Write, start), Ok(199));
        assert_eq!(throttle.admit("other", RequestClass::Read, start), Ok(249));
        // 25 reads per second come back: after 200 ms, 5 tokens.
        let later = start + Duration::from_millis(200);
        for _ in 0..5 {
            assert!(throttle.admit("sub", RequestClass::Read, later).is_ok());
        }
        assert!(throttle.admit("sub", RequestClass::Read, later).is_err());
    }

    #[test]
    fn retry_after_covers_a_slow_refill() {
        let start = Instant::now();
        let mut throttle = Throttle::new(RateLimits {
            write_burst: 1,
            write_refill_per_second: 0.25,
            ..RateLimits::default()
        });
        assert!(throttle.admit("s", RequestClass::Write, start).is_ok());
        assert_eq!(throttle.admit("s", RequestClass::Write, start), Err(4));
    }
}
