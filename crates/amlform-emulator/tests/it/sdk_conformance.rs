//! The emulator driven by an official SDK no one here wrote: `tests/sdk/conformance.py` runs
//! `azure-mgmt-machinelearningservices` (pinned in `tests/sdk/requirements.txt`) through every
//! compute kind's life against a standalone emulator over HTTPS, under each long-running-
//! operation style. `.ci/run` installs the SDK into `target/sdk-venv` and names its Python in
//! `AMLFORM_SDK_PYTHON`; without it the test says so and passes, except under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

use amlform_emulator::ServeArgs;
use clap::Parser;

#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    serve: ServeArgs,
}

fn sdk_python() -> Option<PathBuf> {
    let python = std::env::var_os("AMLFORM_SDK_PYTHON").map(PathBuf::from);
    match python.filter(|path| path.exists()) {
        Some(path) => Some(path),
        None if std::env::var("CI").is_ok_and(|value| value == "true") => panic!(
            "CI=true but AMLFORM_SDK_PYTHON names no Python with the SDK: .ci/run installs it (python3 -m venv target/sdk-venv && target/sdk-venv/bin/pip install -r crates/amlform-emulator/tests/sdk/requirements.txt)"
        ),
        None => {
            eprintln!(
                "skipped: the SDK conformance test needs AMLFORM_SDK_PYTHON (set by .ci/run, which installs the pinned SDK)"
            );
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_runs_every_kinds_life_in_every_lro_style() {
    let Some(python) = sdk_python() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/conformance.py");
    // The three styles at once: each is its own server and Python process.
    let mut runs = tokio::task::JoinSet::new();
    for style in ["azure-async-operation", "location", "resource"] {
        let (python, script) = (python.clone(), script.clone());
        runs.spawn(async move { conform(style, python, script).await });
    }
    while let Some(run) = runs.join_next().await {
        run.unwrap();
    }
}

/// One style's run of the script against a server of its own; panics with the script's output
/// unless every step passed.
async fn conform(style: &'static str, python: PathBuf, script: PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let args = Args::parse_from([
        "serve",
        "--port",
        "0",
        "--tls-dir",
        temp.path().to_str().unwrap(),
        "--no-rate-limits",
        "--provisioning-delay",
        "50ms",
        "--lro-style",
        style,
    ])
    .serve;
    let (info, stop, server) = common::serve_standalone(args).await;
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .arg(format!("https://localhost:{}", info.https.port()))
            .arg(&info.ca_path)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains(", 0 failed"),
        "{style}: the SDK's run failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("{style}: {}", stdout.lines().last().unwrap_or_default());
}
