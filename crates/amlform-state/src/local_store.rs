//! The local state backend: sled under `.amlform/state`, one key per record.

use amlform_graph::in_parallel;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::fingerprint::{self, KEY_LENGTH};
use crate::state_backup::{BACKUP_FILE, StateBackup};
use crate::state_header::{Contents, Digest, HEADER_FILE, StateHeader};
use crate::state_lock::{LockInfo, StateLock, now_ms};
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
    /// What the records hold now, as the header on disk says.
    header: StateHeader,
    /// The header in memory is ahead of the one on disk, or that one is not synced.
    header_unsynced: bool,
    header_written: Instant,
    /// The records as the open read them, until the first `records()` or commit.
    opened_with: Mutex<Option<Vec<(sled::IVec, sled::IVec)>>>,
    // Declared last so the database closes before the lock is released.
    lock: StateLock,
}

impl LocalStore {
    /// Locks the state in `dir` for `operation` (waiting up to `lock_timeout`), then opens it,
    /// creating it with a new lineage if it does not exist. A state whose records do not match
    /// its header (a damaged, emptied, truncated or deleted file) is refused with
    /// [`StateError::DamagedState`], and nothing in it is changed.
    pub fn open(
        dir: &Path,
        operation: &str,
        lock_timeout: Duration,
    ) -> Result<LocalStore, StateError> {
        let lock = StateLock::acquire(dir, operation, lock_timeout)?;
        match LocalStore::load(dir)? {
            Loaded::New(database) => {
                let key = fingerprint::new_key();
                let lineage = fingerprint::lineage_for(&key);
                LocalStore::initialize(dir, lock, database, &lineage, &key, 0, &[])
            }
            Loaded::Existing(existing) => {
                let Existing {
                    database,
                    lineage,
                    serial,
                    fingerprint_key,
                    header,
                    stored,
                } = *existing;
                let mut store = LocalStore::assemble(
                    dir,
                    lock,
                    database,
                    (lineage, serial, fingerprint_key),
                    header,
                );
                *store
                    .opened_with
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner) = Some(stored);
                Ok(store)
            }
        }
    }

    /// Opens the store in `dir` (the caller holds the lock) and checks it against its header.
    fn load(dir: &Path) -> Result<Loaded, StateError> {
        let header = StateHeader::read(dir)?;
        let db_dir = dir.join("db");
        let damaged = |problem: String| {
            let known = header
                .as_ref()
                .map(|header| format!("\n  its header says: {}", header.describe()))
                .unwrap_or_default();
            StateError::damaged_state(dir, problem, known)
        };
        let existed = db_dir.join("db").exists();
        match (&header, existed) {
            // sled would start an empty store in place of a missing or emptied file.
            (Some(_), false) => {
                return Err(damaged(format!(
                    "its record store {} is missing",
                    db_dir.join("db").display()
                )));
            }
            (Some(_), true) if file_is_empty(&db_dir.join("db")) => {
                return Err(damaged(format!(
                    "its record store {} is empty",
                    db_dir.join("db").display()
                )));
            }
            (None, false) if dir.join(BACKUP_FILE).exists() => {
                return Err(damaged(
                    "its header and record store are missing, but a backup is there (a new state is never started over one that was lost)".to_owned(),
                ));
            }
            _ => {}
        }
        discard_unfinished_snapshots(&db_dir);
        let unreadable = |source: sled::Error| {
            damaged(format!(
                "its record store cannot be read ({})",
                describe(&source)
            ))
        };
        let database = match Database::open(&db_dir) {
            Ok(database) => database,
            Err(source) if existed => return Err(unreadable(source)),
            Err(source) => {
                return Err(StateError::Database {
                    dir: dir.to_owned(),
                    error: source,
                });
            }
        };
        let read_meta = |key: &[u8]| -> Result<Option<Vec<u8>>, StateError> {
            (database.meta.get(key))
                .map(|value| value.map(|value| value.to_vec()))
                .map_err(unreadable)
        };
        let stored = read_all(&database.records).map_err(unreadable)?;
        let Some(lineage) = read_meta(LINEAGE)? else {
            if existed || header.is_some() || !stored.is_empty() {
                return Err(damaged(
                    "its record store has lost its lineage (a new state is never started over a damaged one)".to_owned(),
                ));
            }
            return Ok(Loaded::New(database));
        };
        let lineage = String::from_utf8(lineage)
            .map_err(|_| damaged("its lineage is not text".to_owned()))?;
        let serial = read_meta(SERIAL)?
            .and_then(|bytes| bytes.try_into().ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| damaged("its serial is missing".to_owned()))?;
        let fingerprint_key = read_meta(FINGERPRINT_KEY)?
            .filter(|key| key.len() == KEY_LENGTH)
            .ok_or_else(|| damaged("its fingerprint key is missing".to_owned()))?;
        let found = contents(serial, &stored);
        let header = match header {
            // The first open of a state an earlier build wrote: it gets its header now.
            None => {
                let header = StateHeader::new(&lineage, &fingerprint_key, found);
                header.write(dir)?;
                header
            }
            Some(mut header) => {
                let holds = format!(
                    "\n  its record store holds: lineage {lineage}, serial {serial}, {} record(s)",
                    stored.len()
                );
                let problem = if header.lineage != lineage {
                    Some("its record store belongs to another lineage than its header")
                } else if !header.key_matches(&fingerprint_key) {
                    Some("its fingerprint key has changed")
                } else if serial < header.committed.serial {
                    Some("its record store is older than its header says (part of it was lost)")
                } else if serial == header.committed.serial && found != header.committed {
                    Some("its records do not match its header")
                } else {
                    // Equal, or newer: the header is written after the records, so a process
                    // (or machine) that stopped in between leaves records ahead of it. Damage
                    // only ever loses commits; it cannot make a consistent newer serial.
                    None
                };
                if let Some(problem) = problem {
                    return Err(StateError::damaged_state(
                        dir,
                        problem.to_owned(),
                        format!("\n  its header says: {}{holds}", header.describe()),
                    ));
                }
                if header.committed != found {
                    header.committed = found;
                    header.write(dir)?;
                }
                header
            }
        };
        Ok(Loaded::Existing(Box::new(Existing {
            database,
            lineage,
            serial,
            fingerprint_key,
            header,
            stored,
        })))
    }

    /// Writes a state's lineage, fingerprint key, serial and history into an empty store, and
    /// a header for it.
    fn initialize(
        dir: &Path,
        lock: StateLock,
        database: Database,
        lineage: &str,
        key: &[u8],
        serial: u64,
        history: &[HistoryEntry],
    ) -> Result<LocalStore, StateError> {
        let failed = |source| StateError::Database {
            dir: dir.to_owned(),
            error: source,
        };
        let meta = &database.meta;
        meta.insert(LINEAGE, lineage.as_bytes()).map_err(failed)?;
        meta.insert(SERIAL, &serial.to_be_bytes()).map_err(failed)?;
        meta.insert(FINGERPRINT_KEY, key).map_err(failed)?;
        for entry in history {
            let bytes = serde_json::to_vec(entry).expect("history entries serialise");
            (database.history.insert(entry.serial.to_be_bytes(), bytes)).map_err(failed)?;
        }
        database.db.flush().map_err(failed)?;
        let header = StateHeader::new(lineage, key, contents(serial, &[]));
        header.write(dir)?;
        let identity = (lineage.to_owned(), serial, key.to_vec());
        Ok(LocalStore::assemble(dir, lock, database, identity, header))
    }

    fn assemble(
        dir: &Path,
        lock: StateLock,
        database: Database,
        (lineage, serial, fingerprint_key): (String, u64, Vec<u8>),
        header: StateHeader,
    ) -> LocalStore {
        let Database {
            db,
            records,
            meta,
            history,
        } = database;
        LocalStore {
            dir: dir.to_owned(),
            records,
            meta,
            history,
            db,
            lineage,
            serial,
            fingerprint_key,
            header,
            header_unsynced: false,
            header_written: Instant::now(),
            opened_with: Mutex::new(None),
            lock,
        }
    }

    /// `amlform state restore`: replaces the state in `dir` with the backup taken before the
    /// last apply, keeping the lineage. The damaged files are moved aside (`*.damaged-<ms>`),
    /// never deleted. A state that is not damaged is only replaced with `force` (it would forget
    /// what the last apply recorded). The new serial is above both the backup's and the
    /// damaged header's, so a plan saved against either is stale. The lock is held throughout.
    pub fn restore(
        dir: &Path,
        lock_timeout: Duration,
        force: bool,
    ) -> Result<(LocalStore, StateBackup), StateError> {
        let lock = StateLock::acquire(dir, "state restore", lock_timeout)?;
        let refuse = StateError::Refused;
        let backup = StateBackup::read(dir)
            .map_err(|why| refuse(format!("cannot restore: {why}")))?
            .ok_or_else(|| {
                refuse(format!(
                    "cannot restore: there is no backup in {} (one is taken before each apply)",
                    dir.display()
                ))
            })?;
        let key = fingerprint::from_hex(&backup.fingerprint_key)
            .filter(|key| key.len() == KEY_LENGTH)
            .ok_or_else(|| {
                refuse("cannot restore: the backup's fingerprint key is damaged".into())
            })?;
        // What the damaged state still says about itself.
        let header = StateHeader::read(dir).ok().flatten();
        match LocalStore::load(dir) {
            Ok(Loaded::Existing(healthy)) if !force => {
                return Err(refuse(format!(
                    "the state in {} is not damaged (serial {}); restoring the backup (serial {}) would forget what was recorded since\n  hint: pass -force to restore it anyway",
                    dir.display(),
                    healthy.serial,
                    backup.serial
                )));
            }
            // Closed before its files are moved aside.
            Ok(_) | Err(StateError::DamagedState { .. }) => {}
            Err(other) => return Err(other),
        }
        if let Some(header) = header
            .as_ref()
            .filter(|header| header.lineage != backup.lineage && !force)
        {
            return Err(refuse(format!(
                "the backup belongs to lineage {}, the state to {}\n  hint: pass -force to restore it anyway",
                backup.lineage, header.lineage
            )));
        }
        let aside = format!("damaged-{}", now_ms());
        for name in ["db", HEADER_FILE] {
            let path = dir.join(name);
            if path.exists() {
                let moved = dir.join(format!("{name}.{aside}"));
                std::fs::rename(&path, &moved).map_err(|source| StateError::Io {
                    what: format!("cannot move {} aside", path.display()),
                    error: source,
                })?;
            }
        }
        let serial = backup
            .serial
            .max(header.map_or(0, |header| header.committed.serial));
        let database = Database::open(&dir.join("db")).map_err(|source| StateError::Database {
            dir: dir.to_owned(),
            error: source,
        })?;
        let mut store = LocalStore::initialize(
            dir,
            lock,
            database,
            &backup.lineage,
            &key,
            serial,
            &backup.history,
        )?;
        store.commit(ChangeSet {
            put: backup.records.clone(),
            remove: Vec::new(),
            operation: "state restore".to_owned(),
        })?;
        Ok((store, backup))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The lock this store replaced because the process holding it was no longer running.
    pub fn taken_over_lock(&self) -> Option<&LockInfo> {
        self.lock.taken_over()
    }

    /// Keeps a copy of the state as it is now in `backup.json`, for `amlform state restore`
    /// (apply takes one before it changes anything).
    pub fn write_backup(&self) -> Result<(), StateError> {
        self.export()?.write(&self.dir)
    }

    /// `init -migrate-state` to the local backend: a new state in `dir` that is a copy of
    /// `copy` (same lineage, serial, fingerprint key, records and history). Refused where a
    /// state exists already.
    pub fn create_from(
        dir: &Path,
        copy: &StateBackup,
        lock_timeout: Duration,
    ) -> Result<LocalStore, StateError> {
        let lock = StateLock::acquire(dir, "init -migrate-state", lock_timeout)?;
        let Loaded::New(database) = LocalStore::load(dir)? else {
            return Err(StateError::Refused(format!(
                "a state exists in {} already: it is not replaced\n  hint: move it aside first if it is no longer wanted",
                dir.display()
            )));
        };
        let key = fingerprint::from_hex(&copy.fingerprint_key)
            .filter(|key| key.len() == KEY_LENGTH)
            .ok_or_else(|| StateError::Refused("the copied fingerprint key is damaged".into()))?;
        // The records arrive in one change, so the serial it makes is the copy's.
        let before = copy.serial.saturating_sub(1);
        let mut store =
            LocalStore::initialize(dir, lock, database, &copy.lineage, &key, before, &[])?;
        store.commit(ChangeSet {
            put: copy.records.clone(),
            remove: Vec::new(),
            operation: "init -migrate-state".to_owned(),
        })?;
        // The history is the copy's (the commit above wrote one entry of its own).
        store
            .history
            .clear()
            .map_err(|error| store.database(error))?;
        for entry in &copy.history {
            let bytes = serde_json::to_vec(entry).expect("history entries serialise");
            (store.history.insert(entry.serial.to_be_bytes(), bytes))
                .map_err(|error| store.database(error))?;
        }
        store.db.flush().map_err(|error| store.database(error))?;
        Ok(store)
    }

    fn database(&self, source: sled::Error) -> StateError {
        StateError::Database {
            dir: self.dir.clone(),
            error: source,
        }
    }
}

/// sled's database and the trees a state keeps in it.
#[derive(Debug)]
struct Database {
    db: sled::Db,
    records: sled::Tree,
    meta: sled::Tree,
    history: sled::Tree,
}

impl Database {
    fn open(path: &Path) -> sled::Result<Database> {
        let db = sled::Config::new().path(path).open()?;
        Ok(Database {
            records: db.open_tree("records")?,
            meta: db.open_tree("meta")?,
            history: db.open_tree("history")?,
            db,
        })
    }
}

/// What `load` found: no state yet, or one that matches its header.
enum Loaded {
    New(Database),
    Existing(Box<Existing>),
}

struct Existing {
    database: Database,
    lineage: String,
    serial: u64,
    fingerprint_key: Vec<u8>,
    header: StateHeader,
    /// The records' bytes as read to check them.
    stored: Vec<(sled::IVec, sled::IVec)>,
}

/// How often a running command brings the header up to date with its commits.
const HEADER_INTERVAL: Duration = Duration::from_secs(1);

impl Drop for LocalStore {
    fn drop(&mut self) {
        if self.header_unsynced {
            // Best effort: a header that did not reach the disk only lags the records.
            let _ = self.header.write(&self.dir);
        }
    }
}

/// A sled error in words (its `Display` of a corruption is a debug dump of offsets).
pub(crate) fn describe(error: &sled::Error) -> String {
    let corrupted = "its data fails its checksums: part of the file was overwritten or cut";
    match error {
        sled::Error::Corruption { .. } => corrupted.to_owned(),
        // sled reports some corruption found while recovering as an I/O error.
        sled::Error::Io(error) if error.to_string().contains("corrupted data") => {
            corrupted.to_owned()
        }
        sled::Error::Io(error) => crate::state_error::io_message(error),
        other => other.to_string(),
    }
}

/// Every stored record, as bytes.
fn read_all(records: &sled::Tree) -> sled::Result<Vec<(sled::IVec, sled::IVec)>> {
    records.iter().collect()
}

/// The serial, count and digest of `stored` (hashed on every core).
fn contents(serial: u64, stored: &[(sled::IVec, sled::IVec)]) -> Contents {
    let mut digest = Digest::default();
    for record in in_parallel(stored, |(key, value)| Digest::of_record(key, value)) {
        digest.toggle(record);
    }
    Contents {
        serial,
        records: stored.len() as u64,
        digest: digest.hex(),
    }
}

fn file_is_empty(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|metadata| metadata.len() == 0)
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
        // The first read after opening uses the bytes the open checked against the header.
        let preloaded = self
            .opened_with
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let stored = match preloaded {
            Some(stored) => stored,
            None => read_all(&self.records).map_err(|error| self.database(error))?,
        };
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
        self.commit_all(vec![change])
    }

    /// Every change in one sled transaction and one flush, each its own serial and history
    /// entry: a group commit costs one flush however many operations it records.
    fn commit_all(&mut self, changes: Vec<ChangeSet>) -> Result<u64, StateError> {
        let first = self.serial + 1;
        let mut entries = Vec::with_capacity(changes.len());
        // The final bytes of every address the changes touch (`None`: removed), later changes
        // winning, in the order the transaction applies them.
        let mut written: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
        for (offset, change) in changes.into_iter().enumerate() {
            let serial = first + offset as u64;
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
                time_ms: now_ms(),
                operation: change.operation.clone(),
                changed,
            };
            entries.push((
                serial,
                serde_json::to_vec(&entry).expect("history entries serialise"),
            ));
            for record in &change.put {
                written.insert(record.address.clone(), Some(record.encode()));
            }
            for address in change.remove {
                written.insert(address, None);
            }
        }
        let Some(&(serial, _)) = entries.last() else {
            return Ok(self.serial);
        };
        // The header's figures follow from the records these changes replace and write.
        let mut digest = Digest::parse(&self.header.committed.digest).unwrap_or_default();
        let mut count = self.header.committed.records;
        for (address, bytes) in &written {
            if let Some(old) = self
                .records
                .get(address.as_bytes())
                .map_err(|error| self.database(error))?
            {
                digest.toggle(Digest::of_record(address.as_bytes(), &old));
                count -= 1;
            }
            if let Some(bytes) = bytes {
                digest.toggle(Digest::of_record(address.as_bytes(), bytes));
                count += 1;
            }
        }
        let next = Contents {
            serial,
            records: count,
            digest: digest.hex(),
        };
        // What the open read is about to be out of date.
        *self
            .opened_with
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = None;
        (&self.records, &self.meta, &self.history)
            .transaction(|(records, meta, history)| {
                for (address, bytes) in &written {
                    match bytes {
                        Some(bytes) => records.insert(address.as_bytes(), bytes.as_slice())?,
                        None => records.remove(address.as_bytes())?,
                    };
                }
                meta.insert(SERIAL, &serial.to_be_bytes())?;
                for (serial, entry) in &entries {
                    history.insert(&serial.to_be_bytes(), entry.as_slice())?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(|error| match error {
                TransactionError::Storage(source) => self.database(source),
                TransactionError::Abort(()) => unreachable!("the transaction never aborts"),
            })?;
        self.db.flush().map_err(|error| self.database(error))?;
        tracing::debug!(
            first_serial = first,
            serial,
            changes = entries.len(),
            records_written = written.len(),
            "state commit flushed"
        );
        self.serial = serial;
        // After the records, at most once a second while a command runs and once, synced, when
        // the store closes: a write (let alone a sync) per commit made an apply up to 60%
        // slower. Until it lands the records are ahead of it, which is not damage.
        self.header.committed = next;
        self.header_unsynced = true;
        if self.header_written.elapsed() >= HEADER_INTERVAL {
            self.header.write_unsynced(&self.dir)?;
            self.header_written = Instant::now();
        }
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

    fn export(&self) -> Result<StateBackup, StateError> {
        Ok(StateBackup {
            lineage: self.lineage.clone(),
            serial: self.serial,
            time_ms: now_ms(),
            fingerprint_key: fingerprint::hex(&self.fingerprint_key),
            records: self.records()?,
            history: self.history()?,
        })
    }
}
