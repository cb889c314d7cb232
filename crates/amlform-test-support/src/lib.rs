//! Dev-only helpers the integration tests share (never a dependency of a shipped crate):
//! [`Cli`], which runs the `amlform` binary in a directory the way a user would and filters
//! what varies between runs out of its output for snapshots; the emulator harness
//! ([`emulator_provider`]: the emulator served on a loopback port, and a provider of it that
//! retries in milliseconds); [`FakeProvider`], an in-memory provider for fast engine tests; [`scratch`] directories that remove themselves; and
//! [`slow_tests_enabled`], the gate in front of the tests that kill processes in loops or
//! wait out real delays.

mod azurite;
mod emulator_harness;
mod fake_provider;

pub use azurite::{AZURITE_ACCOUNT, AZURITE_KEY, Azurite};
pub use emulator_harness::{
    emulator_client, emulator_provider, fast_retry, serve_emulator, test_workspace,
};
pub use fake_provider::FakeProvider;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The environment variable `.ci/run` sets to run the slow tests.
pub const SLOW_TESTS: &str = "AMLFORM_SLOW_TESTS";

/// Whether the slow tests run (`AMLFORM_SLOW_TESTS=1`, as `.ci/run` sets); when they do
/// not, says which one was skipped and how to run it.
#[allow(clippy::print_stderr)] // the skip notice is for the person running the tests
pub fn slow_tests_enabled(test: &str) -> bool {
    if std::env::var_os(SLOW_TESTS).is_some_and(|value| value != "0") {
        return true;
    }
    eprintln!("skipped {test}: a slow test; {SLOW_TESTS}=1 runs it (.ci/run sets it)");
    false
}

/// A scratch directory named after the test; removed when dropped, even when a test fails.
pub fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("amlform-{name}-"))
        .tempdir()
        .expect("a scratch directory")
}

/// The `amlform` binary, run in a directory without colour and without the caller's
/// `AMLFORM_VAR_*` variables.
#[derive(Debug, Clone)]
pub struct Cli {
    binary: PathBuf,
    env: Vec<(String, String)>,
}

impl Cli {
    /// `binary` is `env!("CARGO_BIN_EXE_amlform")` of the CLI's tests.
    pub fn new(binary: impl Into<PathBuf>) -> Cli {
        Cli {
            binary: binary.into(),
            env: Vec::new(),
        }
    }

    /// The same runner with `name=value` in every command's environment.
    pub fn env(mut self, name: &str, value: &str) -> Cli {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `amlform -C dir args...`, not yet run.
    pub fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command.arg("-C").arg(dir).args(args).env("NO_COLOR", "1");
        for (name, _) in std::env::vars() {
            if name.starts_with("AMLFORM_VAR_") {
                command.env_remove(name);
            }
        }
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    /// Runs `amlform -C dir args...` to its end.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Output {
        self.command(dir, args)
            .output()
            .expect("the amlform binary runs")
    }

    /// Runs `amlform -C dir args...` with `input` piped to its stdin.
    pub fn run_with_input(&self, dir: &Path, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = (self.command(dir, args))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the amlform binary runs");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // A command that never reads its stdin may end before the write: not an error here.
        let _ = stdin.write_all(input.as_bytes());
        drop(stdin);
        child.wait_with_output().expect("the amlform binary runs")
    }

    /// Runs it and returns its stdout; panics with both streams unless it exits 0.
    pub fn succeeds(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.run(dir, args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "amlform {}: {}",
            args.join(" "),
            describe(&output)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// Exit code and both streams, for an assertion's message or a snapshot.
pub fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Insta settings that replace what differs from run to run in the CLI's output (the
/// scratch directory, durations, UUIDs, a state's lineage, timestamps) with fixed words, so
/// it snapshots.
pub fn snapshot_settings(dir: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(&dir.display().to_string()), "[DIR]");
    settings.add_filter(r"\b\d+(\.\d+)?(ms|s)\b", "[TIME]");
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[UUID]",
    );
    settings.add_filter(r#""lineage": "[0-9a-f]+""#, r#""lineage": "[LINEAGE]""#);
    settings.add_filter(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?",
        "[TIMESTAMP]",
    );
    settings.set_prepend_module_to_snapshot(false);
    settings
}

fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if "\\.+*?()|[]{}^$".contains(character) {
            escaped.push('\\');
        }
        escaped.push(character);
    }
    escaped
}
