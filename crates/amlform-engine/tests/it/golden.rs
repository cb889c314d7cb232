//! Golden plans, made as the CLI makes them: the engine's apply, refresh and plan against the
//! emulator over HTTP. Each `testdata/plan/<scenario>/` holds the configuration to plan and:
//! - `applied/` (optional): the configuration as it was last applied, planned and applied by
//!   the engine into the emulator and a state of its own;
//! - `scenario.json` (optional):
//!   - `remote`: `[{"workspace", "name", "body"}]`, computes amlform does not manage;
//!   - `drift`: `[{"workspace", "name", "action": "scale" | "delete" | "break" | "stop" | "tag" |
//!     "set" (`pointer` under `properties.properties`, `value`) | "instance_state" (`state`),
//!     ...}]`,
//!     changes made behind amlform's back after the apply;
//!   - `options`: `{"refresh_only", "destroy", "replace": [...], "targets": [...], "exclude": [...]}`.
//!
//! Every scenario is snapshotted as Markdown, text and JSON (insta's `glob!`, so every
//! mismatch is reported, not only the first), and none may contain a secret.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amlform_azure::AzureProvider;
use amlform_emulator::Emulator;
use amlform_engine::{WorkspaceBinding, Workspaces};
use amlform_lang::{LoadOptions, Module};
use amlform_plan::PlanOptions;
use amlform_state::LocalStore;
use serde_json::{Value, json};

/// The emulator on a loopback port, its provider, and a binding for every workspace of `module`.
async fn serve(emulator: &Emulator, module: &Module) -> (AzureProvider, Workspaces) {
    let provider = amlform_test_support::emulator_provider(emulator).await;
    let shared: Arc<dyn amlform_azure::Provider> = Arc::new(provider.clone());
    let workspaces = (module.evaluated.workspaces.iter())
        .map(|(label, workspace)| {
            let (target, location) = amlform_engine::workspace_target(label, workspace);
            (emulator.ensure_workspace(
                &target.subscription_id,
                &target.resource_group,
                &target.name,
                &location,
            ))
            .unwrap();
            let binding = WorkspaceBinding {
                provider: shared.clone(),
                target,
                location,
            };
            (label.clone(), binding)
        })
        .collect();
    (provider, workspaces)
}

fn load(dir: &Path) -> Module {
    let module = Module::load_dir(dir, &LoadOptions::default()).unwrap();
    assert!(
        !module.diagnostics.has_errors(),
        "{}: {}",
        dir.display(),
        module
            .diagnostics
            .render(&module.sources, amlform_lang::RenderStyle::PLAIN)
    );
    module
}

/// A file attribute's contents, read beside the configuration in `dir`.
fn beside(dir: &Path) -> impl Fn(&str) -> Option<String> + Sync + '_ {
    move |path| std::fs::read_to_string(dir.join(path)).ok()
}

/// Applies `dir/applied` with the engine, as `amlform apply` would have.
async fn apply_previous(emulator: &Emulator, dir: &Path, store: &Mutex<LocalStore>) {
    let applied_dir = dir.join("applied");
    if !applied_dir.is_dir() {
        return;
    }
    let applied = load(&applied_dir);
    let (_, workspaces) = serve(emulator, &applied).await;
    let read_file = beside(&applied_dir);
    let options = PlanOptions::default();
    let plan = crate::pipeline::plan(&applied, &workspaces, store, &read_file, options).await;
    assert!(
        plan.errors.is_empty(),
        "{}: {:?}",
        dir.display(),
        plan.errors
    );
    // One at a time: the emulator names what it creates for a compute (an AKS cluster's id)
    // from a sequence, so the order must not vary between runs.
    let report = crate::pipeline::apply(&applied, &workspaces, store, &read_file, 1, &plan).await;
    assert!(report.is_success(), "{}: {report:?}", dir.display());
}

fn drift(emulator: &Emulator, item: &Value, id: &str) {
    let changed = match item["action"].as_str().unwrap() {
        "scale" => emulator.drift_scale(
            id,
            item["min"].as_u64().unwrap(),
            item["max"].as_u64().unwrap(),
        ),
        "delete" => emulator.drift_delete(id),
        "break" => emulator.drift_break_attachment(id),
        "stop" => emulator.drift_instance_state(id, "Stopped"),
        "instance_state" => emulator.drift_instance_state(id, item["state"].as_str().unwrap()),
        "set" => emulator.drift_set_property(
            id,
            item["pointer"].as_str().unwrap(),
            item["value"].clone(),
        ),
        "tag" => emulator.drift_tag(id, item["key"].as_str().unwrap(), item["value"].as_str()),
        other => panic!("unknown drift action {other}"),
    };
    assert!(changed.unwrap(), "drift {item} found no compute");
}

/// The scenario's plan as Markdown, text and JSON.
async fn run_scenario(dir: &Path) -> (String, String, Value) {
    let module = load(dir);
    let scenario: Value = std::fs::read_to_string(dir.join("scenario.json"))
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap_or_else(|_| json!({}));
    let emulator = Emulator::builder().without_rate_limits().build().unwrap();
    let (provider, workspaces) = serve(&emulator, &module).await;
    let target = |item: &Value| &workspaces[item["workspace"].as_str().unwrap()].target;
    let compute_id = |item: &Value| {
        let name = item["name"].as_str().unwrap();
        format!("{}/computes/{name}", target(item).path())
    };
    for item in scenario["remote"].as_array().into_iter().flatten() {
        let name = item["name"].as_str().unwrap();
        (provider.put_body(target(item), name, &item["body"]).await)
            .unwrap_or_else(|error| panic!("seeding {item}: {error}"));
    }
    let state_dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(LocalStore::open(state_dir.path(), "golden", Duration::ZERO).unwrap());
    apply_previous(&emulator, dir, &store).await;
    for item in scenario["drift"].as_array().into_iter().flatten() {
        drift(&emulator, item, &compute_id(item));
    }
    let strings = |name: &str| -> Vec<String> {
        (scenario["options"][name].as_array().into_iter().flatten())
            .map(|item| item.as_str().unwrap().to_owned())
            .collect()
    };
    let options = PlanOptions {
        refresh_only: (scenario["options"]["refresh_only"].as_bool()).unwrap_or(false),
        replace: strings("replace"),
        targets: strings("targets"),
        exclude: strings("exclude"),
        destroy: scenario["options"]["destroy"].as_bool().unwrap_or(false),
    };
    let plan = crate::pipeline::plan(&module, &workspaces, &store, &beside(dir), options).await;
    let mut json = amlform_plan::render_json(&plan);
    json["amlform_version"] = json!("(version)");
    json["terraform_version"] = json!("(version)");
    (
        amlform_plan::render_markdown(&plan),
        amlform_plan::render_text(&plan, false),
        json,
    )
}

#[test]
fn golden_plans() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    insta::glob!("../../../../testdata/plan", "*/main.aml.hcl", |path| {
        let dir = path.parent().unwrap();
        let (markdown, text, json) = runtime.block_on(run_scenario(dir));
        for canary in ["canary", "hunter2"] {
            assert!(
                !text.contains(canary)
                    && !json.to_string().contains(canary)
                    && !markdown.contains(canary),
                "{}: a secret reached the plan",
                dir.display()
            );
        }
        insta::assert_snapshot!("md", markdown);
        insta::assert_snapshot!("txt", text);
        insta::assert_snapshot!("json", serde_json::to_string_pretty(&json).unwrap());
    });
}
