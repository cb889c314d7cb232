//! `amlform plan` and `amlform state` end to end, on the embedded emulator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use amlform_state::{ChangeSet, LocalStore, RecordStatus, StateRecord, StateStore};
use serde_json::{Value, json};

fn amlform(dir: &Path, args: &[&str]) -> Output {
    crate::cli().run(dir, args)
}

/// A scratch directory holding `config` as `main.aml.hcl`; removed when dropped.
fn scratch(name: &str, config: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("amlform-cli-{name}-"))
        .tempdir()
        .unwrap();
    std::fs::write(dir.path().join("main.aml.hcl"), config).unwrap();
    dir
}

/// The workspace every test here uses: `ml-dev` on the embedded emulator.
const DEV_WORKSPACE: &str = r#"
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}
"#;

const CONFIG_REST: &str = r#"
variable "token" {
  sensitive = true
  default   = "dapi-canary-secret"
}

aml_compute "cpu" {
  name      = "cpu"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 4
  min_nodes = 1
}

databricks_compute "dbx" {
  name           = "dbx"
  workspace_name = "dbx-ws"
  resource_group = "dbx-rg"
  access_token   = var.token
}
"#;

/// A cluster and an attached Databricks workspace whose token is a canary secret.
fn config() -> String {
    format!("{DEV_WORKSPACE}{CONFIG_REST}")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The embedded emulator of `dir`, with these computes PUT into it (ARM ids and bodies), as if
/// they had been made outside amlform.
fn seed_embedded(dir: &Path, computes: &[(String, Value)]) -> amlform_emulator::Emulator {
    let emulator = amlform_emulator::Emulator::builder()
        .persist_in(dir.join(".amlform/emulator"))
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use tower::ServiceExt;
        for (id, body) in computes {
            let request = axum::http::Request::put(format!("{id}?api-version=2024-10-01"))
                .header("authorization", "Bearer t")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let status = emulator.router().oneshot(request).await.unwrap().status();
            assert!(status.is_success(), "seeding {id}: {status}");
        }
    });
    emulator
}

fn cluster_body(size: &str, max: u64) -> Value {
    json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {"vmSize": size, "scaleSettings": {"maxNodeCount": max}}}})
}

#[test]
fn plan_shows_creates_in_every_form_with_the_detailed_exit_code() {
    let temp = scratch("plan", &config());
    let dir = temp.path();
    let text = amlform(dir, &["plan"]);
    let shown = stdout(&text);
    amlform_test_support::snapshot_settings(dir).bind(|| {
        insta::assert_snapshot!("plan_text", amlform_test_support::describe(&text));
    });

    assert_eq!(
        amlform(dir, &["plan", "--detailed-exitcode"]).status.code(),
        Some(2)
    );

    let json = amlform(dir, &["plan", "--json"]);
    let plan: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        plan["resource_changes"][0]["change"]["actions"],
        json!(["create"])
    );
    assert_eq!(
        plan["resource_changes"][1]["change"]["after_sensitive"]["access_token"],
        true
    );

    let markdown = stdout(&amlform(dir, &["plan", "--markdown"]));
    amlform_test_support::snapshot_settings(dir).bind(|| {
        insta::assert_snapshot!("plan_markdown", markdown);
    });
    for output in [&shown, &json_string(&plan), &markdown] {
        assert!(!output.contains("canary"), "a secret reached the plan");
    }
    // The embedded emulator persisted its world beside the state.
    assert!(dir.join(".amlform/emulator/journal.jsonl").exists());
    assert!(dir.join(".amlform/state").exists());
    for entry in walk(&dir.join(".amlform")) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(6).any(|window| window == b"canary"),
            "{} holds a secret",
            entry.display()
        );
    }
}

fn json_string(value: &Value) -> String {
    value.to_string()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_plan_with_errors_exits_1_and_a_held_lock_is_named() {
    let temp = scratch(
        "plan-errors",
        &config().replace("max_nodes = 4", "max_nodes = \"four\""),
    );
    let dir = temp.path();
    let output = amlform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(1));

    let temp = scratch("plan-locked", &config());
    let dir = temp.path();
    let held = LocalStore::open(&dir.join(".amlform/state"), "apply", Duration::ZERO).unwrap();
    let output = amlform(dir, &["plan"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("locked by") && stderr.contains("`apply`"),
        "{stderr}"
    );
    // A second apply on a held state fails at once, naming the holder, and changes nothing.
    let second = amlform(dir, &["apply", "--auto-approve"]);
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("locked by") && stderr.contains(&format!("pid {}", std::process::id())),
        "{stderr}"
    );
    drop(held);
    assert_eq!(amlform(dir, &["plan"]).status.code(), Some(0));
}

#[test]
fn state_commands_list_show_pull_and_rm_without_secrets() {
    let temp = scratch("state", &config());
    let dir = temp.path();
    {
        let mut store =
            LocalStore::open(&dir.join(".amlform/state"), "test", Duration::ZERO).unwrap();
        let fingerprint = store.fingerprint(b"dapi-canary-secret");
        let record = |address: &str, kind: &str, secrets: BTreeMap<String, String>| StateRecord {
            address: address.to_owned(),
            kind: kind.to_owned(),
            workspace: "dev".to_owned(),
            arm_id: Some(format!(
                "/subscriptions/s/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-dev/computes/{address}"
            )),
            attributes: [("name".to_owned(), json!(address.split('.').nth(1).unwrap()))]
                .into_iter()
                .collect(),
            dependencies: vec![],
            secret_fingerprints: secrets,
            status: RecordStatus::Ready,
        };
        store
            .commit(ChangeSet {
                put: vec![
                    record("aml_compute.cpu", "aml_compute", BTreeMap::new()),
                    record(
                        "databricks_compute.dbx",
                        "databricks_compute",
                        BTreeMap::from([("access_token".to_owned(), fingerprint)]),
                    ),
                ],
                remove: vec![],
                operation: "apply".to_owned(),
            })
            .unwrap();
    }
    assert_eq!(
        stdout(&amlform(dir, &["state", "list"])),
        "aml_compute.cpu\ndatabricks_compute.dbx\n"
    );
    let shown = amlform(dir, &["state", "show", "databricks_compute.dbx"]);
    assert_output_snapshot!("state_show", dir, shown);
    let pulled = stdout(&amlform(dir, &["state", "pull"]));
    assert!(
        !pulled.contains("hmac") && !pulled.contains("canary"),
        "{pulled}"
    );
    amlform_test_support::snapshot_settings(dir).bind(|| {
        insta::assert_snapshot!("state_pull", pulled);
    });
    let pulled: Value = serde_json::from_str(&pulled).unwrap();
    assert_eq!(pulled["serial"], 1);
    assert_eq!(
        pulled["resources"][1]["sensitive_attributes"],
        json!(["access_token"])
    );

    let missing = amlform(dir, &["state", "rm", "aml_compute.nope"]);
    assert_output_snapshot!("state_rm_missing", dir, missing);
    assert_eq!(
        amlform(dir, &["state", "rm", "aml_compute.cpu"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        stdout(&amlform(dir, &["state", "list"])),
        "databricks_compute.dbx\n"
    );
    let moved = amlform(
        dir,
        &[
            "state",
            "mv",
            "databricks_compute.dbx",
            "databricks_compute.spark_jobs",
        ],
    );
    assert_eq!(
        moved.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    assert_eq!(
        stdout(&amlform(dir, &["state", "list"])),
        "databricks_compute.spark_jobs\n"
    );
    let wrong_kind = amlform(
        dir,
        &[
            "state",
            "mv",
            "databricks_compute.spark_jobs",
            "aml_compute.x",
        ],
    );
    assert_output_snapshot!("state_mv_other_kind", dir, wrong_kind);
    let history = stdout(&amlform(dir, &["state", "history"]));
    assert!(
        history.contains("state rm") && history.contains("state mv") && history.contains("apply"),
        "{history}"
    );
}

#[test]
fn a_saved_plan_shows_again_and_holds_no_secret() {
    let temp = scratch("saved-plan", &config());
    let dir = temp.path();
    let planned = amlform(dir, &["plan", "--out", "changes.plan"]);
    assert_eq!(
        planned.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    let saved = std::fs::read_to_string(dir.join("changes.plan")).unwrap();
    assert!(!saved.contains("canary"), "a secret reached the plan file");
    let shown = amlform(dir, &["show", "changes.plan"]);
    assert_eq!(
        stdout(&shown),
        stdout(&planned),
        "show renders what plan printed"
    );
    let json: Value =
        serde_json::from_slice(&amlform(dir, &["show", "changes.plan", "--json"]).stdout).unwrap();
    assert_eq!(json["summary"]["add"], 2);
    let not_a_plan = amlform(dir, &["show", "main.aml.hcl"]);
    assert_eq!(not_a_plan.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&not_a_plan.stderr).contains("not a plan file"));
}

#[test]
fn apply_file_applies_exactly_the_saved_plan_and_refuses_a_stale_one() {
    let temp = scratch("apply-saved", &config());
    let dir = temp.path();
    assert_eq!(
        amlform(dir, &["plan", "--out", "first.plan"]).status.code(),
        Some(0)
    );
    // A plan made before the state changes...
    std::fs::write(
        dir.join("main.aml.hcl"),
        config().replace("max_nodes = 4", "max_nodes = 6"),
    )
    .unwrap();
    assert_eq!(
        amlform(dir, &["plan", "--out", "later.plan"]).status.code(),
        Some(0)
    );
    // ...and one made for another configuration are refused, changing nothing.
    let edited = amlform(dir, &["apply", "first.plan"]);
    assert_eq!(edited.status.code(), Some(1));
    let message = String::from_utf8_lossy(&edited.stderr);
    assert!(message.contains("first.plan is stale"), "{message}");
    assert!(
        message.contains("the configuration files have changed"),
        "{message}"
    );
    assert!(stdout(&amlform(dir, &["state", "list"])).is_empty());

    // The current one applies without asking (stdin is not a terminal here).
    let applied = amlform(dir, &["apply", "later.plan"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(
        stdout(&applied).contains("Apply complete! Resources: 2 added"),
        "{}",
        stdout(&applied)
    );
    assert_eq!(
        amlform(dir, &["plan", "--detailed-exitcode"]).status.code(),
        Some(0)
    );
    let again = amlform(dir, &["apply", "later.plan"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("the state has changed since it was made"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // plan --destroy saves what destroy would do; apply FILE does it.
    assert_eq!(
        amlform(dir, &["plan", "--destroy", "--out", "destroy.plan"])
            .status
            .code(),
        Some(0)
    );
    let destroyed = amlform(dir, &["apply", "destroy.plan"]);
    assert!(
        stdout(&destroyed)
            .contains("Destroy complete! Resources: 0 added, 0 changed, 2 destroyed."),
        "{}",
        stdout(&destroyed)
    );
    assert!(stdout(&amlform(dir, &["state", "list"])).is_empty());
}

#[test]
fn plan_checks_sizes_quota_and_instance_names_with_the_service() {
    let config = r#"
workspace "a" {
  name           = "team-a"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

workspace "b" {
  name           = "team-b"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "typo" {
  workspace = workspace.a
  name      = "typo"
  vm_size   = "Standard_D2_v9"
  max_nodes = 1
}

aml_compute "big" {
  workspace = workspace.a
  name      = "big"
  vm_size   = "STANDARD_NC6"
  max_nodes = 100
}

aml_compute "wide" {
  workspace = workspace.b
  name      = "wide"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 250
}

compute_instance "nb" {
  workspace = workspace.a
  name      = "nb-shared"
  vm_size   = "STANDARD_DS3_V2"
}
"#;
    let temp = scratch("service-checks", config);
    let dir = temp.path();
    // Another workspace of the region already has an instance with that name.
    seed_embedded(
        dir,
        &[(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/team-b/computes/nb-shared".to_owned(),
            json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "STANDARD_DS3_V2"}}}),
        )],
    );
    let output = amlform(dir, &["plan", "--json"]);
    let shown = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{shown}");
    // Errors as diagnostics (the summary, the hint as detail), warnings beside them.
    let document: Value = serde_json::from_str(&shown).unwrap();
    let said = |severity: &str| -> String {
        (document["diagnostics"].as_array().unwrap().iter())
            .filter(|item| item["severity"] == severity)
            .map(|item| format!("{} {}\n", item["summary"], item["detail"]))
            .collect()
    };
    let (errors, warnings) = (said("error"), said("warning"));
    assert!(
        errors.contains("vm_size \\\"Standard_D2_v9\\\" is not offered in eastus"),
        "{errors}"
    );
    assert!(errors.contains("did you mean Standard_D2_v2"), "{errors}");
    assert!(
        errors.contains("\\\"nb-shared\\\" is already used in eastus by workspace b"),
        "{errors}"
    );
    // Each quota once, read from its own row (the workspace's and compute's shares have the
    // same names), naming the subscription and the workspaces whose clusters reach it.
    let subscription = "subscription 00000000-0000-0000-0000-000000000000 in eastus";
    assert!(
        warnings.contains(&format!("workspace a can reach 600 vCPUs of the quota \\\"Standard NC Family Cluster Dedicated vCPUs\\\" of {subscription}, whose limit is 400")),
        "{warnings}"
    );
    assert!(
        warnings.contains(&format!("workspaces a, b can reach 1100 vCPUs of the quota \\\"Total Cluster Dedicated Regional vCPUs\\\" of {subscription}, whose limit is 1000")),
        "{warnings}"
    );
    assert_eq!(
        warnings.matches("vCPUs of the quota").count(),
        3,
        "{warnings}"
    );
}

#[test]
fn refresh_accepts_drift_into_the_state() {
    let config = &format!(
        "{DEV_WORKSPACE}{}",
        r#"
aml_compute "cpu" {
  name      = "cpu"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 4
}

aml_compute "gpu" {
  name      = "gpu"
  vm_size   = "STANDARD_NC6"
  max_nodes = 2
}
"#
    );
    let temp = scratch("refresh", config);
    let dir = temp.path();
    let workspace = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-dev";
    {
        let emulator = seed_embedded(
            dir,
            &[
                (
                    format!("{workspace}/computes/cpu"),
                    cluster_body("STANDARD_D2_V2", 4),
                ),
                (
                    format!("{workspace}/computes/gpu"),
                    cluster_body("STANDARD_NC6", 2),
                ),
            ],
        );
        let mut store =
            LocalStore::open(&dir.join(".amlform/state"), "test", Duration::ZERO).unwrap();
        let records = emulator
            .computes()
            .iter()
            .map(|resource| {
                let remote = amlform_azure::remote_compute(resource);
                StateRecord {
                    address: format!("aml_compute.{}", remote.name),
                    kind: "aml_compute".to_owned(),
                    workspace: "dev".to_owned(),
                    arm_id: Some(remote.arm_id.clone()),
                    attributes: remote.owned_attributes(),
                    dependencies: vec![],
                    secret_fingerprints: BTreeMap::new(),
                    status: RecordStatus::Ready,
                }
            })
            .collect();
        store
            .commit(ChangeSet {
                put: records,
                remove: vec![],
                operation: "apply".to_owned(),
            })
            .unwrap();
        drop(store);
        let in_sync = amlform(dir, &["plan", "--detailed-exitcode"]);
        assert_eq!(
            in_sync.status.code(),
            Some(0),
            "in sync before the drift: {}",
            stdout(&in_sync)
        );
        emulator
            .drift_scale(&format!("{workspace}/computes/cpu"), 0, 9)
            .unwrap();
        emulator
            .drift_delete(&format!("{workspace}/computes/gpu"))
            .unwrap();
    }
    let drift = amlform(dir, &["plan", "--refresh-only", "--detailed-exitcode"]);
    assert_eq!(drift.status.code(), Some(2));
    let shown = stdout(&drift);
    assert!(
        shown.contains("aml_compute.cpu changed outside amlform")
            && shown.contains("max_nodes = 4 -> 9"),
        "{shown}"
    );
    assert!(
        shown.contains("aml_compute.gpu deleted outside amlform"),
        "{shown}"
    );

    // `apply --refresh-only` needs confirmation like any apply; `refresh` is the same without.
    assert_eq!(
        amlform(dir, &["apply", "--refresh-only"]).status.code(),
        Some(1)
    );
    let refreshed = amlform(dir, &["apply", "--refresh-only", "--auto-approve"]);
    assert!(
        stdout(&refreshed).contains("accepts 1 changed and forgets 1 deleted"),
        "{}",
        stdout(&refreshed)
    );
    assert_eq!(
        stdout(&amlform(dir, &["refresh"])).trim(),
        "No changes. The state already matches the service."
    );
    assert_eq!(
        refreshed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&refreshed.stderr)
    );
    assert_eq!(
        amlform(dir, &["plan", "--refresh-only", "--detailed-exitcode"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        stdout(&amlform(dir, &["state", "list"])),
        "aml_compute.cpu\n"
    );
    let shown = stdout(&amlform(dir, &["state", "show", "aml_compute.cpu"]));
    assert!(
        shown
            .lines()
            .any(|line| line.trim_start().starts_with("max_nodes") && line.ends_with("= 9")),
        "{shown}"
    );
    // The configuration still says 4 and has gpu: a normal plan puts both back.
    let plan = stdout(&amlform(dir, &["plan"]));
    assert!(
        plan.contains("~ max_nodes = 9 -> 4") && plan.contains("# aml_compute.gpu will be created"),
        "{plan}"
    );
}

#[test]
fn import_adopts_an_existing_compute_without_changing_it() {
    let config = &format!(
        "{DEV_WORKSPACE}{}",
        r#"
aml_compute "existing" {
  name      = "existing"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 3
}
"#
    );
    let temp = scratch("import", config);
    let dir = temp.path();
    let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-dev/computes/existing";
    seed_embedded(dir, &[(id.to_owned(), cluster_body("STANDARD_D2_V2", 3))]);
    let before = amlform(dir, &["plan", "--json"]);
    assert_eq!(before.status.code(), Some(1));
    assert!(
        stdout(&before).contains("add `import { to = aml_compute.existing"),
        "{}",
        stdout(&before)
    );

    let bad = amlform(
        dir,
        &[
            "import",
            "aml_compute.existing",
            "/subscriptions/x/not-a-compute",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a compute id"));

    let imported = amlform(dir, &["import", "aml_compute.existing", id]);
    assert_eq!(
        imported.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let after = amlform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        after.status.code(),
        Some(0),
        "the imported compute matches the configuration: {}",
        stdout(&after)
    );
    let again = amlform(dir, &["import", "aml_compute.existing", id]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already in the state"));
}
