//! The integration tests of amlform-cli, in one binary (one link instead of one per file).

#![allow(clippy::print_stdout)] // the runs report what they met, for the record

/// The command's exit code and both streams, snapshotted with what varies between runs
/// (the scratch directory, durations) filtered out.
macro_rules! assert_output_snapshot {
    ($name:literal, $dir:expr, $output:expr) => {
        amlform_test_support::snapshot_settings($dir).bind(|| {
            insta::assert_snapshot!($name, amlform_test_support::describe(&$output));
        })
    };
}

mod adopt;
mod apply_resilience;
mod ci_formats;
mod cli;
mod examples;
mod logs;
mod modules;
mod plan_and_state;
mod plan_json;
mod remote_state;
mod safety;
mod standalone_emulator;
mod terraform_habits;

/// The `amlform` binary these tests drive.
fn cli() -> amlform_test_support::Cli {
    amlform_test_support::Cli::new(env!("CARGO_BIN_EXE_amlform"))
}
