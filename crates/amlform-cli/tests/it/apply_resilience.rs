//! Applies that are interrupted or meet a failing service still converge: the CLI killed with
//! SIGKILL at random moments, and an emulator injecting throttling, server errors and failed
//! provisioning. After each, state and service agree exactly: no lost, duplicate or phantom
//! compute.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use amlform_emulator::Emulator;
use amlform_state::{LocalStore, RecordStatus, StateStore};

const WORKSPACE: &str = r#"
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}
"#;

/// 50 clusters. Generation 0: `c0`..`c49`, each `c{10k+j}` depending on `c{10k}`.
/// Generation 1: `c40`..`c49` are gone, `d0`..`d9` are new, and the rest scale up in place.
fn config(generation: u32) -> String {
    let mut text = WORKSPACE.to_owned();
    let mut cluster = |label: String, max_nodes: u32, depends_on: Option<String>| {
        let depends_on = depends_on
            .map(|on| format!("  depends_on = [aml_compute.{on}]\n"))
            .unwrap_or_default();
        text.push_str(&format!(
            "\naml_compute \"{label}\" {{\n  name      = \"{label}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = {max_nodes}\n{depends_on}}}\n"
        ));
    };
    let kept = if generation == 0 { 50 } else { 40 };
    for i in 0..kept {
        let leader = (i % 10 != 0).then(|| format!("c{}", i - i % 10));
        cluster(format!("c{i}"), 1 + generation, leader);
    }
    if generation == 1 {
        for i in 0..10 {
            cluster(format!("d{i}"), 1, None);
        }
    }
    text
}

fn amlform(dir: &Path, args: &[&str]) -> Command {
    crate::cli()
        .env("AMLFORM_EMBEDDED_EMULATOR", "--no-rate-limits")
        .command(dir, args)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    amlform(dir, args).output().unwrap()
}

/// The next apply succeeds, the plan after it is empty, and the state holds exactly the
/// computes the (embedded, persisted) emulator has, each `Ready` with the service's ARM id.
/// True when that apply had to settle records the killed one left pending.
fn assert_converged(dir: &Path, context: &str) -> bool {
    let apply = run(dir, &["apply", "--auto-approve"]);
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{context}: {}",
        amlform_test_support::describe(&apply)
    );
    let plan = run(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{context}: {}",
        amlform_test_support::describe(&plan)
    );
    assert_state_matches_service(dir, context);
    String::from_utf8_lossy(&apply.stderr).contains("an earlier apply was interrupted")
}

fn assert_state_matches_service(dir: &Path, context: &str) {
    let store = LocalStore::open(&dir.join(".amlform/state"), "test", Duration::ZERO).unwrap();
    let state: BTreeMap<String, String> = store
        .records()
        .unwrap()
        .into_iter()
        .map(|record| {
            assert_eq!(
                record.status,
                RecordStatus::Ready,
                "{context}: {}",
                record.address
            );
            (
                record.attributes["name"].as_str().unwrap().to_owned(),
                record.arm_id.unwrap_or_default(),
            )
        })
        .collect();
    let emulator = Emulator::builder()
        .persist_in(dir.join(".amlform/emulator"))
        .build()
        .unwrap();
    let service: BTreeMap<String, String> = emulator
        .computes()
        .into_iter()
        .map(|compute| {
            (
                compute["name"].as_str().unwrap().to_owned(),
                compute["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(state, service, "{context}: state and service differ");
}

/// A small deterministic generator, so a failing run can be repeated from its seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

#[test]
fn an_apply_killed_at_random_moments_always_converges_without_lost_or_duplicate_computes() {
    if !amlform_test_support::slow_tests_enabled(
        "an_apply_killed_at_random_moments_always_converges_without_lost_or_duplicate_computes",
    ) {
        return;
    }
    let temp = amlform_test_support::scratch("crash");
    let dir = temp.path();
    // How long an uninterrupted apply takes here sets the first window for kills; a kill
    // that comes after the apply ended does not count, and narrows the window.
    std::fs::write(dir.join("main.aml.hcl"), config(0)).unwrap();
    let started = Instant::now();
    let first = run(dir, &["apply", "--auto-approve"]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        amlform_test_support::describe(&first)
    );
    let mut window = started.elapsed().as_millis().max(50) as u64;

    let seed = 0x5eed_0001;
    let mut random = Lcg(seed);
    let (mut interrupted, mut reconciled, mut attempts) = (0, 0, 0);
    while interrupted < 20 {
        attempts += 1;
        assert!(
            attempts <= 60,
            "only {interrupted} of {attempts} kills landed during an apply"
        );
        let generation = attempts % 2;
        std::fs::write(dir.join("main.aml.hcl"), config(generation)).unwrap();
        let mut child = amlform(dir, &["apply", "--auto-approve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let kill_after = Duration::from_millis(random.below(window));
        std::thread::sleep(kill_after);
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
        } else {
            window = (window * 3 / 4).max(20);
        }
        // SIGKILL: no handler runs, nothing is flushed that was not already.
        let _ = child.kill();
        child.wait().unwrap();
        let context = format!(
            "attempt {attempts} (seed {seed:#x}), killed after {}ms",
            kill_after.as_millis()
        );
        if assert_converged(dir, &context) {
            reconciled += 1;
        }
    }
    println!(
        "20 applies killed while running ({attempts} attempts), {reconciled} of them between a request's intent and its result (last window {window}ms, seed {seed:#x})"
    );
}

#[test]
fn an_apply_against_a_failing_service_converges_within_three_runs() {
    if !amlform_test_support::slow_tests_enabled(
        "an_apply_against_a_failing_service_converges_within_three_runs",
    ) {
        return;
    }
    let temp = amlform_test_support::scratch("faults");
    let dir = temp.path();
    std::fs::write(dir.join("main.aml.hcl"), config(0)).unwrap();
    // 10% of requests answered 429 or 500, 5% of provisionings ending Failed.
    let flaky = "--no-rate-limits --fail-429 0.05 --fail-500 0.05 --fail-provisioning 0.05";
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let apply = amlform(dir, &["apply", "--auto-approve"])
            .env("AMLFORM_EMBEDDED_EMULATOR", flaky)
            .output()
            .unwrap();
        let failed = String::from_utf8_lossy(&apply.stdout)
            .lines()
            .filter(|line| line.contains(": failed: "))
            .count();
        let reasons: Vec<String> = String::from_utf8_lossy(&apply.stdout)
            .lines()
            .filter(|line| line.contains(": failed: "))
            .map(str::to_owned)
            .collect();
        outcomes.push(format!(
            "exit {:?}, {failed} failed {reasons:?}",
            apply.status.code()
        ));
        if apply.status.code() == Some(0) {
            break;
        }
        assert_eq!(
            apply.status.code(),
            Some(1),
            "{}",
            amlform_test_support::describe(&apply)
        );
    }
    println!("runs: {}", outcomes.join("; "));
    assert!(
        outcomes.last().unwrap().starts_with("exit Some(0)"),
        "no convergence within 3 runs: {outcomes:?}"
    );
    // On a healthy service: nothing left to do, and nothing more or less than configured.
    let plan = run(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        amlform_test_support::describe(&plan)
    );
    assert_state_matches_service(dir, "after the flaky applies");
    let store = LocalStore::open(&dir.join(".amlform/state"), "test", Duration::ZERO).unwrap();
    assert_eq!(store.records().unwrap().len(), 50);
    drop(store);
}

/// Starts an apply of generation 0 at parallelism 2 on a service that takes a second to
/// provision, and sends it SIGINT `interrupts` times once two creations are in flight.
fn interrupted_apply(dir: &Path, interrupts: usize) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut child = amlform(dir, &["apply", "--auto-approve", "--parallelism", "2"])
        .env(
            "AMLFORM_EMBEDDED_EMULATOR",
            "--no-rate-limits --provisioning-delay 1s",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while seen.matches(": Creating...").count() < 2 {
        line.clear();
        assert_ne!(
            stdout.read_line(&mut line).unwrap(),
            0,
            "ended early: {seen}"
        );
        seen.push_str(&line);
    }
    for _ in 0..interrupts {
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        std::thread::sleep(Duration::from_millis(200));
    }
    stdout.read_to_string(&mut seen).unwrap();
    (child.wait().unwrap().code(), seen)
}

fn statuses(dir: &Path) -> Vec<RecordStatus> {
    let store = LocalStore::open(&dir.join(".amlform/state"), "test", Duration::ZERO).unwrap();
    store
        .records()
        .unwrap()
        .into_iter()
        .map(|record| record.status)
        .collect()
}

#[test]
fn ctrl_c_lets_operations_in_flight_finish_and_twice_stops_waiting_for_them() {
    if !amlform_test_support::slow_tests_enabled(
        "ctrl_c_lets_operations_in_flight_finish_and_twice_stops_waiting_for_them",
    ) {
        return;
    }
    let temp = amlform_test_support::scratch("interrupt");
    let dir = temp.path();
    std::fs::write(dir.join("main.aml.hcl"), config(0)).unwrap();

    let (code, stdout) = interrupted_apply(dir, 1);
    assert_eq!(code, Some(1), "{stdout}");
    assert_eq!(
        stdout.matches("Creation complete after").count(),
        2,
        "{stdout}"
    );
    assert!(
        stdout.contains("Apply interrupted: 2 added, 0 changed, 0 destroyed; 0 failed, 48 not started, 0 abandoned"),
        "{stdout}"
    );
    assert_eq!(statuses(dir), vec![RecordStatus::Ready; 2]);

    let (code, stdout) = interrupted_apply(dir, 2);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("2 abandoned while in flight"), "{stdout}");
    let pending = statuses(dir)
        .into_iter()
        .filter(|status| matches!(status, RecordStatus::Pending { .. }))
        .count();
    assert_eq!(pending, 2, "the abandoned operations stay recorded");

    assert_converged(dir, "after the interrupts");
}

/// A kill while the service is still creating a compute: the next apply waits for that
/// operation to end before recording the compute, so the change after it meets no
/// `409 AnotherOperationInProgress`.
#[test]
fn the_apply_after_a_kill_waits_for_the_operation_it_left_running() {
    if !amlform_test_support::slow_tests_enabled(
        "the_apply_after_a_kill_waits_for_the_operation_it_left_running",
    ) {
        return;
    }
    use std::io::{BufRead, BufReader};
    let temp = amlform_test_support::scratch("adopt-running");
    let dir = temp.path();
    let cluster = |max_nodes: u32| {
        format!(
            "workspace \"dev\" {{\n  name           = \"ml-dev\"\n  resource_group = \"ml-rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}}\n\naml_compute \"cpu\" {{\n  name      = \"cpu\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = {max_nodes}\n}}\n"
        )
    };
    std::fs::write(dir.join("main.aml.hcl"), cluster(2)).unwrap();
    let slow = "--no-rate-limits --provisioning-delay 4s";
    let mut child = amlform(dir, &["apply", "--auto-approve"])
        .env("AMLFORM_EMBEDDED_EMULATOR", slow)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("Creating...") {
        line.clear();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "ended early");
    }
    // The PUT is on its way; give it a moment to land, then kill.
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        statuses(dir)
            .iter()
            .any(|status| matches!(status, RecordStatus::Pending { .. })),
        "the kill left the creation pending"
    );

    std::fs::write(dir.join("main.aml.hcl"), cluster(3)).unwrap();
    let apply = amlform(dir, &["apply", "--auto-approve"])
        .env("AMLFORM_EMBEDDED_EMULATOR", slow)
        .output()
        .unwrap();
    assert_eq!(
        apply.status.code(),
        Some(0),
        "{}",
        amlform_test_support::describe(&apply)
    );
    assert!(
        String::from_utf8_lossy(&apply.stderr).contains("waiting for 1 operation(s)"),
        "{}",
        amlform_test_support::describe(&apply)
    );
    let plan = run(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}",
        amlform_test_support::describe(&plan)
    );
    assert_state_matches_service(dir, "after waiting");
}
