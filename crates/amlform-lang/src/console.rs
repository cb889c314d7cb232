//! [`Console`]: one expression at a time against an evaluated configuration (`amlform
//! console`): variables, locals, workspaces, computes (with what the state knows) and every
//! function. A value that reads a sensitive variable, local or secret attribute, or that
//! holds a secret's text, is only ever `(sensitive value)`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::expr::Expression;

use crate::codes;
use crate::config::Expr;
use crate::diagnostic::{Diagnostic, RenderStyle};
use crate::interpreter::{BlockInstances, ComputeBlocks, ComputeValues, Scope};
use crate::module::Module;
use crate::references::{Reference, references};
use crate::source_map::Origin;
use crate::value::Value;

/// What an expression shows, or why it cannot be shown.
pub type ConsoleResult = Result<String, String>;

/// A loaded module, ready to evaluate expressions typed against it.
#[derive(Debug)]
pub struct Console {
    module: Module,
    variables: BTreeMap<String, Value>,
    workspaces: BTreeMap<String, Value>,
    blocks: ComputeBlocks,
    base_dir: PathBuf,
    lines: usize,
}

impl Console {
    /// `module` evaluated (knowing the state's computed values); `base_dir` is where `file()`
    /// reads.
    pub fn new(module: Module, base_dir: &Path) -> Console {
        let config = &module.evaluated;
        let variables = (config.variables.iter())
            .map(|(name, variable)| (name.clone(), variable.value.clone()))
            .collect();
        let workspaces = (config.workspaces.iter())
            .map(|(label, workspace)| (label.clone(), Value::Map(workspace.attributes.clone())))
            .collect();
        let blocks = blocks_of(config.computes.keys());
        Console {
            variables,
            workspaces,
            blocks,
            base_dir: base_dir.to_owned(),
            lines: 0,
            module,
        }
    }

    /// The value of `line` as Terraform's console prints it; `Err` holds the rendered
    /// diagnostics.
    pub fn evaluate(&mut self, line: &str, style: RenderStyle) -> ConsoleResult {
        self.lines += 1;
        let name = format!("<console line {}>", self.lines);
        let file =
            (self.module.sources).add(name, self.base_dir.join("<console>"), line.to_owned());
        let mut diagnostics = self.module.diagnostics.empty_like();
        let expr = match line.trim().parse::<Expression>() {
            Ok(expr) => Expr {
                origin: Origin {
                    file,
                    offset: line.len() - line.trim_start().len(),
                },
                expr,
            },
            Err(error) => {
                diagnostics.push(
                    Diagnostic::error(codes::SYNTAX, format!("not an expression: {}", error.message()))
                        .hint("type an expression such as `var.prefix`, `aml_compute.cpu.id` or `upper(\"a\")`; `exit` ends the console"),
                );
                return Err(diagnostics.render(&self.module.sources, style));
            }
        };
        let config = &self.module.evaluated;
        let scope = Scope {
            variables: &self.variables,
            locals: &config.locals,
            workspaces: &self.workspaces,
            modules: &config.modules,
            computes: ComputeValues {
                blocks: Some(&self.blocks),
                instances: Some(&config.computes),
            },
            each: None,
            count_index: None,
            base_dir: &self.base_dir,
        };
        let value = scope.eval(&expr, &mut diagnostics);
        match value {
            Some(value) if !diagnostics.has_errors() => {
                let text = value.to_string();
                let sensitive = self.is_sensitive(&references(&expr))
                    || self.module.diagnostics.holds_secret(&text);
                Ok(if sensitive {
                    "(sensitive value)".to_owned()
                } else {
                    text
                })
            }
            _ => Err(diagnostics.render(&self.module.sources, style)),
        }
    }

    /// Whether a reference reads a sensitive variable or local, a secret attribute, or a
    /// whole compute that holds one.
    fn is_sensitive(&self, references: &[Reference]) -> bool {
        let config = &self.module.evaluated;
        references
            .iter()
            .any(|reference| match (reference.root(), reference.name()) {
                ("var", Some(name)) => config.variables.get(name).is_some_and(|v| v.sensitive),
                ("local", Some(name)) => config.sensitive_locals.contains(name),
                (kind, Some(label)) => {
                    let block = format!("{kind}.{label}");
                    let attribute = reference.parts.get(2).map(String::as_str);
                    (config.computes.iter())
                        .filter(|(address, _)| crate::block_of(address) == block)
                        .any(|(_, instance)| {
                            (instance.attributes.iter()).any(|(name, value)| {
                                value.sensitive && attribute.is_none_or(|wanted| wanted == *name)
                            })
                        })
                }
                _ => false,
            })
    }
}

/// The blocks of these instance addresses, as references read them: a single instance, a
/// `count` list (`[0]`) or a `for_each` map (`["key"]`).
fn blocks_of<'a>(addresses: impl Iterator<Item = &'a String>) -> ComputeBlocks {
    /// An instance's key as written (`0`, `"a"`; none for a single one), and its address.
    type Instance = (Option<String>, String);
    let mut grouped: BTreeMap<(&'static str, String), Vec<Instance>> = BTreeMap::new();
    for address in addresses {
        let Some((kind, label)) = address.split_once('.') else {
            continue;
        };
        let Some(kind) = amlform_schema::compute_kind(kind) else {
            continue;
        };
        let (label, key) = match label.split_once('[') {
            Some((label, key)) => (label, Some(key.trim_end_matches(']').to_owned())),
            None => (label, None),
        };
        (grouped
            .entry((kind.block_name, label.to_owned()))
            .or_default())
        .push((key, address.clone()));
    }
    let mut blocks = ComputeBlocks::new();
    for ((kind, label), mut instances) in grouped {
        let counted = instances
            .iter()
            .all(|(key, _)| key.as_ref().is_some_and(|key| key.parse::<usize>().is_ok()));
        let block = match instances.first() {
            Some((None, address)) => BlockInstances::Single(address.clone()),
            _ if counted => {
                instances
                    .sort_by_key(|(key, _)| key.as_ref().and_then(|key| key.parse::<usize>().ok()));
                BlockInstances::Counted(instances.into_iter().map(|(_, address)| address).collect())
            }
            _ => BlockInstances::Keyed(
                (instances.into_iter())
                    .map(|(key, address)| {
                        let key = key.unwrap_or_default();
                        let key = serde_json::from_str::<String>(&key).unwrap_or(key);
                        (key, address)
                    })
                    .collect(),
            ),
        };
        blocks.entry(kind).or_default().insert(label, block);
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::LoadOptions;

    #[test]
    fn counted_and_keyed_blocks_read_as_a_list_and_a_map() {
        let text = "workspace \"w\" {\n  name           = \"ws-console\"\n  resource_group = \"rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}\n\naml_compute \"gpu\" {\n  count     = 2\n  name      = \"gpu-${count.index}\"\n  vm_size   = \"STANDARD_NC6\"\n  max_nodes = 1\n}\n\naml_compute \"pool\" {\n  for_each  = toset([\"a\", \"b\"])\n  name      = \"pool-${each.key}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}\n";
        let module = Module::load_sources(
            vec![("main.aml.hcl".to_owned(), text.to_owned())],
            Path::new("."),
            &[],
            &LoadOptions::default(),
        );
        assert!(!module.diagnostics.has_errors(), "{:?}", module.diagnostics);
        let mut console = Console::new(module, Path::new("."));
        let mut eval = |line: &str| console.evaluate(line, RenderStyle::for_terminal(false));
        assert_eq!(eval("aml_compute.gpu[1].name"), Ok("\"gpu-1\"".to_owned()));
        assert_eq!(eval("aml_compute.gpu[0].max_nodes"), Ok("1".to_owned()));
        assert_eq!(
            eval("aml_compute.pool[\"b\"].name"),
            Ok("\"pool-b\"".to_owned())
        );
        assert_eq!(
            eval("[for key, pool in aml_compute.pool : key]"),
            Ok("[\"a\", \"b\"]".to_owned())
        );
        assert!(eval("aml_compute.nope.name").is_err());
    }
}
