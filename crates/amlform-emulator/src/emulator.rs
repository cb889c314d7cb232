//! [`Emulator`]: one emulated service, its builder, and the levers tests pull behind a
//! client's back (drift).

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::arm_error::ArmError;
use crate::clock::Clock;
use crate::compute_service::Service;
use crate::compute_view::render_compute;
use crate::routes::{self, Scheme, Shared};
use crate::settings::{Faults, LroStyle, Settings, TokenPolicy};
use crate::store::{Store, Workspace};
use crate::throttle::{RateLimits, Throttle};

/// A running emulated service. Cheap to clone; clones share the same state.
#[derive(Debug, Clone)]
pub struct Emulator {
    shared: Arc<Shared>,
}

/// Settings for an [`Emulator`], starting from ARM's rate limits, no delays and no faults.
#[derive(Debug, Clone, Default)]
pub struct EmulatorBuilder {
    settings: Settings,
    workspaces: Vec<(String, String, String, String)>,
}

impl EmulatorBuilder {
    pub fn provisioning_delay(mut self, delay: Duration) -> Self {
        self.settings.provisioning_delay = delay;
        self
    }

    pub fn latency(mut self, latency: Duration) -> Self {
        self.settings.latency = latency;
        self
    }

    pub fn faults(mut self, faults: Faults) -> Self {
        self.settings.faults = faults;
        self
    }

    /// Seeds fault rolls and generated ids, so a run can be replayed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }

    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.settings.rate_limits = Some(limits);
        self
    }

    /// No throttling at all, for speed benchmarks.
    pub fn without_rate_limits(mut self) -> Self {
        self.settings.rate_limits = None;
        self
    }

    /// Accept only this bearer token instead of any non-empty one.
    pub fn require_token(mut self, token: impl Into<String>) -> Self {
        self.settings.token = TokenPolicy::Exact(token.into());
        self
    }

    /// Persist state in `dir` (created if missing) so it survives the process.
    pub fn persist_in(mut self, dir: impl Into<PathBuf>) -> Self {
        self.settings.state_dir = Some(dir.into());
        self
    }

    /// Where unknown workspaces are created on first use; `None` makes them 404 instead.
    pub fn auto_create_workspaces(mut self, location: Option<&str>) -> Self {
        self.settings.auto_create_workspaces = location.map(str::to_owned);
        self
    }

    /// A workspace that exists from the start.
    pub fn workspace(
        mut self,
        subscription: &str,
        resource_group: &str,
        name: &str,
        location: &str,
    ) -> Self {
        self.workspaces.push((
            subscription.to_owned(),
            resource_group.to_owned(),
            name.to_owned(),
            location.to_owned(),
        ));
        self
    }

    /// The dedicated vCPU quota of every VM family in every region.
    pub fn family_quota(mut self, vcpus: u64) -> Self {
        self.settings.family_quota = vcpus;
        self
    }

    /// The dedicated vCPU quota of one family (`standardNCFamily`).
    pub fn quota_for_family(mut self, family: &str, vcpus: u64) -> Self {
        self.settings
            .family_quota_overrides
            .push((family.to_owned(), vcpus));
        self
    }

    /// The dedicated vCPUs of every family together that a region's usages report as its limit.
    pub fn regional_dedicated_quota(mut self, vcpus: u64) -> Self {
        self.settings.regional_dedicated_quota = vcpus;
        self
    }

    pub fn low_priority_quota(mut self, vcpus: u64) -> Self {
        self.settings.low_priority_quota = vcpus;
        self
    }

    /// How long-running operations answer (see [`LroStyle`]).
    pub fn lro_style(mut self, style: LroStyle) -> Self {
        self.settings.lro_style = style;
        self
    }

    /// The clock operations, timestamps and throttling go by: [`Clock::manual`] lets a test
    /// move time instead of waiting for it.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.settings.clock = clock;
        self
    }

    pub fn page_size(mut self, computes: usize) -> Self {
        self.settings.page_size = computes;
        self
    }

    pub fn build(self) -> io::Result<Emulator> {
        let mut store = match &self.settings.state_dir {
            Some(dir) => Store::open(dir)?,
            None => Store::in_memory(),
        };
        for (subscription, resource_group, name, location) in self.workspaces {
            if store
                .workspace(&Workspace::key(&subscription, &resource_group, &name))
                .is_none()
            {
                store.put_workspace(Workspace {
                    subscription,
                    resource_group,
                    name,
                    location: location.to_ascii_lowercase(),
                    created_ms: self.settings.clock.now_ms(),
                })?;
            }
        }
        Ok(Emulator {
            shared: Arc::new(Shared {
                service: Mutex::new(Service::new(store, self.settings)),
            }),
        })
    }
}

impl Emulator {
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// An in-memory emulator with the default settings.
    pub fn in_memory() -> Emulator {
        Emulator::builder()
            .build()
            .expect("an in-memory store cannot fail to open")
    }

    /// Creates the workspace in `location` unless it exists, by the rules of a workspace PUT:
    /// an existing workspace in another region is refused (a workspace cannot move). How a
    /// caller that starts the emulator in its own process (amlform's embedded endpoint) makes
    /// the workspaces its configuration names, without a request.
    pub fn ensure_workspace(
        &self,
        subscription: &str,
        resource_group: &str,
        name: &str,
        location: &str,
    ) -> Result<(), ArmError> {
        let path = crate::compute_service::WorkspacePath {
            subscription: subscription.to_owned(),
            resource_group: resource_group.to_owned(),
            workspace: name.to_owned(),
        };
        (self.shared.lock())
            .put_workspace(&path, &json!({ "location": location }))
            .map(drop)
    }

    /// The axum router for plain HTTP.
    pub fn router(&self) -> Router {
        routes::router(self.shared.clone(), Scheme::Http, levers())
    }

    /// The axum router for HTTPS (links it hands out say `https`).
    pub fn https_router(&self) -> Router {
        routes::router(self.shared.clone(), Scheme::Https, levers())
    }

    /// Changes the fault probabilities from now on.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.lock().settings.faults = faults;
    }

    /// Changes the provisioning delay of operations started from now on.
    pub fn set_provisioning_delay(&self, delay: Duration) {
        self.shared.lock().settings.provisioning_delay = delay;
    }

    /// Turns throttling on with these limits (fresh buckets), or off with `None`.
    pub fn set_rate_limits(&self, limits: Option<RateLimits>) {
        let mut service = self.shared.lock();
        service.settings.rate_limits = limits;
        service.throttle = limits.map(Throttle::new);
    }

    /// Every compute as GET would return it, sorted by id, after finishing due operations.
    pub fn computes(&self) -> Vec<Value> {
        let mut service = self.shared.lock();
        let _ = service.settle();
        let mut computes: Vec<Value> = service
            .store
            .all_computes()
            .map(|(workspace, compute)| render_compute(workspace, compute))
            .collect();
        computes.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        computes
    }

    /// One compute by ARM id, as GET would return it.
    pub fn compute(&self, compute_id: &str) -> Option<Value> {
        let (workspace, name) = parse_compute_id(compute_id)?;
        let mut service = self.shared.lock();
        let _ = service.settle();
        let found = service.store.workspace(&workspace)?.clone();
        service
            .store
            .compute(&workspace, &name)
            .map(|compute| render_compute(&found, compute))
    }

    /// Whether an underlying resource (a VM, a cluster, ...) exists: `None` if never seen.
    pub fn underlying_resource_exists(&self, resource_id: &str) -> Option<bool> {
        self.shared
            .lock()
            .store
            .underlying
            .get(&resource_id.to_ascii_lowercase())
            .copied()
    }

    // ---- drift: changes made outside the client ---------------------------------------------

    /// Sets a value inside a compute's `properties.properties` (a JSON pointer such as
    /// `/scaleSettings/maxNodeCount`), as an edit in the portal would. False if no such compute.
    pub fn drift_set_property(
        &self,
        compute_id: &str,
        pointer: &str,
        value: Value,
    ) -> io::Result<bool> {
        self.with_compute(compute_id, |compute| {
            let mut properties = compute.properties.take().unwrap_or_else(|| json!({}));
            set_pointer(&mut properties, pointer, value);
            compute.properties = Some(properties);
        })
    }

    /// Sets an AmlCompute's scale settings.
    pub fn drift_scale(
        &self,
        compute_id: &str,
        min_nodes: u64,
        max_nodes: u64,
    ) -> io::Result<bool> {
        self.with_compute(compute_id, |compute| {
            let mut properties = compute.properties.take().unwrap_or_else(|| json!({}));
            set_pointer(
                &mut properties,
                "/scaleSettings/minNodeCount",
                json!(min_nodes),
            );
            set_pointer(
                &mut properties,
                "/scaleSettings/maxNodeCount",
                json!(max_nodes),
            );
            compute.properties = Some(properties);
        })
    }

    /// Sets a compute instance's power state (`Stopped`, `Running`).
    pub fn drift_instance_state(&self, compute_id: &str, state: &str) -> io::Result<bool> {
        self.with_compute(compute_id, |compute| {
            compute.instance_state = Some(state.to_owned())
        })
    }

    /// Sets or removes (`None`) a tag.
    pub fn drift_tag(&self, compute_id: &str, key: &str, value: Option<&str>) -> io::Result<bool> {
        self.with_compute(compute_id, |compute| {
            let mut tags = compute.tags.take().unwrap_or_else(|| json!({}));
            if let Some(map) = tags.as_object_mut() {
                match value {
                    Some(value) => map.insert(key.to_owned(), json!(value)),
                    None => map.remove(key),
                };
            }
            compute.tags = (tags.as_object().is_some_and(|map| !map.is_empty())).then_some(tags);
        })
    }

    /// Deletes a compute without an operation, as someone in the portal would.
    pub fn drift_delete(&self, compute_id: &str) -> io::Result<bool> {
        let Some((workspace, name)) = parse_compute_id(compute_id) else {
            return Ok(false);
        };
        Ok(self
            .shared
            .lock()
            .store
            .remove_compute(&workspace, &name)?
            .is_some())
    }

    /// Breaks an attachment (as attaching its resource again under another name would).
    pub fn drift_break_attachment(&self, compute_id: &str) -> io::Result<bool> {
        let Some((workspace, name)) = parse_compute_id(compute_id) else {
            return Ok(false);
        };
        self.shared
            .lock()
            .break_attachment(&workspace, &name, "another compute")
    }

    fn with_compute(
        &self,
        compute_id: &str,
        change: impl FnOnce(&mut crate::store::Compute),
    ) -> io::Result<bool> {
        let Some((workspace, name)) = parse_compute_id(compute_id) else {
            return Ok(false);
        };
        let mut service = self.shared.lock();
        let now = service.settings.clock.now_ms();
        let Some(compute) = service.store.compute_mut(&workspace, &name) else {
            return Ok(false);
        };
        change(compute);
        compute.modified_ms = now;
        service.store.save_compute(&workspace, &name)?;
        Ok(true)
    }

    pub(crate) fn from_shared(shared: Arc<Shared>) -> Emulator {
        Emulator { shared }
    }
}

/// `POST /_emulator/drift` with `{"computeId", "action", ...}`: the drift levers over HTTP,
/// for tests that drive a standalone emulator from another process.
/// The emulator's own levers over HTTP, for a client in another process.
fn levers() -> Router<Arc<Shared>> {
    Router::new().route("/_emulator/drift", axum::routing::post(drift_endpoint))
}

async fn drift_endpoint(
    State(shared): State<Arc<Shared>>,
    Json(request): Json<Value>,
) -> Result<Json<Value>, ArmError> {
    let emulator = Emulator::from_shared(shared);
    let id = request["computeId"]
        .as_str()
        .ok_or_else(|| ArmError::invalid_content("computeId is required."))?;
    let failed = |error: io::Error| {
        ArmError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            error.to_string(),
        )
    };
    let changed = match request["action"].as_str().unwrap_or_default() {
        "delete" => emulator.drift_delete(id),
        "breakAttachment" => emulator.drift_break_attachment(id),
        "scale" => emulator.drift_scale(
            id,
            request["minNodes"].as_u64().unwrap_or(0),
            request["maxNodes"].as_u64().unwrap_or(1),
        ),
        "instanceState" => emulator.drift_instance_state(id, request["state"].as_str().unwrap_or("Stopped")),
        "setProperty" => emulator.drift_set_property(
            id,
            request["pointer"].as_str().unwrap_or_default(),
            request["value"].clone(),
        ),
        "tag" => emulator.drift_tag(id, request["key"].as_str().unwrap_or_default(), request["value"].as_str()),
        other => {
            return Err(ArmError::invalid_content(format!(
                "Unknown drift action '{other}'; use delete, breakAttachment, scale, instanceState, setProperty or tag."
            )));
        }
    }
    .map_err(failed)?;
    Ok(Json(json!({ "changed": changed })))
}

/// `(workspace key, compute name)` from `/subscriptions/.../workspaces/W/computes/C`.
fn parse_compute_id(id: &str) -> Option<(String, String)> {
    let segments: Vec<&str> = id
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let value_after = |name: &str| {
        segments
            .iter()
            .position(|segment| segment.eq_ignore_ascii_case(name))
            .and_then(|index| segments.get(index + 1).copied())
    };
    Some((
        Workspace::key(
            value_after("subscriptions")?,
            value_after("resourceGroups")?,
            value_after("workspaces")?,
        ),
        value_after("computes")?.to_ascii_lowercase(),
    ))
}

fn set_pointer(target: &mut Value, pointer: &str, value: Value) {
    let mut current = target;
    let segments: Vec<&str> = pointer
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    for (index, segment) in segments.iter().enumerate() {
        if !current.is_object() {
            *current = json!({});
        }
        let object = current.as_object_mut().expect("made an object above");
        if index + 1 == segments.len() {
            object.insert((*segment).to_owned(), value);
            return;
        }
        current = object.entry(*segment).or_insert_with(|| json!({}));
    }
}
