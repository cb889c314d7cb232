//! `amlform plan` with no changes on large states, end to end (the release binary against
//! its embedded emulator): time per phase and peak memory, with ARM's rate limits on and off.
//!
//! `cargo bench -p amlform-cli --bench plan` (`AMLFORM_BENCH_KEEP=1` keeps the directories, to
//! profile `amlform plan` in them).

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use amlform_emulator::Emulator;
use amlform_state::{ChangeSet, LocalStore, RecordStatus, StateRecord, StateStore};
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

const RUNS: usize = 5;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("amlform plan, no changes, release binary + embedded emulator, median of {RUNS} runs");
    println!(
        "{:>9} {:>10} {:>7} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9} {:>10}",
        "computes",
        "workspaces",
        "limits",
        "load",
        "state",
        "refresh",
        "diff",
        "render",
        "engine",
        "peak RSS"
    );
    for (computes, workspaces) in [(1_000, 50), (5_000, 50), (5_000, 5)] {
        let dir = runtime.block_on(prepare(computes, workspaces));
        for limits in ["on", "off", "standalone"] {
            let phases = if limits == "standalone" {
                runtime.block_on(measure_standalone(&dir))
            } else {
                measure(&dir, limits)
            };
            let ms = |name: &str| phases.get(name).copied().unwrap_or(f64::NAN);
            let engine = ms("load") + ms("state") + ms("diff") + ms("render");
            println!(
                "{computes:>9} {workspaces:>10} {limits:>7} {:>7.1}ms {:>7.1}ms {:>7.1}ms {:>6.1}ms {:>6.1}ms {:>7.1}ms {:>7.1}MiB",
                ms("load"),
                ms("state"),
                ms("refresh"),
                ms("diff"),
                ms("render"),
                engine,
                ms("peak_rss_kib") / 1024.0
            );
        }
        if std::env::var_os("AMLFORM_BENCH_KEEP").is_some() {
            println!("kept {}", dir.display());
        } else {
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
    println!(
        "engine = load + state + diff + render; state is the wait for the state, read on a thread while the configuration evaluates; refresh is one paged list per workspace"
    );
}

/// A configuration of `computes` clusters over `workspaces` workspaces, the same computes in
/// the emulator, and the state an apply would have left.
async fn prepare(computes: usize, workspaces: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "amlform-bench-plan-{computes}-{workspaces}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = String::new();
    for workspace in 0..workspaces {
        config.push_str(&format!(
            "workspace \"ws{workspace}\" {{\n  name           = \"ml-ws{workspace}\"\n  resource_group = \"ml-rg\"\n  location       = \"eastus\"\n  subscription_id = \"00000000-0000-0000-0000-000000000000\"\n  endpoint       = \"embedded\"\n}}\n\n"
        ));
    }
    let per_workspace = computes / workspaces;
    for index in 0..computes {
        let workspace = index / per_workspace;
        config.push_str(&format!(
            "aml_compute \"c{index}\" {{\n  workspace = workspace.ws{workspace}\n  name      = \"c{index}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = {}\n}}\n\n",
            1 + index % 4
        ));
    }
    std::fs::write(dir.join("main.aml.hcl"), config).unwrap();

    let emulator = Emulator::builder()
        .without_rate_limits()
        .family_quota(u64::MAX / 2)
        .persist_in(dir.join(".amlform/emulator"))
        .build()
        .unwrap();
    let router = emulator.router();
    let subscription = "00000000-0000-0000-0000-000000000000";
    for index in 0..computes {
        let workspace = index / per_workspace;
        let path = format!(
            "/subscriptions/{subscription}/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws{workspace}/computes/c{index}?api-version=2024-10-01"
        );
        let body = json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {"vmSize": "STANDARD_D2_V2", "scaleSettings": {"maxNodeCount": 1 + index % 4}}}});
        let request = Request::put(path)
            .header("authorization", "Bearer bench")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert!(
            response.status().is_success(),
            "seeding c{index}: {}",
            response.status()
        );
        response.into_body().collect().await.unwrap();
    }
    let mut records = Vec::new();
    for resource in emulator.computes() {
        let remote = amlform_azure::remote_compute(&resource);
        let id = resource["id"].as_str().unwrap();
        let workspace = id
            .split("/workspaces/ml-ws")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        records.push(StateRecord {
            address: format!("aml_compute.{}", remote.name),
            kind: "aml_compute".to_owned(),
            workspace: format!("ws{workspace}"),
            arm_id: Some(remote.arm_id.clone()),
            attributes: remote.owned_attributes(),
            dependencies: vec![],
            secret_fingerprints: BTreeMap::new(),
            status: RecordStatus::Ready,
        });
    }
    drop(emulator);
    let mut store = LocalStore::open(&dir.join(".amlform/state"), "bench", Duration::ZERO).unwrap();
    store
        .commit(ChangeSet {
            put: records,
            remove: vec![],
            operation: "apply".to_owned(),
        })
        .unwrap();
    dir
}

/// The same plan against the emulator served from this process over HTTP, so the CLI's
/// memory and time are amlform's alone.
async fn measure_standalone(dir: &Path) -> BTreeMap<String, f64> {
    let emulator = Emulator::builder()
        .without_rate_limits()
        .persist_in(dir.join(".amlform/emulator"))
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(axum::serve(listener, emulator.router()).into_future());
    let config_path = dir.join("main.aml.hcl");
    let embedded = std::fs::read_to_string(&config_path).unwrap();
    std::fs::write(
        &config_path,
        embedded.replace("\"embedded\"", &format!("\"{endpoint}\"")),
    )
    .unwrap();
    let dir = dir.to_owned();
    let phases = tokio::task::spawn_blocking(move || {
        measure_with(&dir, &[("AMLFORM_ACCESS_TOKEN", "bench")])
    })
    .await
    .unwrap();
    std::fs::write(&config_path, embedded).unwrap();
    server.abort();
    phases
}

/// Median of each phase over the runs (milliseconds; peak RSS in KiB).
fn measure(dir: &Path, limits: &str) -> BTreeMap<String, f64> {
    let flags = if limits == "off" {
        "--no-rate-limits"
    } else {
        ""
    };
    measure_with(dir, &[("AMLFORM_EMBEDDED_EMULATOR", flags)])
}

fn measure_with(dir: &Path, env: &[(&str, &str)]) -> BTreeMap<String, f64> {
    let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for _ in 0..RUNS {
        let output = Command::new(env!("CARGO_BIN_EXE_amlform"))
            .arg("-C")
            .arg(dir)
            .args(["plan", "--detailed-exitcode"])
            .env("AMLFORM_TIMINGS", "1")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(0),
            "the plan is not empty:\n{}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        );
        for line in stderr
            .lines()
            .filter_map(|line| line.strip_prefix("timing "))
        {
            let (name, value) = line.split_once(' ').unwrap();
            samples
                .entry(name.to_owned())
                .or_default()
                .push(value.trim_end_matches("ms").parse().unwrap());
        }
    }
    samples
        .into_iter()
        .map(|(name, mut values)| {
            values.sort_by(f64::total_cmp);
            (name, values[values.len() / 2])
        })
        .collect()
}
