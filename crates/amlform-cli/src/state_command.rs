//! `amlform state list | show | pull | rm | mv | history | restore`: what the state remembers.

use crate::exit_status::ExitStatus;
use crate::settings::Settings;
use std::path::Path;

use amlform_state::{ChangeSet, LocalStore, STATE_DIR, StateError, StateRecord, StateStore};
use serde_json::{Value, json};

use crate::cli::{StateArgs, StateCommand};

pub fn run(command: &StateCommand, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let (operation, args) = match command {
        StateCommand::List(args) => ("state list", args),
        StateCommand::Show { state, .. } => ("state show", state),
        StateCommand::Pull(args) => ("state pull", args),
        StateCommand::Rm { state, .. } => ("state rm", state),
        StateCommand::History(args) => ("state history", args),
        StateCommand::Mv { state, .. } => ("state mv", state),
        StateCommand::Restore { force, state } => return restore(*force, state),
    };
    let StateArgs { lock_timeout } = args;
    let mut store = crate::plan_command::open_state(operation, *lock_timeout, settings)?;
    match command {
        StateCommand::List(_) => {
            for record in store.records()? {
                println!("{}", record.address);
            }
        }
        StateCommand::Show { address, .. } => {
            let record = store.record(address)?.ok_or_else(|| StateError::NotFound {
                address: address.clone(),
            })?;
            print!("{}", show(&record));
        }
        StateCommand::Pull(_) => {
            let resources: Vec<Value> = store.records()?.iter().map(pulled).collect();
            let state = json!({
                "format_version": "1.0",
                "lineage": store.lineage(),
                "serial": store.serial(),
                "resources": resources,
            });
            println!("{}", serde_json::to_string_pretty(&state)?);
        }
        StateCommand::Rm { addresses, .. } => {
            for address in addresses {
                if store.record(address)?.is_none() {
                    return Err(StateError::NotFound {
                        address: address.clone(),
                    }
                    .into());
                }
            }
            store.commit(ChangeSet {
                put: Vec::new(),
                remove: addresses.clone(),
                operation: "state rm".to_owned(),
            })?;
            for address in addresses {
                println!("Removed {address} from the state (the compute itself is untouched)");
            }
        }
        StateCommand::Mv { from, to, .. } => {
            let mut record = store.record(from)?.ok_or_else(|| StateError::NotFound {
                address: from.clone(),
            })?;
            if store.record(to)?.is_some() {
                anyhow::bail!(
                    "{to} is already in the state\nhint: `amlform state rm {to}` first if it is stale"
                );
            }
            let (from_kind, to_kind) = (from.split('.').next(), to.split('.').next());
            if from_kind != to_kind {
                anyhow::bail!(
                    "{from} cannot become {to}: a resource keeps its kind\nhint: the address must start with `{}.`",
                    from_kind.unwrap_or_default()
                );
            }
            record.address = to.clone();
            store.commit(ChangeSet {
                put: vec![record],
                remove: vec![from.clone()],
                operation: "state mv".to_owned(),
            })?;
            println!("Moved {from} to {to} (the compute itself is untouched)");
        }
        StateCommand::Restore { .. } => unreachable!("handled before the state is opened"),
        StateCommand::History(_) => {
            for entry in store.history()? {
                println!(
                    "serial {:>4}  {:<12} {}",
                    entry.serial,
                    entry.operation,
                    entry.changed.join(", ")
                );
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// `amlform state restore`: the state is damaged, so it is not opened; the backup replaces it.
fn restore(force: bool, args: &StateArgs) -> anyhow::Result<ExitStatus> {
    let (store, backup) = LocalStore::restore(Path::new(STATE_DIR), args.lock_timeout, force)?;
    println!(
        "Restored the state from its backup ({}): lineage {}, now serial {}.",
        backup.describe(),
        store.lineage(),
        store.serial()
    );
    println!(
        "Run `amlform plan`: a compute the last apply made after the backup shows as not managed, and `amlform import` adopts it."
    );
    Ok(ExitStatus::Success)
}

/// A record as HCL-like text; secrets only as `(sensitive value)`.
fn show(record: &StateRecord) -> String {
    // The block's label alone: `aml_compute.pool["big"]` is block `pool`, instance `["big"]`.
    let label = record
        .address
        .split_once('.')
        .map_or(record.address.as_str(), |(_, label)| label);
    let label = amlform_lang::block_of(label);
    let mut lines = vec![
        format!("# {}", record.address),
        format!("{} \"{label}\" {{", record.kind),
    ];
    let mut entries: Vec<(String, String)> = vec![
        ("workspace".to_owned(), format!("{:?}", record.workspace)),
        (
            "id".to_owned(),
            record
                .arm_id
                .as_deref()
                .map_or("null".to_owned(), |id| format!("{id:?}")),
        ),
    ];
    entries.extend(
        record
            .attributes
            .iter()
            .map(|(name, value)| (name.clone(), value.to_string())),
    );
    entries.extend(
        record
            .secret_fingerprints
            .keys()
            .filter(|name| !record.attributes.contains_key(name))
            .map(|name| (name.clone(), "(sensitive value)".to_owned())),
    );
    entries.sort();
    let width = entries
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    lines.extend(
        entries
            .into_iter()
            .map(|(name, value)| format!("  {name:width$} = {value}")),
    );
    lines.push("}".to_owned());
    lines.join("\n") + "\n"
}

/// A record for `state pull`: attributes, but neither secrets nor their fingerprints.
fn pulled(record: &StateRecord) -> Value {
    json!({
        "address": record.address,
        "type": record.kind,
        "workspace": record.workspace,
        "id": record.arm_id,
        "attributes": (record.attributes.iter())
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect::<serde_json::Map<_, _>>(),
        "sensitive_attributes": record.secret_fingerprints.keys().collect::<Vec<_>>(),
        "dependencies": record.dependencies,
        "status": record.status,
    })
}
