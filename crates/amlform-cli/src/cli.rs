//! The command line as clap types; nothing here does any work.

use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "amlform",
    version,
    about = "Declarative Azure Machine Learning compute targets"
)]
pub struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', long = "chdir", global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    /// Never use colour (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Print only what the command is for: no notes, and no line per resource as an apply
    /// goes (failures and the summary still print).
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// How to sign in to Azure, for every workspace: default (each of the others in turn),
    /// environment, workload_identity, managed_identity or azure_cli. Without it, each
    /// workspace's `credential` decides.
    /// `-input=false`: never ask (an apply without `-auto-approve` then stops instead of
    /// asking for its confirmation).
    #[arg(long, global = true, default_value_t = true, action = clap::ArgAction::Set,
          value_name = "BOOL", hide_possible_values = true)]
    pub input: bool,
    #[arg(long, global = true, env = "AMLFORM_CREDENTIAL", value_name = "KIND",
          value_parser = clap::builder::PossibleValuesParser::new(amlform_azure::CredentialKind::NAMES))]
    pub credential: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    pub fn color_enabled(&self) -> bool {
        !self.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration without contacting any service.
    Validate(ValidateArgs),
    /// Rewrite configuration files in the canonical format.
    Fmt(FmtArgs),
    /// Show what apply would change, and why, after reading the service.
    Plan(PlanArgs),
    /// Make the computes match the configuration (shows the plan and asks first).
    Apply(ApplyArgs),
    /// Remove every compute in the state: delete managed ones, detach attached ones.
    Destroy(ApplyArgs),
    /// Accept what changed outside amlform into the state, changing no compute.
    Refresh(RefreshArgs),
    /// Adopt an existing compute into the state under ADDRESS (read only: nothing is changed).
    Import(ImportArgs),
    /// Write blocks and import blocks for the computes a workspace has that the state does
    /// not manage (made by scripts), so the next apply adopts them without changing them.
    Adopt(AdoptArgs),
    /// The dependency graph as Graphviz DOT (`amlform graph | dot -Tsvg > graph.svg`).
    Graph(GraphArgs),
    /// Show a plan saved with `plan --out`.
    Show(ShowArgs),
    /// The configuration's outputs, with the values the state knows (sensitive ones hidden).
    Output(OutputArgs),
    /// Evaluate expressions against the configuration and the state, one per line (from a
    /// terminal or a pipe).
    Console(ConsoleArgs),
    /// Set up the backend (checks access, creates a new state; `-migrate-state` copies the
    /// state when the backend changed).
    Init(InitArgs),
    /// Inspect or edit what the state remembers.
    #[command(subcommand)]
    State(StateCommand),
    /// Free the state's lock when its holder is gone (asks first; `-force` does not).
    ForceUnlock(ForceUnlockArgs),
    /// Run the local Azure ML compute API that tests and examples use.
    #[command(subcommand)]
    Emulator(EmulatorCommand),
    /// The version of amlform and the platform it was built for.
    Version(VersionArgs),
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out FILE`: apply exactly it, without asking; refused when
    /// the state or the configuration changed since.
    #[arg(value_name = "FILE", conflicts_with = "refresh_only")]
    pub plan_file: Option<PathBuf>,
    /// Do not ask for confirmation (for CI).
    #[arg(long)]
    pub auto_approve: bool,
    /// Machine-readable: the plan, then one JSON event per line (`apply_start`,
    /// `apply_progress`, `apply_complete`, `apply_errored`, `apply_skipped`, `change_summary`).
    #[arg(long, conflicts_with = "refresh_only")]
    pub json: bool,
    /// Only accept what changed outside amlform into the state; change no compute.
    #[arg(long)]
    pub refresh_only: bool,
    /// How many operations run at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    #[command(flatten)]
    pub targeting: TargetingArgs,
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The configuration's address for it (`aml_compute.cpu`); the block must exist.
    pub address: String,
    /// The compute's ARM id (`/subscriptions/.../workspaces/W/computes/NAME`).
    pub id: String,
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// `plan`: the configuration's computes and what each depends on (no service contacted);
    /// `apply`: the operations an apply would run, in the order it would run them.
    #[arg(long = "type", value_enum, default_value = "plan")]
    pub kind: GraphKind,
    /// How long to wait for another process's state lock (`--type apply`).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphKind {
    Plan,
    Apply,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Only this output, its value alone on stdout (for scripts).
    pub name: Option<String>,
    /// As JSON: `{"NAME": {"sensitive": false, "known": true, "value": ...}}`.
    #[arg(long, conflicts_with = "raw")]
    pub json: bool,
    /// The value of NAME alone, a string without quotes and no newline after it (for
    /// scripts: `$(amlform output -raw id)`); only a string, number or bool.
    #[arg(long, requires = "name")]
    pub raw: bool,
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// Only this workspace (its block's label); every workspace by default.
    #[arg(long, value_name = "LABEL")]
    pub workspace: Option<String>,
    /// Where to write the blocks (never over an existing file).
    #[arg(long, value_name = "FILE", default_value = "adopted.aml.hcl")]
    pub out: std::path::PathBuf,
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan file; without one, the state.
    pub file: Option<PathBuf>,
    /// As JSON (the state: Terraform's `values` representation).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// As Markdown (a plan file): `--markdown` or `--markdown=github-comment` (at most
    /// 65,536 characters), `=github-summary` ($GITHUB_STEP_SUMMARY, 1 MiB), `=gitlab-note`.
    #[arg(long, requires = "file", num_args = 0..=1, require_equals = true,
          default_missing_value = "github-comment", value_name = "WHERE",
          value_parser = clap::builder::PossibleValuesParser::new(amlform_plan::MarkdownTarget::NAMES))]
    pub markdown: Option<String>,
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// Every address in the state, one per line; only those under ADDRESS when given
    /// (`aml_compute.pool` lists each of its instances).
    List {
        addresses: Vec<String>,
        /// Only the resource with this ARM id.
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// One resource as the state remembers it (secrets shown as `(sensitive value)`).
    Show {
        address: String,
        #[command(flatten)]
        state: StateArgs,
    },
    /// The whole state as JSON on stdout; secrets and their fingerprints are left out.
    Pull(StateArgs),
    /// Replace the state with a file written by `state pull` (same lineage, newer serial;
    /// `-force` to push another lineage or an older serial).
    Push {
        /// The file (`-` for stdin).
        file: PathBuf,
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Forget resources without touching the service (repeatable addresses; a block's address
    /// forgets each of its instances).
    Rm {
        #[arg(required = true)]
        addresses: Vec<String>,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Serials of the state's past, with the operation and addresses of each change.
    History(StateArgs),
    /// Give a resource a new address (after renaming its block), without touching the service.
    Mv {
        from: String,
        to: String,
        #[command(flatten)]
        state: StateArgs,
    },
    /// Bring back the backup of the state taken before the last apply (after the state was
    /// damaged); the damaged files are kept aside.
    Restore {
        /// Restore even when the state is not damaged, or the backup has another lineage.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        state: StateArgs,
    },
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// As JSON (Terraform's `version -json` shape, with amlform's names).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Copy the state from the backend recorded before to the configuration's new one.
    #[arg(long, conflicts_with = "reconfigure")]
    pub migrate_state: bool,
    /// Use the configuration's backend as it is, without copying the old one's state.
    #[arg(long)]
    pub reconfigure: bool,
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The lock's id, as the message of the command that found the state locked gives it.
    pub lock_id: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StateArgs {
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
}

#[derive(Debug, Subcommand)]
pub enum EmulatorCommand {
    /// Serve it on 127.0.0.1 over HTTPS (and optionally HTTP) until Ctrl-C.
    Serve(amlform_emulator::ServeArgs),
}

#[derive(Debug, Default, Args)]
pub struct VariableArgs {
    /// Set a variable: `--var name=value` (repeatable; wins over files and the environment).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a file of `name = value` lines (repeatable, in order).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the result as JSON for machines (the same as `-format json`).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// `text`, `json`, `sarif` (SARIF 2.1.0 for code scanning) or `github` (workflow
    /// commands that annotate each line in a pull request).
    #[arg(long, value_enum)]
    pub format: Option<DiagnosticFormat>,
    #[command(flatten)]
    pub variables: VariableArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiagnosticFormat {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Print the plan as JSON (Terraform's `resource_changes` vocabulary).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the plan as Markdown, sized for where it goes: `--markdown` or
    /// `--markdown=github-comment` (at most 65,536 characters), `=github-summary`
    /// ($GITHUB_STEP_SUMMARY, 1 MiB), `=gitlab-note` (1,000,000). It opens with a hidden
    /// `<!-- amlform-plan -->` marker, so a bot can find and update its comment.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "github-comment",
          value_name = "WHERE",
          value_parser = clap::builder::PossibleValuesParser::new(amlform_plan::MarkdownTarget::NAMES))]
    pub markdown: Option<String>,
    /// Exit 0 when nothing would change, 2 when something would, 1 on errors.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Only report what changed outside amlform; plan no change.
    #[arg(long)]
    pub refresh_only: bool,
    /// Plan the removal of everything in the state (what `amlform destroy` would do).
    #[arg(long, conflicts_with = "refresh_only")]
    pub destroy: bool,
    #[command(flatten)]
    pub targeting: TargetingArgs,
    /// Save the plan to FILE for `show` (and for `apply FILE`); it holds no secret.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a compute block to FILE (a new `*.aml.hcl`) for each `import` block that has
    /// none, from what the service reports, then plan with it.
    #[arg(long, value_name = "FILE")]
    pub generate_config_out: Option<PathBuf>,
    /// How long to wait for another process's state lock (e.g. 30s).
    #[arg(long, value_parser = amlform_emulator::parse_duration, default_value = "0s")]
    pub lock_timeout: std::time::Duration,
    #[command(flatten)]
    pub variables: VariableArgs,
}

/// `-target`, `-exclude` and `-replace`, as `plan`, `apply` and `destroy` take them.
#[derive(Debug, Default, Args)]
pub struct TargetingArgs {
    /// Plan only this address and what it depends on (repeatable).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Leave this address out of the plan (repeatable).
    #[arg(long = "exclude", value_name = "ADDRESS")]
    pub exclude: Vec<String>,
    /// Replace this resource even if nothing forces it (repeatable).
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
}

impl TargetingArgs {
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.exclude.is_empty() && self.replace.is_empty()
    }
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Do not write; exit 3 if any file would change.
    #[arg(long)]
    pub check: bool,
    /// Show the changes as a unified diff.
    #[arg(long)]
    pub diff: bool,
    /// Also format files in subdirectories.
    #[arg(long)]
    pub recursive: bool,
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
}
