//! The boundary every state backend implements.

use serde::{Deserialize, Serialize};

use crate::{StateBackup, StateError, StateRecord};

/// The records one operation changed, written together or not at all.
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    pub put: Vec<StateRecord>,
    pub remove: Vec<String>,
    /// What made the change (`apply`, `state rm`, `refresh`), for the history.
    pub operation: String,
}

/// One serial of the state's past.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub serial: u64,
    pub time_ms: u64,
    pub operation: String,
    /// The addresses written or removed.
    pub changed: Vec<String>,
}

pub trait StateStore {
    /// A random id given when the state is created; it never changes.
    fn lineage(&self) -> &str;
    /// Bumped by every change.
    fn serial(&self) -> u64;
    /// Every record, sorted by address.
    fn records(&self) -> Result<Vec<StateRecord>, StateError>;
    fn record(&self, address: &str) -> Result<Option<StateRecord>, StateError>;
    /// Writes the change in one transaction, flushes, and returns the new serial.
    fn commit(&mut self, change: ChangeSet) -> Result<u64, StateError>;
    /// Writes several changes, each its own serial, together: in one transaction and one
    /// flush where the backend can (a group commit), or not at all. Returns the last serial.
    fn commit_all(&mut self, changes: Vec<ChangeSet>) -> Result<u64, StateError> {
        let mut serial = self.serial();
        for change in changes {
            serial = self.commit(change)?;
        }
        Ok(serial)
    }
    /// Earlier serials, oldest first.
    fn history(&self) -> Result<Vec<HistoryEntry>, StateError>;
    /// The keyed fingerprint of a secret value, comparable with stored fingerprints.
    fn fingerprint(&self, secret: &[u8]) -> String;
    /// The whole state as one value (lineage, serial, fingerprint key, records, history): the
    /// local backup, and what `init -migrate-state` copies to another backend.
    fn export(&self) -> Result<StateBackup, StateError>;
}

/// A boxed store is a store: tests run the same code on either backend.
impl<S: StateStore + ?Sized> StateStore for Box<S> {
    fn lineage(&self) -> &str {
        (**self).lineage()
    }

    fn serial(&self) -> u64 {
        (**self).serial()
    }

    fn records(&self) -> Result<Vec<StateRecord>, StateError> {
        (**self).records()
    }

    fn record(&self, address: &str) -> Result<Option<StateRecord>, StateError> {
        (**self).record(address)
    }

    fn commit(&mut self, change: ChangeSet) -> Result<u64, StateError> {
        (**self).commit(change)
    }

    fn commit_all(&mut self, changes: Vec<ChangeSet>) -> Result<u64, StateError> {
        (**self).commit_all(changes)
    }

    fn history(&self) -> Result<Vec<HistoryEntry>, StateError> {
        (**self).history()
    }

    fn fingerprint(&self, secret: &[u8]) -> String {
        (**self).fingerprint(secret)
    }

    fn export(&self) -> Result<StateBackup, StateError> {
        (**self).export()
    }
}
