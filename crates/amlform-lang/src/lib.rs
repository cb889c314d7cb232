//! The amlform configuration language: loading `*.aml.hcl` files with source spans, evaluating
//! variables, locals, references and functions, checking every compute against its schema and
//! the static rules of `DOMAIN.md`, and formatting files canonically.
//!
//! Loading never stops at the first problem: it returns what it could evaluate together with
//! every [`Diagnostic`] found. This crate reads configuration files and nothing else: it speaks
//! to no service, keeps no state, and prints nothing.

pub mod codes;
mod config;
mod console;
mod diagnostic;
mod evaluated_config;
mod evaluator;
mod formatter;
mod functions;
mod generated_config;
mod instance_types;
mod interpreter;
mod loader;
mod local_file;
mod module;
mod parsed_body;
mod plain_parser;
mod references;
mod rules;
mod schedules;
mod source_map;
mod suggest;
mod type_constraint;
mod value;

pub use amlform_schema::AttributeMap;
pub use config::{BackendBlock, Config, Lifecycle};
pub use console::{Console, ConsoleResult};
pub use diagnostic::{Diagnostic, Diagnostics, JsonDiagnostic, RenderStyle, Severity};
pub use evaluated_config::{
    ComputeInstance, EvaluatedAttribute, EvaluatedConfig, EvaluatedImport, EvaluatedMove,
    EvaluatedOutput, EvaluatedRemoval, EvaluatedVariable, EvaluatedWorkspace,
};
pub use evaluator::VariableInputs;
pub use formatter::{FormatError, format_source};
pub use generated_config::{GeneratedCompute, Setting, label_for, render_generated};
pub use loader::{AZURERM_SETTINGS, block_of};
pub use local_file::{MAX_FILE_BYTES, check_file_attributes, expand_home, read_text_file};
pub use module::{CONFIG_SUFFIX, LoadOptions, Module, ParsedModule, VARS_SUFFIX, config_files};
pub use references::expression_references;
pub use source_map::{FileId, SourceFile, SourceMap, Span};
pub use suggest::edit_distance;
pub use type_constraint::TypeConstraint;
pub use value::Value;
