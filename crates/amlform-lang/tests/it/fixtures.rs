//! Every file in `testdata/config/valid` evaluates cleanly and snapshots its evaluated form;
//! every file in `testdata/config/invalid` snapshots its rendered diagnostics.

use amlform_lang::{LoadOptions, Module, RenderStyle};
use std::path::Path;

fn load(path: &Path) -> Module {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    Module::load_sources(
        vec![(name, text)],
        path.parent().unwrap(),
        &[],
        &LoadOptions::default(),
    )
}

#[test]
fn valid_configurations_evaluate() {
    insta::glob!("../../../../testdata/config", "valid/*.aml.hcl", |path| {
        let module = load(path);
        let rendered = module
            .diagnostics
            .render(&module.sources, RenderStyle::PLAIN);
        assert!(
            module.diagnostics.is_empty(),
            "{}:\n{rendered}",
            path.display()
        );
        let evaluated = module.evaluated.to_string();
        // Fixture secrets all contain "canary"; the evaluated form must never show one.
        assert!(
            !evaluated.contains("canary"),
            "{}: a secret leaked",
            path.display()
        );
        insta::assert_snapshot!(evaluated);
    });
}

#[test]
fn invalid_configurations_are_diagnosed() {
    insta::glob!("../../../../testdata/config", "invalid/*.aml.hcl", |path| {
        let module = load(path);
        assert!(
            !module.diagnostics.is_empty(),
            "{} produced no diagnostic",
            path.display()
        );
        insta::assert_snapshot!(
            module
                .diagnostics
                .render(&module.sources, RenderStyle::PLAIN)
        );
    });
}

#[test]
fn several_independent_errors_are_reported_in_one_run() {
    let text = r#"
workspace "w" {
  name           = "ml-ws"
  resource_group = "rg"
  location       = "eastus"
  endpoint       = "embedded"
}

aml_compute "a" {
  name      = "x"
  vm_size   = "STANDARD_D2_V2"
  min_nodes = 3
  max_nodes = 1
}

compute_instance "b" {
  vm_size = "STANDARD_D3_V2"
  colour  = "blue"
}

remote_compute "c" {
  resource_id = "/not/an/id"
  username    = "u"
  password    = "p"
}
"#;
    let module = Module::load_sources(
        vec![("main.aml.hcl".into(), text.into())],
        Path::new("."),
        &[],
        &LoadOptions::default(),
    );
    let codes: Vec<&str> = module.diagnostics.iter().map(|d| d.code).collect();
    for expected in ["AML101", "AML105", "AML003", "AML108", "AML110"] {
        assert!(
            codes.contains(&expected),
            "{expected} missing from {codes:?}"
        );
    }
    assert!(module.diagnostics.error_count() >= 4);
}

#[test]
fn variables_come_from_files_the_command_line_and_the_environment_in_precedence_order() {
    let temp = tempdir();
    let dir = temp.path();
    std::fs::write(
        dir.join("main.aml.hcl"),
        "variable \"a\" { default = \"default\" }\nvariable \"b\" { default = \"default\" }\nvariable \"c\" { default = \"default\" }\nvariable \"d\" { type = number }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("auto.amlvars.hcl"),
        "a = \"auto-file\"\nb = \"auto-file\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("extra.vars"), "b = \"var-file\"\n").unwrap();
    let options = LoadOptions {
        var_files: vec!["extra.vars".into()],
        vars: vec![("d".into(), "7".into())],
        env: vec![("a".into(), "env".into()), ("c".into(), "env".into())],
        ..LoadOptions::default()
    };
    let module = Module::load_dir(dir, &options).unwrap();
    assert!(module.diagnostics.is_empty(), "{:?}", module.diagnostics);
    let value = |name: &str| module.evaluated.variables[name].value.to_string();
    assert_eq!(value("a"), "\"auto-file\"");
    assert_eq!(value("b"), "\"var-file\"");
    assert_eq!(value("c"), "\"env\"");
    assert_eq!(value("d"), "7");
}

fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("amlform-lang-test-")
        .tempdir()
        .unwrap()
}

#[test]
fn type_errors_never_show_a_secret() {
    let text = "variable \"flag\" {\n  type      = bool\n  sensitive = true\n}\n";
    let options = LoadOptions {
        vars: vec![("flag".into(), "canary-secret".into())],
        ..LoadOptions::default()
    };
    let module = Module::load_sources(
        vec![("main.aml.hcl".into(), text.into())],
        Path::new("."),
        &[],
        &options,
    );
    let rendered = module
        .diagnostics
        .render(&module.sources, RenderStyle::PLAIN);
    assert!(
        rendered.contains("invalid value for variable `flag`"),
        "{rendered}"
    );
    assert!(!rendered.contains("canary"), "a secret leaked:\n{rendered}");
}
