//! The `amlform` command-line tool: clap's types ([`cli`]) resolve into [`settings::Settings`],
//! one function per command runs it through the engine, a [`printer::Printer`] shows the
//! result, and an [`exit_status::ExitStatus`] ends it. It is the only crate that prints.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod adopt_command;
mod apply_command;
mod apply_progress;
mod approval;
mod cli;
mod connection;
mod console_command;
mod diagnostic_formats;
mod emulator_command;
mod exit_status;
mod fmt_command;
mod force_unlock_command;
mod generate_config;
mod graph_command;
mod import_command;
mod init_command;
mod logging;
mod module_loader;
mod output_command;
mod plan_command;
mod printer;
mod refresh_command;
mod settings;
mod show_command;
mod state_backend;
mod state_command;
mod terraform_flags;
mod timings;
mod ui_event;
mod validate_command;
mod version_command;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use exit_status::ExitStatus;
use printer::Printer;
use settings::Settings;
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
    if let Err(message) = logging::init() {
        eprintln!("error: {message}");
        return ExitCode::from(1);
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), command = ?std::env::args().nth(1), "amlform started");
    if let Some(dir) = &cli.chdir
        && let Err(error) = std::env::set_current_dir(dir)
    {
        eprintln!(
            "error: cannot change to directory {}: {error}",
            dir.display()
        );
        return ExitCode::from(1);
    }
    let settings = Settings {
        printer: Printer {
            color: cli.color_enabled(),
            quiet: cli.quiet,
        },
        credential: cli.credential.clone(),
        input: cli.input,
    };
    let status = match cli.command {
        Command::Validate(args) => validate_command::run(&args, &settings),
        Command::Fmt(args) => fmt_command::run(&args, &settings),
        Command::Plan(args) => plan_command::run(&args, &settings),
        Command::Apply(args) => apply_command::run(&args, false, &settings),
        Command::Destroy(args) => apply_command::run(&args, true, &settings),
        Command::Refresh(args) => refresh_command::run(&args, &settings),
        Command::Graph(args) => graph_command::run(&args, &settings),
        Command::Import(args) => import_command::run(&args, &settings),
        Command::Show(args) => show_command::run(&args, &settings),
        Command::Output(args) => output_command::run(&args, &settings),
        Command::Console(args) => console_command::run(&args, &settings),
        Command::Adopt(args) => adopt_command::run(&args, &settings),
        Command::Init(args) => init_command::run(&args, &settings),
        Command::State(command) => state_command::run(&command, &settings),
        Command::ForceUnlock(args) => force_unlock_command::run(&args, &settings),
        Command::Emulator(cli::EmulatorCommand::Serve(args)) => emulator_command::serve(&args),
        Command::Version(args) => version_command::run(&args),
    };
    match status {
        Ok(status) => status.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitStatus::Failure.into()
        }
    }
}
