//! The planner alone (no I/O): a no-change plan of 5,000 clusters in 50 workspaces.
//!
//! `cargo bench -p amlform-plan --bench diff`

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use amlform_azure::RemoteCompute;
use amlform_lang::{LoadOptions, Module};
use amlform_plan::{PlanInput, PlanOptions};
use amlform_state::{RecordStatus, StateRecord};
use serde_json::json;

const COMPUTES: usize = 5_000;
const WORKSPACES: usize = 50;

fn main() {
    let mut config = String::new();
    for workspace in 0..WORKSPACES {
        config.push_str(&format!(
            "workspace \"ws{workspace}\" {{\n  name           = \"ml-ws{workspace}\"\n  resource_group = \"ml-rg\"\n  location       = \"eastus\"\n  endpoint       = \"embedded\"\n}}\n"
        ));
    }
    let per_workspace = COMPUTES / WORKSPACES;
    for index in 0..COMPUTES {
        config.push_str(&format!(
            "aml_compute \"c{index}\" {{\n  workspace = workspace.ws{}\n  name      = \"c{index}\"\n  vm_size   = \"STANDARD_D2_V2\"\n  max_nodes = 2\n}}\n",
            index / per_workspace
        ));
    }
    let module = Module::load_sources(
        vec![("main.aml.hcl".to_owned(), config)],
        Path::new("."),
        &[],
        &LoadOptions::default(),
    );
    assert!(!module.diagnostics.has_errors());

    let mut remote: BTreeMap<String, Vec<RemoteCompute>> = BTreeMap::new();
    let mut state = Vec::new();
    for index in 0..COMPUTES {
        let workspace = index / per_workspace;
        let resource = json!({
            "id": format!("/subscriptions/s/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws{workspace}/computes/c{index}"),
            "name": format!("c{index}"),
            "properties": {"computeType": "AmlCompute", "provisioningState": "Succeeded", "properties": {
                "vmSize": "STANDARD_D2_V2", "vmPriority": "Dedicated", "osType": "Linux", "remoteLoginPortPublicAccess": "NotSpecified",
                "enableNodePublicIp": true, "isolatedNetwork": false,
                "scaleSettings": {"maxNodeCount": 2, "minNodeCount": 0, "nodeIdleTimeBeforeScaleDown": "PT120S"}
            }}
        });
        let compute = amlform_azure::remote_compute(&resource);
        state.push(StateRecord {
            address: format!("aml_compute.c{index}"),
            kind: "aml_compute".to_owned(),
            workspace: format!("ws{workspace}"),
            arm_id: Some(compute.arm_id.clone()),
            attributes: compute.owned_attributes(),
            dependencies: vec![],
            secret_fingerprints: BTreeMap::new(),
            status: RecordStatus::Ready,
        });
        remote
            .entry(format!("ws{workspace}"))
            .or_default()
            .push(compute);
    }

    let mut times = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let plan = amlform_plan::plan(&PlanInput {
            config: &module.evaluated,
            state: &state,
            remote: &remote,
            fingerprint: &|_, _| None,
            locate: &|_| None,
            options: PlanOptions::default(),
        });
        times.push(start.elapsed());
        assert!(!plan.has_changes(), "the benchmark's plan must be empty");
    }
    times.sort();
    println!(
        "plan() of {COMPUTES} unchanged computes in {WORKSPACES} workspaces: median {:.1?}, min {:.1?} over {} runs",
        times[times.len() / 2],
        times[0],
        times.len()
    );
}
