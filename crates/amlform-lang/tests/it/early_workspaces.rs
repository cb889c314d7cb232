//! `ParsedModule::evaluated_workspaces`: the workspace blocks evaluated alone (what a plan
//! reads the service with while the rest evaluates), and the module left whole for the full
//! evaluation.

use amlform_lang::{LoadOptions, ParsedModule};

fn parse(text: &str) -> ParsedModule {
    ParsedModule::parse_sources(
        vec![("main.aml.hcl".into(), text.to_owned())],
        std::path::Path::new("."),
        &[],
        &LoadOptions::default(),
    )
}

const CONFIG: &str = r#"
variable "team" {
  default = "vision"
}
locals {
  group = "rg-${var.team}"
}
workspace "dev" {
  name           = "ml-${var.team}"
  resource_group = local.group
  location       = "eastus"
  endpoint       = "http://127.0.0.1:1"
}
aml_compute "cpu" {
  name      = "cpu-${var.team}"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 1
}
output "cpu" {
  value = aml_compute.cpu.name
}
"#;

#[test]
fn workspaces_evaluate_alone_and_the_module_stays_whole() {
    let mut parsed = parse(CONFIG);
    let early = parsed
        .evaluated_workspaces()
        .expect("the workspaces evaluate alone");
    let dev = &early.workspaces["dev"];
    assert_eq!(dev.attribute("name"), Some("ml-vision"));
    assert_eq!(dev.attribute("resource_group"), Some("rg-vision"));
    assert!(early.computes.is_empty() && early.outputs.is_empty());

    let module = parsed.evaluate(&Default::default());
    assert!(!module.diagnostics.has_errors(), "{:?}", module.diagnostics);
    assert_eq!(
        module.evaluated.workspaces["dev"].attributes, dev.attributes,
        "the same workspace both ways"
    );
    assert_eq!(
        module.evaluated.computes["aml_compute.cpu"].str("name"),
        Some("cpu-vision"),
        "the computes, variables and locals are back for the whole evaluation"
    );
    assert_eq!(module.evaluated.outputs.len(), 1);
}

#[test]
fn workspaces_that_read_more_than_variables_and_locals_are_left_to_the_whole_evaluation() {
    let reads_a_compute = CONFIG.replace("local.group", "aml_compute.cpu.name");
    let mut parsed = parse(&reads_a_compute);
    assert!(parsed.evaluated_workspaces().is_none());
    let module = parsed.evaluate(&Default::default());
    assert_eq!(
        module.evaluated.workspaces["dev"].attribute("resource_group"),
        Some("cpu-vision"),
        "the whole evaluation gives the workspace"
    );

    let broken = CONFIG.replace("max_nodes = 1", "max_nodes = ");
    assert!(
        parse(&broken).evaluated_workspaces().is_none(),
        "a parse error"
    );
}
