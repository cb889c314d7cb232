//! `amlform-emulator serve`: the emulator as a standalone process.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "amlform-emulator",
    version,
    about = "A local Azure ML compute API for tests and demos"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the emulated API on 127.0.0.1 until Ctrl-C.
    Serve(amlform_emulator::ServeArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let Cli {
        command: Command::Serve(args),
    } = Cli::parse();
    let ready = |info: &amlform_emulator::ServeInfo| println!("{info}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match amlform_emulator::serve(&args, ready, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: the emulator could not start: {error}");
            ExitCode::FAILURE
        }
    }
}
