//! The state lock: a file created exclusively, naming who holds it, for what, since when.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::StateError;

pub const LOCK_FILE: &str = "state.lock";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    pub id: String,
    /// `user@host`.
    pub holder: String,
    pub pid: u32,
    pub operation: String,
    pub created_ms: u64,
}

impl LockInfo {
    /// A lock of this process, on this host, for `operation`, taken now under `id`.
    pub fn for_operation(operation: &str, id: String) -> LockInfo {
        LockInfo {
            id,
            holder: holder(),
            pid: std::process::id(),
            operation: operation.to_owned(),
            created_ms: now_ms(),
        }
    }

    /// How long ago the lock was taken, for messages.
    pub fn since(&self) -> String {
        let age = now_ms().saturating_sub(self.created_ms) / 1000;
        format!("{age}s ago")
    }
}

/// Held while it lives; dropping it releases the lock.
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
    info: LockInfo,
    taken_over: Option<LockInfo>,
}

impl StateLock {
    /// Takes the lock of the state in `dir`, waiting up to `timeout` for another holder.
    pub fn acquire(
        dir: &Path,
        operation: &str,
        timeout: Duration,
    ) -> Result<StateLock, StateError> {
        fs::create_dir_all(dir).map_err(|source| StateError::Io {
            what: format!("cannot create the state directory {}", dir.display()),
            error: source,
        })?;
        let path = dir.join(LOCK_FILE);
        let info =
            LockInfo::for_operation(operation, format!("{}-{}", std::process::id(), now_ms()));
        let deadline = Instant::now() + timeout;
        let mut taken_over = None;
        loop {
            match publish(&path, &info) {
                Ok(()) => {
                    tracing::debug!(lock = %path.display(), operation, id = %info.id, "state lock taken");
                    return Ok(StateLock {
                        path,
                        info,
                        taken_over,
                    });
                }
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    let current = read_info(&path);
                    // A lock is only ever linked into place whole, so one that does not say
                    // whose it is (empty, cut, garbage) was not left by a holder: take it.
                    if current.is_none()
                        && let Ok(bytes) = fs::read(&path)
                    {
                        if take_over_unreadable(&path, &bytes) {
                            taken_over = Some(LockInfo {
                                id: String::new(),
                                holder: "nobody (the lock file was unreadable)".to_owned(),
                                pid: 0,
                                operation: "unknown".to_owned(),
                                created_ms: now_ms(),
                            });
                        }
                        continue;
                    }
                    if let Some(stale) = current.filter(|current| {
                        current.holder == info.holder && !process_is_running(current.pid)
                    }) {
                        if take_over(&path, &stale) {
                            taken_over = Some(stale);
                        }
                        continue;
                    }
                    if Instant::now() >= deadline {
                        let holder = read_info(&path).unwrap_or_else(|| LockInfo {
                            id: String::new(),
                            holder: "an unknown process".to_owned(),
                            pid: 0,
                            operation: "unknown".to_owned(),
                            created_ms: now_ms(),
                        });
                        return Err(StateError::Locked {
                            dir: dir.to_owned(),
                            info: holder,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(source) => {
                    return Err(StateError::Io {
                        what: format!("cannot create the lock {}", path.display()),
                        error: source,
                    });
                }
            }
        }
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// The lock this one replaced: left by a process of this user on this host that is no
    /// longer running (killed, or crashed), so nothing else holds the state.
    pub fn taken_over(&self) -> Option<&LockInfo> {
        self.taken_over.as_ref()
    }
}

/// Creates the lock file with its contents in one step: written and synced under a name of
/// this process's own, then linked into place (which fails if the lock exists). So a process
/// killed at any moment never leaves a lock that does not say whose it is.
fn publish(path: &Path, info: &LockInfo) -> io::Result<()> {
    let draft = path.with_extension(format!("draft-{}", std::process::id()));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&draft)?;
        file.write_all(&serde_json::to_vec_pretty(info).map_err(io::Error::other)?)?;
        file.sync_all()?;
        fs::hard_link(&draft, path)
    })();
    let _ = fs::remove_file(&draft);
    written
}

fn read_info(path: &Path) -> Option<LockInfo> {
    fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

/// Moves a stale lock aside, unless another process replaced it meanwhile (then it is put
/// back). True when the stale lock is gone.
fn take_over(path: &Path, stale: &LockInfo) -> bool {
    let aside = path.with_extension(format!("stale-{}", std::process::id()));
    if fs::rename(path, &aside).is_err() {
        return false; // someone else moved it first
    }
    if read_info(&aside).is_some_and(|moved| moved.id == stale.id) {
        let _ = fs::remove_file(&aside);
        true
    } else {
        let _ = fs::rename(&aside, path);
        false
    }
}

/// Moves an unreadable lock aside, unless it changed meanwhile (a new holder linked a real
/// one in its place): then it is put back. True when the unreadable lock is gone.
fn take_over_unreadable(path: &Path, seen: &[u8]) -> bool {
    let aside = path.with_extension(format!("unreadable-{}", std::process::id()));
    if fs::rename(path, &aside).is_err() {
        return false;
    }
    if fs::read(&aside).is_ok_and(|bytes| bytes == seen) {
        let _ = fs::remove_file(&aside);
        true
    } else {
        let _ = fs::rename(&aside, path);
        false
    }
}

/// Whether a process with this id runs on this host. Where that cannot be told, it is
/// assumed to run, so a lock is never taken from a live process.
fn process_is_running(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Only remove a lock that is still ours.
        let ours = fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<LockInfo>(&bytes).ok())
            .is_some_and(|info| info.id == self.info.id);
        if ours {
            let _ = fs::remove_file(&self.path);
            tracing::debug!(lock = %self.path.display(), id = %self.info.id, "state lock released");
        }
    }
}

fn holder() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    let host = fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_owned())
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_else(|_| "localhost".to_owned());
    format!("{user}@{host}")
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_details() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let first = StateLock::acquire(dir, "apply", Duration::ZERO).unwrap();
        let error = StateLock::acquire(dir, "plan", Duration::from_millis(120)).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("locked by"), "{message}");
        assert!(message.contains("`apply`"), "{message}");
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        drop(first);
        let again = StateLock::acquire(dir, "plan", Duration::ZERO).unwrap();
        assert_eq!(again.info().operation, "plan");
        drop(again);
    }

    #[test]
    fn a_lock_left_by_a_process_that_is_gone_is_taken_over_and_others_are_not() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let mut finished = std::process::Command::new("true").spawn().unwrap();
        finished.wait().unwrap();
        let stale = LockInfo {
            id: "stale".to_owned(),
            holder: holder(),
            pid: finished.id(),
            operation: "apply".to_owned(),
            created_ms: now_ms(),
        };
        let write = |info: &LockInfo| {
            fs::write(dir.join(LOCK_FILE), serde_json::to_vec(info).unwrap()).unwrap()
        };
        write(&stale);
        let lock = StateLock::acquire(dir, "plan", Duration::ZERO).unwrap();
        assert_eq!(lock.taken_over(), Some(&stale));
        drop(lock);

        // Another host's lock (its pid means nothing here) is left alone.
        write(&LockInfo {
            holder: "someone@elsewhere".to_owned(),
            ..stale.clone()
        });
        let error = StateLock::acquire(dir, "plan", Duration::ZERO).unwrap_err();
        assert!(error.to_string().contains("someone@elsewhere"), "{error}");
    }

    #[test]
    fn an_empty_or_garbled_lock_file_is_taken_over() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        for contents in [&b""[..], b"{\"id\": \"x\", \"hol", b"\xff\xfe garbage"] {
            fs::write(dir.join(LOCK_FILE), contents).unwrap();
            let lock = StateLock::acquire(dir, "plan", Duration::ZERO).unwrap();
            assert_eq!(lock.taken_over().map(|info| info.pid), Some(0));
            drop(lock);
            assert!(!dir.join(LOCK_FILE).exists(), "released");
        }
    }
}
