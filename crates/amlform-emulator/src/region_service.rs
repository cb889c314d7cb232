//! What the service says of a region: VM sizes, usages and quotas, and the quota rule a
//! cluster's nodes are held to.

use serde_json::{Value, json};

use crate::arm_error::ArmError;
use crate::compute_service::{Service, compute_vm_size, is_low_priority, max_nodes, persist};
use crate::quota_ledger::QuotaPool;
use crate::store::{Store, Workspace};
use crate::vm_size_catalog::{self, VmSize};

impl Service {
    /// `maxNodeCount` x the size's vCPUs, with the family's other clusters, against its quota.
    pub(crate) fn check_quota(
        &mut self,
        workspace: &Workspace,
        name: &str,
        location: &str,
        size: &VmSize,
        properties: Option<&Value>,
    ) -> Result<(), ArmError> {
        let low_priority = is_low_priority(properties);
        let wanted = max_nodes(properties) * u64::from(size.vcpus);
        let pool = QuotaPool::new(location, low_priority, size.family);
        let here = Workspace::key(
            &workspace.subscription,
            &workspace.resource_group,
            &workspace.name,
        );
        let Store {
            workspaces, quota, ..
        } = &mut self.store;
        quota.settle(|workspace, name| {
            let compute = workspaces.get(workspace)?.computes.get(name)?;
            if compute.compute_type != "AmlCompute" {
                return None;
            }
            let properties = compute.properties.as_ref();
            let size = compute_vm_size(compute)?;
            Some((
                QuotaPool::new(&compute.location, is_low_priority(properties), size.family),
                max_nodes(properties) * u64::from(size.vcpus),
            ))
        });
        let (in_use, in_use_here) = quota.in_use(&here, name, &pool);
        let (limit, quota_name) = if low_priority {
            (
                self.settings.low_priority_quota,
                "Total Cluster LowPriority Regional vCPUs".to_owned(),
            )
        } else {
            (
                self.settings.quota_for_family(size.family),
                vm_size_catalog::family_quota_name(size.family),
            )
        };
        let exceeded = |in_use: u64, limit: u64, scope: &str| {
            ArmError::bad_request(
                "QuotaExceeded",
                format!(
                    "Compute '{name}' needs {wanted} vCPUs ({} nodes x {} vCPUs of {}), but {scope} quota '{quota_name}' in {location} has {} of {limit} left. Lower max_nodes, pick another size, or request more quota.",
                    max_nodes(properties),
                    size.vcpus,
                    size.name,
                    limit.saturating_sub(in_use),
                ),
            )
        };
        if in_use + wanted > limit {
            return Err(exceeded(in_use, limit, "the subscription's"));
        }
        let workspace_quota_id =
            format!("{}/quotas/{}", workspace.id(), quota_name.replace(' ', "_"))
                .to_ascii_lowercase();
        if let Some(&workspace_limit) = self.store.workspace_quotas.get(&workspace_quota_id)
            && in_use_here + wanted > workspace_limit
        {
            return Err(exceeded(in_use_here, workspace_limit, "the workspace's"));
        }
        Ok(())
    }

    pub fn vm_sizes(&self) -> Value {
        let sizes: Vec<Value> = vm_size_catalog::VM_SIZES
            .iter()
            .map(vm_size_catalog::to_json)
            .collect();
        json!({ "value": sizes })
    }

    /// `Usages_List`, with the rows `examples/Usage/list.json` has: the clusters of the
    /// region (`totalCores`), its dedicated and low-priority totals, and each VM family.
    pub fn usages(&self, subscription: &str, location: &str) -> Value {
        let mut dedicated_by_family: std::collections::BTreeMap<&str, u64> = Default::default();
        let mut low_priority = 0;
        let mut clusters = 0;
        for (workspace, compute) in self.store.all_computes() {
            if compute.compute_type != "AmlCompute"
                || !workspace.subscription.eq_ignore_ascii_case(subscription)
                || !compute.location.eq_ignore_ascii_case(location)
            {
                continue;
            }
            clusters += 1;
            if let Some(size) = compute_vm_size(compute) {
                let cores = max_nodes(compute.properties.as_ref()) * u64::from(size.vcpus);
                if is_low_priority(compute.properties.as_ref()) {
                    low_priority += cores;
                } else {
                    *dedicated_by_family.entry(size.family).or_default() += cores;
                }
            }
        }
        let mut usages = vec![
            usage(
                &format!("/subscriptions/{subscription}/usages/Clusters"),
                "Microsoft.MachineLearningServices/totalCores/usages",
                "Clusters",
                clusters,
                self.settings.cluster_limit,
                location,
            ),
            usage(
                &format!(
                    "/subscriptions/{subscription}/usages/Total_Cluster_Dedicated_Regional_vCPUs"
                ),
                "Microsoft.MachineLearningServices/dedicatedCores/usages",
                "Total Cluster Dedicated Regional vCPUs",
                dedicated_by_family.values().sum(),
                self.settings.regional_dedicated_quota,
                location,
            ),
            usage(
                &format!(
                    "/subscriptions/{subscription}/usages/Total_Cluster_LowPriority_Regional_vCPUs"
                ),
                "Microsoft.MachineLearningServices/lowPriorityCores/usages",
                "Total Cluster LowPriority Regional vCPUs",
                low_priority,
                self.settings.low_priority_quota,
                location,
            ),
        ];
        for family in vm_size_catalog::families() {
            let name = vm_size_catalog::family_quota_name(family);
            usages.push(usage(
                &format!(
                    "/subscriptions/{subscription}/usages/{}",
                    name.replace(' ', "_")
                ),
                "Microsoft.MachineLearningServices/vmFamily/usages",
                &name,
                dedicated_by_family.get(family).copied().unwrap_or(0),
                self.settings.quota_for_family(family),
                location,
            ));
        }
        json!({ "value": usages })
    }

    pub fn quotas(&self, subscription: &str, location: &str) -> Value {
        let mut quotas: Vec<Value> = vm_size_catalog::families()
            .into_iter()
            .map(|family| {
                let name = vm_size_catalog::family_quota_name(family);
                json!({
                    "id": format!(
                        "/subscriptions/{subscription}/providers/Microsoft.MachineLearningServices/locations/{location}/quotas/{}",
                        name.replace(' ', "_")
                    ),
                    "type": "Microsoft.MachineLearningServices/vmFamily/quotas",
                    "limit": self.settings.quota_for_family(family),
                    "name": {"value": name, "localizedValue": name},
                    "unit": "Count"
                })
            })
            .collect();
        let prefix = format!("/subscriptions/{subscription}/").to_ascii_lowercase();
        for (id, limit) in &self.store.workspace_quotas {
            if id.starts_with(&prefix) {
                quotas.push(json!({
                    "id": id,
                    "type": "Microsoft.MachineLearningServices/workspaces/quotas",
                    "limit": limit,
                    "unit": "Count"
                }));
            }
        }
        json!({ "value": quotas })
    }

    /// `updateQuotas`: sets workspace-level limits, each at most the subscription's.
    pub fn update_quotas(&mut self, body: &Value) -> Result<Value, ArmError> {
        let items = body.get("value").and_then(Value::as_array).ok_or_else(|| {
            ArmError::invalid_content("The body needs a 'value' array of quotas.")
        })?;
        let mut results = Vec::new();
        for item in items {
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| ArmError::invalid_content("Each quota needs an 'id'."))?;
            let limit = item.get("limit").and_then(Value::as_u64).ok_or_else(|| {
                ArmError::invalid_content("Each quota needs a non-negative integer 'limit'.")
            })?;
            let quota_name = id.rsplit('/').next().unwrap_or_default().replace('_', " ");
            let family = vm_size_catalog::families().into_iter().find(|family| {
                vm_size_catalog::family_quota_name(family).eq_ignore_ascii_case(&quota_name)
            });
            let status = match family {
                None => "InvalidVMFamilyName",
                Some(family) if limit > self.settings.quota_for_family(family) => {
                    "InvalidQuotaExceedsSubscriptionLimit"
                }
                Some(_) => {
                    self.store.set_workspace_quota(id, limit).map_err(persist)?;
                    "Success"
                }
            };
            results.push(json!({
                "id": id,
                "type": item.get("type").cloned().unwrap_or_else(|| json!("Microsoft.MachineLearningServices/workspaces/quotas")),
                "limit": limit,
                "unit": "Count",
                "status": status
            }));
        }
        Ok(json!({ "value": results }))
    }
}

fn usage(id: &str, kind: &str, name: &str, current: u64, limit: u64, location: &str) -> Value {
    json!({
        "id": id,
        "amlWorkspaceLocation": location,
        "type": kind,
        "currentValue": current,
        "limit": limit,
        "name": {"value": name, "localizedValue": name},
        "unit": "Count"
    })
}
