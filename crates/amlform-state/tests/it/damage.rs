//! A damaged state is refused, never read as empty or as an older state: each way a user or a
//! disk has damaged a real state directory, then the backup brought back with `restore`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use amlform_state::{
    ChangeSet, HEADER_FILE, LocalStore, RecordStatus, StateError, StateRecord, StateStore,
};
use serde_json::json;

fn record(address: &str, status: RecordStatus) -> StateRecord {
    StateRecord {
        address: address.to_owned(),
        kind: "aml_compute".to_owned(),
        workspace: "dev".to_owned(),
        arm_id: Some(format!("/subscriptions/s/.../computes/{address}")),
        attributes: [("max_nodes".to_owned(), json!(2))].into_iter().collect(),
        dependencies: vec![],
        secret_fingerprints: BTreeMap::new(),
        status,
    }
}

fn open(dir: &Path) -> Result<LocalStore, StateError> {
    LocalStore::open(dir, "test", Duration::ZERO)
}

fn commit(store: &mut LocalStore, put: Vec<StateRecord>) {
    store
        .commit(ChangeSet {
            put,
            remove: vec![],
            operation: "apply".to_owned(),
        })
        .unwrap();
}

/// What an apply of 20 computes leaves: an intent and a result per compute, serial 40.
fn applied_state(dir: &Path) {
    let mut store = open(dir).unwrap();
    for index in 0..20 {
        let address = format!("aml_compute.c[{index}]");
        let pending = RecordStatus::Pending {
            operation: "create".to_owned(),
        };
        commit(&mut store, vec![record(&address, pending)]);
        commit(&mut store, vec![record(&address, RecordStatus::Ready)]);
    }
    assert_eq!(store.serial(), 40);
}

/// The last byte of the record store that is not zero (sled's file is sparse past its data).
fn data_length(db: &Path) -> usize {
    let bytes = std::fs::read(db).unwrap();
    bytes
        .iter()
        .rposition(|byte| *byte != 0)
        .map_or(0, |at| at + 1)
}

fn assert_refused(dir: &Path, how: &str) {
    match open(dir) {
        Err(StateError::DamagedState { .. }) => {}
        Err(other) => panic!("{how}: expected DamagedState, got {other}"),
        Ok(store) => panic!(
            "{how}: the damaged state opened with serial {} and {} record(s)",
            store.serial(),
            store.records().map_or(0, |records| records.len())
        ),
    }
}

#[test]
fn every_kind_of_damage_is_refused_and_changes_nothing() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 6] = [
        ("emptied", |db| std::fs::write(db, b"").unwrap()),
        ("deleted", |db| std::fs::remove_file(db).unwrap()),
        ("first 16 bytes garbled", |db| garble(db, 0, 16)),
        ("truncated to half", |db| {
            let half = data_length(db) / 2;
            let file = std::fs::OpenOptions::new().write(true).open(db).unwrap();
            file.set_len(half as u64).unwrap();
        }),
        ("64 bytes garbled in the middle", |db| {
            garble(db, data_length(db) / 2, 64)
        }),
        (
            "the whole directory but the header and backup deleted",
            |db| std::fs::remove_dir_all(db.parent().unwrap()).unwrap(),
        ),
    ];
    for (how, damage) in damages {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        applied_state(dir);
        open(dir).unwrap().write_backup().unwrap();
        let header = std::fs::read(dir.join(HEADER_FILE)).unwrap();
        let expected = open(dir).unwrap().records().unwrap();
        damage(&dir.join("db/db"));
        if how.contains("garbled") {
            // sled may not need the garbled bytes: then every record must read as it was.
            if let Ok(store) = open(dir) {
                assert_eq!(store.serial(), 40, "{how}");
                assert_eq!(store.records().unwrap(), expected, "{how}");
                continue;
            }
        }
        assert_refused(dir, how);
        // Refused twice: the first refusal did not "repair" it into a new, empty state.
        assert_refused(dir, how);
        assert_eq!(
            std::fs::read(dir.join(HEADER_FILE)).unwrap(),
            header,
            "{how}: header rewritten"
        );
        let message = open(dir).unwrap_err().to_string();
        assert!(message.contains("serial 40, 20 record(s)"), "{message}");
        assert!(message.contains("amlform state restore"), "{message}");
        assert!(!message.contains("backtrace"), "{message}");
    }
}

/// Damage to 64 bytes anywhere in the data either leaves every record readable exactly as it
/// was, or is refused: never a state with fewer records or an older serial.
#[test]
fn garbled_bytes_anywhere_never_read_as_another_state() {
    let temp = tempfile::tempdir().unwrap();
    let pristine = temp.path().join("pristine");
    applied_state(&pristine);
    let expected = open(&pristine).unwrap().records().unwrap();
    let length = data_length(&pristine.join("db/db"));
    for offset in (0..length).step_by(length / 24 + 1) {
        let dir = temp.path().join(format!("at-{offset}"));
        copy_dir(&pristine, &dir);
        garble(&dir.join("db/db"), offset, 64);
        if let Ok(store) = open(&dir) {
            assert_eq!(store.serial(), 40, "garbled at {offset}");
            assert_eq!(store.records().unwrap(), expected, "garbled at {offset}");
        }
    }
}

#[test]
fn a_damaged_header_is_refused_and_a_missing_one_is_rebuilt() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    applied_state(dir);
    let header = dir.join(HEADER_FILE);
    std::fs::write(&header, b"{\"format\": 1, \"lin").unwrap();
    assert_refused(dir, "garbled header");
    // A state an earlier build wrote has no header: it is given one from its records.
    std::fs::remove_file(&header).unwrap();
    assert_eq!(open(dir).unwrap().serial(), 40);
    assert!(header.exists());
    // Rolling the records back now shows.
    let text = std::fs::read_to_string(&header).unwrap();
    std::fs::write(&header, text.replace("\"serial\": 40", "\"serial\": 41")).unwrap();
    assert_refused(dir, "header ahead of the records");
}

#[test]
fn a_commit_stopped_before_its_header_was_written_is_not_damage() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    applied_state(dir);
    let before = std::fs::read(dir.join(HEADER_FILE)).unwrap();
    let mut store = open(dir).unwrap();
    commit(
        &mut store,
        vec![record("aml_compute.extra", RecordStatus::Ready)],
    );
    drop(store);
    // The records were flushed, the header never said so (a kill, or a power cut).
    std::fs::write(dir.join(HEADER_FILE), before).unwrap();
    let store = open(dir).unwrap();
    assert_eq!((store.serial(), store.records().unwrap().len()), (41, 21));
    drop(store);
    let header = std::fs::read_to_string(dir.join(HEADER_FILE)).unwrap();
    assert!(header.contains("\"serial\": 41"), "rewritten: {header}");
}

#[test]
fn restore_brings_back_the_backup_and_keeps_the_damaged_files() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    applied_state(dir);
    let (lineage, fingerprint) = {
        let store = open(dir).unwrap();
        store.write_backup().unwrap();
        (store.lineage().to_owned(), store.fingerprint(b"secret"))
    };
    // A healthy state is not replaced without force.
    assert!(matches!(
        LocalStore::restore(dir, Duration::ZERO, false),
        Err(StateError::Refused(_))
    ));
    std::fs::write(dir.join("db/db"), b"").unwrap();
    let (store, backup) = LocalStore::restore(dir, Duration::ZERO, false).unwrap();
    assert_eq!(backup.serial, 40);
    assert_eq!(store.lineage(), lineage, "never a new lineage");
    assert_eq!(store.serial(), 41, "above every serial seen");
    assert_eq!(store.records().unwrap().len(), 20);
    assert_eq!(store.fingerprint(b"secret"), fingerprint);
    assert_eq!(store.history().unwrap().len(), 41);
    drop(store);
    let store = open(dir).unwrap();
    assert_eq!(store.serial(), 41);
    let kept: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".damaged-"))
        .collect();
    assert_eq!(kept.len(), 2, "{kept:?}");
}

#[test]
fn a_damaged_backup_is_not_restored() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    applied_state(dir);
    open(dir).unwrap().write_backup().unwrap();
    let backup = dir.join(amlform_state::BACKUP_FILE);
    let mut bytes = std::fs::read(&backup).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&backup, bytes).unwrap();
    std::fs::remove_file(dir.join("db/db")).unwrap();
    let message = LocalStore::restore(dir, Duration::ZERO, true)
        .unwrap_err()
        .to_string();
    assert!(message.contains("checksum"), "{message}");
    assert_refused(dir, "after a refused restore");
}

fn garble(path: &Path, offset: usize, length: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    for (index, byte) in bytes.iter_mut().skip(offset).take(length).enumerate() {
        *byte ^= 0x5a ^ (index as u8);
    }
    std::fs::write(path, bytes).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else if entry.file_name() != "state.lock" {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
