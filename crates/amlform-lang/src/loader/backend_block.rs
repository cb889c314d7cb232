//! `backend "azurerm" { ... }`: where the state lives, with Terraform's names. Its settings are
//! literal values, read before anything is evaluated (Terraform's rule too), so every
//! command knows its state before the configuration is evaluated.

use std::collections::BTreeMap;

use super::Loader;
use crate::codes;
use crate::config::BackendBlock;
use crate::diagnostic::Diagnostic;
use crate::parsed_body::ParsedBlock;
use crate::value::Value;
use hcl_edit::expr::Expression;

/// The settings of an `azurerm` backend; the first three are required.
pub const AZURERM_SETTINGS: &[&str] = &[
    "storage_account_name",
    "container_name",
    "key",
    "endpoint",
    "access_key",
    "sas_token",
    "credential",
    "environment",
    "use_azuread_auth",
    // Terraform's backend uses these to look up an account key through ARM; amlform signs
    // in with `access_key`, `sas_token` or Entra ID, and accepts them so a Terraform
    // configuration's block reads unchanged.
    "resource_group_name",
    "subscription_id",
];
const REQUIRED: &[&str] = &["storage_account_name", "container_name", "key"];
const SECRETS: &[&str] = &["access_key", "sas_token"];

impl Loader {
    pub(super) fn backend(&mut self, block: ParsedBlock) {
        let Some((kind, kind_span)) = self.labels(&block, 1, "type") else {
            return;
        };
        let allowed: &[&'static str] = match kind.as_str() {
            "azurerm" => AZURERM_SETTINGS,
            "local" => &[],
            _ => {
                self.error(
                    Diagnostic::error(codes::BACKEND, format!("unknown backend type `{kind}`"))
                        .at(kind_span)
                        .hint("amlform keeps state locally (no backend block) or in Azure Blob Storage: `backend \"azurerm\" { ... }`"),
                );
                return;
            }
        };
        let context = format!("a `{kind}` backend");
        let (attributes, _) = self.attributes(block.body, &context, allowed, &[]);
        // Secrets first, so no diagnostic below can show one.
        for name in SECRETS {
            if let Some(Expression::String(text)) = attributes.get(name).map(|a| &a.value.expr) {
                self.diagnostics
                    .add_secrets(&Value::String(text.value().to_string()));
            }
        }
        let mut settings = BTreeMap::new();
        for (name, attribute) in &attributes {
            let value = match &attribute.value.expr {
                Expression::String(text) => text.value().to_string(),
                Expression::Bool(flag) if *name == "use_azuread_auth" => flag.value().to_string(),
                _ => {
                    self.error(
                        Diagnostic::error(
                            codes::BACKEND,
                            format!("the backend's `{name}` must be a literal value"),
                        )
                        .at(attribute.value.span())
                        .label("not a literal")
                        .hint("a backend is read before variables and locals are; write the value itself, or pass a credential through the environment (ARM_ACCESS_KEY, ARM_SAS_TOKEN)"),
                    );
                    continue;
                }
            };
            if SECRETS.contains(name) {
                self.error(
                    Diagnostic::warning(
                        codes::BACKEND,
                        format!("the backend's `{name}` is written in the configuration"),
                    )
                    .at(attribute.key_span.clone())
                    .hint(format!(
                        "anyone who reads the repository can use it; set {} in the environment instead",
                        if *name == "access_key" { "ARM_ACCESS_KEY" } else { "ARM_SAS_TOKEN" }
                    )),
                );
            }
            settings.insert(name.to_string(), value);
        }
        if kind == "azurerm" {
            let missing: Vec<&str> = REQUIRED
                .iter()
                .copied()
                .filter(|name| !attributes.contains_key(name))
                .collect();
            if !missing.is_empty() {
                self.error(
                    Diagnostic::error(
                        codes::BACKEND,
                        format!("the `azurerm` backend needs {}", missing.join(", ")),
                    )
                    .at(kind_span.clone())
                    .hint("write `storage_account_name`, `container_name` and `key` (the state's blob name)"),
                );
                return;
            }
        }
        self.config.backends.push(BackendBlock {
            kind,
            kind_span,
            settings,
        });
    }

    /// One backend at most. An `azurerm` backend without `endpoint` or `environment` is in
    /// the workspaces' cloud, when they all name the same one.
    pub(super) fn check_backends(&mut self) {
        let clouds: std::collections::BTreeSet<String> = (self.config.workspaces.iter())
            .map(
                |workspace| match workspace.attributes.get("cloud").map(|a| &a.value.expr) {
                    Some(Expression::String(cloud)) => cloud.value().to_string(),
                    _ => "public".to_owned(),
                },
            )
            .collect();
        if let (Some(backend), [cloud]) = (
            self.config.backends.first_mut(),
            clouds.into_iter().collect::<Vec<_>>().as_slice(),
        ) && backend.kind == "azurerm"
            && !backend.settings.contains_key("endpoint")
            && !backend.settings.contains_key("environment")
            && cloud != "public"
        {
            backend
                .settings
                .insert("environment".to_owned(), cloud.clone());
        }
        if let [first, second, ..] = self.config.backends.as_slice() {
            let diagnostic = Diagnostic::error(codes::BACKEND, "a second `backend` block")
                .at(second.kind_span.clone())
                .hint(format!(
                    "a configuration has one backend; the first is the `{}` one",
                    first.kind
                ));
            self.error(diagnostic);
        }
    }
}
