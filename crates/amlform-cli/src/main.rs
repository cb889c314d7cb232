//! The `amlform` command-line tool: parses arguments, runs one command, prints its result and
//! picks the exit code. It is the only crate that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod apply_command;
mod apply_progress;
mod cli;
mod connection;
mod emulator_command;
mod fmt_command;
mod graph_command;
mod import_command;
mod module_loader;
mod output_command;
mod plan_command;
mod refresh_command;
mod show_command;
mod state_command;
mod terraform_flags;
mod timings;
mod validate_command;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match terraform_flags::rewrite(&Cli::command(), std::env::args_os().collect()) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(args);
    if let Some(dir) = &cli.chdir
        && let Err(error) = std::env::set_current_dir(dir)
    {
        eprintln!(
            "error: cannot change to directory {}: {error}",
            dir.display()
        );
        return ExitCode::from(1);
    }
    if let Some(credential) = &cli.credential {
        let _ = connection::CREDENTIAL_OVERRIDE.set(credential.clone());
    }
    let color = cli.color_enabled();
    let status = match cli.command {
        Command::Validate(args) => validate_command::run(&args, color),
        Command::Fmt(args) => fmt_command::run(&args, color),
        Command::Plan(args) => plan_command::run(&args, color),
        Command::Apply(args) => apply_command::run(&args, false, color),
        Command::Destroy(args) => apply_command::run(&args, true, color),
        Command::Refresh(args) => refresh_command::run(&args, color),
        Command::Graph(args) => graph_command::run(&args, color),
        Command::Import(args) => import_command::run(&args, color),
        Command::Show(args) => show_command::run(&args, color),
        Command::Output(args) => output_command::run(&args, color),
        Command::State(command) => state_command::run(&command),
        Command::Emulator(cli::EmulatorCommand::Serve(args)) => emulator_command::serve(&args),
    };
    match status {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
