//! The engine's tests run on both state backends: the local store, and the remote one in
//! Azurite (the official Blob Storage emulator; skipped with a notice where it is not
//! installed, a failure under `CI=true`).

use std::sync::Mutex;
use std::time::Duration;

use amlform_remote_state::RemoteStore;
use amlform_state::{LocalStore, StateStore};
use amlform_test_support::Azurite;

pub type AnyStore = Box<dyn StateStore + Send + Sync>;

/// A state for one test, and what must live as long as it.
pub struct TestState {
    pub store: Mutex<AnyStore>,
    _keep: Keep,
}

#[allow(dead_code)] // held for their drop: the directory and the Azurite process
enum Keep {
    Dir(tempfile::TempDir),
    Azurite(Azurite),
}

pub fn local(test: &str) -> TestState {
    let dir = tempfile::Builder::new()
        .prefix(&format!("amlform-engine-{test}-"))
        .tempdir()
        .unwrap();
    let store = LocalStore::open(dir.path(), "test", Duration::ZERO).unwrap();
    TestState {
        store: Mutex::new(Box::new(store)),
        _keep: Keep::Dir(dir),
    }
}

pub fn remote(test: &str) -> Option<TestState> {
    let azurite = Azurite::start(test)?;
    let settings = azurite.state("engine", &format!("{test}.amlstate"));
    RemoteStore::initialize(settings.clone(), None).unwrap();
    let store = RemoteStore::open(settings, "test", Duration::ZERO).unwrap();
    Some(TestState {
        store: Mutex::new(Box::new(store)),
        _keep: Keep::Azurite(azurite),
    })
}

/// The local state, and the remote one where Azurite is installed.
pub fn both(test: &str) -> Vec<TestState> {
    std::iter::once(local(test)).chain(remote(test)).collect()
}
