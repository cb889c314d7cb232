//! The local state backend: sled under `.amlform/state`, one key per record.

use amlform_graph::in_parallel;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::fingerprint::{self, KEY_LENGTH};
use crate::state_lock::{LockInfo, StateLock};
use crate::{ChangeSet, HistoryEntry, StateError, StateRecord, StateStore};

/// Where the state lives under a configuration directory.
pub const STATE_DIR: &str = ".amlform/state";

const LINEAGE: &[u8] = b"lineage";
const SERIAL: &[u8] = b"serial";
const FINGERPRINT_KEY: &[u8] = b"fingerprint_key";

#[derive(Debug)]
pub struct LocalStore {
    dir: PathBuf,
    records: sled::Tree,
    meta: sled::Tree,
    history: sled::Tree,
    db: sled::Db,
    lineage: String,
    serial: u64,
    fingerprint_key: Vec<u8>,
    // Declared last so the database closes before the lock is released.
    lock: StateLock,
}

impl LocalStore {
    /// Locks the state in `dir` for `operation` (waiting up to `lock_timeout`), then opens it,
    /// creating it with a new lineage if it does not exist.
    pub fn open(
        dir: &Path,
        operation: &str,
        lock_timeout: Duration,
    ) -> Result<LocalStore, StateError> {
        let lock = StateLock::acquire(dir, operation, lock_timeout)?;
        let database = |source| StateError::Database {
            dir: dir.to_owned(),
            source,
        };
        discard_unfinished_snapshots(&dir.join("db"));
        let db = sled::Config::new()
            .path(dir.join("db"))
            .open()
            .map_err(database)?;
        let records = db.open_tree("records").map_err(database)?;
        let meta = db.open_tree("meta").map_err(database)?;
        let history = db.open_tree("history").map_err(database)?;
        if meta.get(LINEAGE).map_err(database)?.is_none() {
            let key = fingerprint::new_key();
            let lineage = fingerprint::fingerprint(&key, b"lineage")[12..44].to_owned();
            meta.insert(LINEAGE, lineage.as_bytes()).map_err(database)?;
            meta.insert(SERIAL, &0u64.to_be_bytes()).map_err(database)?;
            meta.insert(FINGERPRINT_KEY, &key[..]).map_err(database)?;
            db.flush().map_err(database)?;
        }
        let read = |key: &[u8]| -> Result<Vec<u8>, StateError> {
            Ok(meta
                .get(key)
                .map_err(database)?
                .map(|value| value.to_vec())
                .unwrap_or_default())
        };
        let lineage = String::from_utf8_lossy(&read(LINEAGE)?).into_owned();
        let serial = read(SERIAL)?
            .try_into()
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        let fingerprint_key = read(FINGERPRINT_KEY)?;
        if fingerprint_key.len() != KEY_LENGTH {
            return Err(StateError::Damaged {
                address: "(state metadata)".to_owned(),
                reason: "the fingerprint key is missing".to_owned(),
            });
        }
        Ok(LocalStore {
            dir: dir.to_owned(),
            records,
            meta,
            history,
            db,
            lineage,
            serial,
            fingerprint_key,
            lock,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The lock this store replaced because the process holding it was no longer running.
    pub fn taken_over_lock(&self) -> Option<&LockInfo> {
        self.lock.taken_over()
    }

    fn database(&self, source: sled::Error) -> StateError {
        StateError::Database {
            dir: self.dir.clone(),
            source,
        }
    }
}

/// Removes the snapshot a process killed while writing it left behind (`snap.*.generating`):
/// sled 0.34 refuses to open a database beside one ("Read corrupted data", sled issues #1527
/// and #1533), though the log it summarises is intact. Safe because the state lock is held,
/// so no other process is writing a snapshot.
fn discard_unfinished_snapshots(db_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(db_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl StateStore for LocalStore {
    fn lineage(&self) -> &str {
        &self.lineage
    }

    fn serial(&self) -> u64 {
        self.serial
    }

    fn records(&self) -> Result<Vec<StateRecord>, StateError> {
        let stored = (self.records.iter())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| self.database(error))?;
        // Decoding is most of the work: it runs on every core (a plan reads the state while
        // the configuration evaluates, and the cores share whatever is left).
        in_parallel(&stored, |(key, value)| {
            StateRecord::decode(&String::from_utf8_lossy(key), value)
        })
        .into_iter()
        .collect()
    }

    fn record(&self, address: &str) -> Result<Option<StateRecord>, StateError> {
        self.records
            .get(address.as_bytes())
            .map_err(|error| self.database(error))?
            .map(|value| StateRecord::decode(address, &value))
            .transpose()
    }

    fn commit(&mut self, change: ChangeSet) -> Result<u64, StateError> {
        let serial = self.serial + 1;
        let mut changed: Vec<String> = change
            .put
            .iter()
            .map(|record| record.address.clone())
            .chain(change.remove.iter().cloned())
            .collect();
        changed.sort();
        changed.dedup();
        let entry = HistoryEntry {
            serial,
            time_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_millis() as u64),
            operation: change.operation.clone(),
            changed,
        };
        let entry = serde_json::to_vec(&entry).expect("history entries serialise");
        let encoded: Vec<(String, Vec<u8>)> = change
            .put
            .iter()
            .map(|record| (record.address.clone(), record.encode()))
            .collect();
        (&self.records, &self.meta, &self.history)
            .transaction(|(records, meta, history)| {
                for (address, bytes) in &encoded {
                    records.insert(address.as_bytes(), bytes.as_slice())?;
                }
                for address in &change.remove {
                    records.remove(address.as_bytes())?;
                }
                meta.insert(SERIAL, &serial.to_be_bytes())?;
                history.insert(&serial.to_be_bytes(), entry.as_slice())?;
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(|error| match error {
                TransactionError::Storage(source) => self.database(source),
                TransactionError::Abort(()) => unreachable!("the transaction never aborts"),
            })?;
        self.db.flush().map_err(|error| self.database(error))?;
        self.serial = serial;
        Ok(serial)
    }

    fn history(&self) -> Result<Vec<HistoryEntry>, StateError> {
        self.history
            .iter()
            .map(|entry| {
                let (_, value) = entry.map_err(|error| self.database(error))?;
                serde_json::from_slice(&value).map_err(|error| StateError::Damaged {
                    address: "(history)".to_owned(),
                    reason: error.to_string(),
                })
            })
            .collect()
    }

    fn fingerprint(&self, secret: &[u8]) -> String {
        fingerprint::fingerprint(&self.fingerprint_key, secret)
    }
}
