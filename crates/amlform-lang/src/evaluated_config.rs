//! The configuration after evaluation: every compute instance with typed attribute values,
//! defaults applied and unknown ("known after apply") values marked.

use crate::config::Lifecycle;
use crate::source_map::Span;
use crate::value::Value;
use amlform_schema::AttributeMap;
use amlform_schema::ComputeKind;
use std::collections::BTreeMap;
use std::fmt::{self, Write};

#[derive(Debug, Default)]
pub struct EvaluatedConfig {
    pub workspaces: BTreeMap<String, EvaluatedWorkspace>,
    pub variables: BTreeMap<String, EvaluatedVariable>,
    pub locals: BTreeMap<String, Value>,
    /// Each root `module` block's value: its outputs (a list or map of them with `count` or
    /// `for_each`), as `module.NAME` reads it.
    pub modules: BTreeMap<String, Value>,
    /// Locals whose value derives from a sensitive variable.
    pub sensitive_locals: std::collections::BTreeSet<String>,
    /// Keyed by instance address, e.g. `aml_compute.cpu["gpu"]`.
    pub computes: BTreeMap<String, ComputeInstance>,
    pub outputs: BTreeMap<String, EvaluatedOutput>,
    pub imports: Vec<EvaluatedImport>,
    /// `moved` blocks, in the order written (a chain `a -> b`, `b -> c` moves `a` to `c`).
    pub moves: Vec<EvaluatedMove>,
    /// `removed` blocks.
    pub removals: Vec<EvaluatedRemoval>,
}

/// A block or instance that the configuration now declares under another address.
#[derive(Debug, Clone)]
pub struct EvaluatedMove {
    pub from: String,
    pub to: String,
    pub from_span: Span,
    pub to_span: Span,
}

/// A block that left the configuration on purpose: forget its computes (`destroy = false`), or
/// remove them as deleting the block would.
#[derive(Debug, Clone)]
pub struct EvaluatedRemoval {
    pub from: String,
    pub destroy: bool,
    pub from_span: Span,
}

impl EvaluatedRemoval {
    /// Whether `address` (an instance) is what this block removes.
    pub fn covers(&self, address: &str) -> bool {
        address == self.from || crate::loader::block_of(address) == self.from
    }
}

#[derive(Debug)]
pub struct EvaluatedWorkspace {
    pub label: String,
    pub label_span: Span,
    pub attributes: BTreeMap<String, Value>,
}

impl EvaluatedWorkspace {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }
}

#[derive(Debug)]
pub struct EvaluatedVariable {
    pub value: Value,
    pub sensitive: bool,
}

#[derive(Debug)]
pub struct EvaluatedOutput {
    pub value: Value,
    pub sensitive: bool,
}

#[derive(Debug)]
pub struct EvaluatedImport {
    pub to: String,
    pub id: Value,
}

/// One compute, after `count` / `for_each` expansion.
#[derive(Debug)]
pub struct ComputeInstance {
    pub address: String,
    pub kind: &'static ComputeKind,
    /// Label of the `workspace` block it lives in.
    pub workspace: String,
    /// Attached (detach on removal) rather than created by the workspace.
    pub attached: bool,
    /// The kind's attributes that have a value, set or defaulted, and the computed ones; an
    /// attribute of the kind that is not here is null. Keyed by the schema's names.
    pub attributes: AttributeMap<&'static str, EvaluatedAttribute>,
    /// Addresses of the compute blocks this one depends on (references and `depends_on`).
    pub depends_on: Vec<String>,
    pub lifecycle: Lifecycle,
    pub label_span: Span,
}

impl ComputeInstance {
    pub fn value(&self, name: &str) -> &Value {
        self.attributes.get(name).map_or(&Value::Null, |a| &a.value)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.value(name).as_str()
    }

    /// Where an attribute's value is written, or the block label when it was defaulted.
    pub fn span_of(&self, name: &str) -> Span {
        self.attributes
            .get(name)
            .and_then(|a| a.span.clone())
            .unwrap_or_else(|| self.label_span.clone())
    }

    /// A setting (not a computed value such as `id`) whose value is known only after apply.
    pub fn unknown_setting(&self) -> Option<&'static str> {
        (self.attributes.iter())
            .find(|(name, attribute)| {
                attribute.value.is_unknown() && self.kind.attribute(name).is_some()
            })
            .map(|(name, _)| *name)
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.attributes.get(name).is_some_and(|a| a.span.is_some())
    }
}

#[derive(Debug, Clone)]
pub struct EvaluatedAttribute {
    pub value: Value,
    /// A secret, or derived from a sensitive variable: shown as `(sensitive value)`.
    pub sensitive: bool,
    /// The value expression; `None` when the value is a default or computed.
    pub span: Option<Span>,
}

/// What a secret is shown as, everywhere.
pub(crate) const REDACTED: &str = "(sensitive value)";

impl fmt::Display for EvaluatedConfig {
    /// A stable, redacted text form: what `validate` snapshots and debugging show.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for workspace in self.workspaces.values() {
            writeln!(f, "workspace \"{}\"", workspace.label)?;
            for (name, value) in &workspace.attributes {
                writeln!(f, "  {name} = {value}")?;
            }
        }
        for (name, variable) in &self.variables {
            let value = if variable.sensitive {
                REDACTED.to_owned()
            } else {
                variable.value.to_string()
            };
            writeln!(f, "var.{name} = {value}")?;
        }
        for (name, value) in &self.locals {
            writeln!(f, "local.{name} = {value}")?;
        }
        for compute in self.computes.values() {
            let mode = if compute.attached {
                "attached"
            } else {
                "created"
            };
            writeln!(
                f,
                "{} ({}, workspace \"{}\")",
                compute.address, mode, compute.workspace
            )?;
            let width = (compute.kind.attributes.iter().map(|a| a.name))
                .chain(compute.kind.computed.iter().copied())
                .map(str::len)
                .max()
                .unwrap_or(0);
            for (name, attribute) in &compute.attributes {
                if attribute.value == Value::Null {
                    continue;
                }
                let mut value = if attribute.sensitive {
                    REDACTED.to_owned()
                } else {
                    attribute.value.to_string()
                };
                if attribute.span.is_none() && attribute.value != Value::Unknown {
                    value.push_str("  # default");
                }
                writeln!(f, "  {name:width$} = {value}")?;
            }
            if !compute.depends_on.is_empty() {
                writeln!(f, "  depends_on: {}", compute.depends_on.join(", "))?;
            }
            let lifecycle = &compute.lifecycle;
            if *lifecycle != Lifecycle::default() {
                let mut text = String::new();
                if lifecycle.prevent_destroy {
                    text.push_str(" prevent_destroy");
                }
                if lifecycle.create_before_destroy {
                    text.push_str(" create_before_destroy");
                }
                if !lifecycle.ignore_changes.is_empty() {
                    write!(
                        text,
                        " ignore_changes=[{}]",
                        lifecycle.ignore_changes.join(", ")
                    )?;
                }
                writeln!(f, "  lifecycle:{text}")?;
            }
        }
        for (name, output) in &self.outputs {
            let value = if output.sensitive {
                REDACTED.to_owned()
            } else {
                output.value.to_string()
            };
            writeln!(f, "output.{name} = {value}")?;
        }
        for import in &self.imports {
            writeln!(f, "import {} id = {}", import.to, import.id)?;
        }
        Ok(())
    }
}
