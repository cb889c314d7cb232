//! What amlform believes exists: one [`StateRecord`] per managed compute, the state's
//! `lineage` and `serial`, a history of earlier serials, and a lock so two processes never
//! change it at once.
//!
//! A change writes only the records it touches, in one transaction, and flushes; nothing
//! rewrites the whole state. Secrets are never stored: a keyed fingerprint (a per-state random
//! key, HMAC-SHA256) lets the planner see that a password, key or token changed.

pub mod fingerprint;
mod local_store;
mod state_backup;
mod state_error;
mod state_header;
mod state_lock;
mod state_record;
mod state_store;

pub use local_store::{LocalStore, STATE_DIR};
pub use state_backup::{BACKUP_FILE, StateBackup};
pub use state_error::StateError;
pub use state_header::HEADER_FILE;
pub use state_lock::{LOCK_FILE, LockInfo, StateLock, now_ms};
pub use state_record::{RECORD_FORMAT, RecordStatus, StateRecord};
pub use state_store::{ChangeSet, HistoryEntry, StateStore};
