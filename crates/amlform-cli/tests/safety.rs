//! Paths that once ended in a wrong result that looked like success, end to end on the
//! embedded emulator: each now ends in the right result, or a clear error with nothing changed.

use std::path::Path;
use std::process::{Command, Output};

fn amlform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amlform"))
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
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
