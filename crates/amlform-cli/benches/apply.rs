//! `cargo bench -p amlform-cli --bench apply`: `amlform apply` (release binary, embedded
//! emulator, no rate limits) of independent clusters from an empty state:
//! - 1,000 and 5,000 with no provisioning delay: amlform's own cost per compute (two state
//!   commits, a PUT and a poll each), which should grow linearly;
//! - 100 with 2 s provisioning at parallelism 10: ideally 10 waves of 2 s = 20 s;
//! - 1,000 over 10 subscriptions with ARM's limits on (the emulator's per-subscription buckets,
//!   and the client's pacing by them) and off: pacing each subscription on its own buckets
//!   should cost little.
//!
//! Prints the apply phase, the whole command, the peak memory and the requests per compute
//! (reads, the budget ARM limits most, and writes) of each.

#![allow(clippy::print_stdout)] // a benchmark reports by printing

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

fn main() {
    println!("amlform apply from an empty state, release binary + embedded emulator");
    println!(
        "{:>9} {:>13} {:>11} {:>11} {:>7} {:>10} {:>12} {:>10} {:>9} {:>12}",
        "computes",
        "subscriptions",
        "parallelism",
        "provision",
        "limits",
        "apply",
        "per compute",
        "command",
        "peak RSS",
        "reads/writes"
    );
    let only = std::env::var("AMLFORM_BENCH_ONLY").ok();
    for (computes, subscriptions, parallelism, delay, limits) in [
        (1_000, 1, 10, "0s", false),
        (1_000, 1, 50, "0s", false),
        (5_000, 1, 10, "0s", false),
        (5_000, 1, 50, "0s", false),
        (100, 1, 10, "2s", false),
        (1_000, 10, 10, "0s", false),
        (1_000, 10, 10, "0s", true),
    ] {
        if only
            .as_deref()
            .is_some_and(|only| only != computes.to_string())
        {
            continue;
        }
        let dir = prepare(computes, subscriptions);
        let limits_flag = if limits { "" } else { "--no-rate-limits " };
        let started = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_amlform"))
            .arg("-C")
            .arg(&dir)
            .args(["apply", "--auto-approve", "--parallelism"])
            .arg(parallelism.to_string())
            .env("AMLFORM_TIMINGS", "1")
            .env(
                "AMLFORM_EMBEDDED_EMULATOR",
                format!("{limits_flag}--family-quota 1000000000 --provisioning-delay {delay}"),
            )
            .output()
            .unwrap();
        let command = started.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        );
        let timing = |name: &str| -> f64 {
            stderr
                .lines()
                .find_map(|line| line.strip_prefix(&format!("timing {name} ")))
                .and_then(|value| value.trim_end_matches("ms").parse().ok())
                .unwrap_or(f64::NAN)
        };
        let apply_ms = timing("apply");
        let limits = if limits { "on" } else { "off" };
        println!(
            "{computes:>9} {subscriptions:>13} {parallelism:>11} {delay:>11} {limits:>7} {:>8.2}s {:>10.2}ms {:>8.2}s {:>7.1}MiB {:>5.2}/{:<5.2}",
            apply_ms / 1000.0,
            apply_ms / computes as f64,
            command.as_secs_f64(),
            timing("peak_rss_kib") / 1024.0,
            timing("requests_read") / computes as f64,
            timing("requests_write") / computes as f64,
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// `computes` independent clusters over 10 workspaces in `subscriptions` subscriptions,
/// nothing applied yet.
fn prepare(computes: usize, subscriptions: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "amlform-bench-apply-{computes}-{subscriptions}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let workspaces = 10;
    let mut config = String::new();
    for workspace in 0..workspaces {
        config.push_str(&format!(
            "workspace \"ws{workspace}\" {{\n  subscription_id = \"{:08}-0000-0000-0000-000000000000\"\n  name            = \"ml-ws{workspace}\"\n  resource_group  = \"ml-rg\"\n  location        = \"eastus\"\n  endpoint        = \"embedded\"\n}}\n\n",
            workspace % subscriptions
        ));
    }
    for index in 0..computes {
        config.push_str(&format!(
            "aml_compute \"c{index}\" {{\n  workspace = workspace.ws{}\n  name      = \"c{index}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}}\n\n",
            index % workspaces
        ));
    }
    std::fs::write(dir.join("main.aml.hcl"), config).unwrap();
    dir
}
