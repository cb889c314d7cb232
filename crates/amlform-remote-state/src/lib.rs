//! Shared state in Azure Blob Storage (Terraform's `azurerm` backend), so a team's pull
//! requests, merges, nightly drift checks and hand-run applies all see one state.
//!
//! A state is a snapshot blob (`<key>`: lineage, serial, fingerprint key, every record and the
//! history) and an append-blob journal beside it (`<key>.journal.<n>`) of the change sets
//! committed since: a commit appends one block with what it changed, never the whole state,
//! and the journal is folded into a new snapshot once it outgrows it. Every write is
//! conditional (the journal's ETag and append position; the snapshot's ETag and lease), so a
//! rival writer or a lost lease fails loudly and nothing is overwritten.
//!
//! The lock is a finite blob lease on the snapshot (60 s), renewed every 20 s while the
//! command runs, with who holds it in the blob's metadata: a holder that dies frees it within
//! the lease's life, by itself.

mod account_sas;
mod blob_settings;
mod remote_lease;
mod remote_snapshot;
mod remote_store;
mod state_container;
mod storage_runtime;

pub use account_sas::sign_account_sas;
pub use blob_settings::{BlobAuth, BlobSettings};
pub use remote_lease::LEASE_DURATION;
pub use remote_store::{CommitFigures, Initialized, RemoteStore, commit_log};
pub use state_container::redact;
