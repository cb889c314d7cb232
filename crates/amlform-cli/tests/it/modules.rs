//! `module` blocks end to end: a platform team's module used for three teams with
//! `for_each`, their addresses in every command, guardrails and diagnostics in the module's
//! own files, and name clashes across instances.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/modules")
}

fn example_copy(name: &str) -> tempfile::TempDir {
    let temp = amlform_test_support::scratch(name);
    crate::examples::copy_tree(&example(), temp.path());
    temp
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_team_module_with_for_each_plans_applies_and_addresses_every_instance() {
    let temp = example_copy("modules");
    let dir = temp.path();
    let cli = crate::cli();
    let init = cli.succeeds(dir, &["init"]);
    assert!(
        init.starts_with("Initializing modules...\n- team in modules/ml-team\n"),
        "{init}"
    );
    let plan = cli.succeeds(dir, &["plan"]);
    for team in ["nlp", "speech", "vision"] {
        for resource in [
            "aml_compute.cpu",
            "aml_compute.gpu",
            "compute_instance.notebook",
        ] {
            let header = format!("  # module.team[\"{team}\"].{resource} will be created\n");
            assert!(plan.contains(&header), "no `{header}` in:\n{plan}");
        }
    }
    assert!(
        plan.contains("+ max_nodes                       = 4"),
        "vision's input: {plan}"
    );
    assert!(
        plan.contains("Plan: 9 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );

    let json: Value = serde_json::from_str(&cli.succeeds(dir, &["plan", "-json"])).unwrap();
    let change = (json["resource_changes"].as_array().unwrap().iter())
        .find(|change| change["address"] == "module.team[\"nlp\"].aml_compute.gpu")
        .unwrap();
    assert_eq!(change["module_address"], "module.team[\"nlp\"]");
    assert_eq!(
        (change["type"].as_str(), change["name"].as_str()),
        (Some("aml_compute"), Some("gpu"))
    );

    let applied = cli.succeeds(dir, &["apply", "-auto-approve"]);
    assert!(
        applied.contains("Resources: 9 added, 0 changed, 0 destroyed."),
        "{applied}"
    );
    assert!(
        applied.contains("cpu_clusters = { nlp = \"/subscriptions/"),
        "{applied}"
    );
    let again = cli.run(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        amlform_test_support::describe(&again)
    );

    assert_eq!(
        cli.succeeds(dir, &["state", "list", "module.team[\"nlp\"]"]),
        "module.team[\"nlp\"].aml_compute.cpu\nmodule.team[\"nlp\"].aml_compute.gpu\nmodule.team[\"nlp\"].compute_instance.notebook\n"
    );
    let console = cli.run_with_input(
        dir,
        &["console"],
        "module.team[\"vision\"].gpu_cluster_name\n",
    );
    assert_eq!(String::from_utf8_lossy(&console.stdout), "\"vision-gpu\"\n");
    let shown: Value = serde_json::from_str(&cli.succeeds(dir, &["show", "-json"])).unwrap();
    let root = &shown["values"]["root_module"];
    assert_eq!(root["resources"], serde_json::json!([]));
    let children = root["child_modules"].as_array().unwrap();
    assert_eq!(children.len(), 3);
    assert_eq!(children[0]["address"], "module.team[\"nlp\"]");
    assert_eq!(children[0]["resources"].as_array().unwrap().len(), 3);

    // A target in a module, and a replacement of one instance of it.
    let targeted = cli.succeeds(
        dir,
        &[
            "plan",
            "-target=module.team[\"nlp\"]",
            "-replace=module.team[\"nlp\"].aml_compute.gpu",
        ],
    );
    assert!(
        targeted.contains("# module.team[\"nlp\"].aml_compute.gpu must be replaced"),
        "{targeted}"
    );
    assert!(
        targeted.contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "{targeted}"
    );

    // A team leaves: its three computes go, and only they.
    let main = std::fs::read_to_string(dir.join("main.aml.hcl")).unwrap();
    std::fs::write(dir.join("main.aml.hcl"), main.replace(", \"speech\"", "")).unwrap();
    let gone = cli.succeeds(dir, &["apply", "-auto-approve"]);
    assert!(
        gone.contains("Resources: 0 added, 0 changed, 3 destroyed."),
        "{gone}"
    );
    assert_eq!(cli.succeeds(dir, &["state", "list"]).lines().count(), 6);
    assert_eq!(
        cli.succeeds(dir, &["state", "list", "module.team[\"speech\"]"]),
        ""
    );
}

#[test]
fn module_guardrails_and_errors_point_at_the_modules_own_files() {
    let temp = example_copy("module-errors");
    let dir = temp.path();
    let main = std::fs::read_to_string(dir.join("main.aml.hcl")).unwrap();
    // A validation block of the module refuses an input.
    std::fs::write(
        dir.join("main.aml.hcl"),
        main.replace("? 4 : 2", "? 16 : 2"),
    )
    .unwrap();
    let refused = crate::cli().run(dir, &["validate"]);
    assert_eq!(refused.status.code(), Some(1));
    let text = stderr(&refused);
    assert!(text.contains("A team gets at most 8 GPU nodes"), "{text}");
    assert!(
        text.contains("modules/ml-team/variables.aml.hcl:"),
        "{text}"
    );

    // An input the module does not declare, and a module that is not there.
    std::fs::write(
        dir.join("main.aml.hcl"),
        main.replace(
            "team          = each.key",
            "team          = each.key\n  colour        = \"red\"",
        ),
    )
    .unwrap();
    let unknown = stderr(&crate::cli().run(dir, &["validate"]));
    assert!(
        unknown.contains("the module has no variable `colour`"),
        "{unknown}"
    );
    std::fs::write(
        dir.join("main.aml.hcl"),
        main.replace("./modules/ml-team", "./modules/nope"),
    )
    .unwrap();
    let missing = stderr(&crate::cli().run(dir, &["validate"]));
    assert!(missing.contains("no `*.aml.hcl` files in"), "{missing}");

    // Two instances creating the same compute name in one workspace: an error naming both.
    std::fs::write(dir.join("main.aml.hcl"), &main).unwrap();
    let module = dir.join("modules/ml-team/main.aml.hcl");
    let text = std::fs::read_to_string(&module).unwrap();
    std::fs::write(
        &module,
        text.replace("\"${var.team}-gpu\"", "\"shared-gpu\""),
    )
    .unwrap();
    let clash = stderr(&crate::cli().run(dir, &["validate"]));
    assert!(clash.contains("shared-gpu"), "{clash}");
    assert!(
        clash.contains("module.team[\"nlp\"].aml_compute.gpu")
            && clash.contains("module.team[\"speech\"].aml_compute.gpu"),
        "{clash}"
    );
}

#[test]
fn moved_blocks_follow_computes_into_a_module_and_across_a_renamed_module() {
    let temp = amlform_test_support::scratch("module-moves");
    let dir = temp.path();
    let workspace = "workspace \"dev\" {\n  name           = \"ml-moves\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}\n";
    let cluster = "aml_compute \"cpu\" {\n  name      = \"${var.team}-cpu\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 2\n}\n";
    std::fs::write(
        dir.join("main.aml.hcl"),
        format!("{workspace}\nvariable \"team\" {{\n  default = \"a\"\n}}\n\n{cluster}"),
    )
    .unwrap();
    let cli = crate::cli();
    cli.succeeds(dir, &["apply", "-auto-approve"]);

    std::fs::create_dir_all(dir.join("modules/team")).unwrap();
    std::fs::write(
        dir.join("modules/team/main.aml.hcl"),
        format!("variable \"team\" {{\n  type = string\n}}\n\n{cluster}"),
    )
    .unwrap();
    let into = "module \"team\" {\n  for_each = toset([\"a\"])\n  source   = \"./modules/team\"\n  team     = each.key\n}\n\nmoved {\n  from = aml_compute.cpu\n  to   = module.team[\"a\"].aml_compute.cpu\n}\n";
    std::fs::write(dir.join("main.aml.hcl"), format!("{workspace}\n{into}")).unwrap();
    let plan = cli.succeeds(dir, &["plan"]);
    assert!(
        plan.contains("# aml_compute.cpu has moved to module.team[\"a\"].aml_compute.cpu"),
        "{plan}"
    );
    assert!(
        plan.contains("0 to add, 0 to change, 0 to destroy. 1 moved."),
        "{plan}"
    );
    cli.succeeds(dir, &["apply", "-auto-approve"]);
    assert_eq!(
        cli.succeeds(dir, &["state", "list"]),
        "module.team[\"a\"].aml_compute.cpu\n"
    );

    let renamed = "module \"teams\" {\n  for_each = toset([\"a\"])\n  source   = \"./modules/team\"\n  team     = each.key\n}\n\nmoved {\n  from = module.team\n  to   = module.teams\n}\n";
    std::fs::write(dir.join("main.aml.hcl"), format!("{workspace}\n{renamed}")).unwrap();
    let plan = cli.succeeds(dir, &["plan"]);
    assert!(
        plan.contains(
            "# module.team[\"a\"].aml_compute.cpu has moved to module.teams[\"a\"].aml_compute.cpu"
        ),
        "{plan}"
    );
    assert!(!plan.contains("will be created"), "{plan}");
}

#[test]
fn a_secret_passed_through_a_module_stays_sensitive_everywhere() {
    let temp = example_copy("module-secrets");
    let dir = temp.path();
    let module = dir.join("modules/ml-team/main.aml.hcl");
    let mut text = std::fs::read_to_string(&module).unwrap();
    text.push_str("\nvariable \"dbx_token\" {\n  type    = string\n  default = \"unused\"\n}\n\ndatabricks_compute \"dbx\" {\n  name           = \"${var.team}-dbx\"\n  workspace_name = \"${var.team}-dbx-ws\"\n  resource_group = \"dbx-rg\"\n  access_token   = var.dbx_token\n}\n\noutput \"token_echo\" {\n  value     = var.dbx_token\n  sensitive = true\n}\n");
    std::fs::write(&module, text).unwrap();
    let main = std::fs::read_to_string(dir.join("main.aml.hcl")).unwrap();
    let main = main.replace(
        "  team          = each.key",
        "  team          = each.key\n  dbx_token     = var.token",
    ) + "\nvariable \"token\" {\n  sensitive = true\n  default   = \"dapi-canary-module-secret\"\n}\n\noutput \"whole\" {\n  value = module.team\n}\n";
    std::fs::write(dir.join("main.aml.hcl"), &main).unwrap();
    // The module's variable is not declared sensitive, but its input is.
    let refused = crate::cli().run(dir, &["validate"]);
    assert!(
        stderr(&refused).contains("output `whole` shows a sensitive value"),
        "{}",
        stderr(&refused)
    );
    assert!(
        !stderr(&refused).contains("cpu_clusters"),
        "a non-sensitive output of the same module is fine: {}",
        stderr(&refused)
    );
    std::fs::write(
        dir.join("main.aml.hcl"),
        main.replace(
            "  value = module.team\n",
            "  value     = module.team\n  sensitive = true\n",
        ),
    )
    .unwrap();
    let cli = crate::cli();
    let mut shown = vec![
        cli.succeeds(dir, &["plan"]),
        cli.succeeds(dir, &["plan", "-json", "-out=p.plan"]),
    ];
    shown.push(cli.succeeds(dir, &["apply", "-auto-approve"]));
    shown.push(cli.succeeds(dir, &["show", "-json"]));
    shown.push(cli.succeeds(dir, &["output"]));
    let console = cli.run_with_input(
        dir,
        &["console"],
        "module.team\nmodule.team[\"nlp\"].token_echo\n",
    );
    shown.push(String::from_utf8_lossy(&console.stdout).into_owned());
    assert_eq!(
        shown.last().unwrap().as_str(),
        "(sensitive value)\n(sensitive value)\n"
    );
    shown.push(std::fs::read_to_string(dir.join("p.plan")).unwrap());
    for text in &shown {
        assert!(!text.contains("canary"), "a secret leaked:\n{text}");
    }
}

#[test]
fn a_module_puts_computes_in_a_workspace_passed_in_and_sees_no_other() {
    let temp = amlform_test_support::scratch("module-workspaces");
    let dir = temp.path();
    let workspace = |label: &str, name: &str| {
        format!(
            "workspace \"{label}\" {{\n  name           = \"{name}\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}}\n\n"
        )
    };
    std::fs::write(
        dir.join("main.aml.hcl"),
        workspace("prod", "ml-prod") + &workspace("gpu", "ml-gpu")
            + "module \"team\" {\n  source     = \"./modules/team\"\n  workspace  = workspace.prod\n  workspaces = { big = workspace.gpu }\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("modules/team")).unwrap();
    let module = "aml_compute \"cpu\" {\n  name      = \"team-cpu\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}\n\naml_compute \"gpu\" {\n  workspace   = workspace.big\n  name        = \"team-gpu\"\n  vm_size     = \"STANDARD_NC6\"\n  max_nodes   = 1\n  description = \"in ${workspace.big.name}\"\n}\n";
    std::fs::write(dir.join("modules/team/main.aml.hcl"), module).unwrap();
    let cli = crate::cli();
    let plan = cli.succeeds(dir, &["plan", "-json"]);
    let plan: Value = serde_json::from_str(&plan).unwrap();
    let workspace_of = |address: &str| {
        (plan["resource_changes"].as_array().unwrap().iter())
            .find(|change| change["address"] == address)
            .map(|change| change["workspace"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        workspace_of("module.team.aml_compute.cpu").as_deref(),
        Some("prod")
    );
    assert_eq!(
        workspace_of("module.team.aml_compute.gpu").as_deref(),
        Some("gpu")
    );
    let text = cli.succeeds(dir, &["plan"]);
    assert!(
        text.contains("description                     = \"in ml-gpu\""),
        "{text}"
    );

    // A workspace not passed in is not there.
    std::fs::write(
        dir.join("modules/team/main.aml.hcl"),
        module.replace("workspace.big\n", "workspace.gpu\n"),
    )
    .unwrap();
    let refused = stderr(&crate::cli().run(dir, &["validate"]));
    assert!(
        refused.contains("the module was given no workspace `gpu`"),
        "{refused}"
    );
    assert!(refused.contains("modules/team/main.aml.hcl:"), "{refused}");
}

#[test]
fn a_module_waits_for_what_its_inputs_read_and_its_readers_wait_for_it() {
    let temp = amlform_test_support::scratch("module-dependencies");
    let dir = temp.path();
    std::fs::write(
        dir.join("main.aml.hcl"),
        "workspace \"w\" {\n  name           = \"ws-deps\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}\n\naml_compute \"base\" {\n  name      = \"base\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}\n\nmodule \"t\" {\n  source = \"./modules/t\"\n  after  = aml_compute.base.id\n}\n\naml_compute \"outside\" {\n  name        = \"outside\"\n  vm_size     = \"STANDARD_D2_V2\"\n  max_nodes   = 1\n  description = module.t.cpu_id\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("modules/t")).unwrap();
    std::fs::write(
        dir.join("modules/t/main.aml.hcl"),
        "variable \"after\" {\n  type = string\n}\n\naml_compute \"cpu\" {\n  name        = \"t-cpu\"\n  vm_size     = \"STANDARD_D2_V2\"\n  max_nodes   = 1\n  description = \"after ${var.after}\"\n}\n\noutput \"cpu_id\" {\n  value = aml_compute.cpu.id\n}\n",
    )
    .unwrap();
    let cli = crate::cli();
    let graph = cli.succeeds(dir, &["graph", "--type", "apply"]);
    assert!(
        graph.contains("\"module.t.aml_compute.cpu\" -> \"aml_compute.base\""),
        "{graph}"
    );
    assert!(
        graph.contains("\"aml_compute.outside\" -> \"module.t.aml_compute.cpu\""),
        "{graph}"
    );
    // The values known only after apply reach each in turn.
    cli.succeeds(dir, &["apply", "-auto-approve"]);
    let empty = cli.run(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        empty.status.code(),
        Some(0),
        "{}",
        amlform_test_support::describe(&empty)
    );
    let destroyed = cli.succeeds(dir, &["destroy", "-auto-approve", "-target=module.t"]);
    assert!(
        destroyed.contains("# aml_compute.outside will be destroyed"),
        "{destroyed}"
    );
    assert!(
        destroyed.contains("Resources: 0 added, 0 changed, 2 destroyed."),
        "{destroyed}"
    );
    assert_eq!(cli.succeeds(dir, &["state", "list"]), "aml_compute.base\n");
}
