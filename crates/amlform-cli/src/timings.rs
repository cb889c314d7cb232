//! Phase timings for `AMLFORM_TIMINGS=1`: where a command's time goes, and its peak memory,
//! printed to stderr so benchmarks and curious users can see them.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Timings {
    enabled: bool,
    last: Instant,
    phases: Vec<(&'static str, Duration)>,
}

impl Timings {
    pub fn start() -> Timings {
        Timings {
            enabled: std::env::var_os("AMLFORM_TIMINGS").is_some(),
            last: Instant::now(),
            phases: Vec::new(),
        }
    }

    /// Ends the phase running since the last call.
    pub fn phase(&mut self, name: &'static str) {
        let now = Instant::now();
        self.phases.push((name, now - self.last));
        self.last = now;
    }

    pub fn report(&self) {
        if !self.enabled {
            return;
        }
        for (name, duration) in &self.phases {
            eprintln!("timing {name} {:.3}ms", duration.as_secs_f64() * 1000.0);
        }
        if let Some(peak) = peak_rss_kib() {
            eprintln!("timing peak_rss_kib {peak}");
        }
    }
}

/// The process's peak resident memory, where the platform says (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
