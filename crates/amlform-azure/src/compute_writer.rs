//! The write side of the provider: create or attach, update, delete or detach, start and
//! stop, each followed through its long-running operation to `Succeeded` or `Failed`.

use std::time::Instant;

use reqwest::Method;
use serde_json::Value;

use crate::arm_client::ArmResponse;
use crate::{AzureError, AzureProvider, RemoteCompute, WorkspaceTarget};

/// What a DELETE does to the resource behind a compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnderlyingAction {
    /// Delete the compute and what the workspace created for it (managed computes).
    Delete,
    /// Only remove the attachment; the VM or cluster stays (attached computes, always).
    Detach,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerAction {
    Start,
    Stop,
}

impl AzureProvider {
    /// PUT the compute (create, attach or update), wait for it, and read it back.
    pub async fn put_compute(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        body: &Value,
    ) -> Result<RemoteCompute, AzureError> {
        self.write_compute(Method::PUT, target, name, body, "creating or updating")
            .await
    }

    /// PATCH an AmlCompute's scale settings, wait, and read it back.
    pub async fn patch_compute(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        body: &Value,
    ) -> Result<RemoteCompute, AzureError> {
        self.write_compute(Method::PATCH, target, name, body, "updating")
            .await
    }

    async fn write_compute(
        &self,
        method: Method,
        target: &WorkspaceTarget,
        name: &str,
        body: &Value,
        doing: &str,
    ) -> Result<RemoteCompute, AzureError> {
        let path = compute_path(target, name);
        let response = self.send_when_idle(method, &path, Some(body)).await?;
        self.wait(&response, &format!("{doing} compute {name}"))
            .await?;
        self.read_compute(&path).await
    }

    /// DELETE the compute with `underlyingResourceAction`, and wait until it is gone.
    pub async fn delete_compute(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        action: UnderlyingAction,
    ) -> Result<(), AzureError> {
        let action = match action {
            UnderlyingAction::Delete => "Delete",
            UnderlyingAction::Detach => "Detach",
        };
        let path = format!(
            "{}?underlyingResourceAction={action}",
            compute_path(target, name)
        );
        let response = self.send_when_idle(Method::DELETE, &path, None).await?;
        self.wait(&response, &format!("removing compute {name} ({action})"))
            .await
    }

    /// Start or stop a compute instance, and wait for it.
    pub async fn power(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        action: PowerAction,
    ) -> Result<(), AzureError> {
        let verb = match action {
            PowerAction::Start => "start",
            PowerAction::Stop => "stop",
        };
        let path = format!("{}/{verb}", compute_path(target, name));
        let response = self.send_when_idle(Method::POST, &path, None).await?;
        self.wait(&response, &format!("{verb} of compute instance {name}"))
            .await
    }

    /// Sends a write, waiting out `409 AnotherOperationInProgress` (an operation still running
    /// on the compute, e.g. one an interrupted apply started) and sending it again, up to the
    /// operation timeout. It is a wait for the service, not a failure.
    async fn send_when_idle(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ArmResponse, AzureError> {
        let policy = self.client().retry_policy();
        let started = Instant::now();
        let mut wait = policy.base_delay.max(std::time::Duration::from_secs(1));
        loop {
            match self.client().send_full(method.clone(), path, body).await {
                Err(error)
                    if error.status() == Some(409)
                        && error.code().is_some_and(|code| {
                            code.eq_ignore_ascii_case("AnotherOperationInProgress")
                        })
                        && started.elapsed() + wait < policy.operation_timeout =>
                {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(
                        policy
                            .max_poll_interval
                            .min(std::time::Duration::from_secs(15)),
                    );
                }
                other => return other,
            }
        }
    }

    async fn read_compute(&self, path: &str) -> Result<RemoteCompute, AzureError> {
        Ok(RemoteCompute::from_resource(
            &self.client().get(path).await?,
        ))
    }

    /// Polls `Azure-AsyncOperation` (or, without it, `Location`) until the operation ends,
    /// honouring the service's `Retry-After` (up to the policy's maximum).
    async fn wait(&self, response: &ArmResponse, what: &str) -> Result<(), AzureError> {
        if let Some(state) = response.body["properties"]["provisioningState"].as_str() {
            self.observe(state);
        }
        // `Azure-AsyncOperation` reports a status; a bare `Location` (on a 202) answers 202
        // while the operation runs and 200/204 once it is done.
        let (url, by_location) = match (&response.azure_async_operation, &response.location) {
            (Some(url), _) => (url, false),
            (None, Some(url)) if response.status == 202 => (url, true),
            _ => return Ok(()),
        };
        let policy = self.client().retry_policy();
        let started = Instant::now();
        let mut retry_after = response.retry_after;
        loop {
            let wait = retry_after
                .unwrap_or(std::time::Duration::from_secs(1))
                .min(policy.max_poll_interval);
            tokio::time::sleep(wait).await;
            let status = self.client().send_full(Method::GET, url, None).await?;
            if by_location && status.status != 202 {
                return Ok(());
            }
            let state = if by_location {
                "InProgress"
            } else {
                status.body["status"].as_str().unwrap_or("InProgress")
            };
            if state != "InProgress" {
                self.observe(state);
            }
            match state {
                "Succeeded" => return Ok(()),
                "Failed" | "Canceled" => {
                    return Err(AzureError::OperationFailed {
                        what: what.to_owned(),
                        code: status.body["error"]["code"]
                            .as_str()
                            .unwrap_or("Unknown")
                            .to_owned(),
                        message: status.body["error"]["message"]
                            .as_str()
                            .unwrap_or("(no message)")
                            .to_owned(),
                    });
                }
                _ => {}
            }
            if started.elapsed() > policy.operation_timeout {
                return Err(AzureError::Timeout {
                    what: what.to_owned(),
                    minutes: policy.operation_timeout.as_secs() / 60,
                });
            }
            retry_after = status.retry_after;
        }
    }
}

fn compute_path(target: &WorkspaceTarget, name: &str) -> String {
    format!("{}/computes/{name}", target.path())
}
