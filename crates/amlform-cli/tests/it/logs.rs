//! `AMLFORM_LOG` / `AMLFORM_LOG_PATH`: each request and response, each lock and commit, each
//! graph step, with timestamps; never the token or a secret.

use crate::standalone_emulator::Standalone;

#[test]
fn amlform_log_tells_each_request_lock_commit_and_step_and_never_a_secret() {
    let emulator = Standalone::start();
    let temp = amlform_test_support::scratch("logs");
    let dir = temp.path();
    std::fs::write(
        dir.join("main.aml.hcl"),
        format!(
            "workspace \"dev\" {{\n  name           = \"ml-logs\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"{}\"\n}}\n\nvariable \"token\" {{\n  sensitive = true\n  default   = \"dapi-canary-log-secret\"\n}}\n\ndatabricks_compute \"dbx\" {{\n  name           = \"dbx\"\n  workspace_name = \"dbx-ws\"\n  resource_group = \"dbx-rg\"\n  access_token   = var.token\n}}\n\naml_compute \"cpu\" {{\n  name      = \"cpu\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}}\n",
            emulator.http
        ),
    )
    .unwrap();
    let log = dir.join("amlform.log");
    let cli = crate::cli()
        .env("AMLFORM_ACCESS_TOKEN", "canary-log-token")
        .env("AMLFORM_LOG", "trace")
        .env("AMLFORM_LOG_PATH", log.to_str().unwrap());
    let applied = cli.run(dir, &["apply", "-auto-approve"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        amlform_test_support::describe(&applied)
    );
    let written = std::fs::read_to_string(&log).unwrap();
    for expected in [
        "amlform started",
        "state lock taken",
        "response method=GET path=/subscriptions/",
        "response method=PUT path=/subscriptions/",
        "status=200",
        "request_id=",
        "elapsed_ms=",
        "graph step started address=aml_compute.cpu",
        "graph step succeeded address=databricks_compute.dbx",
        "state commit flushed",
        "state lock released",
    ] {
        assert!(written.contains(expected), "no `{expected}` in:\n{written}");
    }
    // Each line starts with its time (RFC 3339, UTC).
    let first = written.lines().next().unwrap();
    assert!(
        first.starts_with("20") && first.as_bytes()[10] == b'T',
        "{first}"
    );

    // To stderr without a path; the plan on stdout is untouched.
    let cli = crate::cli()
        .env("AMLFORM_ACCESS_TOKEN", "canary-log-token")
        .env("AMLFORM_LOG", "debug");
    let planned = cli.run(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(planned.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&planned.stderr);
    assert!(
        stderr.contains("DEBUG") && stderr.contains("response method=GET"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&planned.stdout).contains("DEBUG"));
    for text in [&written, &stderr.into_owned()] {
        assert!(
            !text.contains("canary"),
            "a secret or the token was logged:\n{text}"
        );
        assert!(!text.to_ascii_lowercase().contains("bearer"), "{text}");
    }

    let wrong = crate::cli()
        .env("AMLFORM_LOG", "loud")
        .run(dir, &["validate"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("AMLFORM_LOG=loud is not a log level"));
}
