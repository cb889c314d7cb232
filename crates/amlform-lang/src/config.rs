//! The configuration as written: every block and attribute with its source span, expressions
//! not yet evaluated. [`crate::loader`] builds it; [`crate::evaluator`] evaluates it.

use crate::source_map::{Origin, Span};
use crate::type_constraint::TypeConstraint;
use amlform_schema::AttributeMap;
use amlform_schema::ComputeKind;
use foldhash::{HashMap, HashMapExt};
use hcl_edit::expr::Expression;
use std::collections::BTreeMap;

/// An expression and where the text it was parsed from starts.
#[derive(Debug, Clone)]
pub struct Expr {
    pub origin: Origin,
    pub expr: Expression,
}

impl Expr {
    pub fn span(&self) -> Span {
        self.origin.span(&self.expr)
    }
}

/// `name = value` inside a block. The name is the schema's (only known attributes are kept),
/// so 50,000 blocks hold no copies of it.
#[derive(Debug, Clone)]
pub struct AttributeDef {
    pub name: &'static str,
    pub key_span: Span,
    pub value: Expr,
}

#[derive(Debug, Default)]
pub struct Config {
    pub workspaces: Vec<WorkspaceBlock>,
    pub variables: Vec<VariableBlock>,
    pub locals: Vec<LocalDef>,
    pub outputs: Vec<OutputBlock>,
    pub computes: Vec<ComputeBlock>,
    pub imports: Vec<ImportBlock>,
    pub moves: Vec<MovedBlock>,
    pub removals: Vec<RemovedBlock>,
    /// `backend` blocks (more than one is an error).
    pub backends: Vec<BackendBlock>,
    pub modules: Vec<ModuleBlock>,
    /// Kind, then label → index in `computes`, so lookups stay constant-time at thousands of
    /// blocks (the first of duplicates wins; the loader reports the others).
    compute_index: HashMap<&'static str, HashMap<String, usize>>,
    /// Label → index in `workspaces` (the first of duplicates).
    workspace_index: HashMap<String, usize>,
    /// Name → index in `locals` and in `variables` (the first of duplicates): a reference is
    /// found in constant time, so 80,000 locals take 4x the time of 20,000, not 16x.
    local_index: HashMap<String, usize>,
    variable_index: HashMap<String, usize>,
}

impl Config {
    /// The workspaces, variables and locals alone (with their indexes), moved out of `self`
    /// until [`Config::put_back`]: moves, not copies, so setting them apart costs nothing at
    /// any size.
    pub(crate) fn take_workspace_part(&mut self) -> Config {
        use std::mem::take;
        Config {
            workspaces: take(&mut self.workspaces),
            variables: take(&mut self.variables),
            locals: take(&mut self.locals),
            workspace_index: take(&mut self.workspace_index),
            local_index: take(&mut self.local_index),
            variable_index: take(&mut self.variable_index),
            ..Config::default()
        }
    }

    /// Takes back what [`Config::take_workspace_part`] moved out.
    pub(crate) fn put_back(&mut self, part: Config) {
        self.workspaces = part.workspaces;
        self.variables = part.variables;
        self.locals = part.locals;
        self.workspace_index = part.workspace_index;
        self.local_index = part.local_index;
        self.variable_index = part.variable_index;
    }

    /// Builds the lookup index; the loader calls it once all blocks are in.
    pub(crate) fn index(&mut self) {
        let mut index: HashMap<&'static str, HashMap<String, usize>> = HashMap::new();
        for (position, compute) in self.computes.iter().enumerate() {
            index
                .entry(compute.kind.block_name)
                .or_default()
                .entry(compute.label.clone())
                .or_insert(position);
        }
        self.compute_index = index;
        self.workspace_index = HashMap::with_capacity(self.workspaces.len());
        for (position, workspace) in self.workspaces.iter().enumerate().rev() {
            self.workspace_index
                .insert(workspace.label.clone(), position);
        }
        self.local_index = HashMap::with_capacity(self.locals.len());
        for (position, local) in self.locals.iter().enumerate().rev() {
            self.local_index.insert(local.name.clone(), position);
        }
        self.variable_index = HashMap::with_capacity(self.variables.len());
        for (position, variable) in self.variables.iter().enumerate().rev() {
            self.variable_index.insert(variable.name.clone(), position);
        }
    }

    /// Adds the blocks of another part of the configuration, after these.
    pub(crate) fn append(&mut self, other: Config) {
        /// Takes the first part's blocks whole rather than copying them.
        fn append<T>(blocks: &mut Vec<T>, more: Vec<T>) {
            if blocks.is_empty() {
                *blocks = more;
            } else {
                blocks.extend(more);
            }
        }
        append(&mut self.workspaces, other.workspaces);
        append(&mut self.variables, other.variables);
        append(&mut self.locals, other.locals);
        append(&mut self.outputs, other.outputs);
        append(&mut self.computes, other.computes);
        append(&mut self.imports, other.imports);
        append(&mut self.moves, other.moves);
        append(&mut self.removals, other.removals);
        append(&mut self.backends, other.backends);
        append(&mut self.modules, other.modules);
    }

    pub fn variable(&self, name: &str) -> Option<&VariableBlock> {
        let position = self.variable_index.get(name)?;
        Some(&self.variables[*position])
    }

    pub fn local(&self, name: &str) -> Option<&LocalDef> {
        let position = self.local_index.get(name)?;
        Some(&self.locals[*position])
    }

    pub fn compute(&self, kind: &str, label: &str) -> Option<&ComputeBlock> {
        let position = self.compute_index.get(kind)?.get(label)?;
        Some(&self.computes[*position])
    }

    pub fn workspace(&self, label: &str) -> Option<&WorkspaceBlock> {
        let position = self.workspace_index.get(label)?;
        Some(&self.workspaces[*position])
    }
}

/// `workspace "label" { ... }`: where computes live.
#[derive(Debug)]
pub struct WorkspaceBlock {
    pub label: String,
    pub label_span: Span,
    pub attributes: BTreeMap<String, AttributeDef>,
}

/// `backend "azurerm" { ... }`: where the state lives. Its settings are literals (read before
/// anything is evaluated, as Terraform's are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendBlock {
    /// `azurerm` (or `local`).
    pub kind: String,
    pub kind_span: Span,
    /// Each setting's value as written (`use_azuread_auth` as `true` / `false`).
    pub settings: BTreeMap<String, String>,
}

/// `variable "name" { ... }`.
#[derive(Debug)]
pub struct VariableBlock {
    pub name: String,
    pub label_span: Span,
    pub ty: TypeConstraint,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub validations: Vec<Validation>,
}

#[derive(Debug)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

/// One entry of a `locals` block.
#[derive(Debug)]
pub struct LocalDef {
    pub name: String,
    pub key_span: Span,
    pub value: Expr,
}

/// `output "name" { value = ... }`.
#[derive(Debug)]
pub struct OutputBlock {
    pub name: String,
    pub label_span: Span,
    pub value: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
}

/// A compute block such as `aml_compute "cpu" { ... }`.
#[derive(Debug)]
pub struct ComputeBlock {
    pub kind: &'static ComputeKind,
    pub label: String,
    pub label_span: Span,
    /// The kind's attributes as written (an `identity` block is folded into `identity_type` and
    /// `identity_id`).
    pub attributes: AttributeMap<&'static str, AttributeDef>,
    /// `workspace = workspace.LABEL`, resolved statically.
    pub workspace: Option<(String, Span)>,
    /// Boxed: nearly every block has neither, and an `Expr` is 144 bytes (50,000 blocks).
    pub count: Option<Box<Expr>>,
    pub for_each: Option<Box<Expr>>,
    pub depends_on: Vec<(String, Span)>,
    pub lifecycle: Lifecycle,
}

impl ComputeBlock {
    /// `kind.label`, the address of the block (instances add `[index]`).
    pub fn address(&self) -> String {
        format!("{}.{}", self.kind.block_name, self.label)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub prevent_destroy: bool,
    pub create_before_destroy: bool,
    /// Attribute names whose changes the planner ignores; `["all"]` ignores every attribute.
    pub ignore_changes: Vec<String>,
}

/// `module "NAME" { source = "./dir", inputs..., count | for_each, depends_on, workspace }`.
#[derive(Debug)]
pub struct ModuleBlock {
    pub name: String,
    pub label_span: Span,
    /// The local path as written, and its span.
    pub source: Option<(String, Span)>,
    /// Each input: the module variable's name, the key's span, the value.
    pub inputs: Vec<(String, Span, Expr)>,
    pub count: Option<Box<Expr>>,
    pub for_each: Option<Box<Expr>>,
    pub depends_on: Vec<(String, Span)>,
    /// `workspace = workspace.LABEL`: where the module's computes go.
    pub workspace: Option<(String, Span)>,
    /// `workspaces = { NAME = workspace.LABEL }`: the workspaces the module's computes may
    /// name (`workspace = workspace.NAME`) besides its default one.
    pub workspaces: Vec<(String, String, Span)>,
}

/// `moved { from = ADDRESS, to = ADDRESS }`: a block or instance now has another address.
#[derive(Debug, Clone)]
pub struct MovedBlock {
    pub from: String,
    pub from_span: Span,
    pub to: String,
    pub to_span: Span,
}

/// `removed { from = ADDRESS  lifecycle { destroy = false } }`: a block left the configuration,
/// and its computes are forgotten (`destroy = false`) or removed (the default).
#[derive(Debug, Clone)]
pub struct RemovedBlock {
    pub from: String,
    pub from_span: Span,
    pub destroy: bool,
}

/// `import { to = KIND.LABEL, id = "..." }`.
#[derive(Debug)]
pub struct ImportBlock {
    pub to: String,
    pub to_span: Span,
    pub id: Expr,
}
