//! The write side of the provider: create or attach, update, delete or detach, start and
//! stop, each followed through its long-running operation to `Succeeded` or `Failed`.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use amlform_provider::{PowerAction, UnderlyingAction};

use crate::arm_client::ArmResponse;
use crate::{
    AzureError, AzureProvider, InstanceState, RemoteCompute, RetryPolicy, WorkspaceTarget,
};

impl AzureProvider {
    /// PUT the compute's ARM body (create, attach or update), wait for it, and read it back.
    pub async fn put_body(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        body: &Value,
    ) -> Result<RemoteCompute, AzureError> {
        self.write_compute(Method::PUT, target, name, body, "creating or updating")
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
        let what = format!("{doing} compute {name}");
        let resource = match self
            .wait(&response, &path, Outcome::Provisioned, &what)
            .await?
        {
            Some(resource) => resource,
            None => self.client().get(&path).await?,
        };
        // An operation that ended well for a compute that did not is still a failure.
        is_final(&resource).map_err(|error| named(error, &what))?;
        Ok(crate::remote_compute(&resource))
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
        let path = compute_path(target, name);
        let response = self
            .send_when_idle(
                Method::DELETE,
                &format!("{path}?underlyingResourceAction={action}"),
                None,
            )
            .await?;
        let what = format!("removing compute {name} ({action})");
        self.wait(&response, &path, Outcome::Gone, &what).await?;
        Ok(())
    }

    /// Start or stop a compute instance, and wait for it. A start or stop already under way
    /// (the instance's schedule, someone in the studio) is waited out first, and an instance
    /// already as asked is left alone.
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
        let path = compute_path(target, name);
        let what = format!("{verb} of compute instance {name}");
        let settled = self
            .poll_resource(&path, Outcome::Settled, &what, None)
            .await?;
        let now = instance_state(&settled);
        let done = match action {
            PowerAction::Start => matches!(now, InstanceState::Running { .. }),
            PowerAction::Stop => matches!(now, InstanceState::Stopped { .. }),
        };
        if done {
            return Ok(());
        }
        let response = self
            .send_when_idle(Method::POST, &format!("{path}/{verb}"), None)
            .await?;
        self.wait(&response, &path, Outcome::Power(action), &what)
            .await?;
        Ok(())
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
        let mut wait = policy.base_delay.max(Duration::from_secs(1));
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
                    wait = (wait * 2).min(own_poll_ceiling(&policy));
                }
                other => return other,
            }
        }
    }

    /// Follows a long-running operation to its end, by whichever signal the service gave:
    /// `Azure-AsyncOperation` (a status to poll), else `Location` (202 while it runs), else
    /// the resource itself. The API description declares no header on a `Compute_CreateOrUpdate`
    /// 200 (`BasicAmlCompute.json` answers 200 while `Creating`), on `Compute_Update`, or on
    /// the 202s of start, stop and restart. Returns the resource when the last read was of it.
    async fn wait(
        &self,
        response: &ArmResponse,
        path: &str,
        outcome: Outcome,
        what: &str,
    ) -> Result<Option<Value>, AzureError> {
        if let Some(state) = response.body["properties"]["provisioningState"].as_str() {
            self.observe(state);
        }
        // A new compute's own `provisioningState` starts at `Creating` and ends as the
        // operation does, and its final read is needed anyway: polling it instead of the
        // operation's status saves a read per create (one in all, when it is instant). An
        // update's resource may still say `Succeeded` before the update applies, so updates
        // follow the operation.
        let created = response.status == 201 && outcome == Outcome::Provisioned;
        if let (Some(url), false) = (&response.azure_async_operation, created) {
            self.poll_status(url, response.retry_after, what).await?;
            return Ok(None);
        }
        // A body already final needs no poll; otherwise a `Location` is followed (on a PATCH's
        // 200 as on a 201 or 202), else the resource itself.
        let final_body = outcome == Outcome::Provisioned
            && response.body.is_object()
            && is_final(&response.body).map_err(|error| named(error, what))?;
        if let (Some(url), false, false) = (&response.location, final_body, response.status == 204)
        {
            self.poll_location(url, response.retry_after, what).await?;
            return Ok(None);
        }
        let finished = match outcome {
            // 200 and 204 of a DELETE are "deleted"; only a 202 goes on (delete.json).
            Outcome::Gone => response.status != 202,
            Outcome::Provisioned => final_body,
            Outcome::Power(_) | Outcome::Settled => false,
        };
        if finished {
            return Ok(response.body.is_object().then(|| response.body.clone()));
        }
        self.poll_resource(path, outcome, what, response.retry_after)
            .await
            .map(Some)
    }

    /// Polls an `Azure-AsyncOperation` status until it is final.
    async fn poll_status(
        &self,
        url: &str,
        retry_after: Option<Duration>,
        what: &str,
    ) -> Result<(), AzureError> {
        let mut poll = Poller::new(self.client().retry_policy(), retry_after, what);
        let mut last = String::new();
        loop {
            poll.wait().await?;
            let status = self.client().send_full(Method::GET, url, None).await?;
            poll.service_asks(status.retry_after);
            let state = status.body["status"].as_str().unwrap_or("InProgress");
            if !state.eq_ignore_ascii_case(&last) {
                last = state.to_owned();
                self.observe_status(state);
            }
            match Final::of(state) {
                Some(Final::Succeeded) => return Ok(()),
                Some(Final::Failed) => {
                    return Err(AzureError::OperationFailed {
                        what: what.to_owned(),
                        code: status.body["error"]["code"]
                            .as_str()
                            .unwrap_or(state)
                            .to_owned(),
                        message: crate::azure_error::error_message(&status.body["error"]),
                    });
                }
                None => {}
            }
        }
    }

    /// Polls a `Location` until it stops answering 202.
    async fn poll_location(
        &self,
        url: &str,
        retry_after: Option<Duration>,
        what: &str,
    ) -> Result<(), AzureError> {
        let mut poll = Poller::new(self.client().retry_policy(), retry_after, what);
        loop {
            poll.wait().await?;
            let status = match self.client().send_full(Method::GET, url, None).await {
                Ok(status) => status,
                // A `Location` reports a failed operation as an error answer.
                Err(AzureError::Service { code, message, .. }) => {
                    return Err(AzureError::OperationFailed {
                        what: what.to_owned(),
                        code,
                        message,
                    });
                }
                Err(error) => return Err(error),
            };
            if status.status != 202 {
                return Ok(());
            }
            poll.service_asks(status.retry_after);
        }
    }

    /// Polls the compute itself until `outcome`; returns its last reading (`Null` when gone).
    async fn poll_resource(
        &self,
        path: &str,
        outcome: Outcome,
        what: &str,
        retry_after: Option<Duration>,
    ) -> Result<Value, AzureError> {
        let mut poll = Poller::new(self.client().retry_policy(), retry_after, what);
        // A transition to wait out is read at once; the others were just asked for.
        if outcome != Outcome::Settled {
            poll.wait().await?;
        }
        let mut last = String::new();
        loop {
            let resource = match self.client().send_full(Method::GET, path, None).await {
                Ok(response) => response,
                Err(error) if error.status() == Some(404) && outcome == Outcome::Gone => {
                    return Ok(Value::Null);
                }
                Err(error) => return Err(error),
            };
            let body = resource.body;
            let state = match outcome {
                Outcome::Power(_) | Outcome::Settled => body["properties"]["properties"]["state"]
                    .as_str()
                    .unwrap_or_default(),
                Outcome::Provisioned | Outcome::Gone => body["properties"]["provisioningState"]
                    .as_str()
                    .unwrap_or_default(),
            }
            .to_owned();
            if !state.eq_ignore_ascii_case(&last) {
                last.clone_from(&state);
                self.observe_status(&state);
            }
            let finished = match outcome {
                Outcome::Provisioned => is_final(&body).map_err(|error| named(error, what))?,
                Outcome::Gone => false,
                Outcome::Settled => !instance_state(&body).in_transition(),
                Outcome::Power(action) => match (action, instance_state(&body)) {
                    (PowerAction::Start, InstanceState::Running { settled }) => settled,
                    (PowerAction::Stop, InstanceState::Stopped { settled }) => settled,
                    (_, InstanceState::Failed) => {
                        return Err(AzureError::OperationFailed {
                            what: what.to_owned(),
                            code: state,
                            message: "the compute instance reports this state; see its \
                                      provisioning errors in the studio"
                                .to_owned(),
                        });
                    }
                    _ => false,
                },
            };
            if finished {
                return Ok(body);
            }
            poll.service_asks(resource.retry_after);
            poll.wait().await?;
        }
    }

    /// Tells the observer the operation's status, and says so where it is not one this
    /// client knows: the wait goes on, but not in silence.
    fn observe_status(&self, state: &str) {
        if state.is_empty() {
            return;
        }
        if is_known_status(state) {
            self.observe(state);
        } else {
            self.observe(&format!(
                "{state} (a status amlform does not know; still waiting)"
            ));
        }
    }
}

/// What ends a wait on the resource itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// `provisioningState` is final.
    Provisioned,
    /// The compute answers 404.
    Gone,
    /// The instance reaches the state the action asks for.
    Power(PowerAction),
    /// The instance is in no transition.
    Settled,
}

/// ARM's final statuses (the RPC's `Succeeded`, `Failed`, `Canceled`), in any case.
enum Final {
    Succeeded,
    Failed,
}

impl Final {
    fn of(status: &str) -> Option<Final> {
        if status.eq_ignore_ascii_case("Succeeded") {
            Some(Final::Succeeded)
        } else if status.eq_ignore_ascii_case("Failed")
            || status.eq_ignore_ascii_case("Canceled")
            || status.eq_ignore_ascii_case("Cancelled")
        {
            Some(Final::Failed)
        } else {
            None
        }
    }
}

/// Statuses that mean "still going" (ARM's and `ProvisioningState`'s), and the final ones.
fn is_known_status(status: &str) -> bool {
    Final::of(status).is_some()
        || [
            "InProgress",
            "Accepted",
            "NotStarted",
            "Running",
            "Creating",
            "Updating",
            "Deleting",
            "Provisioning",
            "Unknown",
        ]
        .iter()
        .any(|known| known.eq_ignore_ascii_case(status))
        || !matches!(InstanceState::of(status), InstanceState::Other)
}

/// Whether a compute resource's `provisioningState` is final: `Ok(true)` when `Succeeded`, an
/// error with the service's provisioning errors when `Failed` or `Canceled`.
fn is_final(resource: &Value) -> Result<bool, AzureError> {
    let state = resource["properties"]["provisioningState"]
        .as_str()
        .unwrap_or_default();
    match Final::of(state) {
        Some(Final::Succeeded) => Ok(true),
        Some(Final::Failed) => {
            let errors = resource["properties"]["provisioningErrors"].as_array();
            let first = errors.and_then(|errors| errors.first());
            Err(AzureError::OperationFailed {
                what: String::new(),
                code: first
                    .and_then(|error| error["error"]["code"].as_str())
                    .unwrap_or(state)
                    .to_owned(),
                message: first.map_or_else(
                    || "the service gave no provisioning error".to_owned(),
                    |error| crate::azure_error::error_message(&error["error"]),
                ),
            })
        }
        None => Ok(false),
    }
}

/// An [`is_final`] failure, said of `what`.
fn named(error: AzureError, what: &str) -> AzureError {
    match error {
        AzureError::OperationFailed { code, message, .. } => AzureError::OperationFailed {
            what: what.to_owned(),
            code,
            message,
        },
        other => other,
    }
}

fn instance_state(resource: &Value) -> InstanceState {
    InstanceState::of(
        resource["properties"]["properties"]["state"]
            .as_str()
            .unwrap_or_default(),
    )
}

/// The longest this client waits between two polls when the service does not say.
fn own_poll_ceiling(policy: &RetryPolicy) -> Duration {
    policy.max_poll_interval.min(Duration::from_secs(15))
}

/// The pause before each poll: the service's `Retry-After` when it gave one (as long as it
/// asks, up to the policy's `max_retry_after`: ARM asks for a minute or more on long
/// operations), else 1 s growing to [`own_poll_ceiling`]; and the operation timeout.
struct Poller<'a> {
    policy: RetryPolicy,
    started: Instant,
    asked: Option<Duration>,
    own: Duration,
    what: &'a str,
}

impl<'a> Poller<'a> {
    fn new(policy: RetryPolicy, asked: Option<Duration>, what: &'a str) -> Self {
        Poller {
            policy,
            started: Instant::now(),
            asked,
            own: Duration::from_secs(1).min(own_poll_ceiling(&policy)),
            what,
        }
    }

    fn service_asks(&mut self, retry_after: Option<Duration>) {
        self.asked = retry_after;
    }

    async fn wait(&mut self) -> Result<(), AzureError> {
        let elapsed = self.started.elapsed();
        if elapsed > self.policy.operation_timeout {
            return Err(AzureError::Timeout {
                what: self.what.to_owned(),
                minutes: self.policy.operation_timeout.as_secs() / 60,
            });
        }
        let pause = match self.asked.take() {
            Some(asked) => asked.min(self.policy.max_retry_after),
            None => {
                let pause = self.own;
                self.own = (self.own * 2).min(own_poll_ceiling(&self.policy));
                pause
            }
        };
        tokio::time::sleep(pause.min(self.policy.operation_timeout - elapsed)).await;
        Ok(())
    }
}

fn compute_path(target: &WorkspaceTarget, name: &str) -> String {
    format!("{}/computes/{name}", target.path())
}
