//! The engine against the in-memory [`FakeProvider`]: the whole plan → apply → plan loop with
//! no service and no sockets, fast enough to try every order and failure.

use std::path::Path;
use std::sync::{Arc, Mutex};

use amlform_engine::{ApplyReport, WorkspaceBinding, Workspaces, workspace_target};
use amlform_lang::{LoadOptions, Module};
use amlform_plan::{Plan, PlanOptions};
use amlform_state::{ChangeSet, StateError, StateStore};

use crate::state_backends::{AnyStore, TestState, both};
use amlform_test_support::FakeProvider;

const WORKSPACE: &str = r#"
workspace "dev" {
  subscription_id = "00000000-0000-0000-0000-000000000000"
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
}
"#;

fn module(computes: &str) -> Module {
    let module = Module::load_sources(
        vec![("main.aml.hcl".to_owned(), format!("{WORKSPACE}{computes}"))],
        Path::new("."),
        &[],
        &LoadOptions::default(),
    );
    assert!(!module.diagnostics.has_errors(), "{:?}", module.diagnostics);
    module
}

struct World {
    fake: FakeProvider,
    workspaces: Workspaces,
    state: TestState,
}

fn world(module: &Module, state: TestState) -> World {
    let fake = FakeProvider::new();
    let workspaces = (module.evaluated.workspaces.iter())
        .map(|(label, workspace)| {
            let (target, location) = workspace_target(label, workspace);
            let provider = Arc::new(fake.clone());
            let binding = WorkspaceBinding {
                provider,
                target,
                location,
            };
            (label.clone(), binding)
        })
        .collect();
    World {
        fake,
        workspaces,
        state,
    }
}

impl World {
    async fn plan(&self, module: &Module, options: PlanOptions) -> Plan {
        crate::pipeline::plan(
            module,
            &self.workspaces,
            &self.state.store,
            &|_| None,
            options,
        )
        .await
    }

    async fn apply(&self, module: &Module, plan: &Plan) -> ApplyReport {
        crate::pipeline::apply(
            module,
            &self.workspaces,
            &self.state.store,
            &|_| None,
            4,
            plan,
        )
        .await
    }
}

/// A chain `a <- b <- c` beside an independent `solo`.
const CHAIN: &str = r#"
aml_compute "a" {
  name    = "pool-a"
  max_nodes = 2
  vm_size = "STANDARD_D2_V2"
}
aml_compute "b" {
  name       = "pool-b"
  max_nodes  = 2
  vm_size    = "STANDARD_D2_V2"
  depends_on = [aml_compute.a]
}
aml_compute "c" {
  name       = "pool-c"
  max_nodes  = 2
  vm_size    = "STANDARD_D2_V2"
  depends_on = [aml_compute.b]
}
aml_compute "solo" {
  name    = "solo"
  max_nodes = 2
  vm_size = "STANDARD_D2_V2"
}
"#;

fn position(writes: &[String], write: &str) -> usize {
    (writes.iter().position(|made| made == write))
        .unwrap_or_else(|| panic!("no {write}: {writes:?}"))
}

#[tokio::test]
async fn creates_in_dependency_order_then_plans_nothing_and_destroys_dependents_first() {
    for state in both("order") {
        creates_in_dependency_order_then_plans_nothing_and_destroys_dependents_first_on(state)
            .await;
    }
}

async fn creates_in_dependency_order_then_plans_nothing_and_destroys_dependents_first_on(
    state: TestState,
) {
    let module = module(CHAIN);
    let world = world(&module, state);
    let plan = world.plan(&module, PlanOptions::default()).await;
    assert_eq!(plan.summary().add, 4);
    let report = world.apply(&module, &plan).await;
    assert!(report.is_success(), "{report:?}");
    let writes = world.fake.writes();
    assert!(
        position(&writes, "PUT pool-a") < position(&writes, "PUT pool-b"),
        "{writes:?}"
    );
    assert!(
        position(&writes, "PUT pool-b") < position(&writes, "PUT pool-c"),
        "{writes:?}"
    );

    let again = world.plan(&module, PlanOptions::default()).await;
    assert!(
        !again.has_changes(),
        "{}",
        amlform_plan::render_text(&again, false)
    );

    let destroy = PlanOptions {
        destroy: true,
        ..PlanOptions::default()
    };
    let plan = world.plan(&module, destroy).await;
    assert_eq!(plan.summary().destroy, 4);
    assert!(world.apply(&module, &plan).await.is_success());
    let writes = world.fake.writes();
    assert!(
        position(&writes, "DELETE pool-c") < position(&writes, "DELETE pool-b"),
        "{writes:?}"
    );
    assert!(
        position(&writes, "DELETE pool-b") < position(&writes, "DELETE pool-a"),
        "{writes:?}"
    );
    assert!(world.fake.names(&world.workspaces["dev"].target).is_empty());
    assert!(
        world
            .state
            .store
            .lock()
            .unwrap()
            .records()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_refused_compute_skips_what_depends_on_it_and_is_not_recorded() {
    for state in both("refused") {
        a_refused_compute_skips_what_depends_on_it_and_is_not_recorded_on(state).await;
    }
}

async fn a_refused_compute_skips_what_depends_on_it_and_is_not_recorded_on(state: TestState) {
    let module = module(CHAIN);
    let world = world(&module, state);
    world.fake.refuse("pool-b");
    let plan = world.plan(&module, PlanOptions::default()).await;
    let report = world.apply(&module, &plan).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, "aml_compute.b");
    assert!(
        report.failed[0].1.contains("refused by the fake"),
        "{report:?}"
    );
    assert_eq!(report.skipped, vec!["aml_compute.c".to_owned()]);
    let mut recorded: Vec<String> = (world
        .state
        .store
        .lock()
        .unwrap()
        .records()
        .unwrap()
        .into_iter())
    .map(|record| record.address)
    .collect();
    recorded.sort();
    // Refused before anything existed: the intent is forgotten, not left pending.
    assert_eq!(recorded, ["aml_compute.a", "aml_compute.solo"]);
    assert!(
        !world
            .fake
            .writes()
            .iter()
            .any(|write| write == "PUT pool-c")
    );
}

/// A store that remembers how many change sets each write carried, and whose lock is lost
/// (as a remote state's is when its lease cannot be renewed) after `writes_left` writes.
struct WatchedStore {
    inner: AnyStore,
    writes_left: usize,
    batches: Vec<usize>,
}

impl WatchedStore {
    /// Takes the world's store out, watched.
    fn of(world: &World, writes_left: usize) -> Mutex<WatchedStore> {
        let inner = std::mem::replace(
            &mut *world.state.store.lock().unwrap(),
            Box::new(
                crate::state_backends::local("unused")
                    .store
                    .into_inner()
                    .unwrap(),
            ),
        );
        Mutex::new(WatchedStore {
            inner,
            writes_left,
            batches: Vec::new(),
        })
    }
}

impl StateStore for WatchedStore {
    fn lineage(&self) -> &str {
        self.inner.lineage()
    }
    fn serial(&self) -> u64 {
        self.inner.serial()
    }
    fn records(&self) -> Result<Vec<amlform_state::StateRecord>, StateError> {
        self.inner.records()
    }
    fn record(&self, address: &str) -> Result<Option<amlform_state::StateRecord>, StateError> {
        self.inner.record(address)
    }
    fn commit(&mut self, change: ChangeSet) -> Result<u64, StateError> {
        self.commit_all(vec![change])
    }
    fn commit_all(&mut self, changes: Vec<ChangeSet>) -> Result<u64, StateError> {
        if self.writes_left == 0 {
            return Err(StateError::LockLost {
                state: "test".to_owned(),
                reason: "it could not be renewed".to_owned(),
            });
        }
        self.writes_left -= 1;
        self.batches.push(changes.len());
        self.inner.commit_all(changes)
    }
    fn history(&self) -> Result<Vec<amlform_state::HistoryEntry>, StateError> {
        self.inner.history()
    }
    fn fingerprint(&self, secret: &[u8]) -> String {
        self.inner.fingerprint(secret)
    }
    fn export(&self) -> Result<amlform_state::StateBackup, StateError> {
        self.inner.export()
    }
}

/// Eight independent creates, `pool-0` to `pool-7`.
fn eight_independent() -> Module {
    module(
        &(0..8)
            .map(|n| {
                format!(
                    "aml_compute \"p{n}\" {{\n  name = \"pool-{n}\"\n  max_nodes = 1\n  vm_size = \"STANDARD_D2_V2\"\n}}\n"
                )
            })
            .collect::<String>(),
    )
}

/// Once the lock is lost, no further operation starts: the service sees no request it could
/// not record.
#[tokio::test]
async fn a_lost_lock_stops_new_operations() {
    let module = eight_independent();
    let world = world(&module, crate::state_backends::local("losing"));
    let plan = world.plan(&module, PlanOptions::default()).await;
    // One at a time, two writes per create (its intent, then its result): the second
    // create's result is the first write refused.
    let losing = WatchedStore::of(&world, 3);
    let report =
        crate::pipeline::apply(&module, &world.workspaces, &losing, &|_| None, 1, &plan).await;
    let puts = world.fake.writes().len();
    assert_eq!(puts, 2, "{:?}", world.fake.writes());
    assert_eq!(report.succeeded.len(), 1, "{report:?}");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].1.contains("was lost"), "{report:?}");
    assert_eq!(report.not_started.len(), 6, "{report:?}");
}

/// Operations that reach a commit together are written together: eight independent creates
/// at once take fewer writes than their sixteen change sets, and every one is recorded.
#[tokio::test]
async fn operations_finishing_together_share_one_write() {
    let module = eight_independent();
    let world = world(&module, crate::state_backends::local("grouped"));
    let plan = world.plan(&module, PlanOptions::default()).await;
    let counting = WatchedStore::of(&world, usize::MAX);
    let report =
        crate::pipeline::apply(&module, &world.workspaces, &counting, &|_| None, 8, &plan).await;
    assert!(report.is_success(), "{report:?}");
    let store = counting.into_inner().unwrap();
    assert_eq!(
        store.batches.iter().sum::<usize>(),
        16,
        "{:?}",
        store.batches
    );
    assert!(store.batches.len() < 16, "grouped: {:?}", store.batches);
    assert_eq!(store.inner.records().unwrap().len(), 8);
    assert_eq!(store.inner.serial(), 16, "each change its own serial");
}
