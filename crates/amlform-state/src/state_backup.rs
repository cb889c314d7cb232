//! The copy of the state taken before each apply (`backup.json`, as Terraform keeps
//! `terraform.tfstate.backup`), which `amlform state restore` brings back when the state is
//! damaged. Its first line holds the SHA-256 of the rest, so a damaged backup is refused too.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::fingerprint::hex;
use crate::{HistoryEntry, StateError, StateRecord};

pub const BACKUP_FILE: &str = "backup.json";
const MAGIC: &str = "amlform-state-backup sha256=";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateBackup {
    pub lineage: String,
    pub serial: u64,
    /// When the backup was taken, in milliseconds since the Unix epoch.
    pub time_ms: u64,
    /// The key of the state's secret fingerprints, in hex (it lives beside the records in the
    /// state directory too, and fingerprints stay comparable after a restore).
    pub fingerprint_key: String,
    pub records: Vec<StateRecord>,
    pub history: Vec<HistoryEntry>,
}

impl StateBackup {
    pub fn write(&self, dir: &Path) -> Result<(), StateError> {
        let path = dir.join(BACKUP_FILE);
        let io = |source| StateError::Io {
            what: format!("cannot write the state backup {}", path.display()),
            error: source,
        };
        let body = serde_json::to_vec(self).expect("a backup always serialises");
        let sum = ring::digest::digest(&ring::digest::SHA256, &body);
        let temporary = dir.join(format!("{BACKUP_FILE}.tmp"));
        let mut file = fs::File::create(&temporary).map_err(io)?;
        writeln!(file, "{MAGIC}{}", hex(sum.as_ref())).map_err(io)?;
        file.write_all(&body).map_err(io)?;
        file.sync_data().map_err(io)?;
        fs::rename(&temporary, &path).map_err(io)
    }

    /// The backup in `dir`; `Ok(None)` when there is none.
    pub fn read(dir: &Path) -> Result<Option<StateBackup>, String> {
        let path = dir.join(BACKUP_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
        };
        let damaged = |why: &str| format!("the backup {} is damaged: {why}", path.display());
        let newline = bytes
            .iter()
            .position(|byte| *byte == b'\n')
            .ok_or_else(|| damaged("it has no checksum line"))?;
        let (first, body) = (&bytes[..newline], &bytes[newline + 1..]);
        let expected = std::str::from_utf8(first)
            .ok()
            .and_then(|line| line.strip_prefix(MAGIC))
            .ok_or_else(|| damaged("it has no checksum line"))?;
        if hex(ring::digest::digest(&ring::digest::SHA256, body).as_ref()) != expected {
            return Err(damaged("its checksum does not match its contents"));
        }
        serde_json::from_slice(body)
            .map(Some)
            .map_err(|error| damaged(&error.to_string()))
    }

    /// A line about the backup for messages: its serial, size and age.
    pub fn describe(&self) -> String {
        let age = crate::state_lock::now_ms().saturating_sub(self.time_ms) / 1000;
        format!(
            "serial {}, {} record(s), taken {age}s ago",
            self.serial,
            self.records.len()
        )
    }
}
