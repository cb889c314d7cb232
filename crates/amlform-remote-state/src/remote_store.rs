//! The remote state: a snapshot blob, an append-blob journal, and the lease that locks them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amlform_state::fingerprint::{self, KEY_LENGTH};
use amlform_state::{
    ChangeSet, HistoryEntry, LockInfo, StateBackup, StateError, StateRecord, StateStore, now_ms,
};
use azure_core::http::Etag;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::BlobSettings;
use crate::remote_lease::{
    Lease, LeaseHealth, acquire, holder, lease_duration, lock_metadata, new_lease_id, release,
    renew, renew_once,
};
use crate::remote_snapshot::{
    Contents, JournalEntry, SNAPSHOT_FORMAT, Snapshot, journal_name, raw,
};
use crate::state_container::{BlobFailure, StateContainer};
use crate::storage_runtime::StorageRuntime;

/// A journal is folded into a new snapshot once it is larger than this and than the snapshot,
/// so the bytes written per commit stay proportional to the change, amortised.
const COMPACT_ABOVE: u64 = 4 << 20;
/// A change set larger than one append block (4 MiB on every service version) is written as
/// a new snapshot instead; so is one that would pass an append blob's 50,000 blocks.
const MAX_BLOCK: usize = 4 << 20;
const MAX_BLOCKS: u64 = 40_000;

/// What a commit wrote and how long it took, for `AMLFORM_TIMINGS` and the benchmark.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommitFigures {
    /// The change sets written together (more than one in a group commit).
    pub changes: u64,
    pub bytes_written: u64,
    pub requests: u64,
    pub elapsed: Duration,
}

/// Every commit of this process, in order (a few bytes each).
static COMMIT_LOG: Mutex<Vec<CommitFigures>> = Mutex::new(Vec::new());

/// The figures of every commit to a remote state this process made, in order.
pub fn commit_log() -> Vec<CommitFigures> {
    COMMIT_LOG
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
        .clone()
}

/// Where the snapshot and the journal stand: the versions this store last wrote or read.
#[derive(Debug)]
struct Cursors {
    snapshot_etag: Etag,
    snapshot_bytes: u64,
    generation: u64,
    journal_etag: Etag,
    journal_length: u64,
    journal_blocks: u64,
}

/// A state in Azure Blob Storage, locked by this process while it lives.
#[derive(Debug)]
pub struct RemoteStore {
    container: Arc<StateContainer>,
    lease: Arc<Lease>,
    renewal: tokio::task::AbortHandle,
    info: LockInfo,
    contents: Contents,
    cursors: Cursors,
    last_commit: CommitFigures,
    // Declared last: dropped after the lease is released.
    runtime: StorageRuntime,
}

/// What `init` found or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initialized {
    Created {
        lineage: String,
        serial: u64,
        /// The container did not exist either, and was made.
        container_created: bool,
    },
    Existing {
        lineage: String,
        serial: u64,
    },
}

impl RemoteStore {
    /// Takes the state's lease for `operation` (waiting up to `lock_timeout` for another
    /// holder, naming it if the wait ends) and reads the snapshot and its journal.
    pub fn open(
        settings: BlobSettings,
        operation: &str,
        lock_timeout: Duration,
    ) -> Result<RemoteStore, StateError> {
        let (runtime, container) = connect(settings)?;
        let duration = lease_duration();
        let info = LockInfo::for_operation(operation, new_lease_id());
        runtime.run(acquire(
            container.clone(),
            duration,
            info.id.clone(),
            lock_timeout,
        ))?;
        let loaded = runtime.run(load(container.clone(), duration, info.clone()));
        let (contents, cursors) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                let _ = runtime.run(release(container.clone(), info.id.clone(), None));
                return Err(error);
            }
        };
        let lease = Arc::new(Lease {
            id: info.id.clone(),
            duration,
            health: Mutex::new(LeaseHealth {
                journal: journal_name(&container.settings().key, cursors.generation),
                renewed: Instant::now(),
                lost: None,
            }),
        });
        let renewal = runtime
            .handle()
            .spawn(renew(container.clone(), lease.clone()))
            .abort_handle();
        Ok(RemoteStore {
            container,
            lease,
            renewal,
            info,
            contents,
            cursors,
            last_commit: CommitFigures::default(),
            runtime,
        })
    }

    /// `amlform init`: checks the container can be reached with these credentials (making it
    /// if the account has none of that name), and creates the state if there is none. With `copy` (`init -migrate-state`), the new state
    /// is a copy of it (same lineage, serial, fingerprint key, records and history); an
    /// existing state is then replaced only if it holds no record.
    pub fn initialize(
        settings: BlobSettings,
        copy: Option<&StateBackup>,
    ) -> Result<Initialized, StateError> {
        let (runtime, container) = connect(settings)?;
        let exists = {
            let container = container.clone();
            runtime.run(async move { container.container_exists().await })
        };
        // A container that does not exist is made (and said so): the state in it is new too.
        let container_created = match exists {
            Ok(true) => false,
            Ok(false) => {
                let creating = container.clone();
                runtime
                    .run(async move { creating.create_container().await })
                    .map_err(|failure| {
                        remote_error(&container, "cannot create the container of", failure)
                    })?;
                true
            }
            Err(failure) => {
                return Err(remote_error(
                    &container,
                    "cannot reach the state's container",
                    failure,
                ));
            }
        };
        let contents = match copy {
            Some(copy) => Contents::from_backup(copy)?,
            None => {
                let key = fingerprint::new_key();
                Contents {
                    lineage: fingerprint::lineage_for(&key),
                    serial: 0,
                    fingerprint_key: key.to_vec(),
                    records: BTreeMap::new(),
                    history: Vec::new(),
                }
            }
        };
        let created = runtime.run(create(container.clone(), contents.clone()))?;
        if created {
            return Ok(Initialized::Created {
                lineage: contents.lineage,
                serial: contents.serial,
                container_created,
            });
        }
        drop(runtime);
        let mut store =
            RemoteStore::open(container.settings().clone(), "init", Duration::from_secs(0))?;
        if copy.is_some() {
            if !store.contents.records.is_empty() {
                return Err(StateError::Refused(format!(
                    "the state {} exists and holds {} record(s): it is not replaced\n  hint: choose another `key`, or `amlform state rm` its records first",
                    store.location(),
                    store.contents.records.len()
                )));
            }
            store.replace(contents.clone())?;
        }
        Ok(Initialized::Existing {
            lineage: store.contents.lineage.clone(),
            serial: store.contents.serial,
        })
    }

    /// Creates the state's container if it does not exist (`init` does as much; tests and
    /// benchmarks make theirs first).
    pub fn create_container(settings: BlobSettings) -> Result<(), StateError> {
        let (runtime, container) = connect(settings)?;
        runtime
            .run({
                let container = container.clone();
                async move { container.create_container().await }
            })
            .map_err(|failure| remote_error(&container, "cannot create the container of", failure))
    }

    /// Every blob of the state as stored (the snapshot, its metadata decoded, and each journal
    /// up to the snapshot's), without taking the lease: for inspecting what is kept.
    pub fn blobs(settings: BlobSettings) -> Result<Vec<(String, Vec<u8>)>, StateError> {
        let (runtime, container) = connect(settings)?;
        runtime.run(async move {
            let key = container.settings().key.clone();
            let read_error = |failure| remote_error(&container, "cannot read the state", failure);
            let mut blobs = Vec::new();
            let Some(snapshot) = container.download(&key, None).await.map_err(read_error)? else {
                return Ok(blobs);
            };
            let generation = serde_json::from_slice::<Snapshot>(&snapshot.bytes)
                .map_or(0, |snapshot| snapshot.journal);
            blobs.push((key.clone(), snapshot.bytes));
            if let Some(properties) = container.properties(&key).await.map_err(read_error)? {
                let mut metadata = Vec::new();
                for (name, value) in &properties.metadata {
                    metadata.extend(format!("{name}={value}\n").into_bytes());
                    metadata.extend(STANDARD.decode(value).unwrap_or_default());
                }
                blobs.push((format!("{key} (metadata)"), metadata));
            }
            for generation in 1..=generation {
                let name = journal_name(&key, generation);
                if let Some(journal) = container.download(&name, None).await.map_err(read_error)? {
                    blobs.push((name, journal.bytes));
                }
            }
            Ok(blobs)
        })
    }

    /// Who holds the state's lease, if anyone does.
    pub fn holder(settings: BlobSettings) -> Result<Option<LockInfo>, StateError> {
        let (runtime, container) = connect(settings)?;
        runtime.run(holder(container))
    }

    /// `amlform force-unlock LOCK_ID`: breaks the lease if `lock_id` is the one held, and
    /// returns who held it.
    pub fn force_unlock(settings: BlobSettings, lock_id: &str) -> Result<LockInfo, StateError> {
        let (runtime, container) = connect(settings)?;
        let location = container.settings().location();
        let held = runtime.run(holder(container.clone()))?.ok_or_else(|| {
            StateError::Refused(format!(
                "the state {location} is not locked: nothing to unlock"
            ))
        })?;
        if held.id != lock_id {
            return Err(StateError::Refused(format!(
                "the state {location} is locked under id {}, not {lock_id}: nothing was unlocked\n  hint: `amlform force-unlock {}` frees the lock {} holds",
                held.id, held.id, held.holder
            )));
        }
        let key = container.settings().key.clone();
        runtime
            .run({
                let container = container.clone();
                async move { container.break_lease(&key).await }
            })
            .map_err(|failure| {
                remote_error(&container, "cannot break the state's lease", failure)
            })?;
        Ok(held)
    }

    pub fn location(&self) -> String {
        self.container.settings().location()
    }

    /// The lock this store holds.
    pub fn lock_info(&self) -> &LockInfo {
        &self.info
    }

    /// What the last commit wrote.
    pub fn last_commit(&self) -> CommitFigures {
        self.last_commit
    }

    /// Fails once the lease is lost; renews it first if the renewal task is late (a paused
    /// process), so nothing is written under a lease that may have lapsed.
    fn ensure_lease(&self) -> Result<(), StateError> {
        let late = {
            let health = self.lease.health();
            if let Some(reason) = &health.lost {
                return Err(self.lock_lost(reason.clone()));
            }
            health.renewed.elapsed() > self.lease.duration * 2 / 3
        };
        if late {
            let renewed = self
                .runtime
                .run(renew_once(self.container.clone(), self.lease.clone()));
            let mut health = self.lease.health();
            match renewed {
                Ok(()) => health.renewed = Instant::now(),
                Err(failure) => {
                    let reason = format!("it could not be renewed ({failure})");
                    health.lost = Some(reason.clone());
                    return Err(self.lock_lost(reason));
                }
            }
        }
        Ok(())
    }

    fn lock_lost(&self, reason: String) -> StateError {
        StateError::LockLost {
            state: self.location(),
            reason,
        }
    }

    /// Writes `contents` as a new snapshot with a new, empty journal, under the lease.
    fn replace(&mut self, contents: Contents) -> Result<(), StateError> {
        self.ensure_lease()?;
        let snapshot = Snapshot {
            amlform_remote_state: SNAPSHOT_FORMAT,
            lineage: contents.lineage.clone(),
            serial: contents.serial,
            fingerprint_key: fingerprint::hex(&contents.fingerprint_key),
            journal: self.cursors.generation + 1,
            records: contents.records.clone(),
            history: contents.history.clone(),
        };
        let bytes = serde_json::to_vec(&snapshot).expect("a snapshot always serialises");
        let written = bytes.len() as u64;
        let container = self.container.clone();
        let (etag, lease, info) = (
            self.cursors.snapshot_etag.clone(),
            self.lease.id.clone(),
            self.info.clone(),
        );
        let old = self.cursors.generation;
        let generation = old + 1;
        let duration = self.lease.duration;
        let (snapshot_etag, journal_etag) = self
            .runtime
            .run(async move {
                let key = container.settings().key.clone();
                let journal = journal_name(&key, generation);
                let journal_etag = container.create_append_blob(&journal).await?;
                container.acquire_lease(&journal, duration, &lease).await?;
                let snapshot_etag = container
                    .upload(&key, bytes, Some(&etag), Some(&lease), lock_metadata(&info))
                    .await?;
                // The old journal is folded in; one left behind by a failure is never read.
                let _ = container
                    .delete(&journal_name(&key, old), Some(&lease))
                    .await;
                Ok::<_, BlobFailure>((snapshot_etag, journal_etag))
            })
            .map_err(|failure| self.write_error(failure))?;
        self.lease.health().journal = journal_name(&self.container.settings().key, generation);
        self.cursors = Cursors {
            snapshot_etag,
            snapshot_bytes: written,
            generation,
            journal_etag,
            journal_length: 0,
            journal_blocks: 0,
        };
        self.contents = contents;
        self.last_commit = CommitFigures {
            changes: 1,
            bytes_written: written,
            requests: 3,
            elapsed: Duration::ZERO,
        };
        Ok(())
    }

    fn write_error(&self, failure: BlobFailure) -> StateError {
        if failure.status_is(412) || failure.status_is(409) {
            let reason = format!(
                "{failure}: the state was changed by another writer, or this command's lease lapsed"
            );
            self.lease.health().lost = Some(reason.clone());
            return self.lock_lost(reason);
        }
        remote_error(&self.container, "cannot write the state", failure)
    }
}

/// A runtime for the store's requests, and the client of its container.
fn connect(settings: BlobSettings) -> Result<(StorageRuntime, Arc<StateContainer>), StateError> {
    let runtime = StorageRuntime::new().map_err(|error| StateError::Io {
        what: "cannot start the storage client".to_owned(),
        error,
    })?;
    let location = settings.location();
    let container = StateContainer::new(settings).map_err(|failure| StateError::Remote {
        what: format!("cannot set up the client of the state {location}"),
        reason: failure.to_string(),
    })?;
    Ok((runtime, Arc::new(container)))
}

pub(crate) fn remote_error(
    container: &StateContainer,
    what: &str,
    failure: BlobFailure,
) -> StateError {
    let settings = container.settings();
    StateError::Remote {
        what: format!("{what} {}", settings.location()),
        reason: format!("{failure}\n  hint: {}", failure.hint(&settings.auth)),
    }
}

fn damaged(container: &StateContainer, problem: String) -> StateError {
    StateError::Remote {
        what: format!("the state {} is damaged", container.settings().location()),
        reason: format!(
            "{problem}\n  nothing was read from it or changed, and no compute was touched\n  hint: with blob versioning or soft delete on the storage account, restore the snapshot blob and its journal from an earlier version"
        ),
    }
}

/// Names the holder in the snapshot's metadata, then reads the snapshot and its journal.
async fn load(
    container: Arc<StateContainer>,
    duration: Duration,
    info: LockInfo,
) -> Result<(Contents, Cursors), StateError> {
    let key = container.settings().key.clone();
    let lease = info.id.clone();
    let read_error = |failure| remote_error(&container, "cannot read the state", failure);
    container
        .set_metadata(&key, &lock_metadata(&info), &lease)
        .await
        .map_err(read_error)?;
    let snapshot = container
        .download(&key, Some(&lease))
        .await
        .map_err(read_error)?
        .ok_or_else(|| damaged(&container, "its snapshot blob is gone".to_owned()))?;
    let parsed: Snapshot = serde_json::from_slice(&snapshot.bytes).map_err(|error| {
        damaged(
            &container,
            format!("its snapshot blob is not a state ({error})"),
        )
    })?;
    if parsed.amlform_remote_state > SNAPSHOT_FORMAT {
        return Err(StateError::Refused(format!(
            "the state {} was written by a newer amlform (snapshot format {}, this one reads up to {SNAPSHOT_FORMAT})\n  hint: upgrade amlform",
            container.settings().location(),
            parsed.amlform_remote_state
        )));
    }
    let fingerprint_key = fingerprint::from_hex(&parsed.fingerprint_key)
        .filter(|key| key.len() == KEY_LENGTH)
        .ok_or_else(|| damaged(&container, "its fingerprint key is damaged".to_owned()))?;
    let mut contents = Contents {
        lineage: parsed.lineage,
        serial: parsed.serial,
        fingerprint_key,
        records: parsed.records,
        history: parsed.history,
    };
    // The journal is leased before it is read: a holder whose lease on the snapshot was
    // broken or lapsed may still hold the journal's, which the snapshot's holder breaks.
    let journal_blob = journal_name(&key, parsed.journal);
    let leased = match container
        .acquire_lease(&journal_blob, duration, &lease)
        .await
    {
        Err(failure) if failure.is(409, "LeaseAlreadyPresent") => {
            container
                .break_lease(&journal_blob)
                .await
                .map_err(read_error)?;
            container
                .acquire_lease(&journal_blob, duration, &lease)
                .await
        }
        other => other,
    };
    match leased {
        Ok(()) => {}
        Err(failure) if failure.is(404, "BlobNotFound") => {}
        Err(failure) => return Err(read_error(failure)),
    }
    let journal = container
        .download(&journal_blob, None)
        .await
        .map_err(read_error)?
        .ok_or_else(|| {
            damaged(
                &container,
                format!("its journal {} is gone", journal_name(&key, parsed.journal)),
            )
        })?;
    let mut blocks = 0;
    for line in journal.bytes.split(|&byte| byte == b'\n') {
        if line.is_empty() {
            continue;
        }
        let entry: JournalEntry = serde_json::from_slice(line).map_err(|error| {
            damaged(
                &container,
                format!("a journal entry is not readable ({error})"),
            )
        })?;
        contents
            .apply(entry)
            .map_err(|problem| damaged(&container, problem))?;
        blocks += 1;
    }
    let cursors = Cursors {
        snapshot_etag: snapshot.etag,
        snapshot_bytes: snapshot.bytes.len() as u64,
        generation: parsed.journal,
        journal_etag: journal.etag,
        journal_length: journal.bytes.len() as u64,
        journal_blocks: blocks,
    };
    Ok((contents, cursors))
}

/// Creates the journal and then the snapshot, only if there is no snapshot. False when one
/// exists already.
async fn create(container: Arc<StateContainer>, contents: Contents) -> Result<bool, StateError> {
    let key = container.settings().key.clone();
    let write_error = |failure| remote_error(&container, "cannot create the state", failure);
    if container
        .properties(&key)
        .await
        .map_err(write_error)?
        .is_some()
    {
        return Ok(false);
    }
    container
        .create_append_blob(&journal_name(&key, 1))
        .await
        .map_err(write_error)?;
    let snapshot = Snapshot {
        amlform_remote_state: SNAPSHOT_FORMAT,
        lineage: contents.lineage,
        serial: contents.serial,
        fingerprint_key: fingerprint::hex(&contents.fingerprint_key),
        journal: 1,
        records: contents.records,
        history: contents.history,
    };
    let bytes = serde_json::to_vec(&snapshot).expect("a snapshot always serialises");
    match container
        .upload(&key, bytes, None, None, HashMap::new())
        .await
    {
        Ok(_) => Ok(true),
        // Another `init` made it first.
        Err(failure) if failure.status_is(409) || failure.status_is(412) => Ok(false),
        Err(failure) => Err(write_error(failure)),
    }
}

impl Drop for RemoteStore {
    fn drop(&mut self) {
        self.renewal.abort();
        let (lost, journal) = {
            let health = self.lease.health();
            (health.lost.is_some(), health.journal.clone())
        };
        if !lost {
            let _ = self.runtime.run(release(
                self.container.clone(),
                self.lease.id.clone(),
                Some(journal),
            ));
        }
    }
}

impl StateStore for RemoteStore {
    fn lineage(&self) -> &str {
        &self.contents.lineage
    }

    fn serial(&self) -> u64 {
        self.contents.serial
    }

    fn records(&self) -> Result<Vec<StateRecord>, StateError> {
        self.contents
            .records
            .iter()
            .map(|(address, raw)| StateRecord::decode(address, raw.get().as_bytes()))
            .collect()
    }

    fn record(&self, address: &str) -> Result<Option<StateRecord>, StateError> {
        self.contents
            .records
            .get(address)
            .map(|raw| StateRecord::decode(address, raw.get().as_bytes()))
            .transpose()
    }

    fn commit(&mut self, change: ChangeSet) -> Result<u64, StateError> {
        self.commit_all(vec![change])
    }

    /// The changes in one append block (a group commit: one round trip for all of them).
    fn commit_all(&mut self, changes: Vec<ChangeSet>) -> Result<u64, StateError> {
        let started = Instant::now();
        let count = changes.len() as u64;
        let serial = self.append(changes)?;
        self.last_commit.elapsed = started.elapsed();
        tracing::debug!(
            serial,
            changes = count,
            elapsed_ms = self.last_commit.elapsed.as_millis() as u64,
            "remote state commit appended"
        );
        self.last_commit.changes = count;
        COMMIT_LOG
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .push(self.last_commit);
        Ok(serial)
    }

    fn history(&self) -> Result<Vec<HistoryEntry>, StateError> {
        Ok(self.contents.history.clone())
    }

    fn fingerprint(&self, secret: &[u8]) -> String {
        fingerprint::fingerprint(&self.contents.fingerprint_key, secret)
    }

    fn export(&self) -> Result<StateBackup, StateError> {
        Ok(StateBackup {
            lineage: self.contents.lineage.clone(),
            serial: self.contents.serial,
            time_ms: now_ms(),
            fingerprint_key: fingerprint::hex(&self.contents.fingerprint_key),
            records: self.records()?,
            history: self.contents.history.clone(),
        })
    }
}

impl RemoteStore {
    /// A commit: one block appended to the journal (or, for a change too large for one, a
    /// new snapshot), then the journal folded in if it has outgrown the snapshot.
    fn append(&mut self, changes: Vec<ChangeSet>) -> Result<u64, StateError> {
        self.ensure_lease()?;
        let time_ms = now_ms();
        let mut serial = self.contents.serial;
        let mut entries = Vec::with_capacity(changes.len());
        let mut line = Vec::new();
        for change in changes {
            serial += 1;
            let entry = JournalEntry {
                serial,
                time_ms,
                operation: change.operation,
                put: change
                    .put
                    .iter()
                    .map(|record| (record.address.clone(), raw(record)))
                    .collect(),
                remove: change.remove,
            };
            serde_json::to_writer(&mut line, &entry).expect("journal entries serialise");
            line.push(b'\n');
            entries.push(entry);
        }
        if entries.is_empty() {
            return Ok(serial);
        }
        if line.len() > MAX_BLOCK || self.cursors.journal_blocks + 1 >= MAX_BLOCKS {
            let mut next = self.contents.clone();
            for entry in entries {
                next.apply(entry).expect("the next serial applies");
            }
            self.replace(next)?;
            return Ok(serial);
        }
        let written = line.len() as u64;
        let container = self.container.clone();
        let name = journal_name(&container.settings().key, self.cursors.generation);
        let (position, expected, lease) = (
            self.cursors.journal_length,
            self.cursors.journal_etag.clone(),
            self.lease.id.clone(),
        );
        let etag = self
            .runtime
            .run(async move {
                container
                    .append(&name, line, position, &expected, &lease)
                    .await
            })
            .map_err(|failure| self.write_error(failure))?;
        self.cursors.journal_etag = etag;
        self.cursors.journal_length += written;
        self.cursors.journal_blocks += 1;
        for entry in entries {
            self.contents.apply(entry).expect("the next serial applies");
        }
        self.last_commit = CommitFigures {
            changes: 1,
            bytes_written: written,
            requests: 1,
            elapsed: Duration::ZERO,
        };
        // The commit is durable; folding the journal in can wait for the next one if it fails.
        if self.cursors.journal_length > COMPACT_ABOVE.max(self.cursors.snapshot_bytes) {
            let figures = self.last_commit;
            if self.replace(self.contents.clone()).is_ok() {
                self.last_commit.bytes_written += figures.bytes_written;
                self.last_commit.requests += figures.requests;
            }
        }
        Ok(serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amlform_test_support::Azurite;

    fn change(address: &str) -> ChangeSet {
        let record: StateRecord = serde_json::from_value(serde_json::json!({
            "address": address, "kind": "aml_compute", "workspace": "dev", "arm_id": null,
            "attributes": {}, "dependencies": [], "secret_fingerprints": {},
            "status": {"status": "ready"}
        }))
        .unwrap();
        ChangeSet {
            put: vec![record],
            remove: vec![],
            operation: "apply".to_owned(),
        }
    }

    /// A state with two commits, and a client of its container (no lease held).
    fn committed(
        azurite: &Azurite,
        key: &str,
    ) -> (BlobSettings, StorageRuntime, Arc<StateContainer>) {
        // Built here: test-support's settings are of its own copy of this crate.
        let settings = BlobSettings {
            storage_account_name: amlform_test_support::AZURITE_ACCOUNT.to_owned(),
            container_name: "damage".to_owned(),
            key: key.to_owned(),
            endpoint: azurite.endpoint.clone(),
            auth: crate::BlobAuth::AccessKey(amlform_test_support::AZURITE_KEY.to_owned()),
        };
        RemoteStore::create_container(settings.clone()).unwrap();
        RemoteStore::initialize(settings.clone(), None).unwrap();
        let mut store = RemoteStore::open(settings.clone(), "test", Duration::ZERO).unwrap();
        store.commit(change("aml_compute.a")).unwrap();
        store.commit(change("aml_compute.b")).unwrap();
        drop(store);
        let (runtime, container) = connect(settings.clone()).unwrap();
        (settings, runtime, container)
    }

    fn refused(settings: BlobSettings, expected: &str) {
        let error = RemoteStore::open(settings, "plan", Duration::ZERO).unwrap_err();
        let shown = error.to_string();
        assert!(shown.contains("is damaged"), "{shown}");
        assert!(shown.contains(expected), "{shown}");
        assert!(
            shown.contains("nothing was read from it or changed"),
            "{shown}"
        );
    }

    /// A damaged snapshot, a journal gone, a journal that skips a serial: each is refused
    /// as damage, never read as an empty or older state.
    #[test]
    fn damage_is_refused_never_read_as_less() {
        let Some(azurite) = Azurite::start("damage_is_refused_never_read_as_less") else {
            return;
        };

        let (settings, runtime, container) = committed(&azurite, "snapshot.amlstate");
        runtime.run(async move {
            let snapshot = container
                .download("snapshot.amlstate", None)
                .await
                .unwrap()
                .unwrap();
            container
                .upload(
                    "snapshot.amlstate",
                    b"{\"amlform_remote".to_vec(),
                    Some(&snapshot.etag),
                    None,
                    HashMap::new(),
                )
                .await
                .unwrap();
        });
        refused(settings, "its snapshot blob is not a state");

        let (settings, runtime, container) = committed(&azurite, "journal.amlstate");
        runtime.run(async move {
            let journal = journal_name("journal.amlstate", 1);
            container.delete(&journal, None).await.unwrap();
        });
        refused(settings, "its journal journal.amlstate.journal.1 is gone");

        let (settings, runtime, container) = committed(&azurite, "gap.amlstate");
        runtime.run(async move {
            let journal = journal_name("gap.amlstate", 1);
            let current = container.download(&journal, None).await.unwrap().unwrap();
            let line =
                b"{\"serial\":9,\"time_ms\":0,\"operation\":\"apply\",\"put\":{},\"remove\":[]}\n"
                    .to_vec();
            let lease = "00000000-0000-4000-a000-000000000000";
            container
                .acquire_lease(&journal, Duration::from_secs(15), lease)
                .await
                .unwrap();
            container
                .append(
                    &journal,
                    line,
                    current.bytes.len() as u64,
                    &current.etag,
                    lease,
                )
                .await
                .unwrap();
            container.release_lease(&journal, lease).await.unwrap();
        });
        refused(settings, "its journal jumps from serial 2 to 9");
    }
}
