//! The integration tests of amlform-cli, in one binary (one link instead of one per file).

#![allow(clippy::print_stdout)] // the runs report what they met, for the record

mod apply_resilience;
mod cli;
mod examples;
mod plan_and_state;
mod safety;

/// The `amlform` binary these tests drive.
fn cli() -> amlform_test_support::Cli {
    amlform_test_support::Cli::new(env!("CARGO_BIN_EXE_amlform"))
}
