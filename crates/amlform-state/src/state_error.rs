//! Everything that can go wrong with state, each with what to do about it.

use std::path::{Path, PathBuf};

use crate::state_lock::LockInfo;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "the state in {dir} is locked by {holder} (pid {pid}) for `{operation}` since {since}\n  hint: wait for it to finish, or pass --lock-timeout to wait longer; if that process is gone, delete {lock_file}",
        holder = .info.holder, pid = .info.pid, operation = .info.operation, since = .info.since(),
        lock_file = .dir.join(crate::state_lock::LOCK_FILE).display(), dir = .dir.display()
    )]
    Locked { dir: PathBuf, info: LockInfo },

    /// A remote state's lease is held by another command.
    #[error(
        "the state {state} is locked by {holder} (pid {pid}) for `{operation}` since {since}, lock id {id}\n  hint: wait for it to finish, or pass --lock-timeout to wait longer; a holder that died frees the lock by itself within a minute, and `amlform force-unlock {id}` frees it now",
        holder = .info.holder, pid = .info.pid, operation = .info.operation, since = .info.since(), id = .info.id
    )]
    LockedRemote { state: String, info: LockInfo },

    /// This command no longer holds the lock: nothing more is written.
    #[error(
        "the lock on the state {state} was lost: {reason}\n  nothing more was written; run the command again (a plan reads what the service has)"
    )]
    LockLost { state: String, reason: String },

    /// A remote state could not be read or written (a refusal of the storage service, or no
    /// answer); nothing in it was changed by the failed request.
    #[error("{what}: {reason}")]
    Remote { what: String, reason: String },

    #[error(
        "the state record of {address} was written by a newer amlform (record format {found}, this one reads up to {supported})\n  hint: upgrade amlform"
    )]
    NewerFormat {
        address: String,
        found: u32,
        supported: u32,
    },

    #[error(
        "the state record of {address} is damaged: {reason}\n  hint: `amlform state rm {address}` forgets it, and the next plan reads the service again"
    )]
    Damaged { address: String, reason: String },

    /// The state as a whole cannot be trusted: its records do not match what its header says
    /// they must be, or they cannot be read at all. Nothing is read from it or written to it.
    #[error(
        "the state in {dir} is damaged: {problem}{known}\n  nothing was read from it or changed, and no compute was touched\n  hint: {recovery}",
        dir = .dir.display()
    )]
    DamagedState {
        dir: PathBuf,
        problem: String,
        /// What is known about the state it should be (`\n  the header says ...`), or empty.
        known: String,
        /// The way out: restore the backup, or what to do without one.
        recovery: String,
    },

    #[error(
        "no resource {address} in the state\n  hint: `amlform state list` shows the addresses it has"
    )]
    NotFound { address: String },

    // The cause is part of the message, not a `#[source]`, so a chain printed with `{:#}`
    // does not say it twice.
    #[error("the state database in {} could not be used: {}", .dir.display(), crate::local_store::describe(.error))]
    Database { dir: PathBuf, error: sled::Error },

    /// A state command that would lose something, refused with the reason and the way on.
    #[error("{0}")]
    Refused(String),

    #[error("{what}: {}", io_message(.error))]
    Io { what: String, error: std::io::Error },
}

impl StateError {
    /// The same error for another waiter of a group commit: the kinds a caller acts on keep
    /// their kind, any other says the same words.
    pub fn duplicate(&self) -> StateError {
        match self {
            StateError::LockLost { state, reason } => StateError::LockLost {
                state: state.clone(),
                reason: reason.clone(),
            },
            StateError::Remote { what, reason } => StateError::Remote {
                what: what.clone(),
                reason: reason.clone(),
            },
            other => StateError::Refused(other.to_string()),
        }
    }

    /// The state in `dir` is damaged: says what the backup offers, or what to do without one.
    pub(crate) fn damaged_state(dir: &Path, problem: String, known: String) -> StateError {
        let recovery = match crate::state_backup::StateBackup::read(dir) {
            Ok(Some(backup)) => format!(
                "`amlform state restore` brings back the backup taken before the last apply ({}); the damaged files are kept beside it. Then run `amlform plan`: a compute that apply made after the backup shows as not managed, and `amlform import` adopts it",
                backup.describe()
            ),
            Ok(None) => format!(
                "there is no backup to restore (one is taken before each apply). Move {} aside, then adopt each compute again with `amlform import ADDRESS ID`",
                dir.display()
            ),
            Err(why) => format!(
                "{why}, so it cannot be restored. Move {} aside, then adopt each compute again with `amlform import ADDRESS ID`",
                dir.display()
            ),
        };
        StateError::DamagedState {
            dir: dir.to_owned(),
            problem,
            known,
            recovery,
        }
    }
}

/// An I/O error without the `(os error N)` suffix, with what to do for the usual ones.
pub(crate) fn io_message(error: &std::io::Error) -> String {
    let text = error.to_string();
    let text = match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    };
    match error.kind() {
        std::io::ErrorKind::StorageFull => {
            format!("{text} (free some space on that disk and run the command again)")
        }
        std::io::ErrorKind::PermissionDenied => {
            format!("{text} (check the permissions of the state directory)")
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed as a chain (`{:#}`, as the command line does), an OS error is said once, in
    /// words, without its number.
    #[test]
    fn os_errors_are_said_once() {
        let error = StateError::Io {
            what: "cannot create the lock .amlform/state/state.lock".to_owned(),
            error: std::io::Error::from_raw_os_error(13),
        };
        let shown = format!("{:#}", anyhow::Error::from(error));
        assert_eq!(shown.matches("Permission denied").count(), 1, "{shown}");
        assert!(!shown.contains("os error"), "{shown}");
        let full = StateError::Io {
            what: "cannot write the header".to_owned(),
            error: std::io::Error::from_raw_os_error(28),
        };
        assert!(full.to_string().contains("free some space"), "{full}");
    }
}
