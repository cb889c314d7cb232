//! A configuration directory: its files, parsed, evaluated and checked.

use crate::codes;
use crate::config::{BackendBlock, Config};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::evaluated_config::EvaluatedConfig;
use crate::evaluator::{VariableInputs, evaluate};
use crate::loader::load;
use crate::source_map::SourceMap;
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Configuration files end with this.
pub const CONFIG_SUFFIX: &str = ".aml.hcl";
/// Variable files loaded automatically end with this.
pub const VARS_SUFFIX: &str = ".amlvars.hcl";
/// Environment variables named `AMLFORM_VAR_<name>` set variable `<name>`.
const ENV_PREFIX: &str = "AMLFORM_VAR_";

/// Values given from outside the configuration.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--var-file` paths, in order.
    pub var_files: Vec<PathBuf>,
    /// `--var name=value`, in order.
    pub vars: Vec<(String, String)>,
    /// `AMLFORM_VAR_name` values.
    pub env: Vec<(String, String)>,
    /// Computed attributes already known (`id` after an apply), by instance address then
    /// attribute, so outputs and references show them; the rest stay unknown until apply.
    pub known: BTreeMap<String, BTreeMap<String, Value>>,
}

impl LoadOptions {
    /// Takes `AMLFORM_VAR_*` from the process environment.
    pub fn with_process_env(mut self) -> Self {
        self.env = std::env::vars()
            .filter_map(|(key, value)| {
                key.strip_prefix(ENV_PREFIX)
                    .map(|name| (name.to_owned(), value))
            })
            .collect();
        self.env.sort();
        self
    }
}

/// A loaded configuration: its sources, its evaluated form, and every diagnostic.
#[derive(Debug)]
pub struct Module {
    pub sources: SourceMap,
    pub evaluated: EvaluatedConfig,
    pub diagnostics: Diagnostics,
    /// The `backend` block, if there is one.
    pub backend: Option<BackendBlock>,
    /// Every module the configuration uses, nested ones as `outer.inner`, with its directory.
    pub module_dirs: Vec<(String, PathBuf)>,
}

/// The `*.aml.hcl` files of a directory, sorted by name.
pub fn config_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    files_with_suffix(dir, CONFIG_SUFFIX)
}

fn files_with_suffix(dir: &Path, suffix: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file()
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(suffix))
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A configuration directory read and parsed but not yet evaluated: the stage that uses
/// every core. Commands that have other work (reading the state) start it here, so the
/// parse has the machine to itself and evaluation, on one core, runs beside it.
#[derive(Debug)]
pub struct ParsedModule {
    sources: SourceMap,
    config: Config,
    /// The modules its `module` blocks use, by block name.
    children: BTreeMap<String, ChildModule>,
    inputs: VariableInputs,
    base_dir: PathBuf,
    diagnostics: Diagnostics,
}

impl Module {
    /// Loads every `*.aml.hcl` file of `dir`, its `*.amlvars.hcl` files and the given variables.
    /// `Err` only when the directory cannot be read; problems in files are diagnostics.
    pub fn load_dir(dir: &Path, options: &LoadOptions) -> std::io::Result<Module> {
        Ok(ParsedModule::parse_dir(dir, options)?.evaluate(&options.known))
    }

    /// Loads configuration text that is already in memory (`(name, text)` pairs). `base_dir` is
    /// where `file()` and relative variable file paths are resolved.
    pub fn load_sources(
        files: Vec<(String, String)>,
        base_dir: &Path,
        var_files: &[PathBuf],
        options: &LoadOptions,
    ) -> Module {
        ParsedModule::parse_sources(files, base_dir, var_files, options).evaluate(&options.known)
    }
}

impl ParsedModule {
    /// Reads and parses what [`Module::load_dir`] loads.
    pub fn parse_dir(dir: &Path, options: &LoadOptions) -> std::io::Result<ParsedModule> {
        let mut files = Vec::new();
        let mut diagnostics = Diagnostics::default();
        for path in config_files(dir)? {
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push((display_name(dir, &path), text)),
                Err(error) => diagnostics.push(
                    Diagnostic::error(
                        codes::SYNTAX,
                        format!("cannot read {}: {error}", path.display()),
                    )
                    .hint("check the file's permissions and that it is UTF-8 text"),
                ),
            }
        }
        if files.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    codes::SYNTAX,
                    format!("no `*{CONFIG_SUFFIX}` files in {}", dir.display()),
                )
                .hint("run amlform in a directory with configuration files, or pass `-C <dir>`"),
            );
        }
        let mut var_files = files_with_suffix(dir, VARS_SUFFIX)?;
        var_files.extend(options.var_files.iter().cloned());
        let mut parsed = ParsedModule::parse_sources(files, dir, &var_files, options);
        parsed.diagnostics.extend(diagnostics);
        Ok(parsed)
    }

    /// Parses what [`Module::load_sources`] loads.
    pub fn parse_sources(
        files: Vec<(String, String)>,
        base_dir: &Path,
        var_files: &[PathBuf],
        options: &LoadOptions,
    ) -> ParsedModule {
        let mut sources = SourceMap::default();
        for (name, text) in files {
            let path = base_dir.join(&name);
            sources.add(name, path, text);
        }
        let (config, mut diagnostics) = load(&sources);
        let children = load_children(
            &config,
            base_dir,
            base_dir,
            &mut sources,
            &mut diagnostics,
            0,
        );
        let mut inputs = VariableInputs {
            env: options.env.clone(),
            files: Vec::new(),
            cli: options.vars.clone(),
        };
        for path in var_files {
            let full = base_dir.join(path);
            match std::fs::read_to_string(&full) {
                Ok(text) => {
                    inputs
                        .files
                        .push(sources.add(display_name(base_dir, &full), full, text))
                }
                Err(error) => diagnostics.push(
                    Diagnostic::error(
                        codes::VARIABLE_VALUE,
                        format!("cannot read variable file {}: {error}", path.display()),
                    )
                    .hint("check the path given to `--var-file`"),
                ),
            }
        }
        ParsedModule {
            sources,
            config,
            children,
            inputs,
            base_dir: base_dir.to_owned(),
            diagnostics,
        }
    }

    /// The workspace blocks alone, evaluated with the variables and locals they may read
    /// (nothing else: no compute, output or module block), so that the service can be read
    /// while the rest evaluates. `None` when the parse had errors or this evaluation has any
    /// (a local that reads a compute, say): the whole evaluation then says what is wrong.
    pub fn evaluated_workspaces(&mut self) -> Option<EvaluatedConfig> {
        if self.diagnostics.has_errors() || self.config.workspaces.is_empty() {
            return None;
        }
        let part = self.config.take_workspace_part();
        let (evaluated, diagnostics) = evaluate(
            &part,
            &self.sources,
            &self.inputs,
            &self.base_dir,
            &BTreeMap::new(),
            &BTreeMap::new(),
        );
        self.config.put_back(part);
        (!diagnostics.has_errors()).then_some(evaluated)
    }

    /// Evaluates and checks the configuration; `known` holds computed attributes already
    /// known (see [`LoadOptions::known`]).
    pub fn evaluate(self, known: &BTreeMap<String, BTreeMap<String, Value>>) -> Module {
        let ParsedModule {
            sources,
            config,
            children,
            inputs,
            base_dir,
            mut diagnostics,
        } = self;
        let (evaluated, evaluation_diagnostics) =
            evaluate(&config, &sources, &inputs, &base_dir, known, &children);
        let backend = config.backends.first().cloned();
        let mut module_dirs = Vec::new();
        list_modules(&children, "", &mut module_dirs);
        // The configuration as written is spent once evaluated: free it beside what follows.
        std::thread::spawn(move || drop(config));
        diagnostics.extend(evaluation_diagnostics);
        diagnostics.sort();
        Module {
            sources,
            evaluated,
            diagnostics,
            backend,
            module_dirs,
        }
    }

    /// Takes out the `import` blocks whose `to` no compute block declares (for
    /// `plan -generate-config-out`, which writes those blocks): each `to` and its id, when
    /// the id is a literal string (`None` otherwise).
    pub fn take_imports_without_blocks(&mut self) -> Vec<(String, Option<String>)> {
        let config = &mut self.config;
        let (orphans, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut config.imports)
            .into_iter()
            .partition(|import| {
                let (kind, label) = import.to.split_once('.').unwrap_or(("", ""));
                config.compute(kind, label).is_none()
            });
        config.imports = kept;
        (orphans.into_iter())
            .map(|import| {
                let id = match &import.id.expr {
                    hcl_edit::expr::Expression::String(text) => Some(text.value().clone()),
                    _ => None,
                };
                (import.to, id)
            })
            .collect()
    }

    /// The `backend` block, known before evaluation (its settings are literals).
    pub fn backend(&self) -> Option<&BackendBlock> {
        self.config.backends.first()
    }
}

/// A module a `module` block uses: its configuration, where its files are, and the modules
/// its own `module` blocks use.
#[derive(Debug)]
pub(crate) struct ChildModule {
    pub config: Config,
    pub base_dir: PathBuf,
    pub children: BTreeMap<String, ChildModule>,
}

fn list_modules(
    children: &BTreeMap<String, ChildModule>,
    outer: &str,
    out: &mut Vec<(String, PathBuf)>,
) {
    for (name, child) in children {
        let name = format!("{outer}{name}");
        out.push((name.clone(), child.base_dir.clone()));
        list_modules(&child.children, &format!("{name}."), out);
    }
}

/// How deep modules may nest: deeper is almost surely a module that uses itself.
const MAX_MODULE_DEPTH: usize = 8;

/// Reads and parses the module of each `module` block of `config` (in `dir`), and theirs in
/// turn; their files join `sources` named from `root` (`modules/ml-team/main.aml.hcl`), so a
/// diagnostic points at the module's own file and line.
fn load_children(
    config: &Config,
    dir: &Path,
    root: &Path,
    sources: &mut SourceMap,
    diagnostics: &mut Diagnostics,
    depth: usize,
) -> BTreeMap<String, ChildModule> {
    let mut children = BTreeMap::new();
    for block in &config.modules {
        let Some((source, span)) = &block.source else {
            continue;
        };
        if depth >= MAX_MODULE_DEPTH {
            diagnostics.push(
                Diagnostic::error(codes::NOT_ALLOWED, format!("modules nest more than {MAX_MODULE_DEPTH} deep"))
                    .at(span.clone())
                    .hint("a module that uses itself, directly or through others, never ends: remove the loop"),
            );
            continue;
        }
        let module_dir = dir.join(source);
        let files = match config_files(&module_dir) {
            Ok(files) if !files.is_empty() => files,
            Ok(_) | Err(_) => {
                diagnostics.push(
                    Diagnostic::error(
                        codes::SYNTAX,
                        format!("module `{}`: no `*{CONFIG_SUFFIX}` files in {}", block.name, module_dir.display()),
                    )
                    .at(span.clone())
                    .hint("`source` is a directory relative to the file's directory, holding the module's configuration files"),
                );
                continue;
            }
        };
        let mut ids = Vec::with_capacity(files.len());
        for path in files {
            match std::fs::read_to_string(&path) {
                Ok(text) => ids.push(sources.add(display_name(root, &path), path, text)),
                Err(error) => diagnostics.push(
                    Diagnostic::error(
                        codes::SYNTAX,
                        format!("cannot read {}: {error}", path.display()),
                    )
                    .at(span.clone())
                    .hint("check the file's permissions and that it is UTF-8 text"),
                ),
            }
        }
        let (child, child_diagnostics) = crate::loader::load_files(sources, &ids);
        diagnostics.extend(child_diagnostics);
        if let Some(backend) = child.backends.first() {
            diagnostics.push(
                Diagnostic::error(codes::BACKEND, "a module cannot declare a backend")
                    .at(backend.kind_span.clone())
                    .hint("the state's backend is the root configuration's"),
            );
        }
        let grandchildren =
            load_children(&child, &module_dir, root, sources, diagnostics, depth + 1);
        children.insert(
            block.name.clone(),
            ChildModule {
                config: child,
                base_dir: module_dir,
                children: grandchildren,
            },
        );
    }
    children
}

fn display_name(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}
