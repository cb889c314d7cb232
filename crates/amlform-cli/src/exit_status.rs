//! [`ExitStatus`]: what a command's exit code means, named once.

use std::process::ExitCode;

/// How a command ended, as its exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// It did what was asked (with `plan --detailed-exitcode`: and nothing would change).
    Success,
    /// It could not: errors in the configuration, the plan or the service, or a change that
    /// failed. What went wrong was printed.
    Failure,
    /// `plan --detailed-exitcode`: the plan has changes. (Usage errors exit 2 as well, from clap.)
    Changes,
    /// `fmt --check`: a file is not formatted.
    Unformatted,
}

impl ExitStatus {
    /// `Success` when `ok`, else `Failure`.
    pub fn from_success(ok: bool) -> ExitStatus {
        if ok {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::Unformatted => 3,
        })
    }
}
