//! Loading the configuration of the current directory with the command line's variables.

use std::collections::BTreeMap;

use amlform_lang::{LoadOptions, Module, ParsedModule, Value};
use anyhow::{Context, bail};
use std::path::Path;

use crate::cli::VariableArgs;

pub fn load(variables: &VariableArgs) -> anyhow::Result<Module> {
    load_knowing(variables, BTreeMap::new())
}

/// Loads with computed attributes (`id`, ...) as the state knows them, for outputs.
pub fn load_knowing(
    variables: &VariableArgs,
    known: BTreeMap<String, BTreeMap<String, Value>>,
) -> anyhow::Result<Module> {
    let options = options(variables, known)?;
    Module::load_dir(Path::new("."), &options).context("cannot read the configuration directory")
}

/// Reads and parses without evaluating (see [`ParsedModule`]); `evaluate(&BTreeMap::new())`
/// finishes what [`load`] does.
pub fn parse(variables: &VariableArgs) -> anyhow::Result<ParsedModule> {
    let options = options(variables, BTreeMap::new())?;
    ParsedModule::parse_dir(Path::new("."), &options)
        .context("cannot read the configuration directory")
}

fn options(
    variables: &VariableArgs,
    known: BTreeMap<String, BTreeMap<String, Value>>,
) -> anyhow::Result<LoadOptions> {
    let mut vars = Vec::new();
    for pair in &variables.vars {
        let Some((name, value)) = pair.split_once('=') else {
            bail!(
                "`--var {pair}` is not of the form NAME=VALUE\nhint: write `--var {pair}=<value>`"
            );
        };
        vars.push((name.trim().to_owned(), value.to_owned()));
    }
    Ok(LoadOptions {
        var_files: variables.var_files.clone(),
        vars,
        env: Vec::new(),
        known,
    }
    .with_process_env())
}
