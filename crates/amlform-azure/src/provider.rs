//! [`AzureProvider`]: the [`Provider`] boundary over ARM's REST API (the read side here, the
//! write side in `compute_writer`).

use std::sync::Arc;

use amlform_provider::{
    ComputeRequest, PowerAction, Provider, ProviderError, RemoteCompute, StateObserver,
    UnderlyingAction, Usage, VmSizeInfo, WorkspaceTarget,
};
use serde_json::Value;

use crate::compute_attributes;
use crate::{ArmClient, AzureError, BodyContext, JsonTree, compute_body};

/// A compute resource as ARM reports it, in the configuration's terms.
pub fn remote_compute(resource: &Value) -> RemoteCompute {
    remote_compute_of(&JsonTree::from(resource))
}

/// [`remote_compute`] of a resource read as a [`JsonTree`] (as a listed one is).
pub fn remote_compute_of(resource: &JsonTree<'_>) -> RemoteCompute {
    let at = |path: &str| compute_attributes::at_path(resource, path);
    let text = |path: &str| at(path).and_then(JsonTree::as_str).map(str::to_owned);
    let compute_type = text("properties.computeType").unwrap_or_default();
    let kind = compute_attributes::kind_of(&compute_type);
    let provisioning_errors = at("properties.provisioningErrors")
        .and_then(JsonTree::as_array)
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    let field = |name: &str| {
                        (error.get("error"))
                            .and_then(|error| error.get(name))
                            .and_then(JsonTree::as_str)
                    };
                    format!(
                        "{}: {}",
                        field("code").unwrap_or("Unknown"),
                        field("message").unwrap_or("")
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
        is_attached: at("properties.isAttachedCompute")
            .and_then(JsonTree::as_bool)
            .unwrap_or(false),
        resource_id: text("properties.resourceId"),
    }
}

/// The provider over Azure Resource Manager (or the emulator).
#[derive(Clone)]
pub struct AzureProvider {
    client: ArmClient,
    observer: Option<StateObserver>,
}

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

impl AzureProvider {
    /// Every compute of the workspace, in one paged list (not one request per compute).
    pub async fn computes(
        &self,
        target: &WorkspaceTarget,
    ) -> Result<Vec<RemoteCompute>, AzureError> {
        self.client
            .list(&format!("{}/computes", target.path()), remote_compute_of)
            .await
    }

    /// The region's VM sizes, with their Linux prices.
    pub async fn vm_sizes(
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

    /// The region's quota rows and their use.
    pub async fn usages(
        &self,
        subscription_id: &str,
        location: &str,
    ) -> Result<Vec<Usage>, AzureError> {
        self.client
            .list(
                &format!(
                    "/subscriptions/{subscription_id}/providers/Microsoft.MachineLearningServices/locations/{location}/usages"
                ),
                |item| {
                    let item = item.to_value();
                    Usage {
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
                    }
                },
            )
            .await
    }
}

impl From<AzureError> for ProviderError {
    fn from(error: AzureError) -> ProviderError {
        let status = match &error {
            AzureError::Service { status, .. } => Some(*status),
            _ => None,
        };
        ProviderError {
            status,
            message: error.to_string(),
        }
    }
}

#[async_trait::async_trait]
impl Provider for AzureProvider {
    async fn computes(
        &self,
        target: &WorkspaceTarget,
    ) -> Result<Vec<RemoteCompute>, ProviderError> {
        Ok(AzureProvider::computes(self, target).await?)
    }

    async fn vm_sizes(
        &self,
        subscription_id: &str,
        location: &str,
    ) -> Result<Vec<VmSizeInfo>, ProviderError> {
        Ok(AzureProvider::vm_sizes(self, subscription_id, location).await?)
    }

    async fn usages(
        &self,
        subscription_id: &str,
        location: &str,
    ) -> Result<Vec<Usage>, ProviderError> {
        Ok(AzureProvider::usages(self, subscription_id, location).await?)
    }

    async fn put_compute(
        &self,
        request: &ComputeRequest<'_>,
    ) -> Result<RemoteCompute, ProviderError> {
        let body = compute_body(
            request.kind,
            request.values,
            &BodyContext {
                subscription_id: &request.target.subscription_id,
                resource_group: &request.target.resource_group,
                location: request.location,
            },
            request.read_file,
        );
        Ok(self.put_body(request.target, request.name, &body).await?)
    }

    async fn delete_compute(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        action: UnderlyingAction,
    ) -> Result<(), ProviderError> {
        Ok(AzureProvider::delete_compute(self, target, name, action).await?)
    }

    async fn power(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        action: PowerAction,
    ) -> Result<(), ProviderError> {
        Ok(AzureProvider::power(self, target, name, action).await?)
    }

    fn observed(&self, observer: StateObserver) -> Arc<dyn Provider> {
        Arc::new(AzureProvider::observed(self, observer))
    }
}
