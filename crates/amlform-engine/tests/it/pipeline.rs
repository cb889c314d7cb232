//! The engine's plan and apply as the CLI runs them, shared by the tests: refresh then plan
//! against the state, and an apply recording in that state (behind the mutex apply takes).

use std::sync::Mutex;

use amlform_engine::{ApplyContext, ApplyReport, PlanRequest, Workspaces};
use amlform_lang::Module;
use amlform_plan::{Plan, PlanOptions};
use amlform_state::StateStore;

/// Reads a file attribute's contents (`|_| None` when the configuration names none).
pub type ReadFile<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// The engine's refresh and plan of `module` against the state.
pub async fn plan<S: StateStore + Send + Sync>(
    module: &Module,
    workspaces: &Workspaces,
    store: &Mutex<S>,
    read_file: ReadFile<'_>,
    options: PlanOptions,
) -> Plan {
    let refreshed = (amlform_engine::refresh(&module.evaluated, workspaces).await).unwrap();
    let store = store.lock().unwrap();
    amlform_engine::plan(PlanRequest {
        module,
        records: &store.records().unwrap(),
        refreshed: &refreshed,
        fingerprint: &|bytes| store.fingerprint(bytes),
        read_file,
        options,
    })
}

/// The engine's apply of `plan`, at most `parallelism` operations at once.
pub async fn apply<S: StateStore + Send + Sync>(
    module: &Module,
    workspaces: &Workspaces,
    store: &Mutex<S>,
    read_file: ReadFile<'_>,
    parallelism: usize,
    plan: &Plan,
) -> ApplyReport {
    let context = ApplyContext {
        config: &module.evaluated,
        workspaces,
        parallelism,
        read_file,
        on_event: &|_| {},
        resolve: &|_, _| None,
        interrupt: amlform_engine::no_interrupt(),
    };
    (amlform_engine::apply(plan, &context, store).await).unwrap()
}
