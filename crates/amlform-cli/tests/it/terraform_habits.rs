//! The habits a Terraform user brings: `-target` / `-exclude` / `-replace` on apply and
//! destroy, a piped `yes`, `-input=false`, `show` of the state, `state list` filters,
//! `state rm` of a block, `output -raw`.

use crate::cli::{amlform, quickstart_copy, scratch};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn apply_and_destroy_take_target_exclude_and_replace() {
    let temp = quickstart_copy("targeting");
    let dir = temp.path();
    let applied = amlform(
        dir,
        &[
            "apply",
            "-auto-approve",
            "-target=aml_compute.cpu",
            "-target",
            "aml_compute.gpu",
            "-exclude=aml_compute.gpu",
        ],
    );
    let out = stdout(&applied);
    assert_eq!(applied.status.code(), Some(0), "{out}{}", stderr(&applied));
    assert!(out.contains("Resource targeting is in effect"), "{out}");
    assert!(
        out.contains("Resources: 1 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    assert!(out.contains("Applied changes may be incomplete"), "{out}");
    let listed = amlform(dir, &["state", "list"]);
    assert_eq!(stdout(&listed), "aml_compute.cpu\n");

    // A typo is an error that names it, and nothing is done.
    for verb in ["apply", "destroy", "plan"] {
        let typo = amlform(dir, &[verb, "-auto-approve", "-target=aml_compute.cpuu"]);
        let typo = if verb == "plan" {
            amlform(dir, &[verb, "-target=aml_compute.cpuu"])
        } else {
            typo
        };
        assert_eq!(typo.status.code(), Some(1), "{verb}: {}", stdout(&typo));
        assert!(
            stderr(&typo).contains("aml_compute.cpuu: --target names no resource"),
            "{verb}: {}",
            stderr(&typo)
        );
    }
    let replaced = amlform(
        dir,
        &[
            "apply",
            "-auto-approve",
            "-replace=aml_compute.cpu",
            "-target=aml_compute.cpu",
        ],
    );
    let out = stdout(&replaced);
    assert_eq!(
        replaced.status.code(),
        Some(0),
        "{out}{}",
        stderr(&replaced)
    );
    assert!(
        out.contains("Resources: 1 added, 0 changed, 1 destroyed."),
        "{out}"
    );

    let destroyed = amlform(
        dir,
        &["destroy", "-auto-approve", "-target=aml_compute.cpu"],
    );
    let out = stdout(&destroyed);
    assert_eq!(
        destroyed.status.code(),
        Some(0),
        "{out}{}",
        stderr(&destroyed)
    );
    assert!(
        out.contains("Resources: 0 added, 0 changed, 1 destroyed."),
        "{out}"
    );
    assert_eq!(stdout(&amlform(dir, &["state", "list"])), "");

    // A saved plan is applied whole.
    let saved = amlform(dir, &["apply", "plan.out", "-target=aml_compute.cpu"]);
    assert_eq!(saved.status.code(), Some(1));
    assert!(
        stderr(&saved).contains("a saved plan is applied whole"),
        "{}",
        stderr(&saved)
    );
}

#[test]
fn destroying_a_target_destroys_what_depends_on_it_and_nothing_it_depends_on() {
    let temp = quickstart_copy("destroy-target");
    let dir = temp.path();
    std::fs::write(
        dir.join("more.aml.hcl"),
        "aml_compute \"after\" {\n  name        = \"qs-after\"\n  vm_size     = \"STANDARD_D2_V2\"\n  max_nodes   = 1\n  description = \"after ${aml_compute.cpu.name}\"\n}\n",
    )
    .unwrap();
    crate::cli().succeeds(dir, &["apply", "-auto-approve"]);
    let destroyed = amlform(
        dir,
        &["destroy", "-auto-approve", "-target=aml_compute.cpu"],
    );
    let out = stdout(&destroyed);
    assert_eq!(
        destroyed.status.code(),
        Some(0),
        "{out}{}",
        stderr(&destroyed)
    );
    assert!(out.contains("aml_compute.after will be destroyed"), "{out}");
    assert!(
        out.contains("Resources: 0 added, 0 changed, 2 destroyed."),
        "{out}"
    );
    assert_eq!(
        stdout(&amlform(dir, &["state", "list"])),
        "aml_compute.gpu\ncompute_instance.notebook\nremote_compute.vm\n"
    );
}

#[test]
fn approval_reads_a_piped_answer_and_input_false_never_asks() {
    let temp = quickstart_copy("approval");
    let dir = temp.path();
    let cli = crate::cli();
    let no = cli.run_with_input(dir, &["apply"], "no\n");
    assert_eq!(no.status.code(), Some(1));
    assert!(stdout(&no).contains("Enter a value:"), "{}", stdout(&no));
    assert!(stdout(&no).contains("Apply cancelled; nothing was changed."));
    assert_eq!(stdout(&amlform(dir, &["state", "list"])), "");

    let closed = cli.run_with_input(dir, &["apply"], "");
    assert_eq!(closed.status.code(), Some(1));
    assert!(
        stderr(&closed).contains("stdin ended before an answer"),
        "{}",
        stderr(&closed)
    );

    let never = cli.run_with_input(dir, &["apply", "-input=false"], "yes\n");
    assert_eq!(never.status.code(), Some(1));
    assert!(
        stderr(&never).contains("-input=false forbids asking"),
        "{}",
        stderr(&never)
    );
    assert_eq!(stdout(&amlform(dir, &["state", "list"])), "");

    let yes = cli.run_with_input(dir, &["apply"], "yes\n");
    assert_eq!(
        yes.status.code(),
        Some(0),
        "{}{}",
        stdout(&yes),
        stderr(&yes)
    );
    assert!(stdout(&yes).contains("Apply complete! Resources: 4 added"));
    let destroyed = cli.run_with_input(dir, &["destroy", "-input=false", "-auto-approve"], "");
    assert_eq!(destroyed.status.code(), Some(0), "{}", stderr(&destroyed));
}

#[test]
fn show_without_a_file_shows_the_state_and_its_outputs() {
    let temp = quickstart_copy("show-state");
    let dir = temp.path();
    let empty = amlform(dir, &["show"]);
    assert_eq!(empty.status.code(), Some(0), "{}", stderr(&empty));
    assert!(
        stdout(&empty).starts_with("No state.\n"),
        "{}",
        stdout(&empty)
    );
    let empty_json: serde_json::Value =
        serde_json::from_slice(&amlform(dir, &["show", "-json"]).stdout).unwrap();
    assert_eq!(empty_json["format_version"], "1.0");

    crate::cli().succeeds(dir, &["apply", "-auto-approve"]);
    let shown = stdout(&amlform(dir, &["show"]));
    assert!(
        shown.contains("# aml_compute.cpu\naml_compute \"cpu\" {"),
        "{shown}"
    );
    assert!(shown.contains("private_key_file"), "{shown}");
    assert!(
        shown.contains("Outputs:\n\ncpu_cluster_id = \"/subscriptions/"),
        "{shown}"
    );

    let json: serde_json::Value =
        serde_json::from_slice(&amlform(dir, &["show", "-json"]).stdout).unwrap();
    let resources = json["values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    let addresses: Vec<&str> = resources
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        addresses,
        [
            "aml_compute.cpu",
            "aml_compute.gpu",
            "compute_instance.notebook",
            "remote_compute.vm"
        ]
    );
    let vm = &resources[3];
    assert_eq!(vm["mode"], "managed");
    assert_eq!(vm["type"], "remote_compute");
    assert_eq!(vm["name"], "vm");
    assert_eq!(vm["values"]["name"], "qs-vm");
    assert!(
        vm["values"]["id"]
            .as_str()
            .unwrap()
            .ends_with("/computes/qs-vm")
    );
    // The key file's path is a value; its content is only fingerprinted.
    assert_eq!(vm["values"]["private_key_file"], "emulator-demo.key");
    assert_eq!(vm["sensitive_values"], serde_json::json!({}));
    let cpu_id = &json["values"]["outputs"]["cpu_cluster_id"];
    assert_eq!(cpu_id["sensitive"], false);
    assert!(
        cpu_id["value"]
            .as_str()
            .unwrap()
            .ends_with("/computes/qs-cpu")
    );
    let key = std::fs::read_to_string(dir.join("emulator-demo.key")).unwrap();
    let key_line = key.lines().find(|line| line.len() > 20).unwrap_or(&key);
    assert!(!shown.contains(key_line) && !json.to_string().contains(key_line));
}

#[test]
fn state_list_filters_and_state_rm_takes_a_whole_block() {
    let temp = scratch(
        "state-filters",
        &[(
            "main.aml.hcl",
            "workspace \"w\" {\n  name           = \"ws-filters\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}\n\naml_compute \"pool\" {\n  for_each  = toset([\"a\", \"b\"])\n  name      = \"pool-${each.key}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}\n\naml_compute \"pool2\" {\n  name      = \"pool2\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}\n\naml_compute \"gpu\" {\n  count     = 2\n  name      = \"gpu-${count.index}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}\n",
        )],
    );
    let dir = temp.path();
    let cli = crate::cli();
    cli.succeeds(dir, &["apply", "-auto-approve"]);
    assert_eq!(
        cli.succeeds(dir, &["state", "list", "aml_compute.pool"]),
        "aml_compute.pool[\"a\"]\naml_compute.pool[\"b\"]\n"
    );
    assert_eq!(
        cli.succeeds(
            dir,
            &["state", "list", "aml_compute.pool2", "aml_compute.gpu[1]"]
        ),
        "aml_compute.gpu[1]\naml_compute.pool2\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&cli.succeeds(dir, &["show", "-json"])).unwrap();
    let gpu = &json["values"]["root_module"]["resources"][0];
    assert_eq!(
        (gpu["address"].as_str(), &gpu["index"]),
        (Some("aml_compute.gpu[0]"), &serde_json::json!(0))
    );
    let id = gpu["values"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        cli.succeeds(dir, &["state", "list", "-id", &id]),
        "aml_compute.gpu[0]\n"
    );

    let removed = cli.succeeds(dir, &["state", "rm", "aml_compute.pool"]);
    assert_eq!(removed.lines().count(), 2, "{removed}");
    assert_eq!(
        cli.succeeds(dir, &["state", "list"]),
        "aml_compute.gpu[0]\naml_compute.gpu[1]\naml_compute.pool2\n"
    );
    let missing = amlform(dir, &["state", "rm", "aml_compute.pool"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("aml_compute.pool"),
        "{}",
        stderr(&missing)
    );
    assert_eq!(
        cli.succeeds(dir, &["state", "list"]).lines().count(),
        3,
        "nothing else removed"
    );
}

#[test]
fn output_raw_prints_a_string_bare_and_never_a_secret() {
    let temp = quickstart_copy("output-raw");
    let dir = temp.path();
    std::fs::write(
        dir.join("outputs.aml.hcl"),
        "variable \"api_key\" {\n  sensitive = true\n  default   = \"canary-raw-secret\"\n}\n\noutput \"key\" {\n  value     = var.api_key\n  sensitive = true\n}\n\noutput \"count\" {\n  value = 3\n}\n\noutput \"tags\" {\n  value = local.tags\n}\n",
    )
    .unwrap();
    let cli = crate::cli();
    let before = amlform(dir, &["output", "-raw", "cpu_cluster_id"]);
    assert_eq!(before.status.code(), Some(1));
    assert!(
        stderr(&before).contains("known only after apply"),
        "{}",
        stderr(&before)
    );
    cli.succeeds(dir, &["apply", "-auto-approve"]);
    let id = cli.succeeds(dir, &["output", "-raw", "cpu_cluster_id"]);
    assert!(
        id.starts_with("/subscriptions/") && id.ends_with("/computes/qs-cpu"),
        "{id:?}"
    );
    assert_eq!(cli.succeeds(dir, &["output", "-raw", "count"]), "3");
    for (name, why) in [("key", "is sensitive"), ("tags", "a list or map")] {
        let refused = amlform(dir, &["output", "-raw", name]);
        assert_eq!(refused.status.code(), Some(1));
        assert!(stderr(&refused).contains(why), "{}", stderr(&refused));
        assert!(!stdout(&refused).contains("canary") && !stderr(&refused).contains("canary"));
    }
    assert_eq!(
        amlform(dir, &["output", "-raw"]).status.code(),
        Some(2),
        "-raw needs a name"
    );
}

#[test]
fn console_evaluates_piped_lines_against_the_configuration_and_the_state() {
    let temp = quickstart_copy("console");
    let dir = temp.path();
    std::fs::write(
        dir.join("secret.aml.hcl"),
        "variable \"api_key\" {\n  sensitive = true\n  default   = \"canary-console-secret\"\n}\n\nlocals {\n  derived = \"x-${var.api_key}\"\n}\n",
    )
    .unwrap();
    let cli = crate::cli();
    let lines = [
        "aml_compute.cpu.id",
        "var.prefix",
        "upper(local.tags.owner)",
        "aml_compute.cpu.max_nodes + 1",
        "var.api_key",
        "local.derived",
        "\"${var.prefix}-${var.api_key}\"",
        "nope.x",
        "[for k, v in local.tags : k]",
        "exit",
        "var.prefix",
    ];
    let input = lines.join("\n") + "\n";
    let before = cli.run_with_input(dir, &["console"], &input);
    assert_eq!(
        stdout(&before).lines().next(),
        Some("(known after apply)"),
        "{}",
        stdout(&before)
    );
    cli.succeeds(dir, &["apply", "-auto-approve"]);
    let after = cli.run_with_input(dir, &["console"], &input);
    let out = stdout(&after);
    let shown: Vec<&str> = out.lines().collect();
    assert_eq!(
        shown.len(),
        8,
        "one line per expression, up to `exit`: {out}"
    );
    assert!(shown[0].starts_with("\"/subscriptions/") && shown[0].ends_with("/computes/qs-cpu\""));
    assert_eq!(
        &shown[1..],
        [
            "\"qs\"",
            "\"ML-PLATFORM\"",
            "5",
            "(sensitive value)",
            "(sensitive value)",
            "(sensitive value)",
            "[\"owner\", \"purpose\"]"
        ]
    );
    assert!(
        stderr(&after).contains("`nope.x` is not defined"),
        "{}",
        stderr(&after)
    );
    assert_eq!(after.status.code(), Some(1), "a line failed");
    for text in [out.as_str(), &stderr(&after)] {
        assert!(!text.contains("canary"), "a secret was printed: {text}");
    }
    let fine = cli.run_with_input(dir, &["console"], "var.prefix\n");
    assert_eq!(
        (fine.status.code(), stdout(&fine)),
        (Some(0), "\"qs\"\n".to_owned())
    );
}
