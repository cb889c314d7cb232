//! Configuration written for computes that exist but that no block declares (`amlform
//! adopt`, `plan -generate-config-out`): a block per compute with the values the service
//! reports, an `import` block for it, and a sensitive `variable` for each secret it needs
//! (the service never returns one, and a value is never written). Formatted as `fmt` would.

use std::fmt::Write;

use amlform_schema::ComputeKind;

use crate::value::Value;

/// One compute to write.
#[derive(Debug, Clone)]
pub struct GeneratedCompute {
    pub kind: &'static ComputeKind,
    pub label: String,
    /// `workspace = workspace.LABEL`, when the configuration has more than one.
    pub workspace: Option<String>,
    /// The compute's ARM id, for its `import` block; `None` when one exists already.
    pub import_id: Option<String>,
    /// What the comment above the block says of where it came from.
    pub origin: String,
    pub settings: Vec<(&'static str, Setting)>,
}

/// An attribute's value as written.
#[derive(Debug, Clone)]
pub enum Setting {
    Literal(Value),
    /// `var.NAME`, declared sensitive with this description.
    Secret {
        variable: String,
        description: String,
    },
}

/// The file's text: a header, then each compute's variables, block and import, formatted.
pub fn render_generated(header: &str, computes: &[GeneratedCompute]) -> String {
    let mut out = String::new();
    for line in header.lines() {
        let _ = writeln!(out, "# {line}");
    }
    for compute in computes {
        out.push('\n');
        for (_, setting) in &compute.settings {
            if let Setting::Secret {
                variable,
                description,
            } = setting
            {
                let _ = writeln!(
                    out,
                    "variable \"{variable}\" {{\n  type = string\n  sensitive = true\n  description = {}\n}}\n",
                    Value::String(description.clone())
                );
            }
        }
        let _ = writeln!(out, "# {}", compute.origin);
        let _ = writeln!(out, "{} \"{}\" {{", compute.kind.block_name, compute.label);
        if let Some(workspace) = &compute.workspace {
            let _ = writeln!(out, "  workspace = workspace.{workspace}");
        }
        for (name, setting) in &compute.settings {
            let value = match setting {
                Setting::Literal(value) => value.to_string(),
                Setting::Secret { variable, .. } => format!("var.{variable}"),
            };
            let _ = writeln!(out, "  {name} = {value}");
        }
        out.push_str("}\n");
        if let Some(id) = &compute.import_id {
            let _ = writeln!(
                out,
                "\nimport {{\n  to = {}.{}\n  id = {}\n}}",
                compute.kind.block_name,
                compute.label,
                Value::String(id.clone())
            );
        }
    }
    crate::format_source(&out).unwrap_or(out)
}

/// A block label for a compute name: the name itself when it is one (a compute name is
/// letters, digits and hyphens), else with every other character as `_`.
pub fn label_for(name: &str) -> String {
    let mut label: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !label.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        label.insert(0, '_');
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_file_parses_and_holds_no_secret_value() {
        let kind = amlform_schema::compute_kind("databricks_compute").unwrap();
        let text = render_generated(
            "Adopted by amlform.",
            &[GeneratedCompute {
                kind,
                label: label_for("dbx-1"),
                workspace: Some("dev".to_owned()),
                import_id: Some("/subscriptions/s/computes/dbx-1".to_owned()),
                origin: "compute `dbx-1` of workspace dev".to_owned(),
                settings: vec![
                    ("name", Setting::Literal(Value::from("dbx-1"))),
                    (
                        "access_token",
                        Setting::Secret {
                            variable: "dbx-1_access_token".to_owned(),
                            description: "the service never returns it".to_owned(),
                        },
                    ),
                ],
            }],
        );
        assert!(hcl_edit::parser::parse_body(&text).is_ok(), "{text}");
        assert!(text.contains("databricks_compute \"dbx-1\" {"), "{text}");
        assert!(
            text.contains("  access_token = var.dbx-1_access_token\n"),
            "{text}"
        );
        assert!(text.contains("  sensitive   = true\n"), "{text}");
        assert!(text.contains("  to = databricks_compute.dbx-1\n"), "{text}");
        assert_eq!(label_for("9lives.x"), "_9lives_x");
    }
}
