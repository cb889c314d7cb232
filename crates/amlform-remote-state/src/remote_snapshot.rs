//! What a remote state's blobs hold: the snapshot, and the journal's entries after it.

use std::collections::BTreeMap;

use amlform_state::fingerprint::{self, KEY_LENGTH};
use amlform_state::{HistoryEntry, StateBackup, StateError, StateRecord};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The snapshot format this build writes and reads.
pub(crate) const SNAPSHOT_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub(crate) amlform_remote_state: u32,
    pub(crate) lineage: String,
    pub(crate) serial: u64,
    pub(crate) fingerprint_key: String,
    /// The generation of the journal that follows this snapshot.
    pub(crate) journal: u64,
    pub(crate) records: BTreeMap<String, Box<RawValue>>,
    pub(crate) history: Vec<HistoryEntry>,
}

/// One commit, one line of the journal.
#[derive(Serialize, Deserialize)]
pub(crate) struct JournalEntry {
    pub(crate) serial: u64,
    pub(crate) time_ms: u64,
    pub(crate) operation: String,
    pub(crate) put: BTreeMap<String, Box<RawValue>>,
    pub(crate) remove: Vec<String>,
}

/// The state's contents, as held in memory while a command runs.
#[derive(Debug, Clone)]
pub(crate) struct Contents {
    pub(crate) lineage: String,
    pub(crate) serial: u64,
    pub(crate) fingerprint_key: Vec<u8>,
    pub(crate) records: BTreeMap<String, Box<RawValue>>,
    pub(crate) history: Vec<HistoryEntry>,
}

impl Contents {
    pub(crate) fn from_backup(copy: &StateBackup) -> Result<Contents, StateError> {
        let fingerprint_key = fingerprint::from_hex(&copy.fingerprint_key)
            .filter(|key| key.len() == KEY_LENGTH)
            .ok_or_else(|| StateError::Refused("the copied fingerprint key is damaged".into()))?;
        Ok(Contents {
            lineage: copy.lineage.clone(),
            serial: copy.serial,
            fingerprint_key,
            records: copy
                .records
                .iter()
                .map(|record| (record.address.clone(), raw(record)))
                .collect(),
            history: copy.history.clone(),
        })
    }

    /// Applies one journal entry; it must carry the next serial.
    pub(crate) fn apply(&mut self, entry: JournalEntry) -> Result<(), String> {
        if entry.serial != self.serial + 1 {
            return Err(format!(
                "its journal jumps from serial {} to {}",
                self.serial, entry.serial
            ));
        }
        let mut changed: Vec<String> = entry
            .put
            .keys()
            .cloned()
            .chain(entry.remove.iter().cloned())
            .collect();
        changed.sort();
        changed.dedup();
        self.records.extend(entry.put);
        for address in &entry.remove {
            self.records.remove(address);
        }
        self.serial = entry.serial;
        self.history.push(HistoryEntry {
            serial: entry.serial,
            time_ms: entry.time_ms,
            operation: entry.operation,
            changed,
        });
        Ok(())
    }
}

pub(crate) fn raw(record: &StateRecord) -> Box<RawValue> {
    let text = String::from_utf8(record.encode()).expect("records encode as UTF-8 JSON");
    RawValue::from_string(text).expect("records encode as JSON")
}

pub(crate) fn journal_name(key: &str, generation: u64) -> String {
    format!("{key}.journal.{generation}")
}
