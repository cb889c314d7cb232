//! The remote state against Azurite, the official Blob Storage emulator (no mock of the
//! storage API): commits, reopening, the lease and its holder, a lost lease, compaction.

use std::time::Duration;

use amlform_remote_state::{BlobSettings, Initialized, RemoteStore};
use amlform_schema::AttributeMap;
use amlform_state::{ChangeSet, RecordStatus, StateError, StateRecord, StateStore};
use amlform_test_support::Azurite;

fn started(test: &str, key: &str) -> Option<(Azurite, BlobSettings)> {
    let azurite = Azurite::start(test)?;
    let settings = azurite.state("amlform", key);
    Some((azurite, settings))
}

fn record(address: &str, size: &str) -> StateRecord {
    let mut attributes = AttributeMap::default();
    attributes.insert("vm_size".to_owned(), serde_json::json!(size));
    StateRecord {
        address: address.to_owned(),
        kind: "aml_compute".to_owned(),
        workspace: "main".to_owned(),
        arm_id: Some(format!("/subscriptions/s/computes/{address}")),
        attributes,
        dependencies: Vec::new(),
        secret_fingerprints: Default::default(),
        status: RecordStatus::Ready,
    }
}

fn put(store: &mut RemoteStore, records: Vec<StateRecord>) -> u64 {
    store
        .commit(ChangeSet {
            put: records,
            remove: Vec::new(),
            operation: "apply".to_owned(),
        })
        .unwrap()
}

#[test]
fn commits_survive_reopening_and_a_new_state_needs_init() {
    let Some((_azurite, settings)) = started("remote commits", "prod.amlstate") else {
        return;
    };
    let missing = RemoteStore::open(settings.clone(), "plan", Duration::ZERO).unwrap_err();
    assert!(missing.to_string().contains("amlform init"), "{missing}");

    let Initialized::Created {
        lineage, serial, ..
    } = RemoteStore::initialize(settings.clone(), None).unwrap()
    else {
        panic!("a new state is created");
    };
    assert_eq!(serial, 0);
    let mut store = RemoteStore::open(settings.clone(), "apply", Duration::ZERO).unwrap();
    assert_eq!(store.lineage(), lineage);
    put(&mut store, vec![record("aml_compute.a", "STANDARD_DS3_V2")]);
    put(&mut store, vec![record("aml_compute.b", "STANDARD_DS3_V2")]);
    store
        .commit(ChangeSet {
            put: vec![record("aml_compute.b", "STANDARD_NC6")],
            remove: vec!["aml_compute.a".to_owned()],
            operation: "apply".to_owned(),
        })
        .unwrap();
    drop(store);

    let store = RemoteStore::open(settings.clone(), "plan", Duration::ZERO).unwrap();
    assert_eq!(store.serial(), 3);
    assert_eq!(store.lineage(), lineage);
    let records = store.records().unwrap();
    assert_eq!(records, vec![record("aml_compute.b", "STANDARD_NC6")]);
    let history: Vec<u64> = store.history().unwrap().iter().map(|e| e.serial).collect();
    assert_eq!(history, [1, 2, 3]);
    drop(store);
    // A second init finds the state and changes nothing.
    assert_eq!(
        RemoteStore::initialize(settings, None).unwrap(),
        Initialized::Existing { lineage, serial: 3 }
    );
}

#[test]
fn a_held_lease_names_its_holder_and_force_unlock_frees_it() {
    let Some((_azurite, settings)) = started("remote lock", "locked.amlstate") else {
        return;
    };
    RemoteStore::initialize(settings.clone(), None).unwrap();
    let held = RemoteStore::open(settings.clone(), "apply", Duration::ZERO).unwrap();
    let id = held.lock_info().id.clone();

    let error =
        RemoteStore::open(settings.clone(), "plan", Duration::from_millis(600)).unwrap_err();
    let StateError::LockedRemote { info, .. } = &error else {
        panic!("locked, not {error}");
    };
    assert_eq!(info.id, id);
    assert_eq!(info.operation, "apply");
    assert_eq!(info.pid, std::process::id());
    let message = error.to_string();
    assert!(
        message.contains(&format!("amlform force-unlock {id}")),
        "{message}"
    );
    assert_eq!(
        RemoteStore::holder(settings.clone()).unwrap().unwrap().id,
        id
    );

    // The wrong id unlocks nothing.
    let wrong = RemoteStore::force_unlock(settings.clone(), "not-the-id").unwrap_err();
    assert!(wrong.to_string().contains(&id), "{wrong}");
    let freed = RemoteStore::force_unlock(settings.clone(), &id).unwrap();
    assert_eq!(freed.operation, "apply");

    // The one who held it finds out at its next write, and writes nothing.
    let mut taker = RemoteStore::open(settings.clone(), "apply", Duration::ZERO).unwrap();
    let mut held = held;
    let lost = held
        .commit(ChangeSet {
            put: vec![record("aml_compute.late", "STANDARD_DS3_V2")],
            remove: Vec::new(),
            operation: "apply".to_owned(),
        })
        .unwrap_err();
    assert!(matches!(lost, StateError::LockLost { .. }), "{lost}");
    put(
        &mut taker,
        vec![record("aml_compute.ok", "STANDARD_DS3_V2")],
    );
    drop(held);
    drop(taker);
    let store = RemoteStore::open(settings, "plan", Duration::ZERO).unwrap();
    let addresses: Vec<String> = store
        .records()
        .unwrap()
        .into_iter()
        .map(|r| r.address)
        .collect();
    assert_eq!(addresses, ["aml_compute.ok"]);
}

#[test]
fn a_large_journal_is_folded_into_the_snapshot_and_nothing_is_lost() {
    let Some((_azurite, settings)) = started("remote compaction", "big.amlstate") else {
        return;
    };
    RemoteStore::initialize(settings.clone(), None).unwrap();
    let mut store = RemoteStore::open(settings.clone(), "apply", Duration::ZERO).unwrap();
    // 600 commits of ~8 KiB pass the 4 MiB threshold once.
    let padding = "x".repeat(8 << 10);
    let mut folded = 0;
    for n in 0..600 {
        put(
            &mut store,
            vec![record(&format!("aml_compute.c{n}"), &padding)],
        );
        if store.last_commit().requests > 1 {
            folded += 1;
        }
    }
    assert_eq!(folded, 1, "the journal was folded in once");
    drop(store);
    let store = RemoteStore::open(settings, "plan", Duration::ZERO).unwrap();
    assert_eq!(store.serial(), 600);
    assert_eq!(store.records().unwrap().len(), 600);
    assert_eq!(store.history().unwrap().len(), 600);
}

/// `init` in an account with no such container makes it, and says so.
#[test]
fn init_makes_a_missing_container() {
    let Some(azurite) = Azurite::start("init_makes_a_missing_container") else {
        return;
    };
    let settings = amlform_remote_state::BlobSettings {
        storage_account_name: amlform_test_support::AZURITE_ACCOUNT.to_owned(),
        container_name: "not-made-yet".to_owned(),
        key: "new.amlstate".to_owned(),
        endpoint: azurite.endpoint.clone(),
        auth: amlform_remote_state::BlobAuth::AccessKey(
            amlform_test_support::AZURITE_KEY.to_owned(),
        ),
    };
    let made = RemoteStore::initialize(settings.clone(), None).unwrap();
    assert!(
        matches!(
            made,
            Initialized::Created {
                container_created: true,
                ..
            }
        ),
        "{made:?}"
    );
    let again = RemoteStore::initialize(settings, None).unwrap();
    assert!(
        matches!(again, Initialized::Existing { serial: 0, .. }),
        "{again:?}"
    );
}
