//! `plan -json` and `show -json FILE` as Terraform's plan representation, read by checkov (a
//! policy engine built for it); the text plan's legend, hidden-attribute counts and
//! `Changes to Outputs:`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::cli::quickstart_copy;

fn plan_json(dir: &Path, args: &[&str]) -> Value {
    let out = crate::cli().succeeds(dir, args);
    serde_json::from_str(&out).unwrap_or_else(|error| panic!("{error}: {out}"))
}

const CANARY_VARIABLE: &str = "variable \"api_key\" {\n  sensitive = true\n  default   = \"canary-plan-json\"\n}\n\noutput \"key\" {\n  value     = var.api_key\n  sensitive = true\n}\n";

#[test]
fn plan_json_is_terraforms_plan_representation() {
    let temp = quickstart_copy("plan-json");
    let dir = temp.path();
    std::fs::write(dir.join("secret.aml.hcl"), CANARY_VARIABLE).unwrap();
    let plan = plan_json(dir, &["plan", "-json", "-out=tf.plan"]);
    for key in [
        "format_version",
        "terraform_version",
        "variables",
        "planned_values",
        "resource_changes",
        "resource_drift",
        "output_changes",
        "configuration",
        "relevant_attributes",
        "timestamp",
        "applyable",
        "complete",
        "errored",
    ] {
        assert!(plan.get(key).is_some(), "no `{key}` in the plan JSON");
    }
    assert_eq!(plan["format_version"], "1.2");
    assert_eq!(plan["errored"], false);
    assert_eq!(plan["applyable"], true);
    assert!(plan.get("prior_state").is_none(), "no state yet");
    let planned = plan["planned_values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    assert_eq!(planned.len(), 4);
    let cpu = planned
        .iter()
        .find(|r| r["address"] == "aml_compute.cpu")
        .unwrap();
    assert_eq!(
        (
            cpu["mode"].as_str(),
            cpu["type"].as_str(),
            cpu["name"].as_str()
        ),
        (Some("managed"), Some("aml_compute"), Some("cpu"))
    );
    assert_eq!(cpu["values"]["max_nodes"], 4);
    assert!(
        cpu["values"].get("id").is_none(),
        "unknown values are left out"
    );
    let change = &plan["resource_changes"][0];
    assert_eq!(change["change"]["actions"], json!(["create"]));
    assert!(change["provider_name"].is_string());
    let configured = &plan["configuration"]["root_module"]["resources"];
    let cpu = configured
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aml_compute.cpu")
        .unwrap();
    assert_eq!(
        cpu["expressions"]["name"],
        json!({"references": ["var.prefix"]})
    );
    assert_eq!(
        cpu["expressions"]["max_nodes"],
        json!({"constant_value": 4})
    );
    assert_eq!(plan["variables"]["prefix"], json!({"value": "qs"}));
    assert_eq!(plan["variables"]["api_key"], json!({"sensitive": true}));
    assert_eq!(
        plan["output_changes"]["cpu_cluster_id"]["actions"],
        json!(["create"])
    );
    assert_eq!(
        plan["output_changes"]["cpu_cluster_id"]["after_unknown"],
        true
    );
    assert_eq!(plan["output_changes"]["key"]["after_sensitive"], true);
    assert!(
        !plan.to_string().contains("canary"),
        "a secret reached the plan JSON"
    );

    // The saved plan shows the same document.
    let shown = plan_json(dir, &["show", "-json", "tf.plan"]);
    assert_eq!(shown, plan);
    assert!(
        !std::fs::read_to_string(dir.join("tf.plan"))
            .unwrap()
            .contains("canary")
    );

    // After an apply, the state is the prior state and a change reads its attributes.
    crate::cli().succeeds(dir, &["apply", "-auto-approve"]);
    let text = std::fs::read_to_string(dir.join("main.aml.hcl")).unwrap();
    std::fs::write(
        dir.join("main.aml.hcl"),
        text.replace(
            "max_nodes                     = 4",
            "max_nodes                     = 5",
        ),
    )
    .unwrap();
    let plan = plan_json(dir, &["plan", "-json"]);
    let prior = plan["prior_state"]["values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    assert_eq!(prior.len(), 4);
    assert_eq!(
        plan["output_changes"]["cpu_cluster_id"]["actions"],
        json!(["no-op"])
    );
    assert!(
        plan["planned_values"]["outputs"]["cpu_cluster_id"]["value"]
            .as_str()
            .unwrap()
            .ends_with("/computes/qs-cpu")
    );
    let targeted = plan_json(dir, &["plan", "-json", "-target=aml_compute.cpu"]);
    assert_eq!(targeted["complete"], false);
}

#[test]
fn the_text_plan_has_the_legend_hidden_counts_and_output_changes() {
    let temp = quickstart_copy("plan-text");
    let dir = temp.path();
    let cli = crate::cli();
    let first = cli.succeeds(dir, &["plan"]);
    assert!(
        first.starts_with(
            "Resource actions are indicated with the following symbols:\n  + create (or attach)\n\n"
        ),
        "{first}"
    );
    assert!(
        first.ends_with("Changes to Outputs:\n  + cpu_cluster_id = (known after apply)\n"),
        "{first}"
    );
    cli.succeeds(dir, &["apply", "-auto-approve"]);
    let text = std::fs::read_to_string(dir.join("main.aml.hcl")).unwrap();
    std::fs::write(
        dir.join("main.aml.hcl"),
        text.replace(
            "max_nodes                     = 4",
            "max_nodes                     = 5",
        ),
    )
    .unwrap();
    let update = cli.succeeds(dir, &["plan"]);
    assert!(
        update.contains("  ~ update in-place (or start, stop)\n"),
        "{update}"
    );
    assert!(
        update.contains(
            "      ~ max_nodes = 4 -> 5\n\n        # (12 unchanged attributes hidden)\n    }"
        ),
        "{update}"
    );
    assert!(
        !update.contains("Changes to Outputs:"),
        "the id stays: {update}"
    );
    // A new compute's id is known after apply; the id of one that stays is not a change.
    std::fs::write(
        dir.join("more.aml.hcl"),
        "aml_compute \"extra\" {\n  name      = \"qs-extra\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}\n\noutput \"extra_id\" {\n  value = aml_compute.extra.id\n}\n",
    )
    .unwrap();
    let outputs = cli.succeeds(dir, &["plan"]);
    assert!(
        outputs.ends_with("Changes to Outputs:\n  + extra_id = (known after apply)\n"),
        "{outputs}"
    );
    let replaced = cli.succeeds(dir, &["plan", "-replace=aml_compute.cpu"]);
    assert!(
        replaced.contains("Changes to Outputs:\n  ~ cpu_cluster_id = \"/subscriptions/"),
        "{replaced}"
    );
    assert!(
        replaced.contains("/computes/qs-cpu\" -> (known after apply)\n"),
        "{replaced}"
    );
}

fn checkov() -> Option<PathBuf> {
    let checkov = std::env::var_os("AMLFORM_CHECKOV").map(PathBuf::from);
    match checkov.filter(|path| path.exists()) {
        Some(path) => Some(path),
        None if std::env::var("CI").is_ok_and(|value| value == "true") => panic!(
            "CI=true but AMLFORM_CHECKOV names no checkov: .ci/run installs it (python3 -m venv target/checkov-venv && target/checkov-venv/bin/pip install -r crates/amlform-cli/tests/checkov/requirements.txt)"
        ),
        None => {
            println!(
                "skipped: the checkov test needs AMLFORM_CHECKOV (set by .ci/run, which installs the pinned checkov)"
            );
            None
        }
    }
}

#[test]
fn checkov_reads_the_plan_json_and_sees_every_resource() {
    let Some(checkov) = checkov() else { return };
    let temp = quickstart_copy("checkov");
    let dir = temp.path();
    let plan = crate::cli().succeeds(dir, &["plan", "-json"]);
    std::fs::write(dir.join("plan.json"), plan).unwrap();
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/checkov");
    let output = std::process::Command::new(checkov)
        .current_dir(dir)
        .args([
            "-f",
            "plan.json",
            "--framework",
            "terraform_plan",
            "-o",
            "json",
            "--skip-download",
            "--external-checks-dir",
        ])
        .arg(&policies)
        // No network: no guideline download, no version check, no telemetry.
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .env("ANONYMOUS_TELEMETRY", "false")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|error| {
        panic!(
            "{error}: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(report["summary"]["resource_count"], 4, "{report}");
    assert_eq!(report["summary"]["parsing_errors"], 0, "{report}");
    // The policy reads `min_nodes` of each `aml_compute`: both clusters scale to zero.
    let passed: Vec<&str> = report["results"]["passed_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| check["resource"].as_str().unwrap())
        .collect();
    assert_eq!(passed, ["aml_compute.cpu", "aml_compute.gpu"], "{report}");
}
