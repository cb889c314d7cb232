//! The sled-backed store: changes survive reopening, serials count, history remembers, the
//! lock keeps a second process out, fingerprints stay comparable and reveal nothing.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use amlform_state::{ChangeSet, LocalStore, RecordStatus, StateError, StateRecord, StateStore};
use serde_json::json;

fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("amlform-state-{name}-"))
        .tempdir()
        .unwrap()
}

fn record(address: &str, max_nodes: i64) -> StateRecord {
    StateRecord {
        address: address.to_owned(),
        kind: "aml_compute".to_owned(),
        workspace: "dev".to_owned(),
        arm_id: Some(format!(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/dev/computes/{address}"
        )),
        attributes: [("max_nodes".to_owned(), json!(max_nodes))]
            .into_iter()
            .collect(),
        dependencies: vec![],
        secret_fingerprints: BTreeMap::new(),
        status: RecordStatus::Ready,
    }
}

fn open(dir: &Path) -> LocalStore {
    LocalStore::open(dir, "test", Duration::ZERO).unwrap()
}

#[test]
fn changes_persist_with_serials_lineage_and_history() {
    let temp = scratch("persist");
    let dir = temp.path();
    let lineage = {
        let mut store = open(dir);
        assert_eq!(store.serial(), 0);
        assert!(store.records().unwrap().is_empty());
        let serial = store
            .commit(ChangeSet {
                put: vec![record("aml_compute.b", 2), record("aml_compute.a", 1)],
                remove: vec![],
                operation: "apply".to_owned(),
            })
            .unwrap();
        assert_eq!(serial, 1);
        store
            .commit(ChangeSet {
                put: vec![record("aml_compute.a", 5)],
                remove: vec!["aml_compute.b".to_owned()],
                operation: "apply".to_owned(),
            })
            .unwrap();
        store.lineage().to_owned()
    };
    let store = open(dir);
    assert_eq!(store.lineage(), lineage);
    assert_eq!(lineage.len(), 32);
    assert_eq!(store.serial(), 2);
    let records = store.records().unwrap();
    assert_eq!(
        records
            .iter()
            .map(|r| r.address.as_str())
            .collect::<Vec<_>>(),
        ["aml_compute.a"]
    );
    assert_eq!(records[0].attributes["max_nodes"], 5);
    assert_eq!(store.record("aml_compute.b").unwrap(), None);
    let history = store.history().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].changed, ["aml_compute.a", "aml_compute.b"]);
    assert_eq!(
        (history[1].serial, history[1].operation.as_str()),
        (2, "apply")
    );
    drop(store);
}

#[test]
fn another_lineage_for_another_state() {
    let (one, two) = (scratch("lineage-1"), scratch("lineage-2"));
    assert_ne!(open(one.path()).lineage(), open(two.path()).lineage());
}

#[test]
fn a_second_opener_gets_the_holders_details() {
    let temp = scratch("lock");
    let dir = temp.path();
    let held = LocalStore::open(dir, "apply", Duration::ZERO).unwrap();
    match LocalStore::open(dir, "plan", Duration::from_millis(100)) {
        Err(StateError::Locked { info, .. }) => {
            assert_eq!(info.operation, "apply");
            assert_eq!(info.pid, std::process::id());
        }
        other => panic!("expected a lock error, got {other:?}"),
    }
    drop(held);
    assert!(
        LocalStore::open(dir, "plan", Duration::ZERO).is_ok(),
        "released on drop"
    );
}

#[test]
fn fingerprints_survive_reopening_and_never_contain_the_secret() {
    let temp = scratch("fingerprint");
    let dir = temp.path();
    let first = open(dir).fingerprint(b"canary-password");
    let store = open(dir);
    assert_eq!(store.fingerprint(b"canary-password"), first);
    assert_ne!(store.fingerprint(b"canary-passwore"), first);
    assert!(!first.contains("canary"));
    drop(store);
    // The secret is nowhere in the state directory either.
    let mut store = open(dir);
    let mut with_secret = record("aml_compute.a", 1);
    with_secret
        .secret_fingerprints
        .insert("admin_user_password".to_owned(), first.clone());
    store
        .commit(ChangeSet {
            put: vec![with_secret],
            remove: vec![],
            operation: "apply".to_owned(),
        })
        .unwrap();
    drop(store);
    for entry in std::fs::read_dir(dir.join("db")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(6).any(|window| window == b"canary"),
                "{} holds the secret",
                path.display()
            );
        }
    }
}

#[test]
fn a_snapshot_left_unfinished_by_a_killed_process_does_not_stop_the_state_opening() {
    let temp = scratch("unfinished-snapshot");
    let dir = temp.path();
    {
        let mut store = open(dir);
        store
            .commit(ChangeSet {
                put: vec![record("aml_compute.a", 2)],
                remove: vec![],
                operation: "apply".to_owned(),
            })
            .unwrap();
    }
    // What a process killed while sled writes its first snapshot leaves.
    std::fs::write(dir.join("db/snap.000000000002249F.generating"), b"").unwrap();
    let store = open(dir);
    assert_eq!(store.records().unwrap(), vec![record("aml_compute.a", 2)]);
    drop(store);
}

/// A group commit: each change keeps its serial and history entry, a later change to the
/// same address wins, and the state reopens as consistent (its header matches).
#[test]
fn a_group_commit_writes_each_change_with_its_own_serial() {
    let temp = scratch("group");
    let dir = temp.path();
    {
        let mut store = open(dir);
        let change = |put: Vec<StateRecord>, remove: &[&str]| ChangeSet {
            put,
            remove: remove.iter().map(|a| a.to_string()).collect(),
            operation: "apply".to_owned(),
        };
        let serial = store
            .commit_all(vec![
                change(
                    vec![record("aml_compute.a", 1), record("aml_compute.b", 1)],
                    &[],
                ),
                change(vec![record("aml_compute.a", 2)], &[]),
                change(vec![], &["aml_compute.b"]),
            ])
            .unwrap();
        assert_eq!(serial, 3);
        assert_eq!(store.commit_all(Vec::new()).unwrap(), 3, "nothing to write");
    }
    let store = open(dir);
    assert_eq!(store.serial(), 3);
    assert_eq!(store.records().unwrap(), vec![record("aml_compute.a", 2)]);
    let history: Vec<(u64, Vec<String>)> = (store.history().unwrap().into_iter())
        .map(|entry| (entry.serial, entry.changed))
        .collect();
    assert_eq!(
        history,
        [
            (
                1,
                vec!["aml_compute.a".to_owned(), "aml_compute.b".to_owned()]
            ),
            (2, vec!["aml_compute.a".to_owned()]),
            (3, vec!["aml_compute.b".to_owned()]),
        ]
    );
}
