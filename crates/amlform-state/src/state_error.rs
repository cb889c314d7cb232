//! Everything that can go wrong with state, each with what to do about it.

use std::path::PathBuf;

use crate::state_lock::LockInfo;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "the state in {dir} is locked by {holder} (pid {pid}) for `{operation}` since {since}\n  hint: wait for it to finish, or pass --lock-timeout to wait longer; if that process is gone, delete {lock_file}",
        holder = .info.holder, pid = .info.pid, operation = .info.operation, since = .info.since(),
        lock_file = .dir.join(crate::state_lock::LOCK_FILE).display(), dir = .dir.display()
    )]
    Locked { dir: PathBuf, info: LockInfo },

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

    #[error(
        "no resource {address} in the state\n  hint: `amlform state list` shows the addresses it has"
    )]
    NotFound { address: String },

    #[error("the state database in {dir} could not be used: {source}")]
    Database {
        dir: PathBuf,
        #[source]
        source: sled::Error,
    },

    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}
