//! `amlform state list | show | pull | push | rm | mv | history | restore`: what the state
//! remembers.

use crate::exit_status::ExitStatus;
use crate::settings::Settings;
use std::path::Path;

use amlform_schema::is_under;
use amlform_state::{
    ChangeSet, LocalStore, RecordStatus, STATE_DIR, StateError, StateRecord, StateStore,
};
use serde_json::{Value, json};

use crate::cli::{StateArgs, StateCommand};

pub fn run(command: &StateCommand, settings: &Settings) -> anyhow::Result<ExitStatus> {
    let (operation, args) = match command {
        StateCommand::List { state, .. } => ("state list", state),
        StateCommand::Show { state, .. } => ("state show", state),
        StateCommand::Pull(args) => ("state pull", args),
        StateCommand::Push { state, .. } => ("state push", state),
        StateCommand::Rm { state, .. } => ("state rm", state),
        StateCommand::History(args) => ("state history", args),
        StateCommand::Mv { state, .. } => ("state mv", state),
        StateCommand::Restore { force, state } => return restore(*force, state),
    };
    let StateArgs { lock_timeout } = args;
    let mut store = crate::plan_command::open_state(operation, *lock_timeout, settings)?;
    match command {
        StateCommand::List { addresses, id, .. } => {
            for record in store.records()? {
                let listed = (addresses.is_empty()
                    || addresses
                        .iter()
                        .any(|filter| is_under(&record.address, filter)))
                    && id.as_ref().is_none_or(|id| {
                        record
                            .arm_id
                            .as_ref()
                            .is_some_and(|arm_id| arm_id.eq_ignore_ascii_case(id))
                    });
                if listed {
                    println!("{}", record.address);
                }
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
        StateCommand::Push { file, force, .. } => push(&mut store, file, *force)?,
        StateCommand::Rm { addresses, .. } => {
            let records = store.records()?;
            let mut removed = std::collections::BTreeSet::new();
            for filter in addresses {
                let under: Vec<String> = (records.iter())
                    .filter(|record| is_under(&record.address, filter))
                    .map(|record| record.address.clone())
                    .collect();
                removed.extend(under.iter().cloned());
                if under.is_empty() {
                    return Err(StateError::NotFound {
                        address: filter.clone(),
                    }
                    .into());
                }
            }
            let removed: Vec<String> = removed.into_iter().collect();
            store.commit(ChangeSet {
                put: Vec::new(),
                remove: removed.clone(),
                operation: "state rm".to_owned(),
            })?;
            for address in &removed {
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
            let (from_kind, to_kind) = (
                amlform_schema::resource_parts(from).0,
                amlform_schema::resource_parts(to).0,
            );
            if from_kind != to_kind {
                anyhow::bail!(
                    "{from} cannot become {to}: a resource keeps its kind\nhint: the address must start with `{}.`",
                    from_kind
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

/// `amlform state push FILE`: the records of a `state pull` file replace the state's, in one
/// commit. Another lineage or an older serial is refused without `force`. A pull leaves the
/// secrets' fingerprints out, so a pushed record keeps the ones its address has now.
fn push(store: &mut impl StateStore, file: &Path, force: bool) -> anyhow::Result<()> {
    let text = if file == Path::new("-") {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(file)
            .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", file.display()))?
    };
    let pushed: Value = serde_json::from_str(&text).map_err(|error| {
        anyhow::anyhow!(
            "{} is not a state written by `amlform state pull`: {error}",
            file.display()
        )
    })?;
    let lineage = pushed["lineage"].as_str().unwrap_or_default();
    let serial = pushed["serial"].as_u64().unwrap_or_default();
    if lineage != store.lineage() && !force {
        anyhow::bail!(
            "{} belongs to lineage {lineage}, the state to {}: pushing it would replace another state's records
hint: pass -force if that is what you want",
            file.display(),
            store.lineage()
        );
    }
    if serial < store.serial() && !force {
        anyhow::bail!(
            "{} is serial {serial}, older than the state's {}: pushing it would undo what was recorded since
hint: `amlform state pull` a fresh copy, or pass -force",
            file.display(),
            store.serial()
        );
    }
    let resources = pushed["resources"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("{} has no `resources` list", file.display()))?;
    let mut put = Vec::with_capacity(resources.len());
    for resource in resources {
        put.push(pushed_record(store, resource).map_err(|why| {
            anyhow::anyhow!("{}: a resource cannot be read: {why}", file.display())
        })?);
    }
    let kept: std::collections::BTreeSet<&str> =
        put.iter().map(|record| record.address.as_str()).collect();
    let remove: Vec<String> = (store.records()?.into_iter())
        .map(|record| record.address)
        .filter(|address| !kept.contains(address.as_str()))
        .collect();
    let (count, removed) = (put.len(), remove.len());
    let serial = store.commit(ChangeSet {
        put,
        remove,
        operation: "state push".to_owned(),
    })?;
    println!(
        "Pushed {} to the state: {count} record(s), {removed} removed; now serial {serial}.",
        file.display()
    );
    Ok(())
}

/// A `state pull` resource as a record, with the fingerprints the state has for its address.
fn pushed_record(store: &impl StateStore, resource: &Value) -> Result<StateRecord, String> {
    let text = |name: &str| {
        resource[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("`{name}` is missing"))
    };
    let address = text("address")?;
    let status: RecordStatus = serde_json::from_value(resource["status"].clone())
        .map_err(|error| format!("{address}: `status`: {error}"))?;
    let dependencies = serde_json::from_value(resource["dependencies"].clone())
        .map_err(|error| format!("{address}: `dependencies`: {error}"))?;
    let attributes = resource["attributes"]
        .as_object()
        .ok_or_else(|| format!("{address}: `attributes` is not an object"))?
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let current = store.record(&address).map_err(|error| error.to_string())?;
    Ok(StateRecord {
        kind: text("type")?,
        workspace: text("workspace")?,
        arm_id: resource["id"].as_str().map(str::to_owned),
        attributes,
        dependencies,
        secret_fingerprints: current
            .map(|record| record.secret_fingerprints)
            .unwrap_or_default(),
        status,
        address,
    })
}

/// `amlform state restore`: the state is damaged, so it is not opened; the backup replaces it.
fn restore(force: bool, args: &StateArgs) -> anyhow::Result<ExitStatus> {
    if crate::plan_command::current_backend()? != crate::state_backend::Backend::Local {
        anyhow::bail!(
            "`state restore` brings back the local backend's backup; a remote state's past is in its storage account (blob versioning or soft delete)"
        );
    }
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
pub fn show(record: &StateRecord) -> String {
    // The block's label alone: `aml_compute.pool["big"]` is block `pool`, instance `["big"]`.
    let (_, label, _) = amlform_schema::resource_parts(&record.address);
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
