//! Parsing files into a [`Config`], collecting every problem instead of stopping at the first.

use crate::codes;
use crate::config::{
    AttributeDef, ComputeBlock, Config, Lifecycle, LocalDef, OutputBlock, Validation,
    VariableBlock, WorkspaceBlock,
};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::parsed_body::{ParsedBlock, ParsedBody, ParsedItem};
use crate::plain_parser::parse_plain;
use crate::source_map::{FileId, Origin, SourceMap, Span};
use crate::suggest::{did_you_mean, hint_for};
use crate::type_constraint::TypeConstraint;
use amlform_graph::in_parallel;
use amlform_schema::{AttributeMap, COMPUTE_KINDS, compute_kind, unsupported_kind};
use foldhash::{HashSet, HashSetExt};
use hcl_edit::expr::{Expression, TraversalOperator};
use std::ops::Range;

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "backend",
    "workspace",
    "variable",
    "locals",
    "output",
    "import",
    "moved",
    "removed",
    "module",
];
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
///
/// Files, and large files cut between top-level blocks, are parsed and walked on all cores;
/// their pieces join in source order, so the result is the same as one pass over each file.
pub fn load(sources: &SourceMap) -> (Config, Diagnostics) {
    let files: Vec<FileId> = sources.files().map(|(file, _)| file).collect();
    load_files(sources, &files)
}

/// Parses these files of the source map into one configuration (a module's own files).
pub fn load_files(sources: &SourceMap, files: &[FileId]) -> (Config, Diagnostics) {
    load_on(
        sources,
        files,
        std::thread::available_parallelism().map_or(1, usize::from),
    )
}

fn load_on(sources: &SourceMap, files: &[FileId], cores: usize) -> (Config, Diagnostics) {
    let units: Vec<(FileId, &str, Option<Vec<usize>>)> = (files.iter())
        .map(|&file| {
            let text = sources.get(file).text.as_str();
            (file, text, cut_points(text, cores))
        })
        .collect();
    let pieces: Vec<(FileId, &str, Range<usize>)> = units
        .iter()
        .flat_map(|(file, text, cuts)| {
            let bounds = match cuts {
                Some(cuts) => cuts.clone(),
                None => vec![0, text.len()],
            };
            bounds
                .windows(2)
                .map(|pair| (*file, *text, pair[0]..pair[1]))
                .collect::<Vec<_>>()
        })
        .collect();
    let loaded = in_parallel(&pieces, |(file, text, range)| {
        load_piece(*file, text, range.clone())
    });
    let mut loader = Loader::default();
    let mut pieces = pieces.iter().zip(loaded).peekable();
    while let Some(((file, text, _), piece)) = pieces.next() {
        // The pieces of one file, all parsed, or the whole file again for its true error.
        let mut file_loaders = vec![piece];
        while let Some(((next_file, _, _), _)) = pieces.peek()
            && next_file == file
        {
            file_loaders.push(pieces.next().expect("peeked").1);
        }
        if file_loaders.iter().all(Option::is_some) {
            file_loaders
                .into_iter()
                .flatten()
                .for_each(|piece| loader.append(piece));
        } else {
            let whole = load_piece(*file, text, 0..text.len()).expect("a whole file");
            loader.append(whole);
        }
    }
    loader.check_duplicates();
    loader.check_backends();
    loader.config.index();
    (loader.config, loader.diagnostics)
}

/// Below this size a file is parsed in one piece.
const PIECE_BYTES: usize = 64 * 1024;

/// Where to cut a large file into pieces for the cores (a few each, so that a core slowed by
/// other work takes fewer): after a `}` that closes a line at the left margin, which usually
/// ends a top-level block. `None` to keep it whole.
fn cut_points(text: &str, cores: usize) -> Option<Vec<usize>> {
    let pieces = (text.len() / PIECE_BYTES).min(cores * 4);
    if cores < 2 || pieces < 2 {
        return None;
    }
    let mut cuts = vec![0];
    for piece in 1..pieces {
        let mut target = (text.len() * piece / pieces).max(*cuts.last().expect("starts at 0"));
        while !text.is_char_boundary(target) {
            target += 1;
        }
        let Some(found) = text[target..].find("\n}\n") else {
            break;
        };
        cuts.push(target + found + 3);
    }
    cuts.push(text.len());
    cuts.dedup();
    (cuts.len() > 2).then_some(cuts)
}

/// Parses and walks `range` of a file. `None` when it is a piece of a larger file and does
/// not parse alone, or holds a top-level attribute (the parser checks those across the file).
fn load_piece(file: FileId, text: &str, range: Range<usize>) -> Option<Loader> {
    let piece = range.len() < text.len();
    let origin = Origin {
        file,
        offset: range.start,
    };
    let input = &text[range];
    let mut loader = Loader::default();
    let parsed = match parse_plain(origin, input) {
        Some(body) => Ok(body),
        None => hcl_edit::parser::parse_body(input).map(|body| ParsedBody::from_hcl(origin, body)),
    };
    match parsed {
        Ok(body) if piece && body.has_attributes() => return None,
        Ok(body) => loader.body(body),
        Err(_) if piece => return None,
        Err(error) => {
            let offset = error.location().offset().min(input.len());
            let end = input[offset..]
                .chars()
                .next()
                .map_or(offset, |c| offset + c.len_utf8());
            loader.diagnostics.push(
                Diagnostic::error(codes::SYNTAX, format!("syntax error: {}", error.message()))
                    .at(origin.range(offset..end))
                    .label("here")
                    .hint("fix the syntax; `amlform fmt` only formats files that parse"),
            );
        }
    }
    Some(loader)
}

mod address_blocks;
mod backend_block;
mod module_block;

pub use backend_block::AZURERM_SETTINGS;

pub use address_blocks::block_of;

#[derive(Default)]
struct Loader {
    config: Config,
    diagnostics: Diagnostics,
}

impl Loader {
    /// Adds what another loader found, after this one's.
    fn append(&mut self, other: Loader) {
        self.config.append(other.config);
        self.diagnostics.extend(other.diagnostics);
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn body(&mut self, body: ParsedBody) {
        for item in body.items {
            match item {
                ParsedItem::Attribute(attribute) => self.error(
                    Diagnostic::error(
                        codes::UNKNOWN_ATTRIBUTE,
                        format!(
                            "attribute `{}` is not allowed at the top level",
                            attribute.key
                        ),
                    )
                    .at(attribute.key_span)
                    .hint("put it inside a block, or declare it in a `locals` block"),
                ),
                ParsedItem::Block(block) => self.top_level_block(block),
            }
        }
    }

    fn top_level_block(&mut self, block: ParsedBlock) {
        let name = block.ident.as_str();
        let ident_span = block.ident_span.clone();
        match name {
            "backend" => self.backend(block),
            "workspace" => self.workspace(block),
            "variable" => self.variable(block),
            "locals" => self.locals(block),
            "output" => self.output(block),
            "import" => self.import(block),
            "moved" => self.moved(block),
            "removed" => self.removed(block),
            "module" => self.module(block),
            _ => {
                if let Some(kind) = compute_kind(name) {
                    self.compute(block, kind);
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
        block: &ParsedBlock,
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
                .map_or(&block.ident_span, |(_, span)| span)
                .clone();
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
            .cloned()
            .or(Some((String::new(), block.ident_span.clone())))
    }

    /// Collects a body's attributes, reporting unknown ones and nested blocks not in `blocks`.
    fn attributes(
        &mut self,
        body: ParsedBody,
        context: &dyn std::fmt::Display,
        allowed: &[&'static str],
        blocks: &[&str],
    ) -> (AttributeMap<&'static str, AttributeDef>, Vec<ParsedBlock>) {
        let mut attributes = Vec::with_capacity(body.items.len());
        let mut nested = Vec::new();
        for item in body.items {
            match item {
                ParsedItem::Attribute(attribute) => {
                    let name = attribute.key.as_str();
                    let Some(&name) = allowed.iter().find(|allowed| **allowed == name) else {
                        let hint = hint_for(name, allowed, || {
                            format!("{context} takes: {}", allowed.join(", "))
                        });
                        self.error(
                            Diagnostic::error(
                                codes::UNKNOWN_ATTRIBUTE,
                                format!("{context} has no attribute `{name}`"),
                            )
                            .at(attribute.key_span)
                            .hint(hint),
                        );
                        continue;
                    };
                    attributes.push((
                        name,
                        AttributeDef {
                            name,
                            key_span: attribute.key_span,
                            value: attribute.value,
                        },
                    ));
                }
                ParsedItem::Block(block) => {
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
                            .at(block.ident_span)
                            .hint(hint),
                        );
                    }
                }
            }
        }
        // A name set twice keeps its last value, as in a map.
        (attributes.into_iter().collect(), nested)
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

    fn workspace(&mut self, block: ParsedBlock) {
        let Some((label, label_span)) = self.labels(&block, 1, "name") else {
            return;
        };
        let (attributes, _) = self.attributes(
            block.body,
            &"a `workspace` block",
            WORKSPACE_ATTRIBUTES,
            &[],
        );
        self.config.workspaces.push(WorkspaceBlock {
            label,
            label_span,
            attributes: (attributes.into_iter())
                .map(|(name, attribute)| (name.to_owned(), attribute))
                .collect(),
        });
    }

    fn variable(&mut self, block: ParsedBlock) {
        let Some((name, label_span)) = self.labels(&block, 1, "name") else {
            return;
        };
        let allowed = ["type", "default", "description", "sensitive"];
        let (mut attributes, nested) =
            self.attributes(block.body, &"a `variable` block", &allowed, &["validation"]);
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
            if self.labels(&validation, 0, "").is_none() {
                continue;
            }
            let (mut attributes, _) = self.attributes(
                validation.body,
                &"a `validation` block",
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
                            .at(validation.ident_span.clone())
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

    fn locals(&mut self, block: ParsedBlock) {
        if self.labels(&block, 0, "").is_none() {
            return;
        }
        for item in block.body.items {
            match item {
                ParsedItem::Attribute(attribute) => self.config.locals.push(LocalDef {
                    name: attribute.key,
                    key_span: attribute.key_span,
                    value: attribute.value,
                }),
                ParsedItem::Block(nested) => self.error(
                    Diagnostic::error(
                        codes::UNKNOWN_BLOCK,
                        "a `locals` block holds only attributes",
                    )
                    .at(nested.ident_span)
                    .hint("write `name = value`; for a map write `name = { key = value }`"),
                ),
            }
        }
    }

    fn output(&mut self, block: ParsedBlock) {
        let Some((name, label_span)) = self.labels(&block, 1, "name") else {
            return;
        };
        let (mut attributes, _) = self.attributes(
            block.body,
            &"an `output` block",
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

    fn compute(&mut self, block: ParsedBlock, kind: &'static amlform_schema::ComputeKind) {
        let Some((label, label_span)) = self.labels(&block, 1, "name") else {
            return;
        };
        let blocks: &[&str] = if kind.attribute("identity_type").is_some() {
            &["lifecycle", "identity"]
        } else {
            &["lifecycle"]
        };
        let (mut attributes, nested) = self.attributes(
            block.body,
            &format_args!("`{}`", kind.block_name),
            kind.settable_names(),
            blocks,
        );

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
        let count = attributes.remove("count").map(|a| Box::new(a.value));
        let for_each = attributes.remove("for_each").map(|a| Box::new(a.value));
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
                            .at(nested_block.ident_span.clone())
                            .hint("merge the settings into the first `lifecycle` block"),
                        );
                    }
                    lifecycle = self.lifecycle(nested_block, kind);
                }
                _ => self.identity(nested_block, &mut attributes),
            }
        }
        self.config.computes.push(ComputeBlock {
            kind,
            label,
            label_span,
            attributes,
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
            let item_span = attribute.value.origin.span(item);
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

    fn lifecycle(&mut self, block: ParsedBlock, kind: &amlform_schema::ComputeKind) -> Lifecycle {
        let allowed = ["prevent_destroy", "create_before_destroy", "ignore_changes"];
        let (attributes, _) = self.attributes(block.body, &"a `lifecycle` block", &allowed, &[]);
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
                        let item_span = attribute.value.origin.span(item);
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
        block: ParsedBlock,
        attributes: &mut AttributeMap<&'static str, AttributeDef>,
    ) {
        let (identity, _) =
            self.attributes(block.body, &"an `identity` block", &["type", "ids"], &[]);
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
                to,
                AttributeDef {
                    name: to,
                    ..attribute.clone()
                },
            );
        }
    }

    fn check_duplicates(&mut self) {
        let config = &self.config;
        // (block type, label) of every labelled block; locals under the type `local`.
        let entries = (config.workspaces.iter())
            .map(|w| ("workspace", w.label.as_str(), &w.label_span))
            .chain((config.variables.iter()).map(|v| ("variable", v.name.as_str(), &v.label_span)))
            .chain((config.locals.iter()).map(|l| ("local", l.name.as_str(), &l.key_span)))
            .chain((config.outputs.iter()).map(|o| ("output", o.name.as_str(), &o.label_span)))
            .chain((config.modules.iter()).map(|m| ("module", m.name.as_str(), &m.label_span)))
            .chain(
                (config.computes.iter())
                    .map(|c| (c.kind.block_name, c.label.as_str(), &c.label_span)),
            );
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        let mut duplicates = Vec::new();
        for (block_type, label, at) in entries {
            if !seen.insert((block_type, label)) {
                let what = if block_type == "local" {
                    format!("local value `{label}`")
                } else {
                    format!("{block_type} \"{label}\"")
                };
                duplicates.push((what, at.clone()));
            }
        }
        for (what, at) in duplicates {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;
    use std::path::PathBuf;

    /// What loading found, with every span, to compare a load in pieces with one in one pass.
    fn summary(sources: &SourceMap, cores: usize) -> String {
        let files: Vec<FileId> = sources.files().map(|(file, _)| file).collect();
        let (config, diagnostics) = load_on(sources, &files, cores);
        let mut out = String::new();
        for compute in &config.computes {
            writeln!(out, "{} at {:?}", compute.address(), compute.label_span).unwrap();
            for (name, attribute) in &compute.attributes {
                let value = &attribute.value;
                writeln!(
                    out,
                    "  {name} at {:?} = {} at {:?}",
                    attribute.key_span,
                    value.expr,
                    value.span()
                )
                .unwrap();
            }
        }
        for workspace in &config.workspaces {
            writeln!(
                out,
                "workspace {} at {:?}",
                workspace.label, workspace.label_span
            )
            .unwrap();
        }
        for local in &config.locals {
            writeln!(
                out,
                "local {} = {} at {:?}",
                local.name,
                local.value.expr,
                local.value.span()
            )
            .unwrap();
        }
        for diagnostic in diagnostics.iter() {
            writeln!(out, "{diagnostic:?}").unwrap();
        }
        out
    }

    /// A file large enough to be cut, where a `}` at the left margin also closes lines inside
    /// some heredocs: a piece cut there does not parse alone.
    fn large_file(extra: &str) -> SourceMap {
        let mut text = String::from("workspace \"main\" {\n  name = \"ws\"\n}\n\n");
        for index in 0..1_500 {
            let description = if index % 10 == 0 {
                "<<EOT\n{\n}\nEOT"
            } else {
                "\"plain\""
            };
            write!(
                text,
                "aml_compute \"c{index}\" {{\n  name        = \"c{index}\"\n  vm_size     = \"STANDARD_D2_V2\"\n  max_nodes   = {}\n  description = {description}\n}}\n\nlocals {{\n  l{index} = aml_compute.c{index}.vm_size\n}}\n",
                index % 4 + 1
            )
            .unwrap();
        }
        text.push_str(extra);
        let mut sources = SourceMap::default();
        sources.add("main.aml.hcl", PathBuf::from("main.aml.hcl"), text);
        sources
    }

    #[test]
    fn a_file_loaded_in_pieces_is_the_file_loaded_whole() {
        let sources = large_file("");
        let text = &sources.get(FileId(0)).text;
        let cuts = cut_points(text, 2).expect("large enough to cut");
        assert!(cuts.len() > 3, "{cuts:?}");
        let whole = summary(&sources, 1);
        assert!(whole.contains("aml_compute.c1499 at"));
        assert!(!whole.contains("Diagnostic"), "{whole}");
        assert_eq!(summary(&sources, 2), whole);
        assert_eq!(summary(&sources, 3), whole);
    }

    #[test]
    fn a_piece_cut_inside_a_heredoc_is_loaded_again_whole() {
        let sources = large_file("");
        let text = &sources.get(FileId(0)).text;
        let heredoc = text.find("<<EOT\n{\n}\n").expect("a heredoc") + "<<EOT\n{\n}\n".len();
        assert!(load_piece(FileId(0), text, 0..heredoc).is_none());
        assert!(load_piece(FileId(0), text, heredoc..text.len()).is_none());
        let block_end = text.find("\n}\n").expect("a block") + 3;
        assert!(load_piece(FileId(0), text, 0..block_end).is_some());
    }

    #[test]
    fn a_large_file_of_multibyte_text_is_cut_between_characters() {
        let block = format!(
            "aml_compute \"c\" {{\n  description = \"{}\"\n}}\n",
            "€".repeat(101)
        );
        // 1,003 blocks: some even shares of the text fall inside a character.
        let text = block.repeat(1_003);
        for cores in 2..16 {
            let cuts = cut_points(&text, cores).expect("large enough to cut");
            assert!(cuts.iter().all(|cut| text.is_char_boundary(*cut)));
        }
    }

    #[test]
    fn errors_late_in_a_large_file_are_where_a_whole_load_puts_them() {
        for extra in [
            "aml_compute \"broken\" {\n  name = \n}\n",
            "stray = 1\n",
            "aml_compute \"c7\" {\n  name = \"again\"\n  unknown_attribute = 1\n}\n",
        ] {
            let sources = large_file(extra);
            let whole = summary(&sources, 1);
            assert!(whole.contains("Diagnostic"), "{extra}: {whole}");
            assert_eq!(summary(&sources, 2), whole, "{extra}");
        }
    }
}
