//! Parsing files into a [`Config`], collecting every problem instead of stopping at the first.

use crate::codes;
use crate::config::{
    AttributeDef, ComputeBlock, Config, Expr, ImportBlock, Lifecycle, LocalDef, OutputBlock,
    Validation, VariableBlock, WorkspaceBlock,
};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source_map::{FileId, SourceMap, Span};
use crate::suggest::{did_you_mean, hint_for};
use crate::type_constraint::TypeConstraint;
use amlform_schema::{COMPUTE_KINDS, META_ARGUMENTS, compute_kind, unsupported_kind};
use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};
use std::collections::BTreeMap;

const TOP_LEVEL_BLOCKS: &[&str] = &["workspace", "variable", "locals", "output", "import"];
pub(crate) const WORKSPACE_ATTRIBUTES: &[&str] = &[
    "name",
    "subscription_id",
    "resource_group",
    "location",
    "endpoint",
    "credential",
    "cloud",
];

/// Parses every file of the source map into one configuration.
pub fn load(sources: &SourceMap) -> (Config, Diagnostics) {
    let mut loader = Loader::default();
    for (file, source) in sources.files() {
        match hcl_edit::parser::parse_body(&source.text) {
            Ok(body) => loader.body(file, &body),
            Err(error) => {
                let offset = error.location().offset().min(source.text.len());
                let end = source.text[offset..]
                    .chars()
                    .next()
                    .map_or(offset, |c| offset + c.len_utf8());
                loader.diagnostics.push(
                    Diagnostic::error(codes::SYNTAX, format!("syntax error: {}", error.message()))
                        .at(Span::new(file, offset..end))
                        .label("here")
                        .hint("fix the syntax; `amlform fmt` only formats files that parse"),
                );
            }
        }
    }
    loader.check_duplicates();
    loader.config.index();
    (loader.config, loader.diagnostics)
}

#[derive(Default)]
struct Loader {
    config: Config,
    diagnostics: Diagnostics,
}

fn span(file: FileId, item: &impl hcl_edit::Span) -> Span {
    Span::new(file, item.span().unwrap_or(0..0))
}

fn label_text(label: &BlockLabel) -> &str {
    match label {
        BlockLabel::Ident(ident) => ident.as_str(),
        BlockLabel::String(s) => s.as_str(),
    }
}

impl Loader {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn body(&mut self, file: FileId, body: &Body) {
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => self.error(
                    Diagnostic::error(
                        codes::UNKNOWN_ATTRIBUTE,
                        format!(
                            "attribute `{}` is not allowed at the top level",
                            attribute.key.as_str()
                        ),
                    )
                    .at(span(file, &attribute.key))
                    .hint("put it inside a block, or declare it in a `locals` block"),
                ),
                Structure::Block(block) => self.top_level_block(file, block),
            }
        }
    }

    fn top_level_block(&mut self, file: FileId, block: &Block) {
        let name = block.ident.as_str();
        let ident_span = span(file, &block.ident);
        match name {
            "workspace" => self.workspace(file, block),
            "variable" => self.variable(file, block),
            "locals" => self.locals(file, block),
            "output" => self.output(file, block),
            "import" => self.import(file, block),
            _ => {
                if let Some(kind) = compute_kind(name) {
                    self.compute(file, block, kind);
                } else if let Some(unsupported) = unsupported_kind(name) {
                    self.error(
                        Diagnostic::error(
                            codes::UNSUPPORTED_KIND,
                            format!(
                                "`{name}` declares {}, which {}",
                                unsupported.what, unsupported.reason
                            ),
                        )
                        .at(ident_span)
                        .label("not a manageable compute target")
                        .hint(unsupported.hint),
                    );
                } else {
                    let candidates: Vec<&str> = TOP_LEVEL_BLOCKS
                        .iter()
                        .copied()
                        .chain(COMPUTE_KINDS.iter().map(|k| k.block_name))
                        .collect();
                    let hint = hint_for(name, &candidates, || {
                        format!("blocks are {}", candidates.join(", "))
                    });
                    self.error(
                        Diagnostic::error(
                            codes::UNKNOWN_BLOCK,
                            format!("unknown block type `{name}`"),
                        )
                        .at(ident_span)
                        .hint(hint),
                    );
                }
            }
        }
    }

    /// Checks the block has exactly `expected` labels; returns the first one.
    fn labels(
        &mut self,
        file: FileId,
        block: &Block,
        expected: usize,
        what: &str,
    ) -> Option<(String, Span)> {
        if block.labels.len() != expected {
            let message = match expected {
                0 => format!("a `{}` block takes no label", block.ident.as_str()),
                _ => format!(
                    "a `{}` block takes one label: its {what}",
                    block.ident.as_str()
                ),
            };
            let at = block
                .labels
                .get(expected)
                .map_or_else(|| span(file, &block.ident), |l| span(file, l));
            let example = match expected {
                0 => format!("write `{} {{ ... }}`", block.ident.as_str()),
                _ => format!("write `{} \"{what}\" {{ ... }}`", block.ident.as_str()),
            };
            self.error(
                Diagnostic::error(codes::BLOCK_LABELS, message)
                    .at(at)
                    .hint(example),
            );
            return None;
        }
        block
            .labels
            .first()
            .map(|label| (label_text(label).to_owned(), span(file, label)))
            .or(Some((String::new(), span(file, &block.ident))))
    }

    /// Collects a body's attributes, reporting unknown ones and nested blocks not in `blocks`.
    fn attributes<'b>(
        &mut self,
        file: FileId,
        body: &'b Body,
        context: &str,
        allowed: &[&str],
        blocks: &[&str],
    ) -> (BTreeMap<String, AttributeDef>, Vec<&'b Block>) {
        let mut attributes = BTreeMap::new();
        let mut nested = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let name = attribute.key.as_str();
                    if !allowed.contains(&name) {
                        let hint = hint_for(name, allowed, || {
                            format!("{context} takes: {}", allowed.join(", "))
                        });
                        self.error(
                            Diagnostic::error(
                                codes::UNKNOWN_ATTRIBUTE,
                                format!("{context} has no attribute `{name}`"),
                            )
                            .at(span(file, &attribute.key))
                            .hint(hint),
                        );
                        continue;
                    }
                    attributes.insert(
                        name.to_owned(),
                        AttributeDef {
                            name: name.to_owned(),
                            key_span: span(file, &attribute.key),
                            value: Expr {
                                file,
                                expr: attribute.value.clone(),
                            },
                        },
                    );
                }
                Structure::Block(block) => {
                    let name = block.ident.as_str();
                    if blocks.contains(&name) {
                        nested.push(block);
                    } else {
                        let as_attribute = allowed.contains(&name);
                        let hint = if as_attribute {
                            format!("`{name}` is an attribute: write `{name} = ...`")
                        } else {
                            let mut candidates = blocks.to_vec();
                            candidates.extend_from_slice(allowed);
                            hint_for(name, &candidates, || match blocks {
                                [] => format!("{context} takes no nested blocks"),
                                _ => format!("{context} takes the blocks: {}", blocks.join(", ")),
                            })
                        };
                        self.error(
                            Diagnostic::error(
                                codes::UNKNOWN_BLOCK,
                                format!("{context} has no block `{name}`"),
                            )
                            .at(span(file, &block.ident))
                            .hint(hint),
                        );
                    }
                }
            }
        }
        (attributes, nested)
    }

    fn literal_bool(&mut self, attribute: Option<&AttributeDef>) -> bool {
        let Some(attribute) = attribute else {
            return false;
        };
        match &attribute.value.expr {
            Expression::Bool(b) => *b.value(),
            _ => {
                self.error(
                    Diagnostic::error(
                        codes::WRONG_TYPE,
                        format!("`{}` must be a literal `true` or `false`", attribute.name),
                    )
                    .at(attribute.value.span())
                    .hint("it is read before anything is evaluated, so it cannot be an expression"),
                );
                false
            }
        }
    }

    fn literal_string(&mut self, attribute: Option<&AttributeDef>) -> Option<String> {
        let attribute = attribute?;
        match &attribute.value.expr {
            Expression::String(s) => Some(s.value().clone()),
            _ => {
                self.error(
                    Diagnostic::error(
                        codes::WRONG_TYPE,
                        format!("`{}` must be a literal string", attribute.name),
                    )
                    .at(attribute.value.span())
                    .hint("write it as \"text\""),
                );
                None
            }
        }
    }

    fn workspace(&mut self, file: FileId, block: &Block) {
        let Some((label, label_span)) = self.labels(file, block, 1, "name") else {
            return;
        };
        let (attributes, _) = self.attributes(
            file,
            &block.body,
            "a `workspace` block",
            WORKSPACE_ATTRIBUTES,
            &[],
        );
        self.config.workspaces.push(WorkspaceBlock {
            label,
            label_span,
            attributes,
        });
    }

    fn variable(&mut self, file: FileId, block: &Block) {
        let Some((name, label_span)) = self.labels(file, block, 1, "name") else {
            return;
        };
        let allowed = ["type", "default", "description", "sensitive"];
        let (mut attributes, nested) = self.attributes(
            file,
            &block.body,
            "a `variable` block",
            &allowed,
            &["validation"],
        );
        let ty = match attributes.remove("type") {
            None => TypeConstraint::Any,
            Some(attribute) => TypeConstraint::parse(&attribute.value.expr).unwrap_or_else(|message| {
                self.error(
                    Diagnostic::error(codes::WRONG_TYPE, format!("invalid type for variable `{name}`: {message}"))
                        .at(attribute.value.span())
                        .hint("types are string, number, bool, any, list(T), set(T), map(T), object({...})"),
                );
                TypeConstraint::Any
            }),
        };
        let mut validations = Vec::new();
        for validation in nested {
            if self.labels(file, validation, 0, "").is_none() {
                continue;
            }
            let (mut attributes, _) = self.attributes(
                file,
                &validation.body,
                "a `validation` block",
                &["condition", "error_message"],
                &[],
            );
            match (
                attributes.remove("condition"),
                attributes.remove("error_message"),
            ) {
                (Some(condition), Some(error_message)) => validations.push(Validation {
                    condition: condition.value,
                    error_message: error_message.value,
                }),
                (condition, _) => {
                    let missing = if condition.is_none() {
                        "condition"
                    } else {
                        "error_message"
                    };
                    self.error(
                        Diagnostic::error(codes::MISSING_ATTRIBUTE, format!("a `validation` block needs `{missing}`"))
                            .at(span(file, &validation.ident))
                            .hint("write both `condition = <bool expression>` and `error_message = \"...\"`"),
                    );
                }
            }
        }
        let sensitive = self.literal_bool(attributes.get("sensitive"));
        let description = self.literal_string(attributes.get("description"));
        self.config.variables.push(VariableBlock {
            name,
            label_span,
            ty,
            default: attributes.remove("default").map(|a| a.value),
            description,
            sensitive,
            validations,
        });
    }

    fn locals(&mut self, file: FileId, block: &Block) {
        if self.labels(file, block, 0, "").is_none() {
            return;
        }
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(attribute) => self.config.locals.push(LocalDef {
                    name: attribute.key.as_str().to_owned(),
                    key_span: span(file, &attribute.key),
                    value: Expr {
                        file,
                        expr: attribute.value.clone(),
                    },
                }),
                Structure::Block(nested) => self.error(
                    Diagnostic::error(
                        codes::UNKNOWN_BLOCK,
                        "a `locals` block holds only attributes",
                    )
                    .at(span(file, &nested.ident))
                    .hint("write `name = value`; for a map write `name = { key = value }`"),
                ),
            }
        }
    }

    fn output(&mut self, file: FileId, block: &Block) {
        let Some((name, label_span)) = self.labels(file, block, 1, "name") else {
            return;
        };
        let (mut attributes, _) = self.attributes(
            file,
            &block.body,
            "an `output` block",
            &["value", "description", "sensitive"],
            &[],
        );
        let value = attributes.remove("value").map(|a| a.value);
        if value.is_none() {
            self.error(
                Diagnostic::error(
                    codes::MISSING_ATTRIBUTE,
                    format!("output `{name}` has no `value`"),
                )
                .at(label_span.clone())
                .hint("add `value = <expression>`"),
            );
        }
        let sensitive = self.literal_bool(attributes.get("sensitive"));
        let description = self.literal_string(attributes.get("description"));
        self.config.outputs.push(OutputBlock {
            name,
            label_span,
            value,
            description,
            sensitive,
        });
    }

    fn import(&mut self, file: FileId, block: &Block) {
        if self.labels(file, block, 0, "").is_none() {
            return;
        }
        let (mut attributes, _) =
            self.attributes(file, &block.body, "an `import` block", &["to", "id"], &[]);
        let block_span = span(file, &block.ident);
        let (Some(to), Some(id)) = (attributes.remove("to"), attributes.remove("id")) else {
            self.error(
                Diagnostic::error(
                    codes::MISSING_ATTRIBUTE,
                    "an `import` block needs `to` and `id`",
                )
                .at(block_span)
                .hint("write `to = aml_compute.cpu` and `id = \"<ARM id of the compute>\"`"),
            );
            return;
        };
        match static_traversal(&to.value.expr) {
            Some(parts) if parts.len() == 2 && compute_kind(&parts[0]).is_some() => {
                self.config.imports.push(ImportBlock {
                    to: parts.join("."),
                    to_span: to.value.span(),
                    id: id.value,
                });
            }
            _ => self.error(
                Diagnostic::error(codes::INVALID_REFERENCE, "`to` must name a compute block")
                    .at(to.value.span())
                    .hint("write it without quotes, e.g. `to = aml_compute.cpu`"),
            ),
        }
    }

    fn compute(&mut self, file: FileId, block: &Block, kind: &'static amlform_schema::ComputeKind) {
        let Some((label, label_span)) = self.labels(file, block, 1, "name") else {
            return;
        };
        let context = format!("`{}`", kind.block_name);
        let mut allowed: Vec<&str> = kind.attributes.iter().map(|a| a.name).collect();
        allowed.extend(META_ARGUMENTS.iter().filter(|m| **m != "lifecycle"));
        let mut blocks = vec!["lifecycle"];
        if kind.attribute("identity_type").is_some() {
            blocks.push("identity");
        }
        let (mut attributes, nested) =
            self.attributes(file, &block.body, &context, &allowed, &blocks);

        let workspace =
            attributes.remove("workspace").and_then(|attribute| {
                match static_traversal(&attribute.value.expr).as_deref() {
                    Some([root, label]) if root == "workspace" => {
                        Some((label.clone(), attribute.value.span()))
                    }
                    _ => {
                        self.error(
                            Diagnostic::error(
                                codes::INVALID_REFERENCE,
                                "`workspace` must refer to a workspace block",
                            )
                            .at(attribute.value.span())
                            .hint("write `workspace = workspace.<label>`"),
                        );
                        None
                    }
                }
            });
        let count = attributes.remove("count").map(|a| a.value);
        let for_each = attributes.remove("for_each").map(|a| a.value);
        if let (Some(count), Some(_)) = (&count, &for_each) {
            self.error(
                Diagnostic::error(
                    codes::COUNT_AND_FOR_EACH,
                    "`count` and `for_each` cannot both be set",
                )
                .at(count.span())
                .hint("use `for_each` for named instances or `count` for numbered ones, not both"),
            );
        }
        let depends_on = attributes
            .remove("depends_on")
            .map(|a| self.depends_on(&a))
            .unwrap_or_default();

        let mut lifecycle = Lifecycle::default();
        let mut seen_lifecycle = false;
        for nested_block in nested {
            match nested_block.ident.as_str() {
                "lifecycle" => {
                    if std::mem::replace(&mut seen_lifecycle, true) {
                        self.error(
                            Diagnostic::error(
                                codes::DUPLICATE,
                                "only one `lifecycle` block is allowed",
                            )
                            .at(span(file, &nested_block.ident))
                            .hint("merge the settings into the first `lifecycle` block"),
                        );
                    }
                    lifecycle = self.lifecycle(file, nested_block, kind);
                }
                _ => self.identity(file, nested_block, &mut attributes),
            }
        }
        self.config.computes.push(ComputeBlock {
            kind,
            label,
            label_span,
            attributes: attributes.into_iter().collect(),
            workspace,
            count,
            for_each,
            depends_on,
            lifecycle,
        });
    }

    fn depends_on(&mut self, attribute: &AttributeDef) -> Vec<(String, Span)> {
        let Expression::Array(items) = &attribute.value.expr else {
            self.error(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    "`depends_on` must be a list of compute addresses",
                )
                .at(attribute.value.span())
                .hint("write `depends_on = [aml_compute.cpu]`"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            let item_span = Span::new(attribute.value.file, item.span().unwrap_or(0..0));
            match static_traversal(item).as_deref() {
                Some([kind, label]) if compute_kind(kind).is_some() => {
                    out.push((format!("{kind}.{label}"), item_span));
                }
                _ => self.error(
                    Diagnostic::error(
                        codes::INVALID_REFERENCE,
                        "`depends_on` entries must name compute blocks",
                    )
                    .at(item_span)
                    .hint("write the address without quotes, e.g. `aml_compute.cpu`"),
                ),
            }
        }
        out
    }

    fn lifecycle(
        &mut self,
        file: FileId,
        block: &Block,
        kind: &amlform_schema::ComputeKind,
    ) -> Lifecycle {
        let allowed = ["prevent_destroy", "create_before_destroy", "ignore_changes"];
        let (attributes, _) =
            self.attributes(file, &block.body, "a `lifecycle` block", &allowed, &[]);
        let mut lifecycle = Lifecycle {
            prevent_destroy: self.literal_bool(attributes.get("prevent_destroy")),
            create_before_destroy: self.literal_bool(attributes.get("create_before_destroy")),
            ignore_changes: Vec::new(),
        };
        if let Some(attribute) = attributes.get("ignore_changes") {
            let names: Vec<&str> = kind.attributes.iter().map(|a| a.name).collect();
            match &attribute.value.expr {
                Expression::Variable(all) if all.as_str() == "all" => {
                    lifecycle.ignore_changes.push("all".into())
                }
                Expression::Array(items) => {
                    for item in items.iter() {
                        let item_span = Span::new(file, item.span().unwrap_or(0..0));
                        let name = match item {
                            Expression::Variable(ident) => Some(ident.as_str().to_owned()),
                            Expression::String(s) => Some(s.value().clone()),
                            _ => None,
                        };
                        match name {
                            Some(name) if names.contains(&name.as_str()) => lifecycle.ignore_changes.push(name),
                            Some(name) => {
                                let hint = hint_for(&name, &names, || format!("`{}` has: {}", kind.block_name, names.join(", ")));
                                self.error(
                                    Diagnostic::error(
                                        codes::UNKNOWN_ATTRIBUTE,
                                        format!("`ignore_changes` names `{name}`, which `{}` does not have", kind.block_name),
                                    )
                                    .at(item_span)
                                    .hint(hint),
                                );
                            }
                            None => self.error(
                                Diagnostic::error(codes::WRONG_TYPE, "`ignore_changes` lists attribute names")
                                    .at(item_span)
                                    .hint("write `ignore_changes = [tags, min_nodes]` or `ignore_changes = all`"),
                            ),
                        }
                    }
                }
                _ => self.error(
                    Diagnostic::error(
                        codes::WRONG_TYPE,
                        "`ignore_changes` must be a list of attribute names or `all`",
                    )
                    .at(attribute.value.span())
                    .hint("write `ignore_changes = [tags]`"),
                ),
            }
        }
        lifecycle
    }

    /// Folds `identity { type = ..., ids = [...] }` into `identity_type` and `identity_id`.
    fn identity(
        &mut self,
        file: FileId,
        block: &Block,
        attributes: &mut BTreeMap<String, AttributeDef>,
    ) {
        let (identity, _) = self.attributes(
            file,
            &block.body,
            "an `identity` block",
            &["type", "ids"],
            &[],
        );
        for (from, to) in [("type", "identity_type"), ("ids", "identity_id")] {
            let Some(attribute) = identity.get(from) else {
                continue;
            };
            if attributes.contains_key(to) {
                self.error(
                    Diagnostic::error(
                        codes::DUPLICATE,
                        format!("`{to}` is set both as an attribute and in the `identity` block"),
                    )
                    .at(attribute.key_span.clone())
                    .hint("keep one of the two forms"),
                );
                continue;
            }
            attributes.insert(
                to.to_owned(),
                AttributeDef {
                    name: to.to_owned(),
                    ..attribute.clone()
                },
            );
        }
    }

    fn check_duplicates(&mut self) {
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        let mut duplicates = Vec::new();
        let config = &self.config;
        let entries = config
            .workspaces
            .iter()
            .map(|w| (format!("workspace \"{}\"", w.label), &w.label_span))
            .chain(
                config
                    .variables
                    .iter()
                    .map(|v| (format!("variable \"{}\"", v.name), &v.label_span)),
            )
            .chain(
                config
                    .locals
                    .iter()
                    .map(|l| (format!("local value `{}`", l.name), &l.key_span)),
            )
            .chain(
                config
                    .outputs
                    .iter()
                    .map(|o| (format!("output \"{}\"", o.name), &o.label_span)),
            )
            .chain(config.computes.iter().map(|c| {
                (
                    format!("{} \"{}\"", c.kind.block_name, c.label),
                    &c.label_span,
                )
            }));
        for (what, at) in entries {
            if let Some(first) = seen.get(&what) {
                duplicates.push((what, at.clone(), first.clone()));
            } else {
                seen.insert(what, at.clone());
            }
        }
        for (what, at, _first) in duplicates {
            self.error(
                Diagnostic::error(
                    codes::DUPLICATE,
                    format!("{what} is declared more than once"),
                )
                .at(at)
                .label("declared again here")
                .hint("labels must be unique per block type; rename or remove one of them"),
            );
        }
    }
}

/// `a.b.c` as `["a", "b", "c"]`, if the expression is a plain attribute traversal.
pub(crate) fn static_traversal(expr: &Expression) -> Option<Vec<String>> {
    match expr {
        Expression::Variable(ident) => Some(vec![ident.as_str().to_owned()]),
        Expression::Traversal(traversal) => {
            let mut parts = static_traversal(&traversal.expr)?;
            for operator in &traversal.operators {
                match operator.value() {
                    TraversalOperator::GetAttr(ident) => parts.push(ident.as_str().to_owned()),
                    _ => return None,
                }
            }
            Some(parts)
        }
        _ => None,
    }
}

/// Suggests a block type for a misspelled name; used by the evaluator for references too.
pub(crate) fn suggest_kind(name: &str) -> Option<&'static str> {
    did_you_mean(name, COMPUTE_KINDS.iter().map(|k| k.block_name))
}
