//! `cargo bench -p amlform-cli --bench remote_state`: `amlform apply` of 1,000 clusters (half
//! depending on another) on the `azurerm` backend in Azurite, with the embedded emulator and
//! no provisioning delay, so the state's commits are most of the work. Prints the time, the
//! bytes and the change sets per write in ten windows from the first write to the last (two
//! change sets per operation: its intent, then its result; a group commit writes those that
//! are ready together): time and bytes should be flat, since a commit appends what it changed
//! and never rewrites the state. Needs Azurite (`.ci/run` installs it).

#![allow(clippy::print_stdout)] // a benchmark reports by printing

use std::process::Command;
use std::time::Instant;

use amlform_test_support::{AZURITE_ACCOUNT, AZURITE_KEY, Azurite};

const COMPUTES: usize = 1_000;

fn main() {
    let Some(azurite) = Azurite::start("the remote_state benchmark") else {
        return;
    };
    azurite.state("bench", "bench.amlstate");
    let temp = amlform_test_support::scratch("bench-remote");
    let dir = temp.path();
    let mut config = format!(
        "backend \"azurerm\" {{\n  storage_account_name = \"{AZURITE_ACCOUNT}\"\n  container_name = \"bench\"\n  key = \"bench.amlstate\"\n  endpoint = \"{}\"\n}}\n\nworkspace \"dev\" {{\n  name = \"ml-bench\"\n  resource_group = \"rg\"\n  location = \"eastus\"\n  endpoint = \"embedded\"\n}}\n",
        azurite.endpoint
    );
    for n in 0..COMPUTES {
        let depends = if n >= COMPUTES / 2 {
            format!("  depends_on = [aml_compute.c{}]\n", n - COMPUTES / 2)
        } else {
            String::new()
        };
        config.push_str(&format!(
            "aml_compute \"c{n}\" {{\n  name = \"c{n}\"\n  vm_size = \"STANDARD_D2_V2\"\n  max_nodes = 1\n{depends}}}\n"
        ));
    }
    std::fs::write(dir.join("main.aml.hcl"), config).unwrap();
    let amlform = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_amlform"))
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("ARM_ACCESS_KEY", AZURITE_KEY)
            .env("AMLFORM_TIMINGS", "1")
            .env(
                "AMLFORM_EMBEDDED_EMULATOR",
                "--no-rate-limits --family-quota 1000000000",
            )
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    amlform(&["init"]);
    let started = Instant::now();
    let stderr = amlform(&["apply", "-auto-approve"]);
    println!(
        "amlform apply of {COMPUTES} computes on the azurerm backend (Azurite), release binary + embedded emulator: {:.2}s",
        started.elapsed().as_secs_f64()
    );
    println!(
        "{:>13} {:>14} {:>16} {:>18}",
        "writes", "per write", "bytes per write", "changes per write"
    );
    for line in stderr.lines() {
        if let Some(window) = line.strip_prefix("timing remote_commits ") {
            let parts: Vec<&str> = window.split_whitespace().collect();
            println!(
                "{:>13} {:>14} {:>16} {:>18}",
                parts[0], parts[1], parts[2], parts[3]
            );
        }
    }
}
