//! Plan-time checks that need the service's answers (DOMAIN.md rules 1, 10 and 11): a VM
//! size the region offers, the core quota, and a compute instance name free in the region.
//! The caller fetches each region's facts once; the checks are pure.

use foldhash::{HashMap, HashMapExt};
use std::collections::{BTreeMap, BTreeSet};

use amlform_lang::{ComputeInstance, EvaluatedConfig};
use amlform_provider::{RemoteCompute, Usage, VmSizeInfo};

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
    // Planned cores per region and quota, and the workspaces they are planned in.
    let mut planned: BTreeMap<(&Region, Quota<'_>), (u64, BTreeSet<&str>)> = BTreeMap::new();
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
                    let quotas = if low_priority {
                        vec![Quota::LowPriority]
                    } else {
                        vec![Quota::Family(known.family.as_str()), Quota::Dedicated]
                    };
                    for quota in quotas {
                        let (cores, workspaces) = planned.entry((region, quota)).or_default();
                        *cores += nodes * known.vcpus;
                        workspaces.insert(instance.workspace.as_str());
                    }
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
    for ((region, quota), (needed, workspaces)) in planned {
        let Some(usage) = regions
            .get(region)
            .and_then(|facts| facts.usages.iter().find(|usage| quota.reads(usage)))
        else {
            continue;
        };
        if needed > usage.limit {
            let workspaces: Vec<&str> = workspaces.into_iter().collect();
            plan.warnings.push(format!(
                "the planned clusters of workspace{} {} can reach {needed} vCPUs of the quota \"{}\" of subscription {} in {}, whose limit is {}; scaling past it will fail (request more quota, or lower max_nodes)",
                if workspaces.len() == 1 { "" } else { "s" },
                workspaces.join(", "),
                usage.name,
                region.0,
                region.1,
                usage.limit
            ));
        }
    }
}

/// A quota a cluster's nodes count against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Quota<'a> {
    /// Its VM family's dedicated vCPUs (`vmFamily`), by family (`standardDSv2Family`).
    Family(&'a str),
    /// The region's dedicated vCPUs of every family (`dedicatedCores`).
    Dedicated,
    /// The region's low-priority vCPUs (`lowPriorityCores`).
    LowPriority,
}

impl Quota<'_> {
    /// Whether a usage row is this quota's: matched by the row's type, since the same name
    /// also heads a workspace's and a compute's share (`examples/Usage/list.json`).
    fn reads(&self, usage: &Usage) -> bool {
        match self {
            Quota::Family(family) => {
                usage.is("vmFamily") && usage.name.eq_ignore_ascii_case(&family_quota_name(family))
            }
            Quota::Dedicated => usage.is("dedicatedCores"),
            Quota::LowPriority => usage.is("lowPriorityCores"),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, name: &str, limit: u64) -> Usage {
        Usage {
            kind: format!("Microsoft.MachineLearningServices/{kind}/usages"),
            name: name.to_owned(),
            current: 0,
            limit,
        }
    }

    /// `examples/Usage/list.json` names a family's row, a workspace's share and a compute's
    /// share alike; only the `vmFamily` row is the subscription's quota.
    #[test]
    fn quotas_read_their_own_rows() {
        let name = "Standard NC Family Cluster Dedicated vCPUs";
        let usages = [
            row("workspaces/computes", name, 6),
            row("workspaces", name, 6),
            row("vmFamily", name, 24),
            row(
                "dedicatedCores",
                "Total Cluster Dedicated Regional vCPUs",
                48,
            ),
            row(
                "lowPriorityCores",
                "Total Cluster LowPriority Regional vCPUs",
                50,
            ),
        ];
        let read = |quota: Quota<'_>| {
            usages
                .iter()
                .find(|usage| quota.reads(usage))
                .map(|u| u.limit)
        };
        assert_eq!(read(Quota::Family("standardNCFamily")), Some(24));
        assert_eq!(read(Quota::Dedicated), Some(48));
        assert_eq!(read(Quota::LowPriority), Some(50));
        assert_eq!(read(Quota::Family("standardNDFamily")), None);
    }
}
