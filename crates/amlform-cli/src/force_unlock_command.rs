//! `amlform force-unlock LOCK_ID`: frees a lock whose holder is gone, after asking (`-force`
//! for scripts). A remote lock frees itself within a minute of its holder's death; this is
//! for not waiting. The id must be the one held, so a lock taken since is never broken.

use std::path::Path;

use amlform_remote_state::RemoteStore;
use amlform_state::{LockInfo, STATE_DIR};
use anyhow::bail;

use crate::cli::ForceUnlockArgs;
use crate::exit_status::ExitStatus;
use crate::settings::Settings;
use crate::state_backend::Backend;

pub fn run(args: &ForceUnlockArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let backend = crate::plan_command::current_backend()?;
    let ask = |holder: &LockInfo| -> anyhow::Result<bool> {
        if args.force {
            return Ok(true);
        }
        println!(
            "The state {} is locked by {} (pid {}) for `{}` since {}, lock id {}.",
            backend.describe(),
            holder.holder,
            holder.pid,
            holder.operation,
            holder.since(),
            holder.id
        );
        println!(
            "Unlocking it while that command still runs can let two commands change the state at once."
        );
        crate::approval::approved(
            "Do you really want to force-unlock the state?",
            "force-unlock",
            "pass -force",
            settings.input,
        )
    };
    match &backend {
        Backend::Local => {
            let path = Path::new(STATE_DIR).join(amlform_state::LOCK_FILE);
            let held: Option<LockInfo> = std::fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok());
            let Some(held) = held else {
                bail!("the state in {STATE_DIR} is not locked: nothing to unlock");
            };
            if held.id != args.lock_id {
                bail!(
                    "the state in {STATE_DIR} is locked under id {}, not {}: nothing was unlocked",
                    held.id,
                    args.lock_id
                );
            }
            if !ask(&held)? {
                println!("Nothing was unlocked.");
                return Ok(ExitStatus::Failure);
            }
            std::fs::remove_file(&path)?;
        }
        Backend::Azurerm(_) => {
            let blob = backend.blob_settings(settings.credential.as_deref())?;
            // Another id, or no lock: `force_unlock` refuses, naming what is held.
            if let Some(held) = RemoteStore::holder(blob.clone())?
                && held.id == args.lock_id
                && !ask(&held)?
            {
                println!("Nothing was unlocked.");
                return Ok(ExitStatus::Failure);
            }
            RemoteStore::force_unlock(blob, &args.lock_id)?;
        }
    }
    println!("The state is unlocked (lock {}).", args.lock_id);
    Ok(ExitStatus::Success)
}
