//! Evaluating a [`Config`]: variables first, then locals, workspaces, computes and outputs in
//! reference order, with `count` / `for_each` expanded and every attribute typed by the schema.

use crate::codes;
use crate::config::{ComputeBlock, Config, Expr};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::evaluated_config::{
    ComputeInstance, EvaluatedAttribute, EvaluatedConfig, EvaluatedImport, EvaluatedMove,
    EvaluatedOutput, EvaluatedRemoval, EvaluatedVariable, EvaluatedWorkspace,
};
use crate::interpreter::{BlockInstances, ComputeBlocks, ComputeValues, Scope};
use crate::loader::{WORKSPACE_ATTRIBUTES, suggest_kind};
use crate::module::ChildModule;
use crate::references::{Reference, references};
use crate::rules;
use crate::source_map::{FileId, Origin, SourceMap, Span};
use crate::suggest::hint_for;
use crate::value::Value;
use amlform_graph::Dag;
use amlform_schema::AttributeMap;
use amlform_schema::{DefaultValue, Mode, compute_kind};
use foldhash::{HashMap, HashMapExt};
use hcl_edit::structure::Structure;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Where variable values come from, lowest precedence first: defaults, `AMLFORM_VAR_name`
/// environment variables, variable files (`*.amlvars.hcl`, then `--var-file`s in order), then
/// `--var name=value`.
#[derive(Debug, Clone, Default)]
pub struct VariableInputs {
    pub env: Vec<(String, String)>,
    /// Variable files, already added to the source map.
    pub files: Vec<FileId>,
    pub cli: Vec<(String, String)>,
}

/// A node of the evaluation graph, naming what it evaluates by the configuration's own
/// strings (so thousands of nodes and edges cost no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Node<'c> {
    Local(&'c str),
    Workspace(&'c str),
    /// Kind and label: ordered as the address `kind.label` is, since kinds have no `-`.
    Compute(&'static str, &'c str),
    Output(&'c str),
    Import(usize),
    Module(&'c str),
}

impl<'c> Node<'c> {
    fn compute(block: &'c ComputeBlock) -> Node<'c> {
        Node::Compute(block.kind.block_name, &block.label)
    }
}

impl std::fmt::Display for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Local(name) => write!(f, "local.{name}"),
            Node::Workspace(name) => write!(f, "workspace.{name}"),
            Node::Compute(kind, label) => write!(f, "{kind}.{label}"),
            Node::Output(name) => write!(f, "output.{name}"),
            Node::Import(index) => write!(f, "import #{}", index + 1),
            Node::Module(name) => write!(f, "module.{name}"),
        }
    }
}

pub(crate) struct Evaluator<'c> {
    config: &'c Config,
    sources: &'c SourceMap,
    base_dir: &'c Path,
    diagnostics: Diagnostics,
    variables: BTreeMap<String, Value>,
    sensitive_variables: BTreeSet<String>,
    locals: BTreeMap<String, Value>,
    /// Locals whose value derives from a sensitive variable.
    sensitive_locals: BTreeSet<String>,
    workspaces: BTreeMap<String, Value>,
    compute_blocks: ComputeBlocks,
    known: &'c BTreeMap<String, BTreeMap<String, Value>>,
    out: EvaluatedConfig,
    /// The modules the configuration's `module` blocks use, by block name.
    children: &'c BTreeMap<String, ChildModule>,
    /// Each module block's value (its outputs; a list or map of them with `count` or
    /// `for_each`).
    modules: BTreeMap<String, Value>,
    /// `(module block, output)` pairs whose output is sensitive.
    sensitive_outputs: BTreeSet<(String, String)>,
    /// Where in the module tree this evaluation is (the root, or one module instance).
    context: ModuleContext,
}

/// Evaluates the configuration; problems go to the returned diagnostics.
pub(crate) fn evaluate(
    config: &Config,
    sources: &SourceMap,
    inputs: &VariableInputs,
    base_dir: &Path,
    known: &BTreeMap<String, BTreeMap<String, Value>>,
    children: &BTreeMap<String, ChildModule>,
) -> (EvaluatedConfig, Diagnostics) {
    let evaluator = Evaluator::new(
        config,
        sources,
        base_dir,
        known,
        children,
        ModuleContext::default(),
    );
    evaluator.run(inputs)
}

impl<'c> Evaluator<'c> {
    pub(crate) fn new(
        config: &'c Config,
        sources: &'c SourceMap,
        base_dir: &'c Path,
        known: &'c BTreeMap<String, BTreeMap<String, Value>>,
        children: &'c BTreeMap<String, ChildModule>,
        context: ModuleContext,
    ) -> Evaluator<'c> {
        let workspaces = (context.workspaces.iter())
            .map(|(name, (_, value))| (name.clone(), value.clone()))
            .collect();
        Evaluator {
            config,
            sources,
            base_dir,
            diagnostics: Diagnostics::default(),
            variables: BTreeMap::new(),
            sensitive_variables: BTreeSet::new(),
            locals: BTreeMap::new(),
            sensitive_locals: BTreeSet::new(),
            workspaces,
            compute_blocks: ComputeBlocks::new(),
            known,
            out: EvaluatedConfig::default(),
            children,
            modules: BTreeMap::new(),
            sensitive_outputs: BTreeSet::new(),
            context,
        }
    }

    /// Variables, then every node in reference order, then the rules (once, at the root: a
    /// module's computes are checked with everything else's).
    pub(crate) fn run(mut self, inputs: &VariableInputs) -> (EvaluatedConfig, Diagnostics) {
        let config = self.config;
        self.variables(inputs);
        if let Some(order) = self.order() {
            for node in order {
                self.node(node);
            }
            let prefix = self.context.prefix.clone();
            self.out.moves = (config.moves.iter())
                .map(|moved| EvaluatedMove {
                    from: format!("{prefix}{}", moved.from),
                    to: format!("{prefix}{}", moved.to),
                    from_span: moved.from_span.clone(),
                    to_span: moved.to_span.clone(),
                })
                .collect();
            self.out.removals = (config.removals.iter())
                .map(|removed| EvaluatedRemoval {
                    from: format!("{prefix}{}", removed.from),
                    destroy: removed.destroy,
                    from_span: removed.from_span.clone(),
                })
                .collect();
            if self.context.prefix.is_empty() {
                rules::check(&self.out, &mut self.diagnostics);
            }
        }
        self.out.sensitive_locals = std::mem::take(&mut self.sensitive_locals);
        self.out.modules = std::mem::take(&mut self.modules);
        (self.out, self.diagnostics)
    }
}

/// The scope of everything evaluated so far; a macro so that the borrows stay per field and
/// `self.diagnostics` can be borrowed mutably beside it.
macro_rules! scope {
    ($self:ident) => {
        Scope {
            variables: &$self.variables,
            locals: &$self.locals,
            workspaces: &$self.workspaces,
            modules: &$self.modules,
            computes: ComputeValues {
                blocks: Some(&$self.compute_blocks),
                instances: Some(&$self.out.computes),
            },
            each: None,
            count_index: None,
            base_dir: $self.base_dir,
        }
    };
}

impl<'c> Evaluator<'c> {
    fn eval(&mut self, expr: &Expr) -> Option<Value> {
        scope!(self).eval(expr, &mut self.diagnostics)
    }

    // ----- ordering -----

    /// The evaluation order, or `None` after reporting undefined references or cycles.
    fn order(&mut self) -> Option<Vec<Node<'c>>> {
        let config = self.config;
        let blocks = config.locals.len()
            + config.workspaces.len()
            + config.computes.len()
            + config.outputs.len()
            + config.imports.len();
        // Most blocks refer to a workspace or two.
        let mut dag: Dag<Node> = Dag::with_capacity(blocks, 2 * blocks);
        let mut edge_spans: HashMap<(Node, Node), Span> = HashMap::new();
        let mut ok = true;
        // (node, expressions it evaluates, which meta-references it may use)
        let mut nodes: Vec<(Node, Vec<&Expr>, RefContext)> = Vec::new();
        for local in &config.locals {
            nodes.push((
                Node::Local(&local.name),
                vec![&local.value],
                RefContext::default(),
            ));
        }
        for workspace in &config.workspaces {
            let exprs = workspace.attributes.values().map(|a| &a.value).collect();
            nodes.push((
                Node::Workspace(&workspace.label),
                exprs,
                RefContext::default(),
            ));
        }
        for compute in &config.computes {
            let node = Node::compute(compute);
            let mut exprs: Vec<&Expr> = compute.attributes.values().map(|a| &a.value).collect();
            exprs.extend(
                compute
                    .count
                    .iter()
                    .chain(compute.for_each.iter())
                    .map(|expr| &**expr),
            );
            let context = RefContext {
                each: compute.for_each.is_some(),
                count: compute.count.is_some(),
            };
            nodes.push((node, exprs, context));
            let workspaces = compute.workspace.iter().map(|(label, span)| (label, span));
            let (explicit, found) = self.named_dependencies(workspaces, &compute.depends_on);
            ok &= found;
            for (target, span) in explicit {
                edge_spans.entry((node, target)).or_insert(span);
                dag.add_dependency(node, target);
            }
        }
        for output in &config.outputs {
            nodes.push((
                Node::Output(&output.name),
                output.value.iter().collect(),
                RefContext::default(),
            ));
        }
        for module in &config.modules {
            let node = Node::Module(&module.name);
            let mut exprs: Vec<&Expr> = module.inputs.iter().map(|(_, _, expr)| expr).collect();
            exprs.extend(
                module
                    .count
                    .iter()
                    .chain(module.for_each.iter())
                    .map(|e| &**e),
            );
            let context = RefContext {
                each: module.for_each.is_some(),
                count: module.count.is_some(),
            };
            nodes.push((node, exprs, context));
            let workspaces = (module.workspace.iter().map(|(label, span)| (label, span))).chain(
                module
                    .workspaces
                    .iter()
                    .map(|(_, label, span)| (label, span)),
            );
            let (explicit, found) = self.named_dependencies(workspaces, &module.depends_on);
            ok &= found;
            for (target, span) in explicit {
                edge_spans.entry((node, target)).or_insert(span);
                dag.add_dependency(node, target);
            }
        }
        for (index, import) in config.imports.iter().enumerate() {
            nodes.push((Node::Import(index), vec![&import.id], RefContext::default()));
            let (kind, label) = import.to.split_once('.').expect("checked by the loader");
            if config.compute(kind, label).is_none() {
                self.diagnostics
                    .push(self.undefined_compute(kind, label, import.to_span.clone()));
                ok = false;
            }
        }
        for (node, exprs, context) in nodes {
            dag.add_node(node);
            for expr in exprs {
                for reference in references(expr) {
                    match self.resolve(&reference, context) {
                        Ok(Some(target)) => {
                            edge_spans
                                .entry((node, target))
                                .or_insert(reference.span.clone());
                            dag.add_dependency(node, target);
                        }
                        Ok(None) => {}
                        Err(diagnostic) => {
                            self.diagnostics.push(diagnostic);
                            ok = false;
                        }
                    }
                }
            }
        }
        match dag.check() {
            Ok(checked) if ok => Some(checked.into_order()),
            Ok(_) => None,
            Err(cycles) => {
                for cycle in cycles {
                    let chain: Vec<String> = cycle.0.iter().map(ToString::to_string).collect();
                    let first_edge = cycle.edges().next().map(|(a, b)| (*a, *b));
                    let at = first_edge.and_then(|edge| edge_spans.get(&edge).cloned());
                    let edges: Vec<String> = cycle
                        .edges()
                        .map(|(from, to)| {
                            let location = edge_spans.get(&(*from, *to)).map(|span| {
                                let (line, column) =
                                    self.sources.line_column(span.file, span.range.start);
                                format!(" ({}:{line}:{column})", self.sources.get(span.file).name)
                            });
                            format!("{from} refers to {to}{}", location.unwrap_or_default())
                        })
                        .collect();
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::CYCLE,
                            format!("reference cycle: {}", chain.join(" -> ")),
                        )
                        .at_opt(at)
                        .label("the cycle starts here")
                        .hint(format!(
                            "break one of these references: {}",
                            edges.join("; ")
                        )),
                    );
                }
                None
            }
        }
    }

    /// What a block names outright, with the span that names it: the workspaces it puts its
    /// computes in, and its `depends_on` computes (false after reporting one that is not
    /// declared).
    fn named_dependencies(
        &mut self,
        workspaces: impl Iterator<Item = (&'c String, &'c Span)>,
        depends_on: &'c [(String, Span)],
    ) -> (Vec<(Node<'c>, Span)>, bool) {
        let config = self.config;
        let mut named: Vec<(Node<'c>, Span)> = workspaces
            .filter_map(|(label, span)| {
                let workspace = config.workspace(label)?;
                Some((Node::Workspace(&workspace.label), span.clone()))
            })
            .collect();
        let mut found = true;
        for (address, span) in depends_on {
            let (kind, label) = address.split_once('.').expect("checked by the loader");
            if let Some(target) = config.compute(kind, label) {
                named.push((Node::compute(target), span.clone()));
            } else {
                self.diagnostics
                    .push(self.undefined_compute(kind, label, span.clone()));
                found = false;
            }
        }
        (named, found)
    }

    fn undefined_compute(&self, kind: &str, label: &str, at: Span) -> Diagnostic {
        let labels: Vec<&str> = self
            .config
            .computes
            .iter()
            .filter(|c| c.kind.block_name == kind)
            .map(|c| c.label.as_str())
            .collect();
        let hint = hint_for(label, &labels, || {
            format!("declare a `{kind} \"{label}\"` block")
        });
        Diagnostic::error(
            codes::UNDEFINED_REFERENCE,
            format!("`{kind}.{label}` is not declared"),
        )
        .at(at)
        .hint(hint)
    }

    /// The node a reference depends on (`None` for variables and `each`/`count`), or the
    /// diagnostic for an undefined one.
    // The error is built at most once per bad reference; boxing it would buy nothing.
    #[allow(clippy::result_large_err)]
    fn resolve(
        &self,
        reference: &Reference,
        context: RefContext,
    ) -> Result<Option<Node<'c>>, Diagnostic> {
        let config = self.config;
        let root = reference.root();
        let at = reference.span.clone();
        let Some(name) = reference.name() else {
            let hint = match root {
                "var" | "local" | "workspace" | "each" | "count" => format!("write `{root}.<name>`"),
                _ => match suggest_kind(root) {
                    Some(kind) => format!("did you mean `{kind}.<label>`?"),
                    None => "references look like `var.name`, `local.name` or `aml_compute.label.attribute`".into(),
                },
            };
            return Err(Diagnostic::error(
                codes::UNDEFINED_REFERENCE,
                format!("`{root}` is not defined"),
            )
            .at(at)
            .hint(hint));
        };
        let undefined = |what: String, candidates: Vec<&str>, fallback: String| {
            let hint = hint_for(name, &candidates, || fallback);
            Diagnostic::error(codes::UNDEFINED_REFERENCE, what)
                .at(at.clone())
                .hint(hint)
        };
        match root {
            "var" => match config.variable(name) {
                Some(_) => Ok(None),
                None => Err(undefined(
                    format!("variable `{name}` is not declared"),
                    config.variables.iter().map(|v| v.name.as_str()).collect(),
                    format!("declare it with `variable \"{name}\" {{}}`"),
                )),
            },
            "local" => match config.local(name) {
                Some(local) => Ok(Some(Node::Local(&local.name))),
                None => Err(undefined(
                    format!("local value `{name}` is not declared"),
                    config.locals.iter().map(|l| l.name.as_str()).collect(),
                    format!("add `{name} = ...` to a `locals` block"),
                )),
            },
            "workspace" => match config.workspace(name) {
                Some(workspace) => Ok(Some(Node::Workspace(&workspace.label))),
                // Passed in to this module: known before it is evaluated.
                None if self.context.workspaces.contains_key(name) => Ok(None),
                None => Err(undefined(
                    format!("workspace `{name}` is not declared"),
                    config.workspaces.iter().map(|w| w.label.as_str()).collect(),
                    format!("declare it with `workspace \"{name}\" {{ ... }}`"),
                )),
            },
            "each" if context.each && (name == "key" || name == "value") => Ok(None),
            "each" => Err(Diagnostic::error(
                codes::UNDEFINED_REFERENCE,
                format!("`each.{name}` is not available here"),
            )
            .at(at)
            .hint("`each.key` and `each.value` exist only in a block with `for_each`")),
            "module" => match config.modules.iter().find(|module| module.name == name) {
                Some(module) => Ok(Some(Node::Module(&module.name))),
                None => Err(undefined(
                    format!("module `{name}` is not declared"),
                    config.modules.iter().map(|m| m.name.as_str()).collect(),
                    format!(
                        "declare it with `module \"{name}\" {{ source = \"./modules/{name}\" }}`"
                    ),
                )),
            },
            "count" if context.count && name == "index" => Ok(None),
            "count" => Err(Diagnostic::error(
                codes::UNDEFINED_REFERENCE,
                format!("`count.{name}` is not available here"),
            )
            .at(at)
            .hint("`count.index` exists only in a block with `count`")),
            kind => match compute_kind(kind) {
                Some(_) => match config.compute(kind, name) {
                    Some(block) => Ok(Some(Node::compute(block))),
                    None => Err(self.undefined_compute(kind, name, at)),
                },
                None => {
                    let hint = match suggest_kind(kind) {
                        Some(suggestion) => format!("did you mean `{suggestion}.{name}`?"),
                        None => "references start with `var.`, `local.`, `workspace.`, `each.`, `count.` or a compute block type".into(),
                    };
                    Err(Diagnostic::error(
                        codes::UNDEFINED_REFERENCE,
                        format!("`{kind}.{name}` is not defined"),
                    )
                    .at(at)
                    .hint(hint))
                }
            },
        }
    }

    /// Whether an expression derives from a sensitive variable or local.
    fn is_tainted(&self, expr: &Expr) -> bool {
        self.any_tainted(&references(expr))
    }

    /// Whether any of these references reads a sensitive variable, local or attribute.
    fn any_tainted(&self, references: &[Reference]) -> bool {
        references.iter().any(|r| match (r.root(), r.name()) {
            ("var", Some(name)) => self.sensitive_variables.contains(name),
            ("local", Some(name)) => self.sensitive_locals.contains(name),
            // `module.m.out` is sensitive when that output is; a whole module (or an instance of
            // one) is judged by its value, where it is used.
            ("module", Some(name)) => r.parts.get(2).is_some_and(|output| {
                self.sensitive_outputs
                    .contains(&(name.to_owned(), output.clone()))
            }),
            (kind, Some(label)) => r.parts.get(2).is_some_and(|attribute| {
                compute_kind(kind)
                    .and_then(|k| k.attribute(attribute))
                    .is_some_and(|a| a.sensitive)
                    && self.config.compute(kind, label).is_some()
            }),
            _ => false,
        })
    }

    // ----- nodes -----

    fn node(&mut self, node: Node<'c>) {
        let config = self.config;
        match node {
            Node::Local(name) => {
                let local = config.local(name).expect("resolved");
                if self.is_tainted(&local.value) {
                    self.sensitive_locals.insert(name.to_owned());
                }
                if let Some(value) = self.eval(&local.value) {
                    if self.diagnostics.value_holds_secret(&value) {
                        self.sensitive_locals.insert(name.to_owned());
                    }
                    self.locals.insert(name.to_owned(), value.clone());
                    self.out.locals.insert(name.to_owned(), value);
                }
            }
            Node::Workspace(label) => self.workspace(label),
            Node::Compute(kind, label) => {
                let block = config.compute(kind, label).expect("resolved");
                self.compute(block);
            }
            Node::Output(name) => {
                let output = config
                    .outputs
                    .iter()
                    .find(|o| o.name == name)
                    .expect("resolved");
                let Some(expr) = &output.value else { return };
                let value = self.eval(expr);
                let tainted = self.is_tainted(expr)
                    || value
                        .as_ref()
                        .is_some_and(|v| self.diagnostics.value_holds_secret(v));
                if tainted && !output.sensitive {
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::SENSITIVE_OUTPUT,
                            format!("output `{name}` shows a sensitive value"),
                        )
                        .at(expr.span())
                        .hint("add `sensitive = true` to the output, or output something else"),
                    );
                }
                if let Some(value) = value {
                    self.out.outputs.insert(
                        name.to_owned(),
                        EvaluatedOutput {
                            value,
                            sensitive: output.sensitive || tainted,
                        },
                    );
                }
            }
            Node::Module(name) => self.module(name),
            Node::Import(index) => {
                let import = &config.imports[index];
                if let Some(id) = self.eval(&import.id) {
                    if !matches!(id, Value::String(_)) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::WRONG_TYPE,
                                "an import `id` must be a string known before apply",
                            )
                            .at(import.id.span())
                            .hint("write the compute's ARM id"),
                        );
                    }
                    self.out.imports.push(EvaluatedImport {
                        to: format!("{}{}", self.context.prefix, import.to),
                        id,
                    });
                }
            }
        }
    }

    fn workspace(&mut self, label: &str) {
        let block = self.config.workspace(label).expect("resolved");
        let mut attributes = BTreeMap::new();
        for name in WORKSPACE_ATTRIBUTES {
            match block.attributes.get(*name) {
                Some(attribute) => {
                    if let Some(value) = self.eval(&attribute.value) {
                        attributes.insert((*name).to_owned(), value);
                    }
                }
                None => {
                    let required = ["name", "resource_group", "subscription_id", "location"];
                    let embedded = block.attributes.contains_key("endpoint");
                    if required.contains(name) && !(embedded && *name == "subscription_id") {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::MISSING_ATTRIBUTE,
                                format!("workspace `{label}` has no `{name}`"),
                            )
                            .at(block.label_span.clone())
                            .hint(format!("add `{name} = ...` to the workspace block")),
                        );
                    }
                }
            }
        }
        // The embedded emulator needs no subscription; give it a fixed one.
        if attributes.contains_key("endpoint") && !attributes.contains_key("subscription_id") {
            attributes.insert(
                "subscription_id".into(),
                Value::from("00000000-0000-0000-0000-000000000000"),
            );
        }
        self.workspaces
            .insert(label.to_owned(), Value::Map(attributes.clone()));
        self.out.workspaces.insert(
            label.to_owned(),
            EvaluatedWorkspace {
                label: label.to_owned(),
                label_span: block.label_span.clone(),
                attributes,
            },
        );
    }
}

/// Compute blocks a block refers to (given its attributes' references) or names in
/// `depends_on`, sorted.
fn block_dependencies(block: &ComputeBlock, references: &[(&str, Vec<Reference>)]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for reference in references.iter().flat_map(|(_, references)| references) {
        if let (Some(_), Some(label)) = (compute_kind(reference.root()), reference.name()) {
            out.insert(format!("{}.{label}", reference.root()));
        }
    }
    out.extend(block.depends_on.iter().map(|(address, _)| address.clone()));
    out.into_iter().collect()
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One instance of a compute block: its address, `each` (key, value) and `count.index`.
type Instance = (String, Option<(Value, Value)>, Option<usize>);

/// Which meta-references a block allows.
#[derive(Debug, Clone, Copy, Default)]
struct RefContext {
    each: bool,
    count: bool,
}

/// The most instances one block may have through `count` or `for_each` (a documented limit:
/// more is a mistake, and would exhaust memory before a plan could say so).
pub const MAX_INSTANCES: usize = 100_000;

fn too_many_instances(span: Span, meta: &str, instances: f64) -> Diagnostic {
    Diagnostic::error(
        if meta == "count" {
            codes::COUNT
        } else {
            codes::FOR_EACH
        },
        format!(
            "`{meta}` asks for {instances} instances; a block may have at most {MAX_INSTANCES}"
        ),
    )
    .at(span)
    .hint("split the computes over several blocks, or check the expression")
}

// After `scope!`, which the compute stage uses: a macro is seen only below its definition.
mod computes;
mod modules;
mod typing;
mod variables;

pub(crate) use modules::ModuleContext;
