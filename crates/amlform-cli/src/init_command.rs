//! `amlform init`: checks the modules the configuration uses (local directories, read and
//! parsed; a missing one is an error naming it) and sets up the configuration's backend. For `azurerm` it checks the account
//! and container can be used (naming them and what failed), creates the state if it is new,
//! and records the backend for the other commands. When the backend changed, `-migrate-state`
//! copies records, lineage, serial and history to the new one and verifies the copy;
//! `-reconfigure` uses the new one as it is.

use std::path::Path;

use amlform_remote_state::{Initialized, RemoteStore};
use amlform_state::{LocalStore, STATE_DIR, StateBackup, StateStore, now_ms};
use anyhow::bail;

use crate::cli::InitArgs;
use crate::exit_status::ExitStatus;
use crate::settings::Settings;
use crate::state_backend::{Backend, Store};

pub fn run(args: &InitArgs, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let module = crate::module_loader::load(&args.variables)?;
    if !settings.printer.diagnostics(&module) {
        return Ok(ExitStatus::Failure);
    }
    if !module.module_dirs.is_empty() {
        // Local modules need no download: init says which it found, as Terraform does.
        println!("Initializing modules...");
        for (name, dir) in &module.module_dirs {
            let dir: std::path::PathBuf = (dir.components())
                .filter(|part| *part != std::path::Component::CurDir)
                .collect();
            println!("- {name} in {}", dir.display());
        }
        println!();
    }
    let declared = Backend::declared(module.backend.as_ref());
    let recorded = Backend::recorded()?;
    let changed = Backend::checked(module.backend.as_ref()).is_err();
    let credential = settings.credential.as_deref();
    // What the new backend starts from: a copy of the old one's state, or what it has.
    let copy = if !changed {
        None
    } else if args.migrate_state {
        Some(
            Store::open(
                &recorded,
                "init -migrate-state",
                args.lock_timeout,
                credential,
            )?
            .export()?,
        )
    } else if args.reconfigure {
        None
    } else if recorded == Backend::Local && !local_state_has_records(args)? {
        // Nothing to carry over: a first `init` with a new backend block.
        None
    } else {
        bail!(
            "the backend changed from {} to {}{}\nhint: `amlform init -migrate-state` copies the state to the new backend; `amlform init -reconfigure` uses the new one as it is (the old state is left where it is)",
            recorded.describe(),
            declared.describe(),
            recorded.differences(&declared)
        );
    };
    match &declared {
        Backend::Local => {
            if let Some(copy) = &copy {
                let store = LocalStore::create_from(Path::new(STATE_DIR), copy, args.lock_timeout)?;
                verify(&Store::Local(store), copy)?;
            }
            declared.record()?;
            match &copy {
                Some(copy) => println!("{}", copied(copy, &recorded, &declared)),
                None => println!("amlform is initialized: the state is local, in {STATE_DIR}."),
            }
        }
        Backend::Azurerm(_) => {
            let blob = declared.blob_settings(credential)?;
            let found = RemoteStore::initialize(blob, copy.as_ref())?;
            if let Some(copy) = &copy {
                verify(
                    &Store::open(&declared, "init", args.lock_timeout, credential)?,
                    copy,
                )?;
            }
            declared.record()?;
            // The local state has been copied: it is kept aside, never read again by mistake.
            if copy.is_some() && recorded == Backend::Local {
                let aside = format!("{STATE_DIR}.migrated-{}", now_ms());
                std::fs::rename(STATE_DIR, &aside)?;
                println!("The local state was moved aside to {aside}.");
            }
            match (&copy, found) {
                (Some(copy), _) => println!("{}", copied(copy, &recorded, &declared)),
                (
                    None,
                    Initialized::Created {
                        lineage,
                        container_created,
                        ..
                    },
                ) => println!(
                    "amlform is initialized: created a new state at {} (lineage {lineage}){}.",
                    declared.describe(),
                    if container_created {
                        ", in a new container (there was none of that name)"
                    } else {
                        ""
                    }
                ),
                (None, Initialized::Existing { lineage, serial }) => println!(
                    "amlform is initialized: the state at {} is reachable (lineage {lineage}, serial {serial}).",
                    declared.describe()
                ),
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// Whether `.amlform/state` holds any record (without creating one where there is none).
fn local_state_has_records(args: &InitArgs) -> anyhow::Result<bool> {
    if !Path::new(STATE_DIR).exists() {
        return Ok(false);
    }
    let store = LocalStore::open(Path::new(STATE_DIR), "init", args.lock_timeout)?;
    Ok(!store.records()?.is_empty())
}

/// The copy holds exactly what was copied: lineage, serial and every record.
fn verify(store: &Store, copy: &StateBackup) -> anyhow::Result<()> {
    let found = store.export()?;
    if found.lineage != copy.lineage
        || found.serial != copy.serial
        || found.records != copy.records
        || found.history != copy.history
        || found.fingerprint_key != copy.fingerprint_key
    {
        bail!(
            "the copied state does not match the original (lineage {} serial {} with {} records, expected lineage {} serial {} with {}); the old backend is still recorded and unchanged",
            found.lineage,
            found.serial,
            found.records.len(),
            copy.lineage,
            copy.serial,
            copy.records.len()
        );
    }
    Ok(())
}

fn copied(copy: &StateBackup, from: &Backend, to: &Backend) -> String {
    format!(
        "Copied the state from {} to {}: {} record(s), lineage {}, serial {}, and its history; the copy was read back and matches.",
        from.describe(),
        to.describe(),
        copy.records.len(),
        copy.lineage,
        copy.serial
    )
}
