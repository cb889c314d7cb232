//! The engine against the in-memory [`FakeProvider`]: the whole plan → apply → plan loop with
//! no service and no sockets, fast enough to try every order and failure.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amlform_engine::{ApplyReport, WorkspaceBinding, Workspaces, workspace_target};
use amlform_lang::{LoadOptions, Module};
use amlform_plan::{Plan, PlanOptions};
use amlform_state::{LocalStore, StateStore};
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
    store: Mutex<LocalStore>,
    _dir: tempfile::TempDir,
}

fn world(module: &Module) -> World {
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
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path(), "test", Duration::ZERO).unwrap();
    World {
        fake,
        workspaces,
        store: Mutex::new(store),
        _dir: dir,
    }
}

impl World {
    async fn plan(&self, module: &Module, options: PlanOptions) -> Plan {
        crate::pipeline::plan(module, &self.workspaces, &self.store, &|_| None, options).await
    }

    async fn apply(&self, module: &Module, plan: &Plan) -> ApplyReport {
        crate::pipeline::apply(module, &self.workspaces, &self.store, &|_| None, 4, plan).await
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
    let module = module(CHAIN);
    let world = world(&module);
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
    assert!(world.store.lock().unwrap().records().unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_compute_skips_what_depends_on_it_and_is_not_recorded() {
    let module = module(CHAIN);
    let world = world(&module);
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
    let mut recorded: Vec<String> = (world.store.lock().unwrap().records().unwrap().into_iter())
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
