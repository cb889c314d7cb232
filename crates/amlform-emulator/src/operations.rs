//! Long-running operations: each write starts one with a deadline (the provisioning delay),
//! and every request first settles those whose deadline has passed, carrying the compute to
//! `Succeeded`, `Failed` or gone. Their status and result are what clients poll.

use std::io;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::arm_error::ArmError;
use crate::clock::timestamp;
use crate::compute_service::{OperationLink, Service, persist};
use crate::compute_view::render_compute;
use crate::store::{Action, Operation, OperationStatus, Workspace};

impl Service {
    /// Finishes every operation whose time has come. Called before each request is handled,
    /// so no background task is needed and a persisted state catches up when reopened.
    pub fn settle(&mut self) -> Result<(), ArmError> {
        let now = self.settings.clock.now_ms();
        for id in self.store.due_operations(now) {
            self.finish_operation(&id, now).map_err(persist)?;
        }
        Ok(())
    }

    pub(crate) fn finish_operation(&mut self, id: &str, now: u64) -> io::Result<()> {
        let Some(mut operation) = self.store.operations.get(id).cloned() else {
            return Ok(());
        };
        let failure = operation.planned_failure.clone();
        let (workspace, name) = (operation.workspace.clone(), operation.compute.clone());
        if let Action::Delete { delete_underlying } = operation.action {
            if let Some(removed) = self.store.remove_compute(&workspace, &name)?
                && delete_underlying
                && let Some(resource_id) = &removed.resource_id
            {
                self.store.set_underlying(resource_id, false)?;
            }
        } else if let Some(compute) = self.store.compute_mut(&workspace, &name) {
            if compute.operation.as_deref() == Some(id) {
                compute.operation = None;
            }
            compute.modified_ms = now;
            match (&operation.action, &failure) {
                (Action::Create | Action::Update, None) => {
                    compute.provisioning_state = "Succeeded".to_owned();
                    compute.provisioning_errors.clear();
                    if compute.compute_type == "ComputeInstance"
                        && operation.action == Action::Create
                    {
                        compute.instance_state = Some("Running".to_owned());
                    }
                }
                (Action::Create | Action::Update, Some(error)) => {
                    compute.provisioning_state = "Failed".to_owned();
                    compute.provisioning_errors = vec![json!({ "error": error })];
                    if compute.compute_type == "ComputeInstance"
                        && operation.action == Action::Create
                    {
                        compute.instance_state = Some("CreateFailed".to_owned());
                    }
                }
                (Action::Start | Action::Restart, _) => {
                    compute.instance_state = Some("Running".to_owned())
                }
                (Action::Stop, _) => compute.instance_state = Some("Stopped".to_owned()),
                (Action::Delete { .. }, _) => {}
            }
            self.store.save_compute(&workspace, &name)?;
        }
        operation.status = if failure.is_some() {
            OperationStatus::Failed
        } else {
            OperationStatus::Succeeded
        };
        operation.error = failure;
        operation.ended_ms = Some(now);
        self.store.put_operation(operation)
    }

    pub(crate) fn start_operation(
        &mut self,
        workspace: &Workspace,
        compute_name: &str,
        location: &str,
        action: Action,
    ) -> Result<OperationLink, ArmError> {
        let now = self.settings.clock.now_ms();
        let fails = matches!(action, Action::Create | Action::Update)
            && self.random.chance(self.settings.faults.failed_provisioning);
        let planned_failure = fails.then(|| {
            json!({
                "code": "ProvisioningFailed",
                "message": format!(
                    "Provisioning of compute '{compute_name}' failed (injected by the emulator's fault settings). Delete it or send the same request again.",
                ),
                "details": []
            })
        });
        let operation = Operation {
            id: self.operation_ids.uuid(),
            action,
            workspace: Workspace::key(
                &workspace.subscription,
                &workspace.resource_group,
                &workspace.name,
            ),
            compute: compute_name.to_ascii_lowercase(),
            subscription: workspace.subscription.clone(),
            location: location.to_owned(),
            started_ms: now,
            ready_ms: now + self.settings.provisioning_delay.as_millis() as u64,
            planned_failure,
            status: OperationStatus::InProgress,
            error: None,
            ended_ms: None,
        };
        let link = OperationLink {
            id: operation.id.clone(),
            subscription: workspace.subscription.clone(),
            location: location.to_owned(),
            with_location: matches!(action, Action::Delete { .. }),
        };
        self.store.put_operation(operation).map_err(persist)?;
        Ok(link)
    }

    /// The `Azure-AsyncOperation` status body.
    pub fn operation_status(&self, id: &str) -> Result<Value, ArmError> {
        let operation = self.operation(id)?;
        let mut body = json!({
            "id": id,
            "name": id,
            "status": operation.status.as_str(),
            "startTime": timestamp(operation.started_ms),
        });
        if let Some(ended) = operation.ended_ms {
            body["endTime"] = json!(timestamp(ended));
        }
        if let Some(error) = &operation.error {
            body["error"] = error.clone();
        }
        Ok(body)
    }

    /// The `Location` result: 202 while running; when done, 200 with the compute a create or
    /// update made, 204 for what leaves none to show (a delete, a start or stop); a failed
    /// operation answers its error with a 4xx status, as ARM's RPC has a `Location` report it.
    pub fn operation_result(&self, id: &str) -> Result<(StatusCode, Option<Value>), ArmError> {
        let operation = self.operation(id)?;
        Ok(match operation.status {
            OperationStatus::InProgress => (StatusCode::ACCEPTED, None),
            OperationStatus::Succeeded => {
                let made = matches!(operation.action, Action::Create | Action::Update)
                    .then(|| {
                        let workspace = self.store.workspace(&operation.workspace)?;
                        let compute = self
                            .store
                            .compute(&operation.workspace, &operation.compute)?;
                        Some(render_compute(workspace, compute))
                    })
                    .flatten();
                match made {
                    Some(body) => (StatusCode::OK, Some(body)),
                    None => (StatusCode::NO_CONTENT, None),
                }
            }
            OperationStatus::Failed => (
                StatusCode::BAD_REQUEST,
                Some(
                    json!({ "error": operation.error.clone().unwrap_or_else(|| json!({
                    "code": "OperationFailed",
                    "message": "The operation failed.",
                })) }),
                ),
            ),
        })
    }

    pub(crate) fn operation(&self, id: &str) -> Result<&Operation, ArmError> {
        self.store.operations.get(id).ok_or_else(|| {
            ArmError::not_found(
                "OperationNotFound",
                format!("The operation '{id}' was not found."),
            )
        })
    }
}
