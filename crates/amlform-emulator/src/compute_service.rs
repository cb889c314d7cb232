//! The service itself: every compute operation, the rules the real service enforces, and the
//! long-running operations that carry a compute from `Creating` to `Succeeded` or `Failed`.
//!
//! Handlers in `routes` parse HTTP and call in here; nothing in this file knows about HTTP
//! beyond status codes.

use std::io;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::arm_error::ArmError;
use crate::clock::{now_ms, timestamp};
use crate::compute_types::{self, ComputeType, Family};
use crate::quota_ledger::QuotaPool;
use crate::random::Random;
use crate::settings::Settings;
use crate::store::{Action, Compute, Operation, OperationStatus, Store, Workspace};
use crate::throttle::Throttle;
use crate::vm_size_catalog::{self, VmSize};

pub const COMPUTE_RESOURCE_TYPE: &str = "Microsoft.MachineLearningServices/workspaces/computes";

/// Which workspace a request is about, as the URL names it.
#[derive(Debug, Clone)]
pub struct WorkspacePath {
    pub subscription: String,
    pub resource_group: String,
    pub workspace: String,
}

impl WorkspacePath {
    pub fn key(&self) -> String {
        Workspace::key(&self.subscription, &self.resource_group, &self.workspace)
    }
}

/// What a write answered: the status, the body, and the operation to poll, if one started.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Option<Value>,
    pub operation: Option<OperationLink>,
}

#[derive(Debug, Clone)]
pub struct OperationLink {
    pub id: String,
    pub subscription: String,
    pub location: String,
    /// Also answer a `Location` header (deletes do).
    pub with_location: bool,
}

#[derive(Debug)]
pub struct Service {
    pub store: Store,
    pub settings: Settings,
    /// `None` when rate limits are off.
    pub throttle: Option<Throttle>,
    random: Random,
    /// Operation ids: unique across restarts of a persisted emulator (an id reused after a
    /// restart made an operation begun before it never end), so seeded from the clock and the
    /// process as well as the seed. Fault rolls stay on `random`, replayable by seed.
    operation_ids: Random,
}

/// A seed no earlier run of this emulator used: the seed, the time in nanoseconds and the
/// process id.
fn unique_seed(seed: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    seed ^ nanos ^ (u64::from(std::process::id()) << 40)
}

fn persist(error: io::Error) -> ArmError {
    ArmError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        format!("the emulator could not persist its state: {error}"),
    )
}

impl Service {
    pub fn new(store: Store, settings: Settings) -> Self {
        Service {
            // A persisted world does not replay the rolls of its last run: a real service's
            // faults do not repeat request for request, and a replay can fail the same
            // requests in every run. The same history still gives the same rolls.
            random: Random::new(
                settings.seed ^ (store.operations.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ),
            operation_ids: Random::new(unique_seed(settings.seed)),
            throttle: settings.rate_limits.map(Throttle::new),
            store,
            settings,
        }
    }

    pub fn random(&mut self) -> &mut Random {
        &mut self.random
    }

    // ---- long-running operations -------------------------------------------------------

    /// Finishes every operation whose time has come. Called before each request is handled,
    /// so no background task is needed and a persisted state catches up when reopened.
    pub fn settle(&mut self) -> Result<(), ArmError> {
        let now = now_ms();
        for id in self.store.due_operations(now) {
            self.finish_operation(&id, now).map_err(persist)?;
        }
        Ok(())
    }

    fn finish_operation(&mut self, id: &str, now: u64) -> io::Result<()> {
        let Some(mut operation) = self.store.operations.get(id).cloned() else {
            return Ok(());
        };
        let failure = operation.planned_failure.clone();
        let (workspace, name) = (operation.workspace.clone(), operation.compute.clone());
        if let Action::Delete { delete_underlying } = operation.action {
            if let Some(removed) = self.store.remove_compute(&workspace, &name)? {
                if delete_underlying && let Some(resource_id) = &removed.resource_id {
                    self.store.set_underlying(resource_id, false)?;
                }
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

    fn start_operation(
        &mut self,
        workspace: &Workspace,
        compute_name: &str,
        location: &str,
        action: Action,
    ) -> Result<OperationLink, ArmError> {
        let now = now_ms();
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

    fn operation(&self, id: &str) -> Result<&Operation, ArmError> {
        self.store.operations.get(id).ok_or_else(|| {
            ArmError::not_found(
                "OperationNotFound",
                format!("The operation '{id}' was not found."),
            )
        })
    }

    // ---- workspaces ---------------------------------------------------------------------

    /// The workspace's key, creating it first when the settings allow.
    fn workspace(&mut self, path: &WorkspacePath) -> Result<Workspace, ArmError> {
        let key = path.key();
        if let Some(workspace) = self.store.workspace(&key) {
            return Ok(workspace.clone());
        }
        match self.settings.auto_create_workspaces.clone() {
            Some(location) => self.create_workspace(path, &location),
            None => Err(ArmError::not_found(
                "ParentResourceNotFound",
                format!(
                    "Can not perform requested operation on nested resource. Parent resource '{}' not found.",
                    path.workspace
                ),
            )),
        }
    }

    fn create_workspace(
        &mut self,
        path: &WorkspacePath,
        location: &str,
    ) -> Result<Workspace, ArmError> {
        check_workspace_name(&path.workspace)?;
        let workspace = Workspace {
            subscription: path.subscription.clone(),
            resource_group: path.resource_group.clone(),
            name: path.workspace.clone(),
            location: location.to_ascii_lowercase(),
            created_ms: now_ms(),
        };
        self.store
            .put_workspace(workspace.clone())
            .map_err(persist)?;
        Ok(workspace)
    }

    pub fn get_workspace(&self, path: &WorkspacePath) -> Result<Value, ArmError> {
        match self.store.workspace(&path.key()) {
            Some(workspace) => Ok(render_workspace(workspace)),
            None => Err(ArmError::not_found(
                "ResourceNotFound",
                format!(
                    "The Resource 'Microsoft.MachineLearningServices/workspaces/{}' under resource group '{}' was not found.",
                    path.workspace, path.resource_group
                ),
            )),
        }
    }

    /// Creates a workspace (or moves nothing if it exists: a workspace's region is fixed).
    pub fn put_workspace(&mut self, path: &WorkspacePath, body: &Value) -> Result<Reply, ArmError> {
        let location = body
            .get("location")
            .and_then(Value::as_str)
            .ok_or_else(|| ArmError::invalid_content("The workspace needs a 'location'."))?;
        if let Some(existing) = self.store.workspace(&path.key()) {
            if !existing.location.eq_ignore_ascii_case(location) {
                return Err(ArmError::conflict(
                    "InvalidResourceLocation",
                    format!(
                        "The workspace '{}' already exists in location '{}'; a workspace cannot move to '{location}'.",
                        existing.name, existing.location
                    ),
                ));
            }
            return Ok(Reply {
                status: StatusCode::OK,
                body: Some(render_workspace(existing)),
                operation: None,
            });
        }
        let workspace = self.create_workspace(path, location)?;
        Ok(Reply {
            status: StatusCode::CREATED,
            body: Some(render_workspace(&workspace)),
            operation: None,
        })
    }

    // ---- reads --------------------------------------------------------------------------

    pub fn get_compute(&mut self, path: &WorkspacePath, name: &str) -> Result<Value, ArmError> {
        let workspace = self.workspace(path)?;
        let compute = self.existing(&workspace, name)?;
        Ok(render_compute(&workspace, compute))
    }

    fn existing(&self, workspace: &Workspace, name: &str) -> Result<&Compute, ArmError> {
        let key = Workspace::key(
            &workspace.subscription,
            &workspace.resource_group,
            &workspace.name,
        );
        self.store
            .compute(&key, name)
            .ok_or_else(|| compute_not_found(workspace, name))
    }

    /// One page of the workspace's computes (sorted by name) and the `$skip` of the next.
    pub fn list_computes(
        &mut self,
        path: &WorkspacePath,
        skip: usize,
        compute_type: Option<&str>,
    ) -> Result<(Vec<Value>, Option<usize>), ArmError> {
        let workspace = self.workspace(path)?;
        let page_size = self.settings.page_size.max(1);
        let mut page = Vec::new();
        let key = path.key();
        let mut matching = self
            .store
            .computes(&key)
            .filter(|compute| {
                compute_type.is_none_or(|kind| compute.compute_type.eq_ignore_ascii_case(kind))
            })
            .skip(skip);
        for compute in matching.by_ref().take(page_size) {
            page.push(render_compute(&workspace, compute));
        }
        let next = matching.next().is_some().then_some(skip + page_size);
        Ok((page, next))
    }

    pub fn list_nodes(&mut self, path: &WorkspacePath, name: &str) -> Result<Value, ArmError> {
        let workspace = self.workspace(path)?;
        let compute = self.existing(&workspace, name)?;
        if compute.compute_type != "AmlCompute" {
            return Err(not_supported("listNodes", compute));
        }
        let nodes: Vec<Value> = (0..current_node_count(compute))
            .map(|index| {
                json!({
                    "nodeId": format!("tvm-{}_{}-20261122t000000z", 3_601_533_753u64, index + 1),
                    "privateIpAddress": format!("10.0.0.{}", index + 4),
                    "publicIpAddress": format!("20.0.0.{}", index + 4),
                    "port": 50_000 + index,
                    "nodeState": "idle",
                    "runId": null
                })
            })
            .collect();
        Ok(json!({ "nodes": nodes }))
    }

    pub fn list_keys(&mut self, path: &WorkspacePath, name: &str) -> Result<Value, ArmError> {
        let workspace = self.workspace(path)?;
        let compute = self.existing(&workspace, name)?;
        let mut keys = json!({ "computeType": compute.compute_type });
        let secrets = compute.secrets.clone().unwrap_or(Value::Null);
        match compute.compute_type.as_str() {
            "AKS" => {
                keys["userKubeConfig"] = json!(format!(
                    "apiVersion: v1\nkind: Config\n# user kubeconfig of {}\n",
                    compute.name
                ));
                keys["adminKubeConfig"] = json!(format!(
                    "apiVersion: v1\nkind: Config\n# admin kubeconfig of {}\n",
                    compute.name
                ));
                keys["imagePullSecretName"] = json!(format!("{}-image-pull", compute.name));
            }
            "VirtualMachine" | "HDInsight" => {
                let mut account = secrets
                    .get("administratorAccount")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                if let Some(username) = compute
                    .properties
                    .as_ref()
                    .and_then(|properties| properties.pointer("/administratorAccount/username"))
                {
                    account["username"] = username.clone();
                }
                keys["administratorAccount"] = account;
            }
            "Databricks" => {
                if let Some(token) = secrets.get("databricksAccessToken") {
                    keys["databricksAccessToken"] = token.clone();
                }
            }
            _ => {}
        }
        Ok(keys)
    }

    // ---- create, update, delete ---------------------------------------------------------

    /// `PUT .../computes/{name}`: create, attach, update in place, or nothing when unchanged.
    pub fn put_compute(
        &mut self,
        path: &WorkspacePath,
        name: &str,
        body: &Value,
    ) -> Result<Reply, ArmError> {
        let workspace = self.workspace(path)?;
        let key = path.key();
        let existing = self.store.compute(&key, name).cloned();

        if let Some(existing) = &existing
            && existing.provisioning_state != "Failed"
        {
            let keeps_identity = body.get("identity").is_none();
            let mut request =
                ComputeRequest::parse(&with_kept_settings(existing, body), &workspace)?;
            if keeps_identity {
                request.identity = existing.identity.clone();
            }
            return self.update_compute(&workspace, existing, request, keeps_identity);
        }
        let mut request = ComputeRequest::parse(body, &workspace)?;
        check_compute_name(name, request.kind.name)?;

        // A new compute, or a failed one provisioned again.
        self.validate_new(&workspace, name, &mut request)?;
        let now = now_ms();
        let link = self.start_operation(&workspace, name, &request.location, Action::Create)?;
        let kind = request.kind;
        let compute = Compute {
            name: existing
                .as_ref()
                .map_or_else(|| name.to_owned(), |old| old.name.clone()),
            compute_type: kind.name.to_owned(),
            location: request.location,
            description: request.description,
            resource_id: request.resource_id,
            is_attached: request.is_attached,
            properties: request.properties,
            settable: request.settable,
            identity: request
                .identity
                .map(|identity| self.render_identity(identity)),
            tags: request.tags,
            sku: request.sku,
            provisioning_state: "Creating".to_owned(),
            provisioning_errors: Vec::new(),
            created_ms: existing.as_ref().map_or(now, |old| old.created_ms),
            modified_ms: now,
            instance_state: (kind.name == "ComputeInstance").then(|| "Creating".to_owned()),
            operation: Some(link.id.clone()),
            secrets: request.secrets,
        };
        if let Some(resource_id) = &compute.resource_id {
            self.store
                .set_underlying(resource_id, true)
                .map_err(persist)?;
            if compute.is_attached {
                self.break_earlier_attachments(&key, &compute)?;
            }
        }
        let body = render_compute(&workspace, &compute);
        self.store.put_compute(&key, compute).map_err(persist)?;
        Ok(Reply {
            status: if existing.is_some() {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            },
            body: Some(body),
            operation: Some(link),
        })
    }

    fn validate_new(
        &mut self,
        workspace: &Workspace,
        name: &str,
        request: &mut ComputeRequest,
    ) -> Result<(), ArmError> {
        let kind = request.kind;
        match kind.name {
            "AmlCompute" => {
                resolve_remote_login(request.properties.as_mut());
                let size = check_vm_size(request.properties.as_ref(), kind)?;
                check_scale_settings(request.properties.as_ref())?;
                self.check_quota(
                    workspace,
                    name,
                    &request.location,
                    size,
                    request.properties.as_ref(),
                )?;
            }
            "ComputeInstance" => {
                check_vm_size(request.properties.as_ref(), kind)?;
                self.check_instance_name_free(workspace, name, &request.location)?;
            }
            "AKS" => check_ssl(request.properties.as_ref(), request.secrets.as_ref())?,
            _ => {}
        }
        if request.is_attached {
            let resource_id = request.resource_id.as_deref().unwrap_or_default();
            if self.store.underlying.get(&resource_id.to_ascii_lowercase()) == Some(&false) {
                return Err(ArmError::bad_request(
                    "UnderlyingResourceNotFound",
                    format!(
                        "The resource '{resource_id}' to attach does not exist (it was deleted)."
                    ),
                ));
            }
        } else if kind.name == "AKS" {
            // Created by the workspace: the service makes the cluster and reports its id.
            let suffix = self.random.next_u64() & 0xf_ffff;
            request.resource_id = Some(format!(
                "/subscriptions/{}/resourcegroups/{}/providers/Microsoft.ContainerService/managedClusters/{}-{suffix:05x}",
                workspace.subscription, workspace.resource_group, name
            ));
        }
        Ok(())
    }

    fn update_compute(
        &mut self,
        workspace: &Workspace,
        existing: &Compute,
        request: ComputeRequest,
        keeps_identity: bool,
    ) -> Result<Reply, ArmError> {
        let key = Workspace::key(
            &workspace.subscription,
            &workspace.resource_group,
            &workspace.name,
        );
        let kind = request.kind;
        if !existing.compute_type.eq_ignore_ascii_case(kind.name) {
            return Err(ArmError::conflict(
                "PropertyChangeNotAllowed",
                format!(
                    "Compute '{}' is a {}; it cannot become a {}. Delete it first.",
                    existing.name, existing.compute_type, kind.name
                ),
            )
            .with_detail(
                "PropertyChangeNotAllowed",
                "properties.computeType",
                "computeType is fixed at creation",
            ));
        }
        let changed = request.changed_paths(existing);
        let in_progress = existing.operation.clone();
        if changed.is_empty() {
            // The same request again is idempotent, also while its operation runs.
            let link = in_progress.and_then(|id| {
                let operation = self.store.operations.get(&id)?;
                Some(OperationLink {
                    id,
                    subscription: operation.subscription.clone(),
                    location: operation.location.clone(),
                    with_location: matches!(operation.action, Action::Delete { .. }),
                })
            });
            return Ok(Reply {
                status: StatusCode::OK,
                body: Some(render_compute(workspace, existing)),
                operation: link,
            });
        }
        if in_progress.is_some() {
            return Err(another_operation(existing));
        }
        let fixed: Vec<&String> = changed
            .iter()
            .filter(|path| !is_in_place(kind, existing.is_attached, path))
            .collect();
        if !fixed.is_empty() {
            let names = fixed
                .iter()
                .map(|path| path.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let mut error = if existing.is_attached {
                ArmError::conflict(
                    "DetachRequired",
                    format!(
                        "Compute '{}' is attached; its settings ({names}) cannot change while attached. Detach it (DELETE with underlyingResourceAction=Detach), then attach it again with the new settings.",
                        existing.name
                    ),
                )
            } else {
                ArmError::conflict(
                    "PropertyChangeNotAllowed",
                    format!(
                        "Compute '{}' cannot change {names} in place. Delete it and create it again with the new settings.",
                        existing.name
                    ),
                )
            };
            for path in fixed {
                error = error.with_detail(
                    "PropertyChangeNotAllowed",
                    path,
                    "cannot be updated on an existing compute",
                );
            }
            return Err(error);
        }
        if kind.name == "AmlCompute" {
            check_scale_settings(request.properties.as_ref())?;
            let size = check_vm_size(request.properties.as_ref(), kind)?;
            self.check_quota(
                workspace,
                &existing.name,
                &existing.location,
                size,
                request.properties.as_ref(),
            )?;
        }
        let link = self.start_operation(
            workspace,
            &existing.name,
            &existing.location,
            Action::Update,
        )?;
        let identity = if keeps_identity {
            request.identity
        } else {
            request
                .identity
                .map(|identity| self.render_identity(identity))
        };
        let mut updated = existing.clone();
        updated.description = request.description;
        updated.properties = request.properties;
        updated.tags = request.tags;
        updated.identity = identity;
        updated.provisioning_state = "Updating".to_owned();
        updated.modified_ms = now_ms();
        updated.operation = Some(link.id.clone());
        if request.secrets.is_some() {
            updated.secrets = request.secrets;
        }
        let body = render_compute(workspace, &updated);
        self.store.put_compute(&key, updated).map_err(persist)?;
        Ok(Reply {
            status: StatusCode::OK,
            body: Some(body),
            operation: Some(link),
        })
    }

    /// `PATCH`: new scale settings for an AmlCompute cluster.
    pub fn patch_compute(
        &mut self,
        path: &WorkspacePath,
        name: &str,
        body: &Value,
    ) -> Result<Reply, ArmError> {
        let workspace = self.workspace(path)?;
        let existing = self.existing(&workspace, name)?.clone();
        if existing.compute_type != "AmlCompute" {
            return Err(not_supported("PATCH (scale settings)", &existing));
        }
        let scale = body
            .pointer("/properties/properties/scaleSettings")
            .ok_or_else(|| {
                ArmError::invalid_content("The body needs properties.properties.scaleSettings.")
            })?;
        if !scale.is_object() {
            return Err(ArmError::invalid_content(
                "properties.properties.scaleSettings must be an object.",
            ));
        }
        let mut properties = existing.properties.clone().unwrap_or_else(|| json!({}));
        let merged = properties
            .as_object_mut()
            .map(|object| object.entry("scaleSettings").or_insert_with(|| json!({})))
            .ok_or_else(|| ArmError::invalid_content("properties must be an object."))?;
        for (field, value) in scale.as_object().into_iter().flatten() {
            merged[field] = value.clone();
        }
        let mut request_body = render_compute(&workspace, &existing);
        request_body["properties"]["properties"] = properties;
        self.put_compute(path, name, &strip_read_only(request_body))
    }

    /// `DELETE ...?underlyingResourceAction=Delete|Detach`.
    pub fn delete_compute(
        &mut self,
        path: &WorkspacePath,
        name: &str,
        action: Option<&str>,
    ) -> Result<Reply, ArmError> {
        let delete_underlying = match action {
            Some(action) if action.eq_ignore_ascii_case("Delete") => true,
            Some(action) if action.eq_ignore_ascii_case("Detach") => false,
            Some(other) => {
                return Err(ArmError::bad_request(
                    "InvalidUnderlyingResourceAction",
                    format!(
                        "underlyingResourceAction '{other}' is not valid; use 'Delete' or 'Detach'."
                    ),
                ));
            }
            None => {
                return Err(ArmError::bad_request(
                    "MissingUnderlyingResourceAction",
                    "The query parameter underlyingResourceAction is required: 'Delete' deletes the compute, 'Detach' detaches an attached one.",
                ));
            }
        };
        let workspace = self.workspace(path)?;
        let key = path.key();
        let Some(existing) = self.store.compute(&key, name).cloned() else {
            return Ok(Reply {
                status: StatusCode::NO_CONTENT,
                body: None,
                operation: None,
            });
        };
        let kind = compute_types::find(&existing.compute_type).ok();
        if !delete_underlying && kind.is_some_and(|kind| kind.family == Family::Managed) {
            return Err(ArmError::bad_request(
                "OperationNotSupported",
                format!(
                    "Compute '{}' is a {} created by the workspace; it cannot be detached. Use underlyingResourceAction=Delete.",
                    existing.name, existing.compute_type
                ),
            ));
        }
        if let Some(id) = &existing.operation {
            let deleting = self
                .store
                .operations
                .get(id)
                .is_some_and(|operation| matches!(operation.action, Action::Delete { .. }));
            if !deleting {
                return Err(another_operation(&existing));
            }
            let operation = &self.store.operations[id];
            return Ok(Reply {
                status: StatusCode::ACCEPTED,
                body: None,
                operation: Some(OperationLink {
                    id: id.clone(),
                    subscription: operation.subscription.clone(),
                    location: operation.location.clone(),
                    with_location: true,
                }),
            });
        }
        let link = self.start_operation(
            &workspace,
            &existing.name,
            &existing.location,
            Action::Delete { delete_underlying },
        )?;
        if let Some(compute) = self.store.compute_mut(&key, name) {
            compute.provisioning_state = "Deleting".to_owned();
            compute.operation = Some(link.id.clone());
        }
        self.store.save_compute(&key, name).map_err(persist)?;
        Ok(Reply {
            status: StatusCode::ACCEPTED,
            body: None,
            operation: Some(link),
        })
    }

    /// `POST .../start|stop|restart` of a compute instance.
    pub fn power(
        &mut self,
        path: &WorkspacePath,
        name: &str,
        action: Action,
    ) -> Result<Reply, ArmError> {
        let workspace = self.workspace(path)?;
        let key = path.key();
        let existing = self.existing(&workspace, name)?.clone();
        let verb = match action {
            Action::Start => "start",
            Action::Stop => "stop",
            _ => "restart",
        };
        if existing.compute_type != "ComputeInstance" {
            return Err(not_supported(verb, &existing));
        }
        if existing.operation.is_some() {
            return Err(another_operation(&existing));
        }
        let state = existing.instance_state.clone().unwrap_or_default();
        // A busy instance (`JobRunning`) is running: it can be stopped or restarted.
        let (required, transition): (&[&str], _) = match action {
            Action::Start => (&["Stopped"], "Starting"),
            Action::Stop => (&["Running", "JobRunning"], "Stopping"),
            _ => (&["Running", "JobRunning"], "Restarting"),
        };
        if !required.contains(&state.as_str()) {
            return Err(ArmError::conflict(
                "InvalidComputeState",
                format!(
                    "Compute instance '{}' is {state}; it can {verb} only when {}.",
                    existing.name,
                    required.join(" or ")
                ),
            ));
        }
        let link = self.start_operation(&workspace, &existing.name, &existing.location, action)?;
        if let Some(compute) = self.store.compute_mut(&key, name) {
            compute.instance_state = Some(transition.to_owned());
            compute.operation = Some(link.id.clone());
        }
        self.store.save_compute(&key, name).map_err(persist)?;
        Ok(Reply {
            status: StatusCode::ACCEPTED,
            body: None,
            operation: Some(link),
        })
    }

    // ---- rules --------------------------------------------------------------------------

    /// Compute instance names are unique in a region, across every workspace.
    fn check_instance_name_free(
        &self,
        workspace: &Workspace,
        name: &str,
        location: &str,
    ) -> Result<(), ArmError> {
        let here = Workspace::key(
            &workspace.subscription,
            &workspace.resource_group,
            &workspace.name,
        );
        let taken = self
            .store
            .all_computes()
            .find(|(other_workspace, compute)| {
                compute.compute_type == "ComputeInstance"
                    && compute.name.eq_ignore_ascii_case(name)
                    && compute.location.eq_ignore_ascii_case(location)
                    && Workspace::key(
                        &other_workspace.subscription,
                        &other_workspace.resource_group,
                        &other_workspace.name,
                    ) != here
            });
        match taken {
            Some(_) => Err(ArmError::conflict(
                "ComputeNameUnavailable",
                format!(
                    "A compute instance named '{name}' already exists in region '{location}'. Compute instance names must be unique across the region; choose another name.",
                ),
            )),
            None => Ok(()),
        }
    }

    /// `maxNodeCount` x the size's vCPUs, with the family's other clusters, against its quota.
    fn check_quota(
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

    /// Attaching a resource that another compute of the workspace already attaches breaks
    /// the earlier attachment, as the service warns: it turns `Failed`.
    fn break_earlier_attachments(
        &mut self,
        workspace_key: &str,
        compute: &Compute,
    ) -> Result<(), ArmError> {
        let Some(resource_id) = &compute.resource_id else {
            return Ok(());
        };
        let earlier: Vec<String> = self
            .store
            .computes(workspace_key)
            .filter(|other| {
                other.is_attached
                    && !other.name.eq_ignore_ascii_case(&compute.name)
                    && other
                        .resource_id
                        .as_deref()
                        .is_some_and(|id| id.eq_ignore_ascii_case(resource_id))
            })
            .map(|other| other.name.clone())
            .collect();
        for name in earlier {
            self.break_attachment(workspace_key, &name, &compute.name)
                .map_err(persist)?;
        }
        Ok(())
    }

    pub fn break_attachment(
        &mut self,
        workspace_key: &str,
        name: &str,
        replaced_by: &str,
    ) -> io::Result<bool> {
        let Some(compute) = self.store.compute_mut(workspace_key, name) else {
            return Ok(false);
        };
        compute.provisioning_state = "Failed".to_owned();
        compute.modified_ms = now_ms();
        compute.provisioning_errors = vec![json!({
            "error": {
                "code": "AttachmentBroken",
                "message": format!(
                    "The underlying resource of compute '{name}' was attached again as '{replaced_by}', which broke this attachment. Detach one of them and attach again.",
                ),
                "details": []
            }
        })];
        self.store.save_compute(workspace_key, name)?;
        Ok(true)
    }

    fn render_identity(&mut self, mut identity: Value) -> Value {
        let kind = identity
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("None")
            .to_owned();
        if kind.contains("SystemAssigned") {
            identity["principalId"] = json!(self.random.uuid());
            identity["tenantId"] = json!("00000000-0000-0000-0000-000000000000");
        }
        if let Some(assigned) = identity
            .get_mut("userAssignedIdentities")
            .and_then(Value::as_object_mut)
        {
            for value in assigned.values_mut() {
                *value =
                    json!({ "principalId": self.random.uuid(), "clientId": self.random.uuid() });
            }
        }
        identity
    }

    // ---- usages, quotas and sizes -------------------------------------------------------

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

// ---- the request ----------------------------------------------------------------------------

/// A `ComputeResource` request body, checked and normalised.
#[derive(Debug)]
struct ComputeRequest {
    kind: &'static ComputeType,
    location: String,
    description: Option<String>,
    resource_id: Option<String>,
    is_attached: bool,
    properties: Option<Value>,
    settable: std::collections::BTreeMap<String, Value>,
    identity: Option<Value>,
    tags: Option<Value>,
    sku: Option<Value>,
    secrets: Option<Value>,
}

impl ComputeRequest {
    fn parse(body: &Value, workspace: &Workspace) -> Result<Self, ArmError> {
        let envelope = body.as_object().ok_or_else(|| {
            ArmError::invalid_content("The request body must be a JSON object (a ComputeResource).")
        })?;
        let outer = envelope
            .get("properties")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                ArmError::invalid_content(
                    "The request body needs a 'properties' object with a 'computeType'.",
                )
            })?;
        let type_name = outer
            .get("computeType")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ArmError::invalid_content(
                    "properties.computeType is required (for example 'AmlCompute').",
                )
            })?;
        let kind = compute_types::find(type_name)
            .map_err(|message| ArmError::bad_request("UnsupportedComputeType", message))?;

        let location = optional_string(envelope, "location", "location")?
            .unwrap_or_else(|| workspace.location.clone())
            .to_ascii_lowercase();
        // A region name: a few dozen letters and digits (`eastus`, `East US 2`).
        if location.len() > 64
            || !location
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ' ')
        {
            return Err(ArmError::bad_request(
                "LocationNotAvailableForResourceType",
                format!(
                    "The location '{}' is not an Azure region.",
                    location.chars().take(64).collect::<String>()
                ),
            ));
        }
        let description = optional_string(outer, "description", "properties.description")?;
        let resource_id = optional_string(outer, "resourceId", "properties.resourceId")?;
        let mut properties = match outer.get("properties") {
            None | Some(Value::Null) => None,
            Some(value @ Value::Object(_)) => Some(value.clone()),
            Some(_) => {
                return Err(ArmError::invalid_content(
                    "properties.properties must be an object.",
                ));
            }
        };
        let mut settable = std::collections::BTreeMap::new();
        for field in ["computeLocation", "disableLocalAuth"] {
            if let Some(value) = outer.get(field).filter(|value| !value.is_null()) {
                settable.insert(field.to_owned(), value.clone());
            }
        }
        settable
            .entry("disableLocalAuth".to_owned())
            .or_insert(json!(false));
        let address = properties
            .as_ref()
            .and_then(|value| value.get("address"))
            .and_then(Value::as_str);

        let is_attached = match kind.family {
            Family::Managed => {
                if let Some(resource_id) = &resource_id {
                    return Err(ArmError::bad_request(
                        "AttachNotSupported",
                        format!(
                            "A {} cannot be attached (resourceId '{resource_id}' was given); it is created by the workspace. Remove resourceId to create it.",
                            kind.name
                        ),
                    ));
                }
                false
            }
            Family::Attached => {
                if resource_id.is_none() && address.is_none() {
                    return Err(ArmError::bad_request(
                        "UnderlyingResourceRequired",
                        format!(
                            "A {} is attached, not created: properties.resourceId must name the resource to attach.",
                            kind.name
                        ),
                    ));
                }
                true
            }
            Family::CreateOrAttach => resource_id.is_some(),
        };
        if let Some(resource_id) = &resource_id {
            check_resource_id(kind, resource_id)?;
        }

        if let Some(properties) = &mut properties {
            check_property_types(kind, properties)?;
            normalise(kind, properties);
        } else if kind.name == "AmlCompute" || kind.name == "ComputeInstance" {
            let mut defaults = json!({});
            normalise(kind, &mut defaults);
            properties = Some(defaults);
        }
        let secrets = properties
            .as_mut()
            .and_then(|properties| take_secrets(kind, properties));

        let identity = match envelope.get("identity") {
            None | Some(Value::Null) => None,
            Some(identity) => Some(check_identity(identity)?),
        };
        let tags = match envelope.get("tags") {
            None | Some(Value::Null) => None,
            // `{}` clears the tags, as ARM reads no tags.
            Some(Value::Object(map)) if map.is_empty() => None,
            Some(tags @ Value::Object(map)) if map.values().all(Value::is_string) => {
                check_tags(map)?;
                Some(tags.clone())
            }
            Some(_) => {
                return Err(ArmError::invalid_content(
                    "tags must be an object of string values.",
                ));
            }
        };
        Ok(ComputeRequest {
            kind,
            location,
            description,
            resource_id,
            is_attached,
            properties,
            settable,
            identity,
            tags,
            sku: envelope.get("sku").filter(|sku| !sku.is_null()).cloned(),
            secrets,
        })
    }

    /// The settings (as paths) that differ from what `existing` has.
    fn changed_paths(&self, existing: &Compute) -> Vec<String> {
        let mut changed = Vec::new();
        if !self.location.eq_ignore_ascii_case(&existing.location) {
            changed.push("location".to_owned());
        }
        if self.description != existing.description {
            changed.push("properties.description".to_owned());
        }
        let same_id = match (&self.resource_id, &existing.resource_id) {
            (Some(new), Some(old)) => new.eq_ignore_ascii_case(old),
            // A created AKS cluster reports the id the service gave it.
            (None, Some(_)) => !existing.is_attached,
            (new, old) => new == old,
        };
        if !same_id {
            changed.push("properties.resourceId".to_owned());
        }
        for (field, value) in &self.settable {
            if existing.settable.get(field) != Some(value) {
                changed.push(format!("properties.{field}"));
            }
        }
        let empty = Value::Null;
        diff_values(
            "properties.properties",
            existing.properties.as_ref().unwrap_or(&empty),
            self.properties.as_ref().unwrap_or(&empty),
            &mut changed,
        );
        if identity_view(self.identity.as_ref()) != identity_view(existing.identity.as_ref()) {
            changed.push("identity".to_owned());
        }
        if self.tags != existing.tags {
            changed.push("tags".to_owned());
        }
        changed
    }
}

/// Paths (dotted) where two JSON values differ; `null` and absent are the same, and sizes
/// and resource ids compare without regard to case.
fn diff_values(path: &str, old: &Value, new: &Value, changed: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(old_map), Value::Object(new_map)) => {
            let mut keys: Vec<&String> = old_map.keys().chain(new_map.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let old_value = old_map.get(key).unwrap_or(&Value::Null);
                let new_value = new_map.get(key).unwrap_or(&Value::Null);
                diff_values(&format!("{path}.{key}"), old_value, new_value, changed);
            }
        }
        (Value::Object(map), Value::Null) | (Value::Null, Value::Object(map))
            if map.values().all(Value::is_null) => {}
        (Value::String(a), Value::String(b))
            if is_case_insensitive(path) && a.eq_ignore_ascii_case(b) => {}
        (old, new) if old == new => {}
        _ => changed.push(path.to_owned()),
    }
}

fn is_case_insensitive(path: &str) -> bool {
    [
        "vmSize",
        "agentVmSize",
        "virtualMachineSize",
        "id",
        "resourceId",
    ]
    .iter()
    .any(|field| path.ends_with(&format!(".{field}")))
}

fn is_in_place(kind: &ComputeType, attached: bool, path: &str) -> bool {
    if path == "tags" || path == "properties.description" {
        return true;
    }
    if attached {
        return false;
    }
    if path == "identity" {
        return kind.name == "AmlCompute";
    }
    kind.in_place_properties.iter().any(|prefix| {
        let dotted = format!("properties.properties{}", prefix.replace('/', "."));
        path == dotted || path.starts_with(&format!("{dotted}."))
    })
}

fn optional_string(
    object: &Map<String, Value>,
    field: &str,
    path: &str,
) -> Result<Option<String>, ArmError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ArmError::invalid_content(format!(
            "{path} must be a string."
        ))),
    }
}

/// Fields whose JSON type is fixed by the API description; a wrong type is a bad request.
fn check_property_types(kind: &ComputeType, properties: &Value) -> Result<(), ArmError> {
    let expect = |pointer: &str, ok: fn(&Value) -> bool, what: &str| -> Result<(), ArmError> {
        match properties.pointer(pointer) {
            Some(value) if !value.is_null() && !ok(value) => {
                Err(ArmError::invalid_content(format!(
                    "properties.properties{} must be {what}.",
                    pointer.replace('/', ".")
                )))
            }
            _ => Ok(()),
        }
    };
    match kind.name {
        "AmlCompute" => {
            expect("/vmSize", Value::is_string, "a string")?;
            expect("/vmPriority", Value::is_string, "a string")?;
            expect("/scaleSettings", Value::is_object, "an object")?;
            expect("/scaleSettings/maxNodeCount", Value::is_i64, "an integer")?;
            expect("/scaleSettings/minNodeCount", Value::is_i64, "an integer")?;
            expect(
                "/scaleSettings/nodeIdleTimeBeforeScaleDown",
                Value::is_string,
                "an ISO 8601 duration such as PT120S",
            )?;
            if let Some(Value::String(idle)) =
                properties.pointer("/scaleSettings/nodeIdleTimeBeforeScaleDown")
                && !is_iso_duration(idle)
            {
                return Err(ArmError::invalid_content(format!(
                    "nodeIdleTimeBeforeScaleDown '{idle}' is not an ISO 8601 duration such as PT120S."
                )));
            }
            if let Some(Value::String(priority)) = properties.get("vmPriority")
                && !["Dedicated", "LowPriority"]
                    .iter()
                    .any(|known| known.eq_ignore_ascii_case(priority))
            {
                return Err(ArmError::invalid_content(format!(
                    "vmPriority '{priority}' is not valid; use 'Dedicated' or 'LowPriority'."
                )));
            }
        }
        "ComputeInstance" => {
            expect("/vmSize", Value::is_string, "a string")?;
            expect("/sshSettings", Value::is_object, "an object")?;
        }
        "VirtualMachine" | "HDInsight" => {
            expect("/sshPort", Value::is_i64, "an integer")?;
            expect("/address", Value::is_string, "a string")?;
            expect("/administratorAccount", Value::is_object, "an object")?;
        }
        "AKS" => expect("/agentCount", Value::is_i64, "an integer")?,
        _ => {}
    }
    Ok(())
}

fn is_iso_duration(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('P') else {
        return false;
    };
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || "DTHMS.".contains(c))
        && rest.chars().any(|c| c.is_ascii_digit())
}

/// ARM's tag limits: at most 50 tags, names of at most 512 characters, values of at most 256.
fn check_tags(tags: &Map<String, Value>) -> Result<(), ArmError> {
    let refuse = |message: String| Err(ArmError::bad_request("InvalidTag", message));
    if tags.len() > 50 {
        return refuse(format!(
            "{} tags were given; a resource has at most 50.",
            tags.len()
        ));
    }
    for (name, value) in tags {
        let value = value.as_str().unwrap_or_default();
        if name.is_empty() || name.chars().count() > 512 {
            return refuse(format!(
                "A tag name must be 1 to 512 characters; one has {}.",
                name.chars().count()
            ));
        }
        if value.chars().count() > 256 {
            return refuse(format!(
                "The value of tag '{}' has {} characters; a tag value has at most 256.",
                name.chars().take(64).collect::<String>(),
                value.chars().count()
            ));
        }
    }
    Ok(())
}

/// `SslConfiguration`: `status` is one of `SslConfigStatus`; `Enabled` needs the certificate,
/// its key and the CNAME, `Auto` a leaf domain label.
fn check_ssl(properties: Option<&Value>, secrets: Option<&Value>) -> Result<(), ArmError> {
    let Some(ssl) = properties.and_then(|properties| properties.get("sslConfiguration")) else {
        return Ok(());
    };
    let given = |field: &str| {
        ssl.get(field)
            .is_some_and(|value| value.as_str().is_some_and(|text| !text.is_empty()))
            || secrets
                .and_then(|secrets| secrets["sslConfiguration"].get(field))
                .is_some_and(Value::is_string)
    };
    let invalid = |message: &str| {
        Err(
            ArmError::bad_request("InvalidSslConfiguration", message.to_owned()).with_detail(
                "InvalidSslConfiguration",
                "properties.properties.sslConfiguration",
                message,
            ),
        )
    };
    match ssl.get("status").and_then(Value::as_str) {
        None | Some("Disabled") => Ok(()),
        Some("Enabled") if !(given("cert") && given("key") && given("cname")) => {
            invalid("sslConfiguration.status Enabled needs cert, key and cname.")
        }
        Some("Auto") if !given("leafDomainLabel") => {
            invalid("sslConfiguration.status Auto needs leafDomainLabel.")
        }
        Some("Enabled" | "Auto") => Ok(()),
        Some(other) => invalid(&format!(
            "sslConfiguration.status '{other}' is not one of Disabled, Enabled, Auto."
        )),
    }
}

/// A PUT to an existing compute keeps what it leaves out: the API's "Update a AML Compute"
/// example (`createOrUpdate/AmlCompute.json`) sends only `scaleSettings` and `description`,
/// and its 200 still has the `vmSize`, `osType` and the rest. Settings the request names
/// replace the existing ones (objects merged key by key, an explicit `null` clears), and a
/// `NotSpecified` remote login access, a choice only at creation, keeps what the service chose.
fn with_kept_settings(existing: &Compute, body: &Value) -> Value {
    let mut merged = body.clone();
    let Some(envelope) = merged.as_object_mut() else {
        return merged; // the parse says what is wrong with it
    };
    if !envelope.contains_key("location") {
        envelope.insert("location".to_owned(), json!(existing.location));
    }
    if !envelope.contains_key("tags")
        && let Some(tags) = &existing.tags
    {
        envelope.insert("tags".to_owned(), tags.clone());
    }
    let Some(outer) = envelope
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    else {
        return merged;
    };
    if !outer.contains_key("description")
        && let Some(description) = &existing.description
    {
        outer.insert("description".to_owned(), json!(description));
    }
    if !outer.contains_key("resourceId")
        && existing.is_attached
        && let Some(resource_id) = &existing.resource_id
    {
        outer.insert("resourceId".to_owned(), json!(resource_id));
    }
    for (field, value) in &existing.settable {
        outer.entry(field.clone()).or_insert_with(|| value.clone());
    }
    let mut properties = existing.properties.clone().unwrap_or_else(|| json!({}));
    match outer.get("properties") {
        Some(Value::Object(_)) => merge_into(&mut properties, &outer["properties"]),
        Some(Value::Null) | None => {}
        Some(_) => return merged, // not an object: refused by the parse
    }
    if properties["remoteLoginPortPublicAccess"] == "NotSpecified"
        && let Some(chosen) = existing
            .properties
            .as_ref()
            .and_then(|old| old.get("remoteLoginPortPublicAccess"))
    {
        properties["remoteLoginPortPublicAccess"] = chosen.clone();
    }
    outer.insert("properties".to_owned(), properties);
    merged
}

/// `patch` laid over `target`: objects merged key by key, `null` removes, anything else
/// replaces.
fn merge_into(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(target), Some(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else if let Some(existing) = target.get_mut(key).filter(|_| value.is_object()) {
                    merge_into(existing, value);
                } else {
                    target.insert(key.clone(), value.clone());
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// `NotSpecified` remote login access, resolved at creation as the API describes it:
/// "closed on all nodes of the cluster if VNet is defined, else is open"
/// (`AmlComputeProperties.remoteLoginPortPublicAccess`).
fn resolve_remote_login(properties: Option<&mut Value>) {
    let Some(properties) = properties else {
        return;
    };
    if properties["remoteLoginPortPublicAccess"] == "NotSpecified" {
        let in_a_network = properties["subnet"]["id"].is_string();
        properties["remoteLoginPortPublicAccess"] =
            json!(if in_a_network { "Disabled" } else { "Enabled" });
    }
}

/// The service's defaults, filled in so a later request that spells them out is "unchanged".
fn normalise(kind: &ComputeType, properties: &mut Value) {
    let Some(object) = properties.as_object_mut() else {
        return;
    };
    let mut default = |field: &str, value: Value| {
        if object.get(field).is_none_or(Value::is_null) {
            object.insert(field.to_owned(), value);
        }
    };
    match kind.name {
        "AmlCompute" => {
            default("vmSize", json!("STANDARD_DS3_V2"));
            default("vmPriority", json!("Dedicated"));
            default("osType", json!("Linux"));
            default("isolatedNetwork", json!(false));
            default("remoteLoginPortPublicAccess", json!("NotSpecified"));
            default("enableNodePublicIp", json!(true));
            if let Some(Value::String(priority)) = object.get_mut("vmPriority") {
                *priority = if priority.eq_ignore_ascii_case("lowpriority") {
                    "LowPriority"
                } else {
                    "Dedicated"
                }
                .to_owned();
            }
            if let Some(scale) = object
                .get_mut("scaleSettings")
                .and_then(Value::as_object_mut)
            {
                scale.entry("minNodeCount").or_insert(json!(0));
                scale
                    .entry("nodeIdleTimeBeforeScaleDown")
                    .or_insert(json!("PT120S"));
            }
        }
        "ComputeInstance" => {
            default("vmSize", json!("STANDARD_DS3_V2"));
            default("applicationSharingPolicy", json!("Shared"));
            default("computeInstanceAuthorizationType", json!("personal"));
            default("enableNodePublicIp", json!(true));
            default("sshSettings", json!({"sshPublicAccess": "Disabled"}));
        }
        "VirtualMachine" | "HDInsight" => default("sshPort", json!(22)),
        _ => {}
    }
}

/// Removes the secrets from `properties` and returns them (as an object of the same shape).
fn take_secrets(kind: &ComputeType, properties: &mut Value) -> Option<Value> {
    let mut secrets = json!({});
    let mut found = false;
    for pointer in kind.secret_pointers {
        let (parent, field) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        let Some(value) = properties
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|object| object.remove(field))
        else {
            continue;
        };
        found = true;
        let mut target = &mut secrets;
        for segment in parent.split('/').filter(|segment| !segment.is_empty()) {
            target = target
                .as_object_mut()
                .map(|object| object.entry(segment).or_insert_with(|| json!({})))
                .expect("secrets are built from objects");
        }
        target[field] = value;
    }
    found.then_some(secrets)
}

fn check_identity(identity: &Value) -> Result<Value, ArmError> {
    let kind = identity
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ArmError::invalid_content(
                "identity.type is required (SystemAssigned, UserAssigned or None).",
            )
        })?;
    let canonical = [
        "None",
        "SystemAssigned",
        "UserAssigned",
        "SystemAssigned,UserAssigned",
    ]
    .into_iter()
    .find(|known| {
        known
            .replace(',', "")
            .eq_ignore_ascii_case(&kind.replace([',', ' '], ""))
    })
    .ok_or_else(|| ArmError::invalid_content(format!("identity.type '{kind}' is not valid.")))?;
    let assigned = identity
        .get("userAssignedIdentities")
        .and_then(Value::as_object);
    if canonical.contains("UserAssigned") {
        let ids = assigned.filter(|ids| !ids.is_empty()).ok_or_else(|| {
            ArmError::bad_request(
                "InvalidIdentity",
                "identity.type UserAssigned needs at least one entry in identity.userAssignedIdentities.",
            )
        })?;
        for id in ids.keys() {
            let lower = id.to_ascii_lowercase();
            if !(lower.starts_with("/subscriptions/")
                && lower.contains("/resourcegroups/")
                && lower.contains("/providers/microsoft.managedidentity/userassignedidentities/"))
            {
                return Err(ArmError::bad_request(
                    "InvalidIdentity",
                    format!(
                        "'{id}' is not a user-assigned identity id (/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)."
                    ),
                ));
            }
        }
    } else if assigned.is_some_and(|ids| !ids.is_empty()) {
        return Err(ArmError::bad_request(
            "InvalidIdentity",
            format!("identity.type {canonical} takes no userAssignedIdentities."),
        ));
    }
    let mut checked = json!({ "type": canonical });
    if let Some(ids) = assigned.filter(|ids| !ids.is_empty()) {
        checked["userAssignedIdentities"] =
            Value::Object(ids.keys().map(|id| (id.clone(), json!({}))).collect());
    }
    Ok(checked)
}

/// What identity a caller asked for, ignoring the ids the service generated.
fn identity_view(identity: Option<&Value>) -> Option<(String, Vec<String>)> {
    let identity = identity?;
    let kind = identity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("None");
    if kind == "None" {
        return None;
    }
    let mut ids: Vec<String> = identity
        .get("userAssignedIdentities")
        .and_then(Value::as_object)
        .map(|ids| ids.keys().map(|id| id.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    ids.sort();
    Some((kind.to_owned(), ids))
}

fn check_resource_id(kind: &ComputeType, resource_id: &str) -> Result<(), ArmError> {
    let lower = resource_id.to_ascii_lowercase();
    let shaped = lower.starts_with("/subscriptions/")
        && lower.contains("/resourcegroups/")
        && kind.attachable_resource_types.iter().any(|resource_type| {
            lower.contains(&format!(
                "/providers/{}/",
                resource_type.to_ascii_lowercase()
            ))
        });
    if shaped {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceId",
            format!(
                "resourceId '{resource_id}' is not the id of a resource a {} can attach; expected /subscriptions/<sub>/resourceGroups/<rg>/providers/{}/<name>.",
                kind.name,
                kind.attachable_resource_types.join(" or ")
            ),
        ))
    }
}

fn check_vm_size(
    properties: Option<&Value>,
    kind: &ComputeType,
) -> Result<&'static VmSize, ArmError> {
    let name = properties
        .and_then(|properties| properties.get("vmSize"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    vm_size_catalog::find(name).ok_or_else(|| {
        ArmError::bad_request(
            "InvalidVmSize",
            format!(
                "The VM size '{name}' is not available for {} in this region. Did you mean {}? The vmSizes operation lists every size.",
                kind.name,
                vm_size_catalog::nearest(name).join(", ")
            ),
        )
    })
}

fn check_scale_settings(properties: Option<&Value>) -> Result<(), ArmError> {
    let scale = properties.and_then(|properties| properties.get("scaleSettings"));
    let Some(max) = scale
        .and_then(|scale| scale.get("maxNodeCount"))
        .and_then(Value::as_i64)
    else {
        return Err(ArmError::bad_request(
            "InvalidScaleSettings",
            "An AmlCompute needs properties.properties.scaleSettings.maxNodeCount.",
        ));
    };
    let min = scale
        .and_then(|scale| scale.get("minNodeCount"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if min < 0 || max < 0 {
        return Err(ArmError::bad_request(
            "InvalidScaleSettings",
            format!("minNodeCount ({min}) and maxNodeCount ({max}) cannot be negative."),
        ));
    }
    if min > max {
        return Err(ArmError::bad_request(
            "InvalidScaleSettings",
            format!("minNodeCount ({min}) cannot be greater than maxNodeCount ({max})."),
        ));
    }
    // `ScaleSettings` counts are int32; a cluster holds at most 65,000 nodes (Azure ML's
    // limit for a cluster that is not communication-enabled).
    if max > MAX_CLUSTER_NODES {
        return Err(ArmError::bad_request(
            "InvalidScaleSettings",
            format!("maxNodeCount ({max}) is more than the {MAX_CLUSTER_NODES} nodes a cluster can have."),
        )
        .with_detail(
            "InvalidScaleSettings",
            "properties.properties.scaleSettings.maxNodeCount",
            format!("at most {MAX_CLUSTER_NODES}"),
        ));
    }
    Ok(())
}

const MAX_CLUSTER_NODES: i64 = 65_000;

/// The service's name rules: 2 to 16 characters for a compute target; 3 to 24 for a compute
/// instance, where a hyphen needs a letter somewhere after it (Azure ML's documentation; the
/// 2024-10-01 description gives `computeName` no pattern, 2026-09-01 the instance's).
pub fn check_compute_name(name: &str, compute_type: &str) -> Result<(), ArmError> {
    let instance = compute_type.eq_ignore_ascii_case("ComputeInstance");
    let (min, max) = if instance { (3, 24) } else { (2, 16) };
    let length_ok = (min..=max).contains(&name.chars().count());
    let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let charset_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let hyphens_ok = !instance
        || name
            .rfind('-')
            .is_none_or(|hyphen| name[hyphen..].chars().any(|c| c.is_ascii_alphabetic()));
    if length_ok && starts_with_letter && charset_ok && hyphens_ok {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!(
                "The compute name '{name}' is invalid: a {compute_type} name must be {min} to {max} characters, start with a letter, and contain only letters, digits and hyphens{}.",
                if instance {
                    ", with a letter after its last hyphen"
                } else {
                    ""
                }
            ),
        ))
    }
}

fn check_workspace_name(name: &str) -> Result<(), ArmError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if first_ok && rest_ok && (3..=33).contains(&name.len()) {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidResourceName",
            format!(
                "The workspace name '{name}' does not match ^[a-zA-Z0-9][a-zA-Z0-9_-]{{2,32}}$."
            ),
        ))
    }
}

fn compute_not_found(workspace: &Workspace, name: &str) -> ArmError {
    ArmError::not_found(
        "ResourceNotFound",
        format!(
            "The Resource '{COMPUTE_RESOURCE_TYPE}/{}/{name}' under resource group '{}' was not found.",
            workspace.name, workspace.resource_group
        ),
    )
}

fn another_operation(compute: &Compute) -> ArmError {
    // A start or stop leaves the provisioning state alone; the instance state says what runs.
    let doing = match compute.instance_state.as_deref() {
        Some(state @ ("Starting" | "Stopping" | "Restarting")) => state,
        _ => compute.provisioning_state.as_str(),
    };
    ArmError::conflict(
        "AnotherOperationInProgress",
        format!(
            "Compute '{}' is {doing}; wait for that operation to finish, then try again.",
            compute.name
        ),
    )
}

fn not_supported(operation: &str, compute: &Compute) -> ArmError {
    ArmError::bad_request(
        "OperationNotSupported",
        format!(
            "{operation} is not supported for compute '{}' of type {}.",
            compute.name, compute.compute_type
        ),
    )
}

fn max_nodes(properties: Option<&Value>) -> u64 {
    // Field by field rather than a JSON pointer, which allocates: this runs for every
    // cluster on every quota check.
    properties
        .and_then(|properties| properties.get("scaleSettings"))
        .and_then(|scale| scale.get("maxNodeCount"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

fn is_low_priority(properties: Option<&Value>) -> bool {
    properties
        .and_then(|properties| properties.get("vmPriority"))
        .and_then(Value::as_str)
        .is_some_and(|priority| priority.eq_ignore_ascii_case("LowPriority"))
}

fn compute_vm_size(compute: &Compute) -> Option<&'static VmSize> {
    compute
        .properties
        .as_ref()
        .and_then(|properties| properties.get("vmSize"))
        .and_then(Value::as_str)
        .and_then(vm_size_catalog::find)
}

fn current_node_count(compute: &Compute) -> u64 {
    if compute.provisioning_state != "Succeeded" {
        return 0;
    }
    compute
        .properties
        .as_ref()
        .and_then(|properties| properties.pointer("/scaleSettings/minNodeCount"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
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

/// Drops what a client cannot set, so a rendered resource can be sent back as a request.
fn strip_read_only(mut resource: Value) -> Value {
    if let Some(properties) = resource
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    {
        for field in [
            "provisioningState",
            "provisioningErrors",
            "createdOn",
            "modifiedOn",
            "isAttachedCompute",
        ] {
            properties.remove(field);
        }
    }
    resource
}

// ---- rendering ------------------------------------------------------------------------------

pub fn render_workspace(workspace: &Workspace) -> Value {
    json!({
        "id": workspace.id(),
        "name": workspace.name,
        "type": "Microsoft.MachineLearningServices/workspaces",
        "location": workspace.location,
        "properties": {
            "friendlyName": workspace.name,
            "provisioningState": "Succeeded",
            "creationTime": timestamp(workspace.created_ms),
        }
    })
}

/// A compute as GET returns it (`ComputeResource`), secrets never included.
pub fn render_compute(workspace: &Workspace, compute: &Compute) -> Value {
    let mut properties = Map::new();
    properties.insert("computeType".into(), json!(compute.compute_type));
    for (field, value) in &compute.settable {
        properties.insert(field.clone(), value.clone());
    }
    properties.insert("description".into(), json!(compute.description));
    properties.insert(
        "provisioningState".into(),
        json!(compute.provisioning_state),
    );
    properties.insert(
        "provisioningErrors".into(),
        if compute.provisioning_errors.is_empty() {
            Value::Null
        } else {
            json!(compute.provisioning_errors)
        },
    );
    properties.insert("createdOn".into(), json!(timestamp(compute.created_ms)));
    properties.insert("modifiedOn".into(), json!(timestamp(compute.modified_ms)));
    if let Some(resource_id) = &compute.resource_id {
        properties.insert("resourceId".into(), json!(resource_id));
    }
    properties.insert("isAttachedCompute".into(), json!(compute.is_attached));
    if let Some(typed) = render_type_properties(workspace, compute) {
        properties.insert("properties".into(), typed);
    }
    let mut resource = json!({
        "id": format!("{}/computes/{}", workspace.id(), compute.name),
        "type": COMPUTE_RESOURCE_TYPE,
        "name": compute.name,
        "location": compute.location,
        "properties": properties,
    });
    for (field, value) in [
        ("identity", &compute.identity),
        ("tags", &compute.tags),
        ("sku", &compute.sku),
    ] {
        if let Some(value) = value {
            resource[field] = value.clone();
        }
    }
    resource
}

fn render_type_properties(workspace: &Workspace, compute: &Compute) -> Option<Value> {
    let mut typed = compute.properties.clone().unwrap_or_else(|| json!({}));
    let object = typed.as_object_mut()?;
    let modified = json!(timestamp(compute.modified_ms));
    let mut fill = |field: &str, value: Value| {
        object.entry(field).or_insert(value);
    };
    match compute.compute_type.as_str() {
        "AmlCompute" => {
            let nodes = current_node_count(compute);
            let steady = matches!(compute.provisioning_state.as_str(), "Succeeded" | "Failed");
            fill("virtualMachineImage", Value::Null);
            fill("subnet", Value::Null);
            fill("userAccountCredentials", Value::Null);
            fill(
                "allocationState",
                json!(if steady { "Steady" } else { "Resizing" }),
            );
            fill("allocationStateTransitionTime", modified);
            fill("errors", Value::Null);
            fill("currentNodeCount", json!(nodes));
            fill("targetNodeCount", json!(nodes));
            fill(
                "nodeStateCounts",
                json!({
                    "preparingNodeCount": 0,
                    "runningNodeCount": 0,
                    "idleNodeCount": nodes,
                    "unusableNodeCount": 0,
                    "leavingNodeCount": 0,
                    "preemptedNodeCount": 0
                }),
            );
        }
        "ComputeInstance" => {
            let host = format!(
                "{}.{}.instances.azureml.ms",
                compute.name.to_ascii_lowercase(),
                compute.location
            );
            fill("subnet", Value::Null);
            fill(
                "osImageMetadata",
                json!({
                    "currentImageVersion": "26.11.01",
                    "latestImageVersion": "26.11.01",
                    "isLatestOsImageVersion": true
                }),
            );
            fill(
                "connectivityEndpoints",
                json!({"publicIpAddress": "20.0.0.10", "privateIpAddress": "10.0.0.10"}),
            );
            fill(
                "applications",
                json!([
                    {"displayName": "Jupyter", "endpointUri": format!("https://{host}/tree/")},
                    {"displayName": "Jupyter Lab", "endpointUri": format!("https://{host}/lab")}
                ]),
            );
            fill(
                "createdBy",
                json!({
                    "userName": "emulator@amlform.local",
                    "userOrgId": "00000000-0000-0000-0000-000000000000",
                    "userId": "00000000-0000-0000-0000-000000000000"
                }),
            );
            fill("errors", Value::Null);
            fill(
                "state",
                json!(
                    compute
                        .instance_state
                        .clone()
                        .unwrap_or_else(|| "Unknown".to_owned())
                ),
            );
            fill(
                "lastOperation",
                json!({
                    "operationName": "Create",
                    "operationTime": timestamp(compute.created_ms),
                    "operationStatus": if compute.provisioning_state == "Failed" { "CreateFailed" } else { "Succeeded" },
                    "operationTrigger": "User"
                }),
            );
            if let Some(ssh) = object.get_mut("sshSettings").and_then(Value::as_object_mut) {
                ssh.entry("adminUserName").or_insert(json!("azureuser"));
                ssh.entry("sshPort").or_insert(json!(50_000));
            }
        }
        "AKS" => {
            if !compute.is_attached {
                fill(
                    "clusterFqdn",
                    json!(format!(
                        "{}-{}.hcp.{}.azmk8s.io",
                        compute.name.to_ascii_lowercase(),
                        workspace.resource_group.to_ascii_lowercase(),
                        compute.location
                    )),
                );
            }
            fill(
                "systemServices",
                json!([{"systemServiceType": "ScoringFrontEnd", "publicIpAddress": "20.0.0.20", "version": "1.0"}]),
            );
            fill("clusterPurpose", json!("FastProd"));
            fill("loadBalancerType", json!("PublicIp"));
        }
        "Kubernetes" => {
            fill("relayConnectionString", Value::Null);
            fill("serviceBusConnectionString", Value::Null);
            fill("extensionPrincipalId", Value::Null);
            fill("extensionInstanceReleaseTrain", json!("stable"));
            fill("vcName", Value::Null);
            fill("namespace", json!("default"));
        }
        _ => {}
    }
    if object.is_empty() && compute.properties.is_none() {
        return None;
    }
    Some(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_service_pattern() {
        assert!(check_compute_name("cpu-cluster", "AmlCompute").is_ok());
        assert!(check_compute_name("ab", "AmlCompute").is_ok());
        assert!(check_compute_name("gpu-01", "AmlCompute").is_ok());
        assert!(check_compute_name("nb-a-name-of-24-letters", "ComputeInstance").is_ok());
        for (bad, kind) in [
            ("a", "AmlCompute"),
            ("1cpu", "AmlCompute"),
            ("cpu_cluster", "AmlCompute"),
            ("a-name-that-is-too-long", "AmlCompute"),
            ("", "AmlCompute"),
            ("ab", "ComputeInstance"),
            ("nb-01", "ComputeInstance"),
        ] {
            assert_eq!(
                check_compute_name(bad, kind).unwrap_err().code,
                "InvalidResourceName",
                "{bad}"
            );
        }
    }

    #[test]
    fn diff_ignores_case_of_sizes_and_null_versus_absent() {
        let mut changed = Vec::new();
        diff_values(
            "p",
            &json!({"vmSize": "STANDARD_NC6", "subnet": null, "scaleSettings": {"maxNodeCount": 1}}),
            &json!({"vmSize": "Standard_NC6", "scaleSettings": {"maxNodeCount": 2}}),
            &mut changed,
        );
        assert_eq!(changed, vec!["p.scaleSettings.maxNodeCount"]);
    }

    #[test]
    fn secrets_are_taken_out_of_the_properties() {
        let kind = compute_types::find("VirtualMachine").unwrap();
        let mut properties =
            json!({"administratorAccount": {"username": "u", "password": "hunter2"}});
        let secrets = take_secrets(kind, &mut properties).unwrap();
        assert_eq!(
            properties,
            json!({"administratorAccount": {"username": "u"}})
        );
        assert_eq!(
            secrets,
            json!({"administratorAccount": {"password": "hunter2"}})
        );
    }

    #[test]
    fn durations_are_iso_8601() {
        assert!(is_iso_duration("PT5M"));
        assert!(is_iso_duration("PT120S"));
        assert!(!is_iso_duration("120"));
        assert!(!is_iso_duration("PT"));
    }
}
