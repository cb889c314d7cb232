//! Plan-time checks that need the service's answers (DOMAIN.md rules 1, 10 and 11): a VM
//! size the region offers, the core quota, and a compute instance name free in the region.
//! The caller fetches each region's facts once; the checks are pure.

use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeMap;

use amlform_azure::{RemoteCompute, Usage, VmSizeInfo};
use amlform_lang::{ComputeInstance, EvaluatedConfig};

use crate::plan::{Plan, PlanError};

/// What the service says about one subscription's region.
#[derive(Debug, Clone, Default)]
pub struct RegionFacts {
    pub sizes: Vec<VmSizeInfo>,
    pub usages: Vec<Usage>,
}

/// `(subscription, location)` of a workspace, lower-cased.
pub type Region = (String, String);

pub fn region_of(config: &EvaluatedConfig, workspace: &str) -> Option<Region> {
    let workspace = config.workspaces.get(workspace)?;
    Some((
        workspace.attribute("subscription_id")?.to_ascii_lowercase(),
        workspace.attribute("location")?.to_ascii_lowercase(),
    ))
}

pub fn check_against_service(
    plan: &mut Plan,
    config: &EvaluatedConfig,
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
    regions: &BTreeMap<Region, RegionFacts>,
    locate: &dyn Fn(&ComputeInstance) -> Option<String>,
) {
    // Each workspace's region, once: thousands of instances share a few workspaces.
    let regions_of: BTreeMap<&str, Region> = config
        .workspaces
        .keys()
        .filter_map(|workspace| Some((workspace.as_str(), region_of(config, workspace)?)))
        .collect();
    // Planned cores per region and quota: a size family's dedicated cores (`Some(family)`),
    // or the region's low-priority cores (`None`).
    let mut planned: BTreeMap<(&Region, Option<&str>), u64> = BTreeMap::new();
    let mut offered: HashMap<(&Region, &str), Option<&VmSizeInfo>> = HashMap::new();
    for instance in config.computes.values() {
        let Some(region) = regions_of.get(instance.workspace.as_str()) else {
            continue;
        };
        let Some(facts) = regions.get(region) else {
            continue;
        };
        if let Some(size) = instance
            .str("vm_size")
            .filter(|_| matches!(instance.kind.block_name, "aml_compute" | "compute_instance"))
        {
            // A region offers hundreds of sizes and thousands of computes name a few of them:
            // each name as written is looked for once.
            let known = *offered.entry((region, size)).or_insert_with(|| {
                (facts.sizes.iter()).find(|known| known.name.eq_ignore_ascii_case(size))
            });
            match known {
                Some(known) if instance.kind.block_name == "aml_compute" => {
                    let nodes = instance.value("max_nodes").as_integer().unwrap_or(0).max(0) as u64;
                    let low_priority = instance.str("vm_priority") == Some("lowpriority");
                    let family = (!low_priority).then_some(known.family.as_str());
                    *planned.entry((region, family)).or_default() += nodes * known.vcpus;
                }
                Some(_) => {}
                None if !facts.sizes.is_empty() => plan.errors.push(PlanError {
                    address: instance.address.clone(),
                    message: format!("vm_size \"{size}\" is not offered in {}", region.1),
                    hint: format!(
                        "did you mean {}? `az ml compute list-sizes` lists every size",
                        nearest(size, &facts.sizes).join(", ")
                    ),
                    location: locate(instance),
                    attribute: Some("vm_size".to_owned()),
                }),
                None => {}
            }
        }
        if instance.kind.block_name == "compute_instance" {
            check_instance_name(plan, &regions_of, remote, instance, region, locate);
        }
    }
    let by_quota_name: BTreeMap<(&Region, String), u64> = planned
        .into_iter()
        .map(|((region, family), needed)| {
            let quota = match family {
                Some(family) => family_quota_name(family),
                None => "Total Cluster LowPriority Regional vCPUs".to_owned(),
            };
            ((region, quota), needed)
        })
        .collect();
    for ((region, quota), needed) in by_quota_name {
        let Some(usage) = regions.get(region).and_then(|facts| {
            facts
                .usages
                .iter()
                .find(|usage| usage.name.eq_ignore_ascii_case(&quota))
        }) else {
            continue;
        };
        if needed > usage.limit {
            plan.warnings.push(format!(
                "the planned clusters can reach {needed} vCPUs of the quota \"{quota}\" in {}, whose limit is {}; scaling past it will fail (request more quota, or lower max_nodes)",
                region.1, usage.limit
            ));
        }
    }
}

/// Compute instance names are unique in a region: another workspace there may already use it.
fn check_instance_name(
    plan: &mut Plan,
    regions_of: &BTreeMap<&str, Region>,
    remote: &BTreeMap<String, Vec<RemoteCompute>>,
    instance: &ComputeInstance,
    region: &Region,
    locate: &dyn Fn(&ComputeInstance) -> Option<String>,
) {
    let Some(name) = instance.str("name") else {
        return;
    };
    for (workspace, computes) in remote {
        if workspace == &instance.workspace || regions_of.get(workspace.as_str()) != Some(region) {
            continue;
        }
        if computes.iter().any(|compute| {
            compute.compute_type == "ComputeInstance" && compute.name.eq_ignore_ascii_case(name)
        }) {
            plan.errors.push(PlanError {
                address: instance.address.clone(),
                message: format!("the compute instance name \"{name}\" is already used in {} by workspace {workspace}", region.1),
                hint: "compute instance names are unique across an Azure region, not only in a workspace; choose another name".to_owned(),
                location: locate(instance),
                attribute: Some("name".to_owned()),
            });
        }
    }
}

/// `standardDSv2Family` → `Standard DSv2 Family Cluster Dedicated vCPUs`, as usages name it.
fn family_quota_name(family: &str) -> String {
    let core = family
        .strip_prefix("standard")
        .and_then(|rest| rest.strip_suffix("Family"))
        .unwrap_or(family);
    format!("Standard {core} Family Cluster Dedicated vCPUs")
}

/// Up to three offered sizes closest to `wanted`.
fn nearest(wanted: &str, sizes: &[VmSizeInfo]) -> Vec<String> {
    let wanted = wanted.to_ascii_lowercase();
    let mut ranked: Vec<(usize, &str)> = sizes
        .iter()
        .map(|size| {
            (
                amlform_lang::edit_distance(&wanted, &size.name.to_ascii_lowercase()),
                size.name.as_str(),
            )
        })
        .collect();
    ranked.sort();
    ranked
        .into_iter()
        .take(3)
        .map(|(_, name)| name.to_owned())
        .collect()
}
