//! Loading the configuration of the current directory with the command line's variables.

use amlform_lang::{LoadOptions, Module};
use anyhow::{Context, bail};
use std::path::Path;

use crate::cli::VariableArgs;

pub fn load(variables: &VariableArgs) -> anyhow::Result<Module> {
    let mut vars = Vec::new();
    for pair in &variables.vars {
        let Some((name, value)) = pair.split_once('=') else {
            bail!(
                "`--var {pair}` is not of the form NAME=VALUE\nhint: write `--var {pair}=<value>`"
            );
        };
        vars.push((name.trim().to_owned(), value.to_owned()));
    }
    let options = LoadOptions {
        var_files: variables.var_files.clone(),
        vars,
        env: Vec::new(),
    }
    .with_process_env();
    Module::load_dir(Path::new("."), &options).context("cannot read the configuration directory")
}
