//! `cargo bench -p amlform-cli --bench versus_terraform`: amlform beside Terraform in the same
//! run, on the same shape (half the resources depending on another), whole commands timed:
//! - apply of 1,000 computes (release binary, embedded emulator, instant, no rate limits) vs
//!   Terraform's apply of 1,000 `terraform_data`;
//! - the same at 5,000 (Terraform's part takes about 7 minutes here, its state rewrite being
//!   quadratic: it runs with `AMLFORM_BENCH_TERRAFORM_LARGE=1`);
//! - a no-change plan of 5,000 (amlform against a standalone emulator, so the service's work is
//!   another process) vs Terraform's no-change plan of 5,000 `terraform_data` (its state
//!   written directly), median of 3.
//!
//! Terraform rows need `terraform` on the PATH (no provider download: `terraform_data` is
//! built in); without it they say so.

#![allow(clippy::print_stdout)] // a benchmark reports by printing

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 3;

fn main() {
    let installed = Command::new("terraform")
        .arg("version")
        .output()
        .is_ok_and(|output| output.status.success());
    let large = std::env::var_os("AMLFORM_BENCH_TERRAFORM_LARGE").is_some();
    println!("amlform beside Terraform 1.x, whole commands, same run");
    println!(
        "{:<34} {:>10} {:>10} {:>8}",
        "what", "amlform", "terraform", "ratio"
    );
    for computes in [1_000, 5_000] {
        let amlform = amlform_apply(computes);
        let theirs = (installed && (computes <= 1_000 || large)).then(|| terraform_apply(computes));
        row(
            &format!("apply of {computes} (instant service)"),
            amlform,
            theirs,
        );
    }
    let amlform = amlform_no_change_plan(5_000);
    let theirs = installed.then(|| terraform_no_change_plan(5_000));
    row("no-change plan of 5000", amlform, theirs);
    if !installed {
        println!("(terraform is not on the PATH: its rows are skipped)");
    } else if !large {
        println!("(AMLFORM_BENCH_TERRAFORM_LARGE=1 runs Terraform's apply of 5000 too)");
    }
}

fn row(what: &str, amlform: Duration, terraform: Option<Duration>) {
    let (theirs, ratio) = match terraform {
        Some(terraform) => (
            format!("{:.2}s", terraform.as_secs_f64()),
            format!("{:.1}x", terraform.as_secs_f64() / amlform.as_secs_f64()),
        ),
        None => ("-".to_owned(), "-".to_owned()),
    };
    println!(
        "{what:<34} {:>9.3}s {theirs:>10} {ratio:>8}",
        amlform.as_secs_f64()
    );
}

/// `computes` clusters, the second half each depending on one of the first.
fn amlform_config(workspace: &str, computes: usize) -> String {
    let mut text = workspace.to_owned();
    for n in 0..computes {
        let depends = if n >= computes / 2 {
            format!("  depends_on = [aml_compute.c{}]\n", n - computes / 2)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "aml_compute \"c{n}\" {{\n  name      = \"c{n}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n{depends}}}\n"
        ));
    }
    text
}

fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("amlform-bench-{name}-"))
        .tempdir()
        .unwrap()
}

fn run(command: &mut Command) -> Duration {
    let started = Instant::now();
    let output = command.output().unwrap();
    let took = started.elapsed();
    // Exit 0 only: a no-change plan that found changes (2) would measure something else.
    assert!(
        output.status.success(),
        "{:?}: {}\n{}",
        command,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    took
}

fn amlform(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amlform"));
    command
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("AMLFORM_ACCESS_TOKEN", "t")
        .env(
            "AMLFORM_EMBEDDED_EMULATOR",
            "--no-rate-limits --family-quota 1000000000",
        );
    command
}

fn amlform_apply(computes: usize) -> Duration {
    let temp = scratch("amlform-apply");
    let workspace = "workspace \"dev\" {\n  name           = \"ml-bench\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}\n";
    std::fs::write(
        temp.path().join("main.aml.hcl"),
        amlform_config(workspace, computes),
    )
    .unwrap();
    run(&mut amlform(
        temp.path(),
        &["apply", "-auto-approve", "-no-color"],
    ))
}

/// The no-change plan against `amlform emulator serve` (HTTP): everything is applied on the
/// embedded emulator (unpaced), whose persisted world the standalone one then serves.
fn amlform_no_change_plan(computes: usize) -> Duration {
    let temp = scratch("amlform-plan");
    let config = |endpoint: &str| {
        let workspace = format!(
            "workspace \"dev\" {{\n  name           = \"ml-bench\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"{endpoint}\"\n}}\n"
        );
        std::fs::write(
            temp.path().join("main.aml.hcl"),
            amlform_config(&workspace, computes),
        )
        .unwrap();
    };
    config("embedded");
    run(&mut amlform(
        temp.path(),
        &["apply", "-auto-approve", "-no-color"],
    ));
    let mut server = Command::new(env!("CARGO_BIN_EXE_amlform"))
        .args([
            "emulator",
            "serve",
            "--port",
            "0",
            "--http-port",
            "0",
            "--no-rate-limits",
            "--family-quota",
            "1000000000",
            "--state-dir",
        ])
        .arg(temp.path().join(".amlform/emulator"))
        .arg("--tls-dir")
        .arg(temp.path().join("tls"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let http = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("http://")
                .nth(1)
                .map(str::trim)
                .map(str::to_owned)
        })
        .expect("the emulator says where it listens");
    std::thread::spawn(move || lines.for_each(drop));
    config(&format!("http://{http}"));
    let took = median(|| {
        run(&mut amlform(
            temp.path(),
            &["plan", "-detailed-exitcode", "-no-color"],
        ))
    });
    let _ = server.kill();
    let _ = server.wait();
    took
}

fn median(mut measure: impl FnMut() -> Duration) -> Duration {
    let mut runs: Vec<Duration> = (0..RUNS).map(|_| measure()).collect();
    runs.sort();
    runs[RUNS / 2]
}

/// `computes` `terraform_data`, the second half each depending on one of the first.
fn terraform_config(computes: usize) -> String {
    (0..computes)
        .map(|n| {
            let depends = if n >= computes / 2 {
                format!("  depends_on = [terraform_data.r{}]\n", n - computes / 2)
            } else {
                String::new()
            };
            format!("resource \"terraform_data\" \"r{n}\" {{\n{depends}}}\n")
        })
        .collect()
}

fn terraform(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new("terraform");
    command
        .current_dir(dir)
        .args(args)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("TF_IN_AUTOMATION", "1");
    command
}

fn terraform_apply(computes: usize) -> Duration {
    let temp = scratch("terraform-apply");
    std::fs::write(temp.path().join("main.tf"), terraform_config(computes)).unwrap();
    run(&mut terraform(temp.path(), &["init", "-input=false"]));
    run(&mut terraform(
        temp.path(),
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    ))
}

/// Terraform's no-change plan, with a state of `computes` written as Terraform writes it.
fn terraform_no_change_plan(computes: usize) -> Duration {
    let temp = scratch("terraform-plan");
    std::fs::write(temp.path().join("main.tf"), terraform_config(computes)).unwrap();
    let resources: Vec<serde_json::Value> = (0..computes)
        .map(|n| {
            let dependencies: Vec<String> = (n >= computes / 2)
                .then(|| format!("terraform_data.r{}", n - computes / 2))
                .into_iter()
                .collect();
            serde_json::json!({
                "mode": "managed",
                "type": "terraform_data",
                "name": format!("r{n}"),
                "provider": "provider[\"terraform.io/builtin/terraform\"]",
                "instances": [{
                    "schema_version": 0,
                    "attributes": {
                        "id": format!("00000000-0000-4000-8000-{n:012}"),
                        "input": null,
                        "output": null,
                        "triggers_replace": null
                    },
                    "sensitive_attributes": [],
                    "dependencies": dependencies
                }]
            })
        })
        .collect();
    let state = serde_json::json!({
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "6f1f6a52-6c39-4b0f-9c1b-6e1f0d3a7b2c",
        "outputs": {},
        "resources": resources,
        "check_results": null
    });
    std::fs::write(
        temp.path().join("terraform.tfstate"),
        serde_json::to_vec(&state).unwrap(),
    )
    .unwrap();
    run(&mut terraform(temp.path(), &["init", "-input=false"]));
    median(|| {
        run(&mut terraform(
            temp.path(),
            &["plan", "-input=false", "-detailed-exitcode", "-no-color"],
        ))
    })
}
