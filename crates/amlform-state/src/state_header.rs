//! A small file beside the record store (`header.json`) that says what the store must hold:
//! its lineage, serial, number of records and a digest of them. It is cross-checked every time
//! the state is opened, so a store that a damaged file made read as empty, or as an older
//! state, is refused instead of believed.
//!
//! A commit writes the records first, then the header (without waiting for the disk; it is
//! synced when the store closes): a process or machine that stops in between leaves records
//! newer than the header, which is accepted and the header rewritten. Records older than the
//! header, or at its serial with other contents, are damage: damage only ever loses commits.

use std::fs;
use std::io::Write;
use std::path::Path;

use ring::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};

use crate::StateError;
use crate::fingerprint::hex;

pub const HEADER_FILE: &str = "header.json";
const HEADER_FORMAT: u32 = 1;

/// What a store holds, in a form that can be compared and updated record by record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contents {
    pub serial: u64,
    pub records: u64,
    /// The XOR of every record's SHA-256 (address and stored bytes), in hex: a commit updates
    /// it from the records it changes alone, so writes stay linear.
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateHeader {
    pub format: u32,
    pub lineage: String,
    /// The SHA-256 of the fingerprint key (a damaged key would make every secret look changed).
    pub key_digest: String,
    #[serde(flatten)]
    pub committed: Contents,
}

impl StateHeader {
    pub fn new(lineage: &str, key: &[u8], committed: Contents) -> StateHeader {
        StateHeader {
            format: HEADER_FORMAT,
            lineage: lineage.to_owned(),
            key_digest: hex(ring::digest::digest(&SHA256, key).as_ref()),
            committed,
        }
    }

    /// The header in `dir`, `None` when there is none (a new state, or one an earlier build
    /// wrote).
    pub fn read(dir: &Path) -> Result<Option<StateHeader>, StateError> {
        let path = dir.join(HEADER_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Io {
                    what: format!("cannot read {}", path.display()),
                    error: source,
                });
            }
        };
        let header: StateHeader = serde_json::from_slice(&bytes).map_err(|error| {
            StateError::damaged_state(
                dir,
                format!("its header {} cannot be read ({error})", path.display()),
                String::new(),
            )
        })?;
        if header.format > HEADER_FORMAT {
            return Err(StateError::NewerFormat {
                address: "(state header)".to_owned(),
                found: header.format,
                supported: HEADER_FORMAT,
            });
        }
        Ok(Some(header))
    }

    /// Replaces the header in `dir` atomically (a temporary file, synced, then renamed).
    pub fn write(&self, dir: &Path) -> Result<(), StateError> {
        self.replace(dir, true)
    }

    /// Replaces the header atomically, but without waiting for the disk: it survives the
    /// process, not a power cut.
    pub fn write_unsynced(&self, dir: &Path) -> Result<(), StateError> {
        self.replace(dir, false)
    }

    fn replace(&self, dir: &Path, sync: bool) -> Result<(), StateError> {
        let path = dir.join(HEADER_FILE);
        let temporary = dir.join(format!("{HEADER_FILE}.tmp"));
        let io = |source| StateError::Io {
            what: format!("cannot write {}", path.display()),
            error: source,
        };
        let bytes = serde_json::to_vec_pretty(self).expect("a header always serialises");
        let mut file = fs::File::create(&temporary).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        if sync {
            file.sync_data().map_err(io)?;
        }
        fs::rename(&temporary, &path).map_err(io)
    }

    pub fn key_matches(&self, key: &[u8]) -> bool {
        self.key_digest == hex(ring::digest::digest(&SHA256, key).as_ref())
    }

    /// What the header says, for a message.
    pub fn describe(&self) -> String {
        format!(
            "lineage {}, serial {}, {} record(s)",
            self.lineage, self.committed.serial, self.committed.records
        )
    }
}

/// The XOR of record digests: adding and removing a record are the same operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Digest([u8; 32]);

impl Digest {
    pub fn of_record(address: &[u8], stored: &[u8]) -> Digest {
        let mut context = Context::new(&SHA256);
        context.update(&(address.len() as u64).to_be_bytes());
        context.update(address);
        context.update(stored);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(context.finish().as_ref());
        Digest(bytes)
    }

    pub fn toggle(&mut self, other: Digest) {
        for (byte, other) in self.0.iter_mut().zip(other.0) {
            *byte ^= other;
        }
    }

    pub fn hex(&self) -> String {
        hex(&self.0)
    }

    pub fn parse(text: &str) -> Option<Digest> {
        crate::fingerprint::from_hex(text)?
            .try_into()
            .ok()
            .map(Digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_toggle_and_round_trip() {
        let (a, b) = (Digest::of_record(b"a", b"1"), Digest::of_record(b"b", b"2"));
        let mut sum = Digest::default();
        sum.toggle(a);
        sum.toggle(b);
        assert_ne!(sum, a);
        sum.toggle(b);
        assert_eq!(sum, a);
        assert_eq!(Digest::parse(&sum.hex()), Some(sum));
        assert_eq!(Digest::parse("zz"), None);
        // The address is length-prefixed, so moving bytes between it and the value shows.
        assert_ne!(
            Digest::of_record(b"ab", b"c"),
            Digest::of_record(b"a", b"bc")
        );
    }
}
