//! The remote state's lock: a finite blob lease on the snapshot (and the journal in use),
//! renewed in the background, with the holder named in the snapshot's metadata.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use amlform_state::fingerprint;
use amlform_state::{LockInfo, StateError, now_ms};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::remote_store::remote_error;
use crate::state_container::{BlobFailure, StateContainer};

/// How long a lease lives unless renewed: a holder that dies frees the lock within it.
pub const LEASE_DURATION: Duration = Duration::from_secs(60);

/// The snapshot's metadata entry naming who holds the lease (base64 of a [`LockInfo`]).
pub(crate) const LOCK_METADATA: &str = "amlformlock";

/// The lease's life: [`LEASE_DURATION`], or `AMLFORM_STATE_LEASE_SECONDS` (15 to 60, the
/// service's limits) so a test of a dead holder need not wait a minute.
pub(crate) fn lease_duration() -> Duration {
    std::env::var("AMLFORM_STATE_LEASE_SECONDS")
        .ok()
        .and_then(|seconds| seconds.parse::<u64>().ok())
        .filter(|seconds| (15..=60).contains(seconds))
        .map_or(LEASE_DURATION, Duration::from_secs)
}

/// The lease this store holds and how its renewal goes.
#[derive(Debug)]
pub(crate) struct Lease {
    pub(crate) id: String,
    pub(crate) duration: Duration,
    pub(crate) health: Mutex<LeaseHealth>,
}

#[derive(Debug)]
pub(crate) struct LeaseHealth {
    /// The journal now in use: it is leased too, so every append is conditional on the lease.
    pub(crate) journal: String,
    pub(crate) renewed: Instant,
    /// Why the lease is no longer this store's; nothing more is written once set.
    pub(crate) lost: Option<String>,
}

impl Lease {
    pub(crate) fn health(&self) -> MutexGuard<'_, LeaseHealth> {
        self.health
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

pub(crate) fn lock_metadata(info: &LockInfo) -> HashMap<String, String> {
    let json = serde_json::to_vec(info).expect("lock info serialises");
    HashMap::from([(LOCK_METADATA.to_owned(), STANDARD.encode(json))])
}

pub(crate) fn read_lock_metadata(metadata: &HashMap<String, String>) -> Option<LockInfo> {
    let encoded = metadata.get(LOCK_METADATA)?;
    serde_json::from_slice(&STANDARD.decode(encoded).ok()?).ok()
}

/// A lease id: the service wants a GUID.
pub(crate) fn new_lease_id() -> String {
    let bytes = fingerprint::new_key();
    let hex = fingerprint::hex(&bytes[..16]);
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

pub(crate) async fn holder(container: Arc<StateContainer>) -> Result<Option<LockInfo>, StateError> {
    let key = container.settings().key.clone();
    let properties = container
        .properties(&key)
        .await
        .map_err(|failure| remote_error(&container, "cannot read the state", failure))?;
    Ok(properties
        .filter(|properties| properties.leased)
        .map(|properties| {
            read_lock_metadata(&properties.metadata).unwrap_or_else(|| LockInfo {
                id: "(unknown)".to_owned(),
                holder: "a process that did not say who it is".to_owned(),
                pid: 0,
                operation: "unknown".to_owned(),
                created_ms: now_ms(),
            })
        }))
}

/// Takes the lease, waiting up to `timeout` while another holds it.
pub(crate) async fn acquire(
    container: Arc<StateContainer>,
    duration: Duration,
    id: String,
    timeout: Duration,
) -> Result<(), StateError> {
    let key = container.settings().key.clone();
    let deadline = Instant::now() + timeout;
    loop {
        match container.acquire_lease(&key, duration, &id).await {
            Ok(()) => {
                tracing::debug!(blob = %key, lease_seconds = duration.as_secs(), "state lease taken");
                return Ok(());
            }
            Err(failure) if failure.is(409, "LeaseAlreadyPresent") => {
                if Instant::now() >= deadline {
                    let info = holder(container.clone())
                        .await?
                        .unwrap_or_else(|| LockInfo {
                            id: "(unknown)".to_owned(),
                            holder: "another process".to_owned(),
                            pid: 0,
                            operation: "unknown".to_owned(),
                            created_ms: now_ms(),
                        });
                    return Err(StateError::LockedRemote {
                        state: container.settings().location(),
                        info,
                    });
                }
                let left = deadline.saturating_duration_since(Instant::now());
                tokio::time::sleep(left.min(Duration::from_millis(500))).await;
            }
            Err(failure) if failure.is(404, "BlobNotFound") => {
                return Err(StateError::Refused(format!(
                    "there is no state at {}\n  hint: run `amlform init` to create it (or check `key`)",
                    container.settings().location()
                )));
            }
            Err(failure) => {
                return Err(remote_error(&container, "cannot lock the state", failure));
            }
        }
    }
}

/// Renews the leases of the snapshot and of the journal in use.
pub(crate) async fn renew_once(
    container: Arc<StateContainer>,
    lease: Arc<Lease>,
) -> Result<(), BlobFailure> {
    let journal = lease.health().journal.clone();
    container
        .renew_lease(&container.settings().key, &lease.id)
        .await?;
    container.renew_lease(&journal, &lease.id).await
}

/// Renews the leases every third of their life until the store closes; a renewal refused
/// (another holder) or failing for a whole lease's life marks the lock lost.
pub(crate) async fn renew(container: Arc<StateContainer>, lease: Arc<Lease>) {
    loop {
        tokio::time::sleep(lease.duration / 3).await;
        match renew_once(container.clone(), lease.clone()).await {
            Ok(()) => lease.health().renewed = Instant::now(),
            Err(failure) => {
                let mut health = lease.health();
                if failure
                    .status
                    .is_some_and(|status| status == 409 || status == 412)
                    || health.renewed.elapsed() >= lease.duration
                {
                    health.lost = Some(format!("it could not be renewed ({failure})"));
                    return;
                }
            }
        }
    }
}

/// Releases the journal's lease, clears the holder's name and releases the snapshot's (best
/// effort: a lease not released expires by itself).
pub(crate) async fn release(
    container: Arc<StateContainer>,
    lease: String,
    journal: Option<String>,
) -> Result<(), BlobFailure> {
    let key = container.settings().key.clone();
    let work = async {
        if let Some(journal) = journal {
            let _ = container.release_lease(&journal, &lease).await;
        }
        container
            .set_metadata(&key, &HashMap::new(), &lease)
            .await?;
        container.release_lease(&key, &lease).await
    };
    let released = match tokio::time::timeout(Duration::from_secs(10), work).await {
        Ok(result) => result,
        Err(_) => Ok(()),
    };
    tracing::debug!(blob = %key, released = released.is_ok(), "state lease released");
    released
}
