//! `amlform version [-json]`: what is running, for bug reports and CI logs.

use crate::cli::VersionArgs;
use crate::exit_status::ExitStatus;

/// `amlform version`: `amlform v0.1.0` and `on linux_amd64`, as Terraform prints its own.
pub fn run(args: &VersionArgs) -> anyhow::Result<ExitStatus> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let platform = format!("{}_{arch}", std::env::consts::OS);
    let version = env!("CARGO_PKG_VERSION");
    if args.json {
        let shown = serde_json::json!({ "amlform_version": version, "platform": platform });
        println!("{}", serde_json::to_string_pretty(&shown)?);
    } else {
        println!("amlform v{version}\non {platform}");
    }
    Ok(ExitStatus::Success)
}
