//! The service itself: every compute operation, the rules the real service enforces, and the
//! long-running operations that carry a compute from `Creating` to `Succeeded` or `Failed`.
//!
//! Handlers in `routes` parse HTTP and call in here; nothing in this file knows about HTTP
//! beyond status codes.

use std::io;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::arm_error::ArmError;
use crate::compute_request::{
    ComputeRequest, check_compute_name, check_scale_settings, check_ssl, check_vm_size,
    check_workspace_name, is_in_place, resolve_remote_login, with_kept_settings,
};
use crate::compute_types::{self, Family};
use crate::compute_view::{
    Fields, compute_fields, render_compute, render_workspace, strip_read_only,
};
use crate::node_settings::check_node_settings;
use crate::random::Random;
use crate::settings::Settings;
use crate::store::{Action, Compute, Store, Workspace};
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
    pub(crate) random: Random,
    /// Operation ids: unique across restarts of a persisted emulator (an id reused after a
    /// restart made an operation begun before it never end), so seeded from the clock and the
    /// process as well as the seed. Fault rolls stay on `random`, replayable by seed.
    pub(crate) operation_ids: Random,
    /// What the service makes up for a compute (an AKS cluster's name suffix, identities'
    /// principal ids): a stream of its own, so the same creations get the same values however
    /// many requests (polls, request ids, fault rolls) came between them.
    pub(crate) generated: Random,
}

/// A seed no earlier run of this emulator used: the seed, the time in nanoseconds and the
/// process id.
fn unique_seed(seed: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    seed ^ nanos ^ (u64::from(std::process::id()) << 40)
}

pub(crate) fn persist(error: io::Error) -> ArmError {
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
            generated: Random::new(
                settings.seed ^ (store.operations.len() as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
            ),
            throttle: settings.rate_limits.map(Throttle::new),
            store,
            settings,
        }
    }

    pub fn random(&mut self) -> &mut Random {
        &mut self.random
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
            created_ms: self.settings.clock.now_ms(),
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

    /// One page of the workspace's computes (sorted by name) as a `ComputeResourceList`
    /// body, resuming after the compute named `after`; its `nextLink` is made by `next_link`
    /// from the last name on the page (a continuation token, as `$skip` is in the API, rather
    /// than a count: a page is found without walking the ones before it, and a compute
    /// created or deleted meanwhile shifts nothing). The page is serialized straight from the
    /// store.
    pub fn list_computes(
        &mut self,
        path: &WorkspacePath,
        after: Option<&str>,
        compute_type: Option<&str>,
        next_link: impl FnOnce(&str) -> String,
    ) -> Result<Vec<u8>, ArmError> {
        let workspace = self.workspace(path)?;
        let page_size = self.settings.page_size.max(1);
        let key = path.key();
        let after = after.map(str::to_ascii_lowercase);
        let mut matching = self
            .store
            .computes_after(&key, after.as_deref())
            .filter(|compute| {
                compute_type.is_none_or(|kind| compute.compute_type.eq_ignore_ascii_case(kind))
            });
        let page: Vec<&Compute> = matching.by_ref().take(page_size).collect();
        let next = match (page.last(), matching.next()) {
            (Some(last), Some(_)) => Some(next_link(&last.name.to_ascii_lowercase())),
            _ => None,
        };
        let page: Vec<Fields<'_>> = (page.into_iter())
            .map(|compute| compute_fields(&workspace, compute))
            .collect();
        #[derive(serde::Serialize)]
        struct ComputeResourceList<'a> {
            value: Vec<Fields<'a>>,
            #[serde(rename = "nextLink", skip_serializing_if = "Option::is_none")]
            next_link: Option<String>,
        }
        serde_json::to_vec(&ComputeResourceList {
            value: page,
            next_link: next,
        })
        .map_err(|error| {
            ArmError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                error.to_string(),
            )
        })
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
        let now = self.settings.clock.now_ms();
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
        check_node_settings(kind, request.properties.as_ref())?;
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
            let suffix = self.generated.next_u64() & 0xf_ffff;
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
        updated.modified_ms = self.settings.clock.now_ms();
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
        compute.modified_ms = self.settings.clock.now_ms();
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
            identity["principalId"] = json!(self.generated.uuid());
            identity["tenantId"] = json!("00000000-0000-0000-0000-000000000000");
        }
        if let Some(assigned) = identity
            .get_mut("userAssignedIdentities")
            .and_then(Value::as_object_mut)
        {
            for value in assigned.values_mut() {
                *value = json!({ "principalId": self.generated.uuid(), "clientId": self.generated.uuid() });
            }
        }
        identity
    }
}

// ---- the request ----------------------------------------------------------------------------

pub(crate) fn compute_not_found(workspace: &Workspace, name: &str) -> ArmError {
    ArmError::not_found(
        "ResourceNotFound",
        format!(
            "The Resource '{COMPUTE_RESOURCE_TYPE}/{}/{name}' under resource group '{}' was not found.",
            workspace.name, workspace.resource_group
        ),
    )
}

pub(crate) fn another_operation(compute: &Compute) -> ArmError {
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

pub(crate) fn not_supported(operation: &str, compute: &Compute) -> ArmError {
    ArmError::bad_request(
        "OperationNotSupported",
        format!(
            "{operation} is not supported for compute '{}' of type {}.",
            compute.name, compute.compute_type
        ),
    )
}

pub(crate) fn max_nodes(properties: Option<&Value>) -> u64 {
    // Field by field rather than a JSON pointer, which allocates: this runs for every
    // cluster on every quota check.
    properties
        .and_then(|properties| properties.get("scaleSettings"))
        .and_then(|scale| scale.get("maxNodeCount"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

pub(crate) fn is_low_priority(properties: Option<&Value>) -> bool {
    properties
        .and_then(|properties| properties.get("vmPriority"))
        .and_then(Value::as_str)
        .is_some_and(|priority| priority.eq_ignore_ascii_case("LowPriority"))
}

pub(crate) fn compute_vm_size(compute: &Compute) -> Option<&'static VmSize> {
    compute
        .properties
        .as_ref()
        .and_then(|properties| properties.get("vmSize"))
        .and_then(Value::as_str)
        .and_then(vm_size_catalog::find)
}

pub(crate) fn current_node_count(compute: &Compute) -> u64 {
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
