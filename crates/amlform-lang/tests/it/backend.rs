//! The `backend` block: Terraform's `azurerm` names, literal settings, secrets masked.

use amlform_lang::{LoadOptions, Module, RenderStyle};

fn load(text: &str) -> Module {
    Module::load_sources(
        vec![("main.aml.hcl".into(), text.to_owned())],
        std::path::Path::new("."),
        &[],
        &LoadOptions::default(),
    )
}

fn errors(module: &Module) -> String {
    module
        .diagnostics
        .render(&module.sources, RenderStyle::PLAIN)
}

#[test]
fn an_azurerm_backend_is_read_with_terraforms_names() {
    let module = load(
        "backend \"azurerm\" {\n  storage_account_name = \"mlplatformstate\"\n  container_name       = \"amlform\"\n  key                  = \"prod.amlstate\"\n  endpoint             = \"http://127.0.0.1:10000/devstoreaccount1\"\n  use_azuread_auth     = true\n}\n",
    );
    assert!(!module.diagnostics.has_errors(), "{}", errors(&module));
    let backend = module.backend.expect("a backend");
    assert_eq!(backend.kind, "azurerm");
    assert_eq!(backend.settings["key"], "prod.amlstate");
    assert_eq!(backend.settings["use_azuread_auth"], "true");
}

#[test]
fn a_backend_that_cannot_be_used_is_an_error_at_its_line() {
    for (text, expected) in [
        ("backend \"s3\" {\n}\n", "unknown backend type `s3`"),
        (
            "backend \"azurerm\" {\n  storage_account_name = \"a\"\n  container_name = \"c\"\n}\n",
            "needs key",
        ),
        (
            "variable \"k\" {\n  default = \"x\"\n}\nbackend \"azurerm\" {\n  storage_account_name = \"a\"\n  container_name = \"c\"\n  key = var.k\n}\n",
            "`key` must be a literal value",
        ),
        (
            "backend \"azurerm\" {\n  storage_account_name = \"a\"\n  container_name = \"c\"\n  key = \"k\"\n  lease_seconds = 5\n}\n",
            "has no attribute `lease_seconds`",
        ),
        (
            "backend \"local\" {\n}\nbackend \"local\" {\n}\n",
            "a second `backend` block",
        ),
    ] {
        let module = load(text);
        let shown = errors(&module);
        assert!(module.diagnostics.has_errors(), "{text}");
        assert!(shown.contains(expected), "{text}\n{shown}");
        assert!(
            shown.contains("main.aml.hcl:"),
            "points at the file: {shown}"
        );
    }
}

/// An access key written in the block is a warning, and no diagnostic (source snippets
/// included) shows it.
#[test]
fn an_access_key_in_the_block_is_never_shown() {
    let key = "c2VjcmV0LWNhbmFyeS1rZXktdGhhdC1tdXN0LW5vdC1sZWFr";
    let module = load(&format!(
        "backend \"azurerm\" {{\n  storage_account_name = \"a\"\n  container_name = \"c\"\n  key = \"k\"\n  access_key = \"{key}\"\n  sas_token = 3\n}}\n"
    ));
    let shown = errors(&module);
    assert!(shown.contains("ARM_ACCESS_KEY"), "{shown}");
    assert!(shown.contains("`sas_token` must be a literal"), "{shown}");
    assert!(!shown.contains(key), "{shown}");
}

/// Without `endpoint` or `environment`, the backend is in the workspaces' cloud.
#[test]
fn a_backend_without_an_endpoint_is_in_the_workspaces_cloud() {
    let module = load(
        "backend \"azurerm\" {\n  storage_account_name = \"a\"\n  container_name = \"c\"\n  key = \"k\"\n}\nworkspace \"gov\" {\n  subscription_id = \"00000000-0000-0000-0000-000000000000\"\n  name = \"w\"\n  resource_group = \"r\"\n  location = \"usgovvirginia\"\n  cloud = \"usgovernment\"\n}\n",
    );
    assert!(!module.diagnostics.has_errors(), "{}", errors(&module));
    let backend = module.backend.expect("a backend");
    assert_eq!(backend.settings["environment"], "usgovernment");
}
