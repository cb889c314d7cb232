//! [`FakeProvider`]: an in-memory [`Provider`] for fast engine tests beside the emulator. It
//! keeps what it is sent, as the service would report it back (secrets and file contents
//! left out), answers every write at once, refuses the writes it is told to, and records the
//! order of the writes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use amlform_provider::{
    ComputeRequest, PowerAction, Provider, ProviderError, RemoteCompute, StateObserver,
    UnderlyingAction, Usage, VmSizeInfo, WorkspaceTarget,
};
use serde_json::Value;

#[derive(Debug, Default)]
struct World {
    /// Computes by workspace path, then by lower-cased name.
    computes: BTreeMap<String, BTreeMap<String, RemoteCompute>>,
    refused: BTreeSet<String>,
    writes: Vec<String>,
}

/// An in-memory compute service. Clones share one world.
#[derive(Debug, Clone, Default)]
pub struct FakeProvider {
    world: Arc<Mutex<World>>,
}

impl FakeProvider {
    pub fn new() -> FakeProvider {
        FakeProvider::default()
    }

    /// Every write of the compute `name` from now on is refused with a 400, as the service
    /// refuses a request it cannot take.
    pub fn refuse(&self, name: &str) {
        self.world().refused.insert(name.to_ascii_lowercase());
    }

    /// The writes so far, in order: `PUT name`, `DELETE name`, `DETACH name`, `START name`,
    /// `STOP name`.
    pub fn writes(&self) -> Vec<String> {
        self.world().writes.clone()
    }

    /// The names of the workspace's computes, sorted.
    pub fn names(&self, target: &WorkspaceTarget) -> Vec<String> {
        (self.world().computes.get(&target.path()).into_iter())
            .flat_map(|computes| computes.values().map(|compute| compute.name.clone()))
            .collect()
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records the write, or refuses it.
    fn write(&self, verb: &str, name: &str) -> Result<MutexGuard<'_, World>, ProviderError> {
        let mut world = self.world();
        if world.refused.contains(&name.to_ascii_lowercase()) {
            return Err(ProviderError {
                status: Some(400),
                message: format!("{verb} {name} failed with 400 BadRequest: refused by the fake"),
            });
        }
        world.writes.push(format!("{verb} {name}"));
        Ok(world)
    }
}

#[async_trait::async_trait]
impl Provider for FakeProvider {
    async fn computes(
        &self,
        target: &WorkspaceTarget,
    ) -> Result<Vec<RemoteCompute>, ProviderError> {
        let world = self.world();
        Ok((world.computes.get(&target.path()).into_iter())
            .flat_map(|computes| computes.values().cloned())
            .collect())
    }

    async fn vm_sizes(&self, _: &str, location: &str) -> Result<Vec<VmSizeInfo>, ProviderError> {
        Err(ProviderError::new(format!(
            "the fake provider has no VM sizes for {location}"
        )))
    }

    async fn usages(&self, _: &str, location: &str) -> Result<Vec<Usage>, ProviderError> {
        Err(ProviderError::new(format!(
            "the fake provider has no usages for {location}"
        )))
    }

    async fn put_compute(
        &self,
        request: &ComputeRequest<'_>,
    ) -> Result<RemoteCompute, ProviderError> {
        let mut world = self.write("PUT", request.name)?;
        let workspace = world.computes.entry(request.target.path()).or_default();
        let key = request.name.to_ascii_lowercase();
        let mut compute = workspace.remove(&key).unwrap_or_else(|| RemoteCompute {
            name: request.name.to_owned(),
            arm_id: format!("{}/computes/{}", request.target.path(), request.name),
            kind: Some(request.kind),
            compute_type: request.kind.rest_compute_type.to_owned(),
            provisioning_state: "Succeeded".to_owned(),
            provisioning_errors: Vec::new(),
            is_attached: (request.kind).is_attached(request.values.contains_key("resource_id")),
            resource_id: (request.values.get("resource_id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            attributes: Default::default(),
        });
        // What the service reports back: what was sent, never a secret or a file's contents.
        for attribute in request.kind.attributes {
            if attribute.sensitive || attribute.is_file_path {
                continue;
            }
            match request.values.get(attribute.name) {
                Some(Value::Null) => {
                    compute.attributes.remove(attribute.name);
                }
                Some(value) => {
                    compute.attributes.insert(attribute.name, value.clone());
                }
                None => {}
            }
        }
        if request.kind.block_name == "compute_instance"
            && !compute.attributes.contains_key("state")
        {
            compute.attributes.insert("state", Value::from("running"));
        }
        workspace.insert(key, compute.clone());
        Ok(compute)
    }

    async fn delete_compute(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        action: UnderlyingAction,
    ) -> Result<(), ProviderError> {
        let verb = match action {
            UnderlyingAction::Delete => "DELETE",
            UnderlyingAction::Detach => "DETACH",
        };
        let mut world = self.write(verb, name)?;
        if let Some(computes) = world.computes.get_mut(&target.path()) {
            computes.remove(&name.to_ascii_lowercase());
        }
        Ok(())
    }

    async fn power(
        &self,
        target: &WorkspaceTarget,
        name: &str,
        action: PowerAction,
    ) -> Result<(), ProviderError> {
        let (verb, state) = match action {
            PowerAction::Start => ("START", "running"),
            PowerAction::Stop => ("STOP", "stopped"),
        };
        let mut world = self.write(verb, name)?;
        let compute = (world.computes.get_mut(&target.path()))
            .and_then(|computes| computes.get_mut(&name.to_ascii_lowercase()))
            .ok_or_else(|| ProviderError {
                status: Some(404),
                message: format!("{verb} {name}: no such compute"),
            })?;
        compute.attributes.insert("state", Value::from(state));
        Ok(())
    }

    fn observed(&self, _: StateObserver) -> Arc<dyn Provider> {
        Arc::new(self.clone())
    }
}
