//! Apply end to end against the emulator: plan → apply → the next plan is empty; in-place
//! updates; destroy leaves nothing (and keeps attached resources); failures skip dependents.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use amlform_azure::WorkspaceTarget;
use amlform_emulator::{Emulator, Faults};
use amlform_engine::{ApplyReport, WorkspaceBinding, Workspaces};
use amlform_lang::{LoadOptions, Module};
use amlform_plan::{Action, Plan, PlanOptions};
use amlform_state::StateStore;

use crate::state_backends::{TestState, both};

const WORKSPACE: &str = r#"
workspace "dev" {
  name           = "ml-dev"
  resource_group = "ml-rg"
  location       = "eastus"
  endpoint       = "embedded"
}

variable "password" {
  sensitive = true
  default   = "canary-password"
}
"#;

const VM_ID: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/vm-rg/providers/Microsoft.Compute/virtualMachines/vm1";

fn config(max_nodes: u32, extra: &str) -> Module {
    let text = format!(
        r#"{WORKSPACE}
aml_compute "cpu" {{
  name      = "cpu"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = {max_nodes}
}}

compute_instance "nb" {{
  name    = "nb-ada"
  vm_size = "STANDARD_DS3_V2"
  state   = "stopped"
}}

remote_compute "vm" {{
  name        = "vm"
  resource_id = "{VM_ID}"
  username    = "azureuser"
  password    = var.password
}}
{extra}"#
    );
    let module = Module::load_sources(
        vec![("main.aml.hcl".to_owned(), text)],
        Path::new("."),
        &[],
        &LoadOptions::default(),
    );
    assert!(
        !module.diagnostics.has_errors(),
        "{}",
        module
            .diagnostics
            .render(&module.sources, amlform_lang::RenderStyle::PLAIN)
    );
    module
}

struct World {
    emulator: Emulator,
    bindings: Workspaces,
    state: TestState,
}

async fn world(emulator: Emulator, state: TestState) -> World {
    let provider = amlform_test_support::emulator_provider(&emulator).await;
    let target = WorkspaceTarget {
        label: "dev".to_owned(),
        subscription_id: "00000000-0000-0000-0000-000000000000".to_owned(),
        resource_group: "ml-rg".to_owned(),
        name: "ml-dev".to_owned(),
    };
    World {
        emulator,
        bindings: BTreeMap::from([(
            "dev".to_owned(),
            WorkspaceBinding {
                provider: Arc::new(provider),
                target,
                location: "eastus".to_owned(),
            },
        )]),
        state,
    }
}

impl World {
    /// The plan as the CLI makes it: the engine's refresh and plan.
    async fn plan(&self, module: &Module, destroy: bool) -> Plan {
        let options = PlanOptions {
            destroy,
            ..PlanOptions::default()
        };
        crate::pipeline::plan(
            module,
            &self.bindings,
            &self.state.store,
            &|_| None,
            options,
        )
        .await
    }

    async fn apply(&self, module: &Module, plan: &Plan) -> ApplyReport {
        crate::pipeline::apply(
            module,
            &self.bindings,
            &self.state.store,
            &|_| None,
            10,
            plan,
        )
        .await
    }
}

#[tokio::test]
async fn apply_then_plan_is_empty_updates_in_place_and_destroy_leaves_nothing() {
    for state in both("cycle") {
        apply_then_plan_is_empty_updates_in_place_and_destroy_leaves_nothing_on(state).await;
    }
}

async fn apply_then_plan_is_empty_updates_in_place_and_destroy_leaves_nothing_on(state: TestState) {
    let world = world(
        Emulator::builder().without_rate_limits().build().unwrap(),
        state,
    )
    .await;
    let module = config(4, "");
    let plan = world.plan(&module, false).await;
    assert_eq!(plan.summary().add, 3);
    let report = world.apply(&module, &plan).await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.succeeded.len(), 3);

    let again = world.plan(&module, false).await;
    assert!(
        !again.has_changes(),
        "a plan right after apply is empty: {}",
        amlform_plan::render_text(&again, false)
    );
    let nb = world
        .emulator
        .computes()
        .into_iter()
        .find(|compute| compute["name"] == "nb-ada")
        .unwrap();
    assert_eq!(
        nb["properties"]["properties"]["state"], "Stopped",
        "created, then stopped as declared"
    );

    // An in-place change is an update, not a replacement.
    let scaled = config(8, "");
    let plan = world.plan(&scaled, false).await;
    let cpu = plan
        .changes
        .iter()
        .find(|change| change.address == "aml_compute.cpu")
        .unwrap();
    assert_eq!(cpu.action, Action::Update);
    assert!(world.apply(&scaled, &plan).await.is_success());
    assert!(!world.plan(&scaled, false).await.has_changes());

    // The state holds no secret.
    let state = world.state.store.lock().unwrap().records().unwrap();
    assert!(!serde_json::to_string(&state).unwrap().contains("canary"));
    assert!(
        state
            .iter()
            .find(|record| record.address == "remote_compute.vm")
            .unwrap()
            .secret_fingerprints
            .contains_key("password")
    );

    let destroy = world.plan(&scaled, true).await;
    assert_eq!(destroy.summary().destroy, 3);
    assert!(world.apply(&scaled, &destroy).await.is_success());
    assert!(
        world
            .state
            .store
            .lock()
            .unwrap()
            .records()
            .unwrap()
            .is_empty(),
        "state empty"
    );
    assert!(
        world.emulator.computes().is_empty(),
        "the emulator has nothing left"
    );
    assert_eq!(
        world.emulator.underlying_resource_exists(VM_ID),
        Some(true),
        "the attached VM still exists"
    );
}

#[tokio::test]
async fn a_failed_compute_skips_its_dependents_and_independents_finish() {
    for state in both("failure") {
        a_failed_compute_skips_its_dependents_and_independents_finish_on(state).await;
    }
}

async fn a_failed_compute_skips_its_dependents_and_independents_finish_on(state: TestState) {
    let world = world(
        Emulator::builder()
            .without_rate_limits()
            .family_quota(8)
            .build()
            .unwrap(),
        state,
    )
    .await;
    // `big` exceeds the quota (16 x 2 vCPUs > 8): refused; `after_big` depends on it.
    let module = config(
        2,
        r#"
aml_compute "big" {
  name      = "big"
  vm_size   = "STANDARD_D2_V2"
  max_nodes = 16
}

aml_compute "after_big" {
  name       = "after-big"
  vm_size    = "STANDARD_D2_V2"
  max_nodes  = 1
  depends_on = [aml_compute.big]
}
"#,
    );
    let plan = world.plan(&module, false).await;
    let report = world.apply(&module, &plan).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, "aml_compute.big");
    assert!(
        report.failed[0].1.contains("QuotaExceeded"),
        "{}",
        report.failed[0].1
    );
    assert_eq!(report.skipped, vec!["aml_compute.after_big".to_owned()]);
    assert_eq!(
        report.succeeded.len(),
        3,
        "the independent computes finished"
    );
    let addresses: Vec<String> = world
        .state
        .store
        .lock()
        .unwrap()
        .records()
        .unwrap()
        .into_iter()
        .map(|record| record.address)
        .collect();
    assert!(
        !addresses.contains(&"aml_compute.big".to_owned()),
        "a refused create leaves no record"
    );

    // Provisioning failures end Failed; the next plan replaces them.
    world.emulator.set_faults(Faults {
        failed_provisioning: 1.0,
        ..Default::default()
    });
    let module = config(
        2,
        "\naml_compute \"flaky\" {\n  name      = \"flaky\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n}\n",
    );
    let plan = world.plan(&module, false).await;
    let report = world.apply(&module, &plan).await;
    assert!(
        report
            .failed
            .iter()
            .any(|(address, message)| address == "aml_compute.flaky"
                && message.contains("ProvisioningFailed")),
        "{report:?}"
    );
    world.emulator.set_faults(Faults::default());
    let next = world.plan(&module, false).await;
    let flaky = next
        .changes
        .iter()
        .find(|change| change.address == "aml_compute.flaky")
        .unwrap();
    assert!(
        matches!(flaky.action, Action::Replace { .. }),
        "{:?}",
        flaky.action
    );
    assert!(world.apply(&module, &next).await.is_success());
}

#[tokio::test]
async fn a_renamed_compute_is_replaced_new_first_with_create_before_destroy_and_the_old_one_goes() {
    for state in both("rename") {
        a_renamed_compute_is_replaced_new_first_with_create_before_destroy_and_the_old_one_goes_on(
            state,
        )
        .await;
    }
}

async fn a_renamed_compute_is_replaced_new_first_with_create_before_destroy_and_the_old_one_goes_on(
    state: TestState,
) {
    let world = world(
        Emulator::builder().without_rate_limits().build().unwrap(),
        state,
    )
    .await;
    let train = |name: &str, create_before_destroy: bool| {
        config(
            4,
            &format!(
                "aml_compute \"train\" {{\n  name      = \"{name}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 1\n  lifecycle {{\n    create_before_destroy = {create_before_destroy}\n  }}\n}}\n"
            ),
        )
    };
    let names = || -> Vec<String> {
        world
            .emulator
            .computes()
            .iter()
            .filter_map(|compute| compute["name"].as_str().map(str::to_owned))
            .filter(|name| name.starts_with("train"))
            .collect()
    };
    let first = train("train-a", true);
    let report = world.apply(&first, &world.plan(&first, false).await).await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(names(), ["train-a"]);

    for (module, expected) in [
        (train("train-b", true), "train-b"),
        (train("train-c", false), "train-c"),
    ] {
        let plan = world.plan(&module, false).await;
        let change = plan
            .changes
            .iter()
            .find(|change| change.address == "aml_compute.train")
            .unwrap();
        assert!(
            matches!(change.action, Action::Replace { .. }),
            "{change:?}"
        );
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        let report = world.apply(&module, &plan).await;
        assert!(report.is_success(), "{report:?}");
        assert_eq!(
            names(),
            [expected],
            "the old name is removed, whichever goes first"
        );
        assert!(
            world
                .plan(&module, false)
                .await
                .changes
                .iter()
                .all(|change| change.action == Action::NoOp)
        );
    }
}
