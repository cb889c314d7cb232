//! The `amlform` binary end to end: exit codes, rendered diagnostics, JSON, fmt.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

pub(crate) fn amlform(dir: &Path, args: &[&str]) -> Output {
    crate::cli().run(dir, args)
}

/// A scratch directory holding `files`; removed when dropped.
pub(crate) fn scratch(name: &str, files: &[(&str, &str)]) -> TempDir {
    let dir = temp_dir(name);
    for (file, text) in files {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    dir
}

fn temp_dir(name: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("amlform-cli-{name}-"))
        .tempdir()
        .unwrap()
}

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart")
}

/// A scratch copy of the quickstart, so commands that write `.amlform/` leave the example alone.
pub(crate) fn quickstart_copy(name: &str) -> TempDir {
    let dir = temp_dir(name);
    for entry in std::fs::read_dir(quickstart()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

const BROKEN: &str = "workspace \"w\" {\n  name           = \"ws\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}\n\naml_compute \"cpu\" {\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 2\n  min_nodes = 5\n}\n";

#[test]
fn validate_accepts_the_quickstart() {
    let output = amlform(&quickstart(), &["validate"]);
    assert_output_snapshot!("validate_quickstart", &quickstart(), output);
}

#[test]
fn validate_reports_errors_with_file_line_and_caret() {
    let temp = scratch("broken", &[("main.aml.hcl", BROKEN)]);
    let dir = temp.path();
    let output = amlform(dir, &["validate"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains('\x1b'),
        "NO_COLOR output has escape codes: {stderr}"
    );
    assert_output_snapshot!("validate_broken", dir, output);
}

#[test]
fn validate_json_is_machine_readable() {
    let temp = scratch("json", &[("main.aml.hcl", BROKEN)]);
    let dir = temp.path();
    let output = amlform(dir, &["validate", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_output_snapshot!("validate_broken_json", dir, output);
}

#[test]
fn validate_takes_variables_from_the_command_line() {
    let output = amlform(
        &quickstart(),
        &["validate", "--var", "prefix=much-too-long"],
    );
    assert_output_snapshot!(
        "validate_variable_from_the_command_line",
        &quickstart(),
        output
    );
}

#[test]
fn fmt_check_exits_3_and_fmt_rewrites() {
    let messy = "aml_compute \"cpu\" {\nvm_size = \"A\"\n   max_nodes=2 # two\n}\n";
    let temp = scratch("fmt", &[("main.aml.hcl", messy)]);
    let dir = temp.path();
    let check = amlform(dir, &["fmt", "--check", "--diff"]);
    assert_output_snapshot!("fmt_check_diff", dir, check);
    assert_eq!(
        std::fs::read_to_string(dir.join("main.aml.hcl")).unwrap(),
        messy,
        "--check must not write"
    );

    assert_eq!(amlform(dir, &["fmt"]).status.code(), Some(0));
    let formatted = std::fs::read_to_string(dir.join("main.aml.hcl")).unwrap();
    assert_eq!(
        formatted,
        "aml_compute \"cpu\" {\n  vm_size   = \"A\"\n  max_nodes = 2 # two\n}\n"
    );
    assert_eq!(amlform(dir, &["fmt", "--check"]).status.code(), Some(0));
}

#[test]
fn show_names_a_missing_or_foreign_plan_file_once() {
    let temp = scratch("show", &[("not-a-plan.json", "{\"format\": \"other\"}")]);
    let dir = temp.path();
    let missing = amlform(dir, &["show", "missing.plan"]);
    assert_output_snapshot!("show_missing_plan", dir, missing);
    let foreign = amlform(dir, &["show", "not-a-plan.json"]);
    assert_output_snapshot!("show_foreign_plan", dir, foreign);
}

#[test]
fn fmt_refuses_a_file_that_does_not_parse() {
    let temp = scratch("fmt-bad", &[("main.aml.hcl", "a {\n  b = \n}\n")]);
    let dir = temp.path();
    let output = amlform(dir, &["fmt"]);
    assert_output_snapshot!("fmt_does_not_parse", dir, output);
}

#[test]
fn emulator_serve_answers_on_loopback_until_stopped() {
    use std::io::{BufRead, BufReader, Read, Write};

    let temp = temp_dir("emulator");
    let tls_dir = temp.path().join("tls");
    let mut child = Command::new(env!("CARGO_BIN_EXE_amlform"))
        .args([
            "emulator",
            "serve",
            "--port",
            "0",
            "--http-port",
            "0",
            "--tls-dir",
        ])
        .arg(&tls_dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let https = lines.next().unwrap().unwrap();
    let http = lines.next().unwrap().unwrap();
    let ca = lines.next().unwrap().unwrap();
    assert!(https.contains("https://127.0.0.1:"), "{https}");
    assert!(
        ca.ends_with("ca.pem") && tls_dir.join("ca.pem").exists(),
        "{ca}"
    );
    let address = http.rsplit("http://").next().unwrap().trim().to_owned();

    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET /subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlws/computes?api-version=2024-10-01 HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("x-ms-request-id"), "{response}");
    assert!(response.ends_with("{\"value\":[]}"), "{response}");
}

#[test]
fn the_readme_first_command_plans_the_quickstart_on_the_embedded_emulator() {
    let temp = quickstart_copy("quickstart");
    let dir = temp.path();
    let output = amlform(dir, &["plan", "--detailed-exitcode"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Plan: 4 to add, 0 to change, 0 to destroy."),
        "{stdout}"
    );
}

#[test]
fn quiet_prints_the_plan_and_the_summary_but_no_progress_or_notes() {
    let temp = quickstart_copy("quiet");
    let dir = temp.path();
    let applied = amlform(dir, &["-q", "apply", "--auto-approve"]);
    let stdout = String::from_utf8_lossy(&applied.stdout);
    assert!(stdout.contains("Apply complete!"), "{stdout}");
    assert!(!stdout.contains("Creating..."), "{stdout}");
    // A saved plan is written without the note naming it.
    crate::cli().succeeds(dir, &["destroy", "--auto-approve", "--quiet"]);
    let planned = amlform(dir, &["plan", "--quiet", "--out", "q.plan"]);
    assert!(dir.join("q.plan").exists());
    assert_eq!(String::from_utf8_lossy(&planned.stderr), "");
    let loud = amlform(dir, &["plan", "--out", "q.plan"]);
    assert!(String::from_utf8_lossy(&loud.stderr).contains("Saved the plan to q.plan"));
}

#[test]
fn apply_plan_destroy_on_the_quickstart() {
    let temp = quickstart_copy("apply");
    let dir = temp.path();
    // No answer on stdin and no --auto-approve: refused, nothing changed.
    let refused = amlform(dir, &["apply"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("-auto-approve"));

    let applied = amlform(dir, &["apply", "--auto-approve"]);
    let stdout = String::from_utf8_lossy(&applied.stdout);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(stdout.contains("aml_compute.cpu: Creating..."), "{stdout}");
    assert!(
        stdout.contains("remote_compute.vm: Attach complete after"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Apply complete! Resources: 4 added, 0 changed, 0 destroyed."),
        "{stdout}"
    );

    assert!(
        stdout.contains("Outputs:\n\ncpu_cluster_id = \"/subscriptions/"),
        "{stdout}"
    );

    let plan = amlform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "a plan after apply is empty: {}",
        String::from_utf8_lossy(&plan.stdout)
    );

    let destroyed = amlform(dir, &["destroy", "--auto-approve"]);
    let stdout = String::from_utf8_lossy(&destroyed.stdout);
    assert_eq!(destroyed.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("remote_compute.vm: Detaching..."),
        "{stdout}"
    );
    assert!(
        stdout.contains("Destroy complete! Resources: 0 added, 0 changed, 4 destroyed."),
        "{stdout}"
    );
    let listed = amlform(dir, &["state", "list"]);
    assert!(listed.stdout.is_empty(), "the state is empty after destroy");
}

#[test]
fn apply_json_prints_the_plan_then_one_event_per_line() {
    let temp = quickstart_copy("apply-json");
    let dir = temp.path();
    let refused = amlform(dir, &["apply", "--json"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--auto-approve"));

    let applied = amlform(dir, &["apply", "--json", "--auto-approve"]);
    assert_eq!(applied.status.code(), Some(0));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&applied.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is a JSON object"))
        .collect();
    let types: Vec<&str> = events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.first(), Some(&"version"));
    assert_eq!(types.iter().filter(|t| **t == "planned_change").count(), 4);
    assert_eq!(types.last(), Some(&"outputs"));
    assert_eq!(types[types.len() - 2], "change_summary");
    // Terraform's machine-readable UI keys, on every line.
    for event in &events {
        for key in ["@level", "@message", "@module", "@timestamp", "type"] {
            assert!(event.get(key).is_some(), "no {key} in {event}");
        }
        assert_eq!(event["@module"], "amlform.ui");
    }
    assert_eq!(types.iter().filter(|t| **t == "apply_start").count(), 4);
    assert_eq!(types.iter().filter(|t| **t == "apply_complete").count(), 4);
    // The service's state as each write is accepted.
    let creating = events
        .iter()
        .filter(|event| event["type"] == "apply_state" && event["service_state"] == "Creating")
        .count();
    assert_eq!(creating, 4, "{events:?}");
    let vm = events
        .iter()
        .find(|event| event["type"] == "apply_complete" && event["address"] == "remote_compute.vm")
        .unwrap();
    assert_eq!(vm["action"], "attach");
    assert!(vm["id"].as_str().unwrap().ends_with("/computes/qs-vm"));
    assert_eq!(vm["hook"]["action"], "create");
    assert_eq!(vm["hook"]["resource"]["resource_type"], "remote_compute");
    assert_eq!(vm["hook"]["id_value"], vm["id"]);
    assert!(
        vm["@message"]
            .as_str()
            .unwrap()
            .starts_with("remote_compute.vm: Attach complete after")
    );
    let summary = &events[events.len() - 2];
    assert_eq!(summary["add"], 4);
    assert_eq!(summary["changes"]["add"], 4);
    assert_eq!(summary["changes"]["operation"], "apply");
    assert_eq!(summary["success"], true);
    assert_eq!(
        summary["@message"],
        "Apply complete! Resources: 4 added, 0 changed, 0 destroyed."
    );
    let planned = events
        .iter()
        .find(|event| event["type"] == "planned_changes")
        .unwrap();
    assert_eq!(planned["plan"]["summary"]["add"], 4);
    let outputs = events.last().unwrap();
    assert!(
        outputs["outputs"]["cpu_cluster_id"]["value"]
            .as_str()
            .unwrap()
            .ends_with("/computes/qs-cpu")
    );
}

#[test]
fn output_shows_known_values_and_never_a_secret() {
    let temp = quickstart_copy("output");
    let dir = temp.path();
    std::fs::write(
        dir.join("outputs.aml.hcl"),
        "variable \"api_key\" {\n  sensitive = true\n  default   = \"canary-output-secret\"\n}\n\noutput \"key\" {\n  value     = var.api_key\n  sensitive = true\n}\n",
    )
    .unwrap();
    let before = amlform(dir, &["output"]);
    assert_eq!(
        String::from_utf8_lossy(&before.stdout),
        "cpu_cluster_id = (known after apply)\nkey = (sensitive value)\n"
    );
    assert_eq!(
        amlform(dir, &["apply", "--auto-approve"]).status.code(),
        Some(0)
    );
    let id = amlform(dir, &["output", "cpu_cluster_id"]);
    assert_eq!(
        String::from_utf8_lossy(&id.stdout).trim(),
        "\"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-quickstart-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-quickstart/computes/qs-cpu\""
    );
    let json: serde_json::Value =
        serde_json::from_slice(&amlform(dir, &["output", "--json"]).stdout).unwrap();
    assert_eq!(json["cpu_cluster_id"]["known"], true);
    assert_eq!(
        json["key"],
        serde_json::json!({"sensitive": true, "known": true})
    );
    for args in [&["output"][..], &["output", "key"], &["output", "--json"]] {
        let output = amlform(dir, args);
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("canary"),
            "{args:?} printed a secret"
        );
    }
    let unknown = amlform(dir, &["output", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("it declares: cpu_cluster_id, key"));
}

#[test]
fn graph_prints_dependencies_as_dot() {
    let config = "workspace \"w\" {\n  name           = \"ws1\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}\n\naml_compute \"first\" {\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}\n\naml_compute \"second\" {\n  vm_size    = \"STANDARD_D2_V2\"\n  max_nodes  = 1\n  depends_on = [aml_compute.first]\n}\n";
    let temp = scratch("graph", &[("main.aml.hcl", config)]);
    let dir = temp.path();
    let output = amlform(dir, &["graph"]);
    let dot = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dot.starts_with("digraph amlform {"), "{dot}");
    assert!(
        dot.contains("\"aml_compute.second\" -> \"aml_compute.first\";"),
        "{dot}"
    );
    let apply = amlform(dir, &["graph", "--type", "apply"]);
    let dot = String::from_utf8_lossy(&apply.stdout);
    assert!(dot.contains("aml_compute.first\\n(create)"), "{dot}");
    assert!(
        dot.contains("\"aml_compute.second\" -> \"aml_compute.first\";"),
        "{dot}"
    );
}

#[test]
fn azure_credentials_are_chosen_per_workspace_or_by_flag_with_clear_errors() {
    let workspace = |credential: &str, cloud: &str| {
        format!(
            "workspace \"prod\" {{\n  name            = \"ml-prod\"\n  resource_group  = \"ml-rg\"\n  subscription_id = \"00000000-0000-0000-0000-000000000000\"\n  location        = \"chinaeast2\"\n  cloud           = \"{cloud}\"\n  credential      = \"{credential}\"\n}}\n\naml_compute \"cpu\" {{\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}}\n"
        )
    };
    let plan = |dir: &Path, extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_amlform"))
            .arg("-C")
            .arg(dir)
            .args(extra)
            .arg("plan")
            .env("NO_COLOR", "1")
            .env_remove("AMLFORM_ACCESS_TOKEN")
            .env_remove("AMLFORM_CREDENTIAL")
            .env_remove("AZURE_TENANT_ID")
            .env_remove("AZURE_CLIENT_ID")
            .env_remove("AZURE_CLIENT_SECRET")
            .output()
            .unwrap()
    };
    let stderr = |output: &Output| String::from_utf8_lossy(&output.stderr).into_owned();

    let temp = scratch(
        "credential",
        &[("main.aml.hcl", &workspace("environment", "china"))],
    );
    let dir = temp.path();
    let missing = plan(dir, &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("the environment credential cannot be used")
            && stderr(&missing).contains("AZURE_CLIENT_SECRET"),
        "{}",
        stderr(&missing)
    );

    std::fs::write(dir.join("main.aml.hcl"), workspace("password", "china")).unwrap();
    let unknown = plan(dir, &[]);
    assert!(
        stderr(&unknown).contains("unknown credential `password`")
            && stderr(&unknown).contains("managed_identity"),
        "{}",
        stderr(&unknown)
    );
    // The flag wins over the workspace's choice (and is checked by itself).
    let flagged = plan(dir, &["--credential", "environment"]);
    assert!(
        stderr(&flagged).contains("the environment credential cannot be used"),
        "{}",
        stderr(&flagged)
    );
    let bad_flag = plan(dir, &["--credential", "nope"]);
    assert_eq!(bad_flag.status.code(), Some(2), "clap refuses it");

    std::fs::write(dir.join("main.aml.hcl"), workspace("azure_cli", "mars")).unwrap();
    let cloud = plan(dir, &[]);
    assert!(
        stderr(&cloud).contains("unknown cloud `mars`") && stderr(&cloud).contains("usgovernment"),
        "{}",
        stderr(&cloud)
    );
}

/// `version` and `version -json`, as a Terraform user types them.
#[test]
fn version_names_amlform_and_the_platform() {
    let temp = temp_dir("version");
    let text = crate::cli().succeeds(temp.path(), &["version"]);
    assert!(
        text.starts_with(&format!("amlform v{}\non ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    let json = crate::cli().succeeds(temp.path(), &["version", "-json"]);
    let shown: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(shown["amlform_version"], env!("CARGO_PKG_VERSION"));
    assert!(shown["platform"].as_str().unwrap().contains('_'), "{json}");
}
