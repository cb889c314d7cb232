//! Phase timings for `AMLFORM_TIMINGS=1`: where a command's time goes, its peak memory and
//! the requests it sent, printed to stderr so benchmarks and curious users can see them.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Timings {
    enabled: bool,
    last: Instant,
    /// Each phase's time, and the peak memory when it ended (where to look for it).
    phases: Vec<(&'static str, Duration, Option<u64>)>,
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
        let peak = self.enabled.then(peak_rss_kib).flatten();
        self.phases.push((name, now - self.last, peak));
        self.last = now;
    }

    pub fn report(&self) {
        if !self.enabled {
            return;
        }
        for (name, duration, _) in &self.phases {
            eprintln!("timing {name} {:.3}ms", duration.as_secs_f64() * 1000.0);
        }
        for (name, _, peak) in &self.phases {
            if let Some(peak) = peak {
                eprintln!("timing peak_rss_kib_after_{name} {peak}");
            }
        }
        if let Some(peak) = peak_rss_kib() {
            eprintln!("timing peak_rss_kib {peak}");
        }
        let (reads, writes) = amlform_azure::requests_sent();
        eprintln!("timing requests_read {reads}");
        eprintln!("timing requests_write {writes}");
        // A remote state's writes in ten windows, first to last (time, bytes and change sets
        // per write: a group commit writes several): flat when a commit writes only what it
        // changed.
        let commits = amlform_remote_state::commit_log();
        let window = commits.len().div_ceil(10).max(1);
        for (index, part) in commits.chunks(window).enumerate() {
            let count = part.len() as f64;
            let millis: f64 = part.iter().map(|c| c.elapsed.as_secs_f64() * 1000.0).sum();
            let bytes: u64 = part.iter().map(|c| c.bytes_written).sum();
            let changes: u64 = part.iter().map(|c| c.changes).sum();
            eprintln!(
                "timing remote_commits {}-{} {:.3}ms {:.0}B {:.2}",
                index * window + 1,
                index * window + part.len(),
                millis / count,
                bytes as f64 / count,
                changes as f64 / count
            );
        }
    }
}

/// The process's peak resident memory, where the platform says (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
