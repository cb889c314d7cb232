//! Paths that once ended in a wrong result that looked like success, end to end on the
//! embedded emulator: each now ends in the right result, or a clear error with nothing changed.

use std::path::Path;
use std::process::{Command, Output};

fn amlform(dir: &Path, args: &[&str]) -> Output {
    crate::cli().run(dir, args)
}

fn scratch(config: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("amlform-safety-")
        .tempdir()
        .unwrap();
    std::fs::write(dir.path().join("main.aml.hcl"), config).unwrap();
    dir
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn succeeds(dir: &Path, args: &[&str]) -> String {
    let output = amlform(dir, args);
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.success(),
        "amlform {args:?} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

const WORKSPACE: &str = r#"
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}
"#;

fn clusters(count: usize, max_nodes: usize) -> String {
    format!(
        r#"{WORKSPACE}
aml_compute "c" {{
  count     = {count}
  name      = "c-${{count.index}}"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = {max_nodes}
}}
"#
    )
}

#[test]
fn a_damaged_state_is_refused_by_every_command_and_restore_brings_back_the_backup() {
    let temp = scratch(&clusters(20, 2));
    let dir = temp.path();
    succeeds(dir, &["apply", "--auto-approve"]);
    std::fs::write(dir.join("main.aml.hcl"), clusters(20, 3)).unwrap();
    succeeds(dir, &["apply", "--auto-approve"]);
    assert_eq!(succeeds(dir, &["state", "list"]).lines().count(), 20);

    std::fs::write(dir.join(".amlform/state/db/db"), b"").unwrap();
    for args in [
        &["state", "list"][..],
        &["state", "pull"],
        &["plan"],
        &["apply", "--auto-approve"],
        &["destroy", "--auto-approve"],
        &["output"],
    ] {
        let output = amlform(dir, args);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("state in .amlform/state is damaged"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("serial 80, 20 record(s)"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("amlform state restore"),
            "{args:?}: {stderr}"
        );
        assert!(
            !stdout.contains("to add"),
            "{args:?} planned over it: {stdout}"
        );
    }

    let restored = succeeds(dir, &["state", "restore"]);
    assert!(restored.contains("serial 40, 20 record(s)"), "{restored}");
    assert_eq!(succeeds(dir, &["state", "list"]).lines().count(), 20);
    // What the second apply did after the backup shows as drift to accept, not as new computes.
    let plan = succeeds(dir, &["plan"]);
    assert!(!plan.contains("to add"), "{plan}");
}

const POOLS: &str = r#"
aml_compute "pool" {
  for_each  = toset(["big", "small"])
  name      = "pool-${each.key}"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 2
}

aml_compute "after" {
  name       = "after"
  vm_size    = "STANDARD_D2_V2"
  max_nodes  = 1
  depends_on = [aml_compute.pool]
}
"#;

/// Every quoted string of a DOT text is closed on its line (an unescaped `"` inside a node id
/// leaves a quote open, or splits the id).
fn assert_valid_dot(dot: &str) {
    for line in dot.lines() {
        let mut quotes = 0;
        let mut escaped = false;
        for character in line.chars() {
            match (escaped, character) {
                (false, '\\') => escaped = true,
                (false, '"') => quotes += 1,
                _ => escaped = false,
            }
        }
        assert_eq!(quotes % 2, 0, "unbalanced quotes in {line:?}");
    }
}

#[test]
fn graph_and_state_show_quote_for_each_keys() {
    let temp = scratch(&format!("{WORKSPACE}{POOLS}"));
    let dir = temp.path();
    for kind in ["plan", "apply"] {
        let dot = succeeds(dir, &["graph", "--type", kind]);
        assert_valid_dot(&dot);
        assert!(dot.contains(r#""aml_compute.pool[\"big\"]""#), "{dot}");
    }
    succeeds(dir, &["apply", "--auto-approve"]);
    let shown = succeeds(dir, &["state", "show", r#"aml_compute.pool["big"]"#]);
    assert!(shown.contains("# aml_compute.pool[\"big\"]"), "{shown}");
    assert!(shown.contains("aml_compute \"pool\" {"), "{shown}");
}

#[test]
fn apply_waits_for_every_instance_of_a_block_named_in_depends_on() {
    let temp = scratch(&format!("{WORKSPACE}{POOLS}"));
    let dot = succeeds(temp.path(), &["graph", "--type", "apply"]);
    for instance in [r#"pool[\"big\"]"#, r#"pool[\"small\"]"#] {
        let edge = format!(r#""aml_compute.after" -> "aml_compute.{instance}";"#);
        assert!(dot.contains(&edge), "no {edge} in\n{dot}");
    }
}

fn pair(a_depends_on_b: bool, b_max_nodes: u32) -> String {
    let (a_deps, b_deps) = if a_depends_on_b {
        ("[aml_compute.b]", "[]")
    } else {
        ("[]", "[aml_compute.a]")
    };
    format!(
        r#"{WORKSPACE}
aml_compute "a" {{
  name       = "ca"
  vm_size    = "STANDARD_D2_V2"
  max_nodes  = 1
  depends_on = {a_deps}
}}

aml_compute "b" {{
  name       = "cb"
  vm_size    = "STANDARD_D2_V2"
  max_nodes  = {b_max_nodes}
  depends_on = {b_deps}
}}
"#
    )
}

#[test]
fn destroy_after_a_dependency_was_reversed_destroys_everything() {
    let temp = scratch(&pair(true, 1));
    let dir = temp.path();
    succeeds(dir, &["apply", "--auto-approve"]);
    // Only b changes; a's record must stop saying it depends on b.
    std::fs::write(dir.join("main.aml.hcl"), pair(false, 2)).unwrap();
    succeeds(dir, &["apply", "--auto-approve"]);
    let destroyed = succeeds(dir, &["destroy", "--auto-approve"]);
    assert!(destroyed.contains("2 destroyed"), "{destroyed}");
    assert_eq!(succeeds(dir, &["state", "list"]), "");
}

#[test]
fn a_cycle_in_the_remembered_dependencies_fails_naming_it_and_changes_nothing() {
    let temp = scratch(&pair(true, 1));
    let dir = temp.path();
    succeeds(dir, &["apply", "--auto-approve"]);
    {
        use amlform_state::{ChangeSet, LocalStore, StateStore};
        let state = dir.join(".amlform/state");
        let mut store = LocalStore::open(&state, "test", std::time::Duration::ZERO).unwrap();
        let mut records = store.records().unwrap();
        for record in &mut records {
            let other = if record.address.ends_with(".a") {
                "b"
            } else {
                "a"
            };
            record.dependencies = vec![format!("aml_compute.{other}")];
        }
        store
            .commit(ChangeSet {
                put: records,
                remove: vec![],
                operation: "test".to_owned(),
            })
            .unwrap();
    }
    // Both blocks leave the configuration: only the state's edges order their deletion.
    std::fs::write(dir.join("main.aml.hcl"), WORKSPACE).unwrap();
    // The apply graph still draws the cycle: the picture is how one finds it.
    let dot = succeeds(dir, &["graph", "--type", "apply"]);
    assert!(
        dot.contains("\"aml_compute.a\" -> \"aml_compute.b\"")
            && dot.contains("\"aml_compute.b\" -> \"aml_compute.a\""),
        "{dot}"
    );
    let output = amlform(dir, &["apply", "--auto-approve"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("aml_compute.a -> aml_compute.b -> aml_compute.a"),
        "{stderr}"
    );
    assert!(!stdout.contains("Destroy complete"), "{stdout}");
    assert_eq!(succeeds(dir, &["state", "list"]).lines().count(), 2);
}

#[test]
fn destroy_is_not_blocked_by_what_the_configuration_asks_of_the_service() {
    let cluster = |size: &str| {
        format!(
            "{WORKSPACE}\naml_compute \"cpu\" {{\n  name      = \"cpu-x\"\n  vm_size   = \"{size}\"\n  max_nodes = 2\n}}\n"
        )
    };
    let temp = scratch(&cluster("STANDARD_D2_V2"));
    let dir = temp.path();
    succeeds(dir, &["apply", "--auto-approve"]);
    std::fs::write(dir.join("main.aml.hcl"), cluster("STANDARD_NOPE_V9")).unwrap();
    let plan = amlform(dir, &["plan"]);
    assert_eq!(
        plan.status.code(),
        Some(1),
        "the plan still checks the size"
    );
    let destroyed = succeeds(dir, &["destroy", "--auto-approve"]);
    assert!(destroyed.contains("1 destroyed"), "{destroyed}");
}

#[test]
fn terraform_single_dash_flags_mean_what_they_say() {
    let temp = scratch(&format!(
        "{WORKSPACE}\naml_compute \"cpu\" {{\n  name      = \"cpu-x\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 2\n}}\n"
    ));
    let dir = temp.path();
    let output = amlform(
        dir,
        &["plan", "-out=tf.plan", "-detailed-exitcode", "-input=false"],
    );
    assert_eq!(output.status.code(), Some(2), "{:?}", text(&output));
    assert!(dir.join("tf.plan").is_file());
    assert!(!dir.join("ut=tf.plan").exists());
    succeeds(dir, &["apply", "-auto-approve", "-input=false", "tf.plan"]);
    let output = amlform(dir, &["plan", "-output=x"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("unknown flag `-output=x`"));
    assert!(!dir.join("utput=x").exists());
}

/// The quickstart on a machine whose home directory has no `.ssh`: its VM is attached with a
/// key.
#[test]
fn the_quickstart_runs_without_an_ssh_key_and_attaches_with_a_credential() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart");
    let temp = tempfile::tempdir().unwrap();
    let (dir, home) = (temp.path().join("quickstart"), temp.path().join("home"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_amlform"))
            .arg("-C")
            .arg(&dir)
            .args(args)
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let applied = run(&["apply", "--auto-approve"]);
    assert!(applied.status.success(), "{:?}", text(&applied));
    // The emulator keeps secrets in memory only, so the state shows the key was read and
    // sent: its fingerprint is recorded from the same read that built the request.
    let store = amlform_state::LocalStore::open(
        &dir.join(".amlform/state"),
        "test",
        std::time::Duration::ZERO,
    )
    .unwrap();
    use amlform_state::StateStore;
    let vm = store.record("remote_compute.vm").unwrap().unwrap();
    assert!(
        vm.secret_fingerprints.contains_key("private_key_file"),
        "{vm:?}"
    );
    drop(store);
    let plan = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{:?}", text(&plan));
}

#[test]
fn a_missing_key_file_is_a_plan_error_at_its_line_and_nothing_changes() {
    let vm = |key: &str| {
        format!(
            r#"{WORKSPACE}
remote_compute "vm" {{
  name             = "vm-1"
  resource_id      = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1"
  username         = "azureuser"
  private_key_file = "{key}"
}}
"#
        )
    };
    let temp = scratch(&vm("id_test"));
    let dir = temp.path();
    std::fs::write(dir.join("id_test"), "key one").unwrap();
    succeeds(dir, &["apply", "--auto-approve"]);
    std::fs::remove_file(dir.join("id_test")).unwrap();
    // The same error at its line from each command, and no plan.
    let outputs: Vec<String> = [&["plan"][..], &["apply", "--auto-approve"], &["validate"]]
        .iter()
        .map(|args| {
            let output = amlform(dir, args);
            format!(
                "$ amlform {}\n{}",
                args.join(" "),
                amlform_test_support::describe(&output)
            )
        })
        .collect();
    amlform_test_support::snapshot_settings(dir).bind(|| {
        insta::assert_snapshot!("missing_key_file", outputs.join("\n"));
    });
    // Not a regular file: a directory, and a FIFO (which would block a read for ever).
    std::fs::create_dir(dir.join("id_test")).unwrap();
    let (_, stderr) = text(&amlform(dir, &["plan"]));
    assert!(stderr.contains("it is a directory"), "{stderr}");
    std::fs::remove_dir(dir.join("id_test")).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.join("id_test"))
        .status()
        .unwrap();
    assert!(made.success());
    let (_, stderr) = text(&amlform(dir, &["plan"]));
    assert!(stderr.contains("not a regular file"), "{stderr}");
    let state = succeeds(dir, &["state", "show", "remote_compute.vm"]);
    assert!(state.contains("vm-1"), "{state}");
}

#[test]
fn plan_errors_point_at_the_line_and_leave_no_plan_body_or_file() {
    let temp = scratch(&format!(
        "{WORKSPACE}\naml_compute \"cpu\" {{\n  name      = \"cpu-x\"\n  vm_size   = \"STANDARD_NOPE_V9\"\n  max_nodes = 2\n}}\n"
    ));
    let dir = temp.path();
    let output = amlform(dir, &["plan", "--out", "tf.plan"]);
    assert!(!dir.join("tf.plan").exists(), "no plan file");
    assert_output_snapshot!("plan_error_text", dir, output);
    let output = amlform(dir, &["plan", "--json"]);
    assert_output_snapshot!("plan_error_json", dir, output);
    let output = amlform(dir, &["plan", "--markdown"]);
    assert_output_snapshot!("plan_error_markdown", dir, output);
    let output = amlform(dir, &["apply", "--auto-approve"]);
    assert_output_snapshot!("plan_error_apply", dir, output);
}

fn cluster_block(label: &str, name: &str) -> String {
    format!(
        "aml_compute \"{label}\" {{\n  name      = \"{name}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 2\n}}\n"
    )
}

#[test]
fn a_renamed_block_is_refused_with_the_moved_block_to_add_and_moves_without_touching_it() {
    let temp = scratch(&format!("{WORKSPACE}{}", cluster_block("cpu", "cpu-x")));
    let dir = temp.path();
    succeeds(dir, &["apply", "--auto-approve"]);
    let renamed = format!("{WORKSPACE}{}", cluster_block("cpu_cluster", "cpu-x"));
    std::fs::write(dir.join("main.aml.hcl"), &renamed).unwrap();

    let output = amlform(dir, &["plan"]);
    assert_output_snapshot!("renamed_block_plan", dir, output);
    // Following an import hint instead is refused, with the same way out.
    let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-dev/computes/cpu-x";
    let output = amlform(dir, &["import", "aml_compute.cpu_cluster", id]);
    assert_output_snapshot!("renamed_block_import", dir, output);

    let moved = format!(
        "{renamed}\nmoved {{\n  from = aml_compute.cpu\n  to   = aml_compute.cpu_cluster\n}}\n"
    );
    std::fs::write(dir.join("main.aml.hcl"), &moved).unwrap();
    let plan = amlform(dir, &["plan", "--detailed-exitcode"]);
    assert_output_snapshot!("renamed_block_moved", dir, plan);
    let json: serde_json::Value =
        serde_json::from_slice(&amlform(dir, &["plan", "--json"]).stdout).unwrap();
    let change = &json["resource_changes"][0];
    assert_eq!(change["change"]["actions"], serde_json::json!(["no-op"]));
    assert_eq!(change["previous_address"], "aml_compute.cpu");

    let computes = || {
        amlform_emulator::Emulator::builder()
            .persist_in(dir.join(".amlform/emulator"))
            .build()
            .unwrap()
            .computes()
    };
    let before = computes();
    let applied = succeeds(dir, &["apply", "--auto-approve"]);
    assert!(
        applied.contains("0 added, 0 changed, 0 destroyed"),
        "{applied}"
    );
    assert_eq!(computes(), before, "only the state changed");
    assert_eq!(
        succeeds(dir, &["state", "list"]),
        "aml_compute.cpu_cluster\n"
    );
    let after = amlform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(after.status.code(), Some(0), "{:?}", text(&after));

    // A move that also changes the compute's name is a replacement, and says why.
    let other_name = moved.replace("\"cpu-x\"", "\"cpu-y\"").replace(
        "from = aml_compute.cpu\n",
        "from = aml_compute.cpu_cluster\n",
    );
    let other_name = other_name
        .replace("aml_compute \"cpu_cluster\"", "aml_compute \"renamed\"")
        .replace(
            "to   = aml_compute.cpu_cluster",
            "to   = aml_compute.renamed",
        );
    std::fs::write(dir.join("main.aml.hcl"), other_name).unwrap();
    let plan = succeeds(dir, &["plan"]);
    assert!(
        plan.contains("aml_compute.renamed must be replaced"),
        "{plan}"
    );
    assert!(
        plan.contains("(moved from aml_compute.cpu_cluster)"),
        "{plan}"
    );
    assert!(
        plan.contains("the name is the compute's identity in Azure"),
        "{plan}"
    );
}

#[test]
fn moved_blocks_move_every_instance_of_a_counted_block() {
    let counted = |label: &str| {
        format!(
            "{WORKSPACE}aml_compute \"{label}\" {{\n  count     = 2\n  name      = \"c-${{count.index}}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 2\n}}\n"
        )
    };
    let temp = scratch(&counted("old"));
    let dir = temp.path();
    succeeds(dir, &["apply", "--auto-approve"]);
    let moved = format!(
        "{}\nmoved {{\n  from = aml_compute.old\n  to   = aml_compute.new\n}}\n",
        counted("new")
    );
    std::fs::write(dir.join("main.aml.hcl"), moved).unwrap();
    let plan = succeeds(dir, &["plan"]);
    assert!(
        plan.contains("# aml_compute.old[1] has moved to aml_compute.new[1]"),
        "{plan}"
    );
    succeeds(dir, &["apply", "--auto-approve"]);
    assert_eq!(
        succeeds(dir, &["state", "list"]),
        "aml_compute.new[0]\naml_compute.new[1]\n"
    );
}

#[test]
fn removed_blocks_forget_or_destroy() {
    let both = format!(
        "{WORKSPACE}{}{}",
        cluster_block("kept", "kept-1"),
        cluster_block("gone", "gone-1")
    );
    let temp = scratch(&both);
    let dir = temp.path();
    succeeds(dir, &["apply", "--auto-approve"]);
    let removed = format!(
        "{WORKSPACE}removed {{\n  from = aml_compute.kept\n  lifecycle {{\n    destroy = false\n  }}\n}}\n\nremoved {{\n  from = aml_compute.gone\n}}\n"
    );
    std::fs::write(dir.join("main.aml.hcl"), removed).unwrap();
    let plan = succeeds(dir, &["plan"]);
    assert!(
        plan.contains("aml_compute.kept will no longer be managed"),
        "{plan}"
    );
    assert!(
        plan.contains("aml_compute.gone will be destroyed"),
        "{plan}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&amlform(dir, &["plan", "--json"]).stdout).unwrap();
    let actions: Vec<String> = (json["resource_changes"].as_array().unwrap().iter())
        .map(|change| format!("{} {}", change["address"], change["change"]["actions"]))
        .collect();
    assert!(
        actions.contains(&r#""aml_compute.kept" ["forget"]"#.to_owned()),
        "{actions:?}"
    );
    succeeds(dir, &["apply", "--auto-approve"]);
    assert_eq!(succeeds(dir, &["state", "list"]), "");
    let emulator = amlform_emulator::Emulator::builder()
        .persist_in(dir.join(".amlform/emulator"))
        .build()
        .unwrap();
    let names: Vec<String> = (emulator.computes().iter())
        .map(|compute| compute["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        names,
        ["kept-1"],
        "the forgotten compute stays, the other is deleted"
    );

    // A removed block naming a block that is still declared is an error.
    std::fs::write(
        dir.join("main.aml.hcl"),
        format!("{both}\nremoved {{\n  from = aml_compute.kept\n}}\n"),
    )
    .unwrap();
    let output = amlform(dir, &["validate"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).1.contains("still declares"));
}

#[test]
fn values_known_after_apply_are_sent_once_known_and_the_next_plan_is_empty() {
    let config = format!(
        "{WORKSPACE}{}aml_compute \"b\" {{\n  name        = \"cb\"\n  vm_size     = \"STANDARD_D2_V2\"\n  max_nodes   = 2\n  description = \"after ${{aml_compute.a.id}}\"\n}}\n",
        cluster_block("a", "ca")
    );
    let temp = scratch(&config);
    let dir = temp.path();
    let plan = succeeds(dir, &["plan"]);
    assert!(
        plan.contains("+ description                     = (known after apply)"),
        "{plan}"
    );
    succeeds(dir, &["apply", "--auto-approve"]);
    let after = amlform(dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(after.status.code(), Some(0), "{:?}", text(&after));
    let emulator = amlform_emulator::Emulator::builder()
        .persist_in(dir.join(".amlform/emulator"))
        .build()
        .unwrap();
    let b = (emulator.computes().into_iter())
        .find(|compute| compute["name"] == "cb")
        .unwrap();
    let description = b["properties"]["description"].as_str().unwrap_or_default();
    assert!(description.starts_with("after /subscriptions/"), "{b}");
    assert!(description.ends_with("/computes/ca"), "{b}");
}

#[test]
fn a_stale_saved_plan_names_the_variable_never_its_value() {
    let temp = scratch(&format!(
        "{WORKSPACE}\nvariable \"token\" {{\n  sensitive = true\n  default   = \"dapi-default-value\"\n}}\n\ndatabricks_compute \"dbx\" {{\n  name           = \"dbx\"\n  workspace_name = \"dbx-ws\"\n  resource_group = \"dbx-rg\"\n  access_token   = var.token\n}}\n"
    ));
    let dir = temp.path();
    succeeds(
        dir,
        &["plan", "-var", "token=dapi-canary-given", "-out=tf.plan"],
    );
    let output = amlform(dir, &["apply", "tf.plan"]);
    let (stdout, stderr) = text(&output);
    assert_output_snapshot!("stale_saved_plan_variable", dir, output);
    for canary in ["dapi-canary-given", "dapi-default-value"] {
        assert!(
            !stderr.contains(canary) && !stdout.contains(canary),
            "{canary}"
        );
    }
    let plan_file = std::fs::read_to_string(dir.join("tf.plan")).unwrap();
    assert!(
        !plan_file.contains("canary"),
        "the plan file holds the secret"
    );
    succeeds(
        dir,
        &["apply", "-var", "token=dapi-canary-given", "tf.plan"],
    );
}

/// A standalone emulator over HTTPS without its CA: the plan says the certificate is not
/// trusted and how to trust it, at once, instead of retrying and blaming throttling.
#[test]
fn an_untrusted_certificate_is_named_at_once() {
    use std::io::{BufRead, BufReader};
    let temp = scratch("");
    let mut child = Command::new(env!("CARGO_BIN_EXE_amlform"))
        .args(["emulator", "serve", "--port", "0", "--tls-dir"])
        .arg(temp.path().join("tls"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let https = lines.next().unwrap().unwrap();
    let endpoint = https[https.find("https://").unwrap()..].trim().to_owned();
    std::fs::write(
        temp.path().join("main.aml.hcl"),
        format!(
            "workspace \"dev\" {{\n  name            = \"ml-dev\"\n  resource_group  = \"ml-rg\"\n  location        = \"eastus\"\n  subscription_id = \"00000000-0000-0000-0000-000000000000\"\n  endpoint        = \"{endpoint}\"\n}}\n"
        ),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_amlform"))
        .arg("-C")
        .arg(temp.path())
        .arg("plan")
        .env("AMLFORM_ACCESS_TOKEN", "t")
        .env_remove("AMLFORM_CA_FILE")
        .output()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("certificate of the endpoint is not trusted"),
        "{stderr}"
    );
    assert!(stderr.contains("AMLFORM_CA_FILE"), "{stderr}");
    // Not retried: no attempts counted, no throttling blamed.
    assert!(!stderr.contains("throttling"), "{stderr}");
    assert!(!stderr.contains("attempts"), "{stderr}");
}
