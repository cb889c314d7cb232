//! The [`Provider`] boundary (the read side), and its ARM implementation.

use std::future::Future;

use amlform_provider::{RemoteCompute, Usage, VmSizeInfo, WorkspaceTarget};
use serde_json::Value;

use crate::compute_attributes;
use crate::{ArmClient, AzureError};

/// A compute resource as ARM reports it, in the configuration's terms.
pub fn remote_compute(resource: &Value) -> RemoteCompute {
    let text = |path: &str| {
        compute_attributes::at_path(resource, path)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let compute_type = text("properties.computeType").unwrap_or_default();
    let kind = compute_attributes::kind_of(&compute_type);
    let provisioning_errors =
        compute_attributes::at_path(resource, "properties.provisioningErrors")
            .and_then(Value::as_array)
            .map(|errors| {
                errors
                    .iter()
                    .map(|error| {
                        format!(
                            "{}: {}",
                            error["error"]["code"].as_str().unwrap_or("Unknown"),
                            error["error"]["message"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
    RemoteCompute {
        name: text("name").unwrap_or_default(),
        arm_id: text("id").unwrap_or_default(),
        kind,
        attributes: kind
            .map(|kind| compute_attributes::attributes(kind, resource))
            .unwrap_or_default(),
        compute_type,
        provisioning_state: text("properties.provisioningState").unwrap_or_default(),
        provisioning_errors,
        is_attached: compute_attributes::at_path(resource, "properties.isAttachedCompute")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        resource_id: text("properties.resourceId"),
    }
}

/// What amlform reads from the service. Async, so refreshes of many workspaces overlap.
pub trait Provider: Send + Sync {
    /// Every compute of the workspace, in one paged list (not one request per compute).
    fn computes(
        &self,
        target: &WorkspaceTarget,
    ) -> impl Future<Output = Result<Vec<RemoteCompute>, AzureError>> + Send;
    fn vm_sizes(
        &self,
        subscription_id: &str,
        location: &str,
    ) -> impl Future<Output = Result<Vec<VmSizeInfo>, AzureError>> + Send;
    fn usages(
        &self,
        subscription_id: &str,
        location: &str,
    ) -> impl Future<Output = Result<Vec<Usage>, AzureError>> + Send;
}

/// The provider over Azure Resource Manager (or the emulator).
#[derive(Clone)]
pub struct AzureProvider {
    client: ArmClient,
    observer: Option<StateObserver>,
}

/// Told the service's state of an operation as it goes: the compute's `provisioningState`
/// when a write is accepted (`Creating`, `Updating`, `Deleting`), then each poll's status.
pub type StateObserver = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

impl std::fmt::Debug for AzureProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureProvider")
            .field("client", &self.client)
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

impl AzureProvider {
    pub fn new(client: ArmClient) -> Self {
        AzureProvider {
            client,
            observer: None,
        }
    }

    /// The same provider, reporting the states of its operations to `observer`.
    pub fn observed(&self, observer: StateObserver) -> AzureProvider {
        AzureProvider {
            client: self.client.clone(),
            observer: Some(observer),
        }
    }

    pub fn client(&self) -> &ArmClient {
        &self.client
    }

    pub(crate) fn observe(&self, state: &str) {
        if let Some(observer) = &self.observer {
            observer(state);
        }
    }
}

impl Provider for AzureProvider {
    async fn computes(&self, target: &WorkspaceTarget) -> Result<Vec<RemoteCompute>, AzureError> {
        self.client
            .list(&format!("{}/computes", target.path()), remote_compute)
            .await
    }

    async fn vm_sizes(
        &self,
        subscription_id: &str,
        location: &str,
    ) -> Result<Vec<VmSizeInfo>, AzureError> {
        let body = self
            .client
            .get(&format!(
                "/subscriptions/{subscription_id}/providers/Microsoft.MachineLearningServices/locations/{location}/vmSizes"
            ))
            .await?;
        let price = |size: &Value, tier: &str| {
            size["estimatedVMPrices"]["values"]
                .as_array()
                .and_then(|prices| {
                    prices
                        .iter()
                        .find(|price| price["osType"] == "Linux" && price["vmTier"] == tier)
                        .and_then(|price| price["retailPrice"].as_f64())
                })
        };
        Ok(body["value"]
            .as_array()
            .map(|sizes| {
                sizes
                    .iter()
                    .map(|size| VmSizeInfo {
                        name: size["name"].as_str().unwrap_or_default().to_owned(),
                        family: size["family"].as_str().unwrap_or_default().to_owned(),
                        vcpus: size["vCPUs"].as_u64().unwrap_or(0),
                        price_per_hour: price(size, "Standard"),
                        low_priority_price_per_hour: price(size, "LowPriority"),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
    async fn usages(
        &self,
        subscription_id: &str,
        location: &str,
    ) -> Result<Vec<Usage>, AzureError> {
        self.client
            .list(
                &format!(
                    "/subscriptions/{subscription_id}/providers/Microsoft.MachineLearningServices/locations/{location}/usages"
                ),
                |item| Usage {
                    kind: item["type"].as_str().unwrap_or_default().to_owned(),
                    name: item["name"]["value"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    current: item["currentValue"].as_u64().unwrap_or(0),
                    limit: match item["limit"].as_i64() {
                        Some(limit) if limit >= 0 => limit as u64,
                        _ => u64::MAX,
                    },
                },
            )
            .await
    }
}
