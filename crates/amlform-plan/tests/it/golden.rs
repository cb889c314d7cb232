//! Golden plans. Each `testdata/plan/<scenario>/` holds the configuration to plan and:
//! - `applied/` (optional): the configuration as it was last applied. Its computes are created
//!   in the emulator from their request bodies and recorded in the state, as an apply would.
//! - `scenario.json` (optional):
//!   - `remote`: `[{"workspace", "name", "body"}]`, computes amlform does not manage;
//!   - `drift`: `[{"workspace", "name", "action": "scale" | "delete" | "break" | "stop" | "tag" |
//!     "set" (`pointer` under `properties.properties`, `value`) | "instance_state" (`state`),
//!     ...}]`,
//!     changes made behind amlform's back after the apply;
//!   - `options`: `{"refresh_only", "destroy", "replace": [...], "targets": [...], "exclude": [...]}`.
//!
//! The plan is snapshotted as text and as JSON, and neither may contain a secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use amlform_azure::{BodyContext, RemoteCompute, compute_body};
use amlform_emulator::Emulator;
use amlform_lang::{ComputeInstance, LoadOptions, Module};
use amlform_plan::{PlanInput, PlanOptions};
use amlform_schema::Attribute;
use amlform_state::{RecordStatus, StateRecord};
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A stand-in for the state's keyed fingerprint: deterministic, and never the secret itself.
fn test_fingerprint(secret: &[u8]) -> String {
    let sum = secret.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3)
    });
    format!("test:{sum:016x}")
}

fn workspace_path(module: &Module, label: &str) -> String {
    let workspace = &module.evaluated.workspaces[label];
    format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
        workspace.attribute("subscription_id").unwrap(),
        workspace.attribute("resource_group").unwrap(),
        workspace.attribute("name").unwrap_or(label)
    )
}

async fn put(emulator: &Emulator, path: &str, body: &Value) {
    let request = Request::put(format!("{path}?api-version=2024-10-01"))
        .header("authorization", "Bearer golden")
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(body).unwrap()))
        .unwrap();
    let response = emulator.router().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(
        status.is_success(),
        "seeding {path}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
}

/// The emulator's computes by workspace label, as a refresh would read them.
fn refreshed(emulator: &Emulator, module: &Module) -> BTreeMap<String, Vec<RemoteCompute>> {
    let mut remote: BTreeMap<String, Vec<RemoteCompute>> = module
        .evaluated
        .workspaces
        .keys()
        .map(|label| (label.clone(), Vec::new()))
        .collect();
    for resource in emulator.computes() {
        let id = resource["id"].as_str().unwrap().to_ascii_lowercase();
        let label = module
            .evaluated
            .workspaces
            .keys()
            .find(|label| {
                id.starts_with(&format!(
                    "{}/computes/",
                    workspace_path(module, label).to_ascii_lowercase()
                ))
            })
            .cloned()
            .unwrap_or_default();
        remote
            .entry(label)
            .or_default()
            .push(amlform_azure::remote_compute(&resource));
    }
    remote
}

/// Creates the computes of `dir/applied` in the emulator and returns the state an apply of
/// it would have written.
async fn apply_previous(emulator: &Emulator, dir: &Path) -> Vec<StateRecord> {
    let applied_dir = dir.join("applied");
    if !applied_dir.is_dir() {
        return Vec::new();
    }
    let applied = Module::load_dir(&applied_dir, &LoadOptions::default()).unwrap();
    assert!(
        !applied.diagnostics.has_errors(),
        "{}: applied/ has errors",
        dir.display()
    );
    let read_file = |path: &str| std::fs::read_to_string(applied_dir.join(path)).ok();
    for instance in applied.evaluated.computes.values() {
        let workspace = &applied.evaluated.workspaces[&instance.workspace];
        let values = config_values(instance);
        let context = BodyContext {
            subscription_id: workspace.attribute("subscription_id").unwrap(),
            resource_group: workspace.attribute("resource_group").unwrap(),
            location: workspace.attribute("location").unwrap_or("eastus"),
        };
        let body = compute_body(instance.kind, &values, &context, &read_file);
        let name = instance.str("name").unwrap();
        put(
            emulator,
            &format!(
                "{}/computes/{name}",
                workspace_path(&applied, &instance.workspace)
            ),
            &body,
        )
        .await;
    }
    let remote = refreshed(emulator, &applied);
    applied
        .evaluated
        .computes
        .values()
        .map(|instance| {
            let name = instance.str("name").unwrap();
            let found = remote[&instance.workspace]
                .iter()
                .find(|compute| compute.name == name)
                .unwrap();
            let mut attributes = found.owned_attributes();
            let mut secret_fingerprints = BTreeMap::new();
            for attribute in instance.kind.attributes {
                let Some(value) = instance.str(attribute.name) else {
                    continue;
                };
                if attribute.is_file_path {
                    attributes.insert(attribute.name.to_owned(), json!(value));
                    if let Some(contents) = read_file(value) {
                        secret_fingerprints.insert(
                            attribute.name.to_owned(),
                            test_fingerprint(contents.as_bytes()),
                        );
                    }
                } else if attribute.sensitive {
                    secret_fingerprints.insert(
                        attribute.name.to_owned(),
                        test_fingerprint(value.as_bytes()),
                    );
                }
            }
            StateRecord {
                address: instance.address.clone(),
                kind: instance.kind.block_name.to_owned(),
                workspace: instance.workspace.clone(),
                arm_id: Some(found.arm_id.clone()),
                attributes,
                dependencies: instance.depends_on.clone(),
                secret_fingerprints,
                status: RecordStatus::Ready,
            }
        })
        .collect()
}

/// The configuration's values as JSON, unknowns and nulls left out.
fn config_values(instance: &ComputeInstance) -> BTreeMap<String, Value> {
    instance
        .attributes
        .iter()
        .filter(|(_, attribute)| {
            !matches!(
                attribute.value,
                amlform_lang::Value::Null | amlform_lang::Value::Unknown
            )
        })
        .map(|(name, attribute)| ((*name).to_owned(), amlform_plan::to_json(&attribute.value)))
        .collect()
}

async fn run_scenario(dir: &Path) -> (String, Value, String) {
    let module = Module::load_dir(dir, &LoadOptions::default()).unwrap();
    assert!(
        !module.diagnostics.has_errors(),
        "{}: {}",
        dir.display(),
        module
            .diagnostics
            .render(&module.sources, amlform_lang::RenderStyle::PLAIN)
    );
    let scenario: Value = std::fs::read_to_string(dir.join("scenario.json"))
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap_or_else(|_| json!({}));
    let emulator = Emulator::builder().without_rate_limits().build().unwrap();
    let compute_id = |item: &Value| {
        format!(
            "{}/computes/{}",
            workspace_path(&module, item["workspace"].as_str().unwrap()),
            item["name"].as_str().unwrap()
        )
    };

    for item in scenario["remote"].as_array().into_iter().flatten() {
        put(&emulator, &compute_id(item), &item["body"]).await;
    }
    let state = apply_previous(&emulator, dir).await;
    for item in scenario["drift"].as_array().into_iter().flatten() {
        let id = compute_id(item);
        let changed = match item["action"].as_str().unwrap() {
            "scale" => emulator.drift_scale(
                &id,
                item["min"].as_u64().unwrap(),
                item["max"].as_u64().unwrap(),
            ),
            "delete" => emulator.drift_delete(&id),
            "break" => emulator.drift_break_attachment(&id),
            "stop" => emulator.drift_instance_state(&id, "Stopped"),
            "instance_state" => emulator.drift_instance_state(&id, item["state"].as_str().unwrap()),
            "set" => emulator.drift_set_property(
                &id,
                item["pointer"].as_str().unwrap(),
                item["value"].clone(),
            ),
            "tag" => emulator.drift_tag(&id, item["key"].as_str().unwrap(), item["value"].as_str()),
            other => panic!("unknown drift action {other}"),
        };
        assert!(changed.unwrap(), "drift {item} found no compute");
    }
    let remote = refreshed(&emulator, &module);

    let strings = |name: &str| -> Vec<String> {
        scenario["options"][name]
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| item.as_str().unwrap().to_owned())
            .collect()
    };
    let fingerprint = |instance: &ComputeInstance, attribute: &Attribute| -> Option<String> {
        let value = instance.str(attribute.name)?;
        if attribute.is_file_path {
            std::fs::read(dir.join(value))
                .ok()
                .map(|contents| test_fingerprint(&contents))
        } else {
            Some(test_fingerprint(value.as_bytes()))
        }
    };
    let locate = |instance: &ComputeInstance| {
        let (line, column) = module
            .sources
            .line_column(instance.label_span.file, instance.label_span.range.start);
        Some(format!(
            "{}:{line}:{column}",
            module.sources.get(instance.label_span.file).name
        ))
    };
    let plan = amlform_plan::plan(&PlanInput {
        config: &module.evaluated,
        state: &state,
        remote: &remote,
        fingerprint: &fingerprint,
        locate: &locate,
        options: PlanOptions {
            refresh_only: scenario["options"]["refresh_only"]
                .as_bool()
                .unwrap_or(false),
            replace: strings("replace"),
            targets: strings("targets"),
            exclude: strings("exclude"),
            destroy: scenario["options"]["destroy"].as_bool().unwrap_or(false),
        },
    });
    let mut json = amlform_plan::render_json(&plan);
    json["amlform_version"] = json!("(version)");
    (
        amlform_plan::render_text(&plan, false),
        json,
        amlform_plan::render_markdown(&plan),
    )
}

fn scenarios() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/plan");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[tokio::test]
async fn golden_plans() {
    let dirs = scenarios();
    assert!(dirs.len() >= 10, "only {} scenarios", dirs.len());
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (text, json, markdown) = run_scenario(&dir).await;
        for canary in ["canary", "hunter2"] {
            assert!(
                !text.contains(canary)
                    && !json.to_string().contains(canary)
                    && !markdown.contains(canary),
                "{name}: a secret reached the plan"
            );
        }
        insta::assert_snapshot!(format!("{name}.md"), markdown);
        insta::assert_snapshot!(format!("{name}.txt"), text);
        insta::assert_snapshot!(
            format!("{name}.json"),
            serde_json::to_string_pretty(&json).unwrap()
        );
    }
}
