//! `amlform console`: evaluates expressions against the configuration and what the state
//! knows (`aml_compute.cpu.id`, `var.prefix`, `upper(local.team)`), one per line, from a
//! terminal (with a `> ` prompt) or a pipe (`echo 'aml_compute.cpu.id' | amlform console`).
//! Results go to stdout, errors to stderr; `exit` (or the end of input) ends it, with exit
//! code 1 when any line failed. A secret is only ever `(sensitive value)`.

use std::io::{BufRead, IsTerminal, Write};

use amlform_lang::{Console, RenderStyle};
use amlform_state::StateStore;

use crate::cli::ConsoleArgs;
use crate::exit_status::ExitStatus;
use crate::settings::Settings;

pub fn run(args: &ConsoleArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    // The state is read and its lock freed before the first line: a console left open holds
    // no lock.
    let records =
        crate::plan_command::open_state("console", args.lock_timeout, settings)?.records()?;
    let known = amlform_engine::known_values(&records);
    drop(records);
    let module = crate::module_loader::load_knowing(&args.variables, known)?;
    if !settings.printer.diagnostics(&module) {
        return Ok(ExitStatus::Failure);
    }
    let mut console = Console::new(module, std::path::Path::new("."));
    let interactive = std::io::stdin().is_terminal();
    let style = RenderStyle::for_terminal(settings.color());
    let mut failed = false;
    let mut stdin = std::io::stdin().lock();
    let mut line = String::new();
    loop {
        if interactive {
            print!("> ");
            std::io::stdout().flush()?;
        }
        line.clear();
        if stdin.read_line(&mut line)? == 0 {
            if interactive {
                println!();
            }
            break;
        }
        let expression = line.trim();
        if expression.is_empty() {
            continue;
        }
        if expression == "exit" {
            break;
        }
        match console.evaluate(expression, style) {
            Ok(value) => println!("{value}"),
            Err(diagnostics) => {
                failed = true;
                eprint!("{diagnostics}");
            }
        }
    }
    Ok(ExitStatus::from_success(!failed))
}
