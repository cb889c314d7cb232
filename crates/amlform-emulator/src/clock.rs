//! [`Clock`]: the emulator's time, as milliseconds since the Unix epoch (and as ARM's ISO 8601
//! timestamps). The wall clock, or a manual one a test moves, so operations that take an hour
//! and throttling windows are tested without waiting for them.
//!
//! Wall-clock rather than monotonic time because operation deadlines are persisted and must
//! still mean something to the next process that opens the same state directory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The wall clock's milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// Where the emulator reads the time: the wall clock (the default), or a manual clock that
/// moves only when told to ([`Clock::advance`]). Clones share one time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<Arc<ManualTime>>,
}

#[derive(Debug)]
struct ManualTime {
    /// Milliseconds since the epoch at the start, and the instant that stands for it.
    start_ms: u64,
    start: Instant,
    elapsed_ms: AtomicU64,
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock that starts at the wall clock's time and moves only by [`Clock::advance`].
    pub fn manual() -> Clock {
        Clock {
            manual: Some(Arc::new(ManualTime {
                start_ms: now_ms(),
                start: Instant::now(),
                elapsed_ms: AtomicU64::new(0),
            })),
        }
    }

    /// Moves a manual clock forward; the wall clock moves by itself, so it is not told.
    pub fn advance(&self, by: Duration) {
        let manual = self
            .manual
            .as_ref()
            .expect("only a manual clock is advanced");
        (manual.elapsed_ms).fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn now_ms(&self) -> u64 {
        match &self.manual {
            Some(manual) => manual.start_ms + manual.elapsed_ms.load(Ordering::SeqCst),
            None => now_ms(),
        }
    }

    /// The same time as an [`Instant`], for the throttle's token buckets.
    pub fn now_instant(&self) -> Instant {
        match &self.manual {
            Some(manual) => {
                manual.start + Duration::from_millis(manual.elapsed_ms.load(Ordering::SeqCst))
            }
            None => Instant::now(),
        }
    }
}

/// `2021-04-01T22:00:00.0000000+00:00`, the shape the service uses for `createdOn`.
pub fn timestamp(ms: u64) -> String {
    let seconds = ms / 1000;
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let in_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:07}+00:00",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60,
        (ms % 1000) * 10_000
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual();
        let (ms, instant) = (clock.now_ms(), clock.now_instant());
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!((clock.now_ms(), clock.now_instant()), (ms, instant));
        clock.clone().advance(Duration::from_secs(3600));
        assert_eq!(clock.now_ms(), ms + 3_600_000);
        assert_eq!(clock.now_instant(), instant + Duration::from_secs(3600));
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.0000000+00:00");
        // 2021-04-01T22:00:00.123Z
        assert_eq!(
            timestamp(1_617_314_400_123),
            "2021-04-01T22:00:00.1230000+00:00"
        );
        // 2024-02-29T12:34:56Z, a leap day
        assert_eq!(
            timestamp(1_709_210_096_000),
            "2024-02-29T12:34:56.0000000+00:00"
        );
    }
}
