//! `amlform adopt`: computes made through the REST API (as the SDK's articles make them)
//! become blocks and import blocks; the next apply imports them without touching them, and
//! the plan after it is empty. No secret value is ever written.

use serde_json::json;

use crate::standalone_emulator::Standalone;

const WORKSPACE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ml-adopt";

#[test]
fn adopt_writes_what_scripts_made_and_the_next_apply_imports_it_untouched() {
    let emulator = Standalone::start();
    let put = |name: &str, body: serde_json::Value| {
        emulator.put(
            &format!("{WORKSPACE}/computes/{name}?api-version=2024-10-01"),
            body,
        );
    };
    put(
        "cpu-script",
        json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {
            "vmSize": "STANDARD_D2_V2", "vmPriority": "LowPriority",
            "scaleSettings": {"maxNodeCount": 3, "minNodeCount": 0, "nodeIdleTimeBeforeScaleDown": "PT5M"}}}}),
    );
    put(
        "nb-script",
        json!({"location": "eastus", "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": "STANDARD_DS3_V2"}}}),
    );
    put(
        "dbx-script",
        json!({"properties": {"computeType": "Databricks",
            "resourceId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/dbx",
            "properties": {"databricksAccessToken": "dapi-canary-adopt"}}}),
    );
    let temp = amlform_test_support::scratch("adopt");
    let dir = temp.path();
    std::fs::write(
        dir.join("main.aml.hcl"),
        format!(
            "workspace \"dev\" {{\n  name           = \"ml-adopt\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"{}\"\n}}\n\naml_compute \"managed\" {{\n  name      = \"managed\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}}\n",
            emulator.http
        ),
    )
    .unwrap();
    let cli = crate::cli()
        .env("AMLFORM_ACCESS_TOKEN", "t")
        .env("AMLFORM_VAR_dbx_script_access_token", "dapi-canary-adopt");
    cli.succeeds(dir, &["apply", "-auto-approve"]);

    let unknown = cli.run(dir, &["adopt", "-workspace=prod"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("it declares: dev"));

    let said = cli.succeeds(dir, &["adopt"]);
    assert!(said.contains("Wrote 3 compute block(s)"), "{said}");
    let written = std::fs::read_to_string(dir.join("adopted.aml.hcl")).unwrap();
    assert!(
        !written.contains("canary"),
        "a secret was written:\n{written}"
    );
    assert!(
        !written.contains("\"managed\""),
        "a managed compute was adopted:\n{written}"
    );
    for expected in [
        "aml_compute \"cpu-script\" {\n  name  ",
        "vm_priority                     = \"lowpriority\"",
        "max_nodes                       = 3",
        "idle_seconds_before_scaledown   = 300",
        "compute_instance \"nb-script\" {",
        "databricks_compute \"dbx-script\" {",
        "access_token   = var.dbx_script_access_token",
        "variable \"dbx_script_access_token\" {\n  type        = string\n  sensitive   = true",
        "import {\n  to = aml_compute.cpu-script\n  id = \"/subscriptions/",
    ] {
        assert!(written.contains(expected), "no `{expected}` in:\n{written}");
    }
    assert_eq!(
        crate::cli().succeeds(dir, &["fmt", "-check"]),
        "",
        "the file is formatted"
    );

    let plan = cli.succeeds(dir, &["plan"]);
    assert!(
        plan.contains("Plan: 3 to import, 0 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    let applied = cli.succeeds(dir, &["apply", "-auto-approve"]);
    assert!(
        applied.contains("Resources: 3 added, 0 changed, 0 destroyed."),
        "{applied}"
    );
    let after = cli.run(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}",
        amlform_test_support::describe(&after)
    );
    assert_eq!(
        cli.succeeds(dir, &["state", "list"]),
        "aml_compute.cpu-script\naml_compute.managed\ncompute_instance.nb-script\ndatabricks_compute.dbx-script\n"
    );

    // Nothing is left to adopt, and an existing file is never overwritten.
    let again = cli.succeeds(dir, &["adopt", "-out=again.aml.hcl"]);
    assert!(again.starts_with("Nothing to adopt"), "{again}");
    assert!(!dir.join("again.aml.hcl").exists());
    let refused = cli.run(dir, &["adopt"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("never overwrites"));
    for file in ["adopted.aml.hcl", ".amlform/state/header.json"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(!text.contains("canary"), "{file} holds a secret");
    }
}

#[test]
fn plan_generate_config_out_writes_the_block_an_import_block_lacks() {
    let emulator = Standalone::start();
    emulator.put(
        &format!("{WORKSPACE}/computes/late-script?api-version=2024-10-01"),
        json!({"location": "eastus", "properties": {"computeType": "AmlCompute", "properties": {
            "vmSize": "STANDARD_D3_V2", "scaleSettings": {"maxNodeCount": 5, "minNodeCount": 0}}}}),
    );
    let temp = amlform_test_support::scratch("generate-config");
    let dir = temp.path();
    std::fs::write(
        dir.join("main.aml.hcl"),
        format!(
            "workspace \"dev\" {{\n  name           = \"ml-adopt\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"{}\"\n}}\n\nimport {{\n  to = aml_compute.late\n  id = \"{WORKSPACE}/computes/late-script\"\n}}\n",
            emulator.http
        ),
    )
    .unwrap();
    let cli = crate::cli().env("AMLFORM_ACCESS_TOKEN", "t");
    let without = cli.run(dir, &["plan"]);
    assert_eq!(
        without.status.code(),
        Some(1),
        "an import block needs its block"
    );
    let plan = cli.succeeds(dir, &["plan", "-generate-config-out=generated.aml.hcl"]);
    assert!(plan.contains("aml_compute.late will be imported"), "{plan}");
    assert!(
        plan.contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    let generated = std::fs::read_to_string(dir.join("generated.aml.hcl")).unwrap();
    for expected in [
        "aml_compute \"late\" {",
        "name    ",
        "\"late-script\"",
        "max_nodes                       = 5",
        "\"STANDARD_D3_V2\"",
    ] {
        assert!(
            generated.contains(expected),
            "no `{expected}` in:\n{generated}"
        );
    }
    assert!(
        !generated.contains("import {"),
        "the import block is the user's:\n{generated}"
    );
    let again = cli.run(dir, &["plan", "-generate-config-out=generated.aml.hcl"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwrites"));
    let wrong = cli.run(dir, &["plan", "-generate-config-out=generated.tf"]);
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("must end with .aml.hcl"));
    cli.succeeds(dir, &["apply", "-auto-approve"]);
    let after = cli.run(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}",
        amlform_test_support::describe(&after)
    );
}
