//! `module "NAME" { source = "./modules/ml-team", <inputs>, count | for_each, depends_on,
//! workspace = workspace.LABEL }`: a directory of configuration used as a block. Only local
//! paths are sources; every other attribute is an input (one of the module's variables).

use super::{Loader, static_traversal};
use crate::codes;
use crate::config::{AttributeDef, ModuleBlock};
use crate::diagnostic::Diagnostic;
use crate::parsed_body::{ParsedBlock, ParsedItem};
use crate::source_map::Span;
use hcl_edit::expr::{Expression, ObjectKey};

impl Loader {
    pub(super) fn module(&mut self, block: ParsedBlock) {
        let Some((name, label_span)) = self.labels(&block, 1, "name") else {
            return;
        };
        let mut module = ModuleBlock {
            name,
            label_span,
            source: None,
            inputs: Vec::new(),
            count: None,
            for_each: None,
            depends_on: Vec::new(),
            workspace: None,
            workspaces: Vec::new(),
        };
        let mut source_written = false;
        for item in block.body.items {
            let attribute = match item {
                ParsedItem::Attribute(attribute) => attribute,
                ParsedItem::Block(nested) => {
                    self.error(
                        Diagnostic::error(
                            codes::UNKNOWN_BLOCK,
                            format!("a `module` block has no block `{}`", nested.ident),
                        )
                        .at(nested.ident_span)
                        .hint("give the module its inputs as attributes: `name = value`"),
                    );
                    continue;
                }
            };
            match attribute.key.as_str() {
                "source" => {
                    source_written = true;
                    match &attribute.value.expr {
                        Expression::String(text)
                            if text.starts_with("./") || text.starts_with("../") =>
                        {
                            module.source = Some((text.value().clone(), attribute.value.span()));
                        }
                        _ => self.error(
                            Diagnostic::error(
                                codes::NOT_ALLOWED,
                                "a module's `source` must be a local path",
                            )
                            .at(attribute.value.span())
                            .hint("write `source = \"./modules/<name>\"` (a directory beside this file, starting with ./ or ../); registries and git sources are not supported"),
                        ),
                    }
                }
                "count" => module.count = Some(Box::new(attribute.value)),
                "for_each" => module.for_each = Some(Box::new(attribute.value)),
                "depends_on" => {
                    let definition = AttributeDef {
                        name: "depends_on",
                        key_span: attribute.key_span,
                        value: attribute.value,
                    };
                    module.depends_on = self.depends_on(&definition);
                }
                "workspace" => match static_traversal(&attribute.value.expr).as_deref() {
                    Some([root, label]) if root == "workspace" => {
                        module.workspace = Some((label.clone(), attribute.value.span()));
                    }
                    _ => self.error(
                        Diagnostic::error(
                            codes::INVALID_REFERENCE,
                            "`workspace` must refer to a workspace block",
                        )
                        .at(attribute.value.span())
                        .hint(
                            "write `workspace = workspace.<label>`: the module's computes go there",
                        ),
                    ),
                },
                "workspaces" => module.workspaces = self.module_workspaces(&attribute.value),
                _ => module
                    .inputs
                    .push((attribute.key, attribute.key_span, attribute.value)),
            }
        }
        if module.source.is_none() {
            if source_written {
                return; // the source it has was reported
            }
            self.error(
                Diagnostic::error(
                    codes::MISSING_ATTRIBUTE,
                    format!("module `{}` has no `source`", module.name),
                )
                .at(module.label_span.clone())
                .hint("add `source = \"./modules/<name>\"`"),
            );
            return;
        }
        if let (Some(count), Some(_)) = (&module.count, &module.for_each) {
            self.error(
                Diagnostic::error(
                    codes::COUNT_AND_FOR_EACH,
                    "`count` and `for_each` cannot both be set",
                )
                .at(count.span())
                .hint("use `for_each` for named instances or `count` for numbered ones, not both"),
            );
        }
        self.config.modules.push(module);
    }

    /// `{ NAME = workspace.LABEL, ... }`, each entry checked to be a workspace reference.
    fn module_workspaces(&mut self, value: &crate::config::Expr) -> Vec<(String, String, Span)> {
        let mut out = Vec::new();
        let Expression::Object(object) = &value.expr else {
            self.error(
                Diagnostic::error(codes::WRONG_TYPE, "`workspaces` must be an object of workspaces")
                    .at(value.span())
                    .hint("write `workspaces = { gpu = workspace.gpu_ws }`: inside the module, `workspace = workspace.gpu` names it"),
            );
            return out;
        };
        for (key, entry) in object.iter() {
            let name = match key {
                ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                ObjectKey::Expression(Expression::String(text)) => text.value().clone(),
                ObjectKey::Expression(Expression::Variable(ident)) => ident.as_str().to_owned(),
                _ => continue,
            };
            match static_traversal(entry.expr()).as_deref() {
                Some([root, label]) if root == "workspace" => {
                    out.push((name, label.clone(), value.origin.span(entry.expr())));
                }
                _ => self.error(
                    Diagnostic::error(
                        codes::INVALID_REFERENCE,
                        format!("`workspaces.{name}` must refer to a workspace block"),
                    )
                    .at(value.origin.span(entry.expr()))
                    .hint("write `workspace.<label>`"),
                ),
            }
        }
        out
    }
}
