//! Where the state lives: the local store under `.amlform/state`, or an `azurerm` backend
//! in Azure Blob Storage. `amlform init` records the backend it set up in
//! `.amlform/backend.json` (no credential in it); every other command compares the
//! configuration's `backend` block with that record and refuses, with the way out, when they
//! differ, so a state is never read as empty because the backend moved.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use amlform_azure::{Cloud, CredentialKind};
use amlform_lang::BackendBlock;
use amlform_remote_state::{BlobAuth, BlobSettings, RemoteStore};
use amlform_state::{
    ChangeSet, HistoryEntry, LocalStore, LockInfo, STATE_DIR, StateBackup, StateError, StateRecord,
    StateStore,
};
use anyhow::{Context, bail};

/// What `amlform init` set up, beside the state directory.
pub const BACKEND_RECORD: &str = ".amlform/backend.json";
/// The settings never written to the record: credentials.
const SECRET_SETTINGS: &[&str] = &["access_key", "sas_token"];

/// A backend as the configuration declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Local,
    /// The `azurerm` block's settings, credentials included (they are only ever used).
    Azurerm(BTreeMap<String, String>),
}

impl Backend {
    /// The backend a `backend` block (or its absence) declares.
    pub fn declared(block: Option<&BackendBlock>) -> Backend {
        match block {
            Some(block) if block.kind == "azurerm" => Backend::Azurerm(block.settings.clone()),
            _ => Backend::Local,
        }
    }

    /// The backend `init` recorded; local when there is no record.
    pub fn recorded() -> anyhow::Result<Backend> {
        let path = Path::new(BACKEND_RECORD);
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Backend::Local);
            }
            Err(error) => return Err(error).context(format!("cannot read {BACKEND_RECORD}")),
        };
        let settings: BTreeMap<String, String> =
            serde_json::from_str(&text).with_context(|| {
                format!("{BACKEND_RECORD} is damaged\nhint: run `amlform init` again to write it")
            })?;
        Ok(Backend::Azurerm(settings))
    }

    /// Writes the record `init` leaves (nothing for the local backend).
    pub fn record(&self) -> anyhow::Result<()> {
        let path = Path::new(BACKEND_RECORD);
        match self {
            Backend::Local => match std::fs::remove_file(path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    Err(error).context(format!("cannot remove {BACKEND_RECORD}"))
                }
                _ => Ok(()),
            },
            Backend::Azurerm(_) => {
                std::fs::create_dir_all(".amlform").context("cannot create .amlform")?;
                let text = serde_json::to_string_pretty(&self.public_settings())?;
                std::fs::write(path, text + "\n").context(format!("cannot write {BACKEND_RECORD}"))
            }
        }
    }

    /// The settings without credentials: what is recorded and compared.
    fn public_settings(&self) -> BTreeMap<String, String> {
        match self {
            Backend::Local => BTreeMap::new(),
            Backend::Azurerm(settings) => settings
                .iter()
                .filter(|(name, _)| !SECRET_SETTINGS.contains(&name.as_str()))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        }
    }

    /// `local (.amlform/state)`, or `azurerm mlplatformstate/amlform/prod.amlstate`.
    pub fn describe(&self) -> String {
        match self {
            Backend::Local => format!("local ({STATE_DIR})"),
            Backend::Azurerm(settings) => format!(
                "azurerm {}/{}/{}",
                settings["storage_account_name"], settings["container_name"], settings["key"]
            ),
        }
    }

    /// The declared backend, if it is the one `init` set up; otherwise the refusal that says
    /// which `init` to run.
    pub fn checked(block: Option<&BackendBlock>) -> anyhow::Result<Backend> {
        let declared = Backend::declared(block);
        let recorded = Backend::recorded()?;
        if declared.public_settings() == recorded.public_settings() && declared.same_kind(&recorded)
        {
            return Ok(declared);
        }
        match (&declared, &recorded) {
            (Backend::Azurerm(_), Backend::Local) => bail!(
                "the configuration's backend is {}, but this directory has not been initialized with it\nhint: run `amlform init` (it checks access and creates the state if it is new); `amlform init -migrate-state` copies the local state there",
                declared.describe()
            ),
            _ => bail!(
                "the backend changed from {} to {}{}\nhint: `amlform init -migrate-state` copies the state to the new backend; `amlform init -reconfigure` uses the new one as it is",
                recorded.describe(),
                declared.describe(),
                recorded.differences(&declared)
            ),
        }
    }

    /// ` (its endpoint changed)`, when two backends differ in more than [`Backend::describe`]
    /// shows.
    pub fn differences(&self, other: &Backend) -> String {
        let (before, after) = (self.public_settings(), other.public_settings());
        let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
        names.sort();
        names.dedup();
        let changed: Vec<String> = names
            .into_iter()
            .filter(|name| before.get(*name) != after.get(*name))
            .map(|name| format!("`{name}`"))
            .collect();
        if changed.is_empty() || self.describe() != other.describe() {
            return String::new();
        }
        format!(" (its {} changed)", changed.join(", "))
    }

    fn same_kind(&self, other: &Backend) -> bool {
        matches!(
            (self, other),
            (Backend::Local, Backend::Local) | (Backend::Azurerm(_), Backend::Azurerm(_))
        )
    }

    /// How to reach an `azurerm` backend: the endpoint and credentials, in Terraform's order
    /// (an account key, a SAS token, else Entra ID).
    pub fn blob_settings(&self, credential_override: Option<&str>) -> anyhow::Result<BlobSettings> {
        let Backend::Azurerm(settings) = self else {
            bail!("the local backend has no blob settings");
        };
        let setting = |name: &str| {
            settings
                .get(name)
                .filter(|value| !value.is_empty())
                .cloned()
        };
        let environment = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let cloud_name = setting("environment").unwrap_or_else(|| "public".to_owned());
        let cloud = Cloud::parse(&cloud_name).with_context(|| {
            format!(
                "the backend's environment `{cloud_name}` is not a cloud amlform knows\nhint: one of {}",
                Cloud::NAMES.join(", ")
            )
        })?;
        let account = settings["storage_account_name"].clone();
        let endpoint = setting("endpoint")
            .unwrap_or_else(|| format!("https://{account}.blob.{}", cloud.storage_suffix()));
        let entra = setting("use_azuread_auth").as_deref() == Some("true");
        let auth = match (
            setting("access_key").or_else(|| environment("ARM_ACCESS_KEY")),
            setting("sas_token").or_else(|| environment("ARM_SAS_TOKEN")),
        ) {
            (Some(key), _) if !entra => BlobAuth::AccessKey(key),
            (_, Some(token)) if !entra => BlobAuth::SasToken(token),
            _ => {
                let name = credential_override
                    .map(str::to_owned)
                    .or_else(|| setting("credential"))
                    .unwrap_or_else(|| "default".to_owned());
                let kind = CredentialKind::parse(&name).with_context(|| {
                    format!(
                        "the backend's credential `{name}` is not one amlform knows\nhint: one of {}",
                        CredentialKind::NAMES.join(", ")
                    )
                })?;
                BlobAuth::Entra(amlform_azure::token_credential(kind, cloud)?)
            }
        };
        Ok(BlobSettings {
            storage_account_name: account,
            container_name: settings["container_name"].clone(),
            key: settings["key"].clone(),
            endpoint,
            auth,
        })
    }
}

/// An open, locked state on either backend (one per command, so the variants' sizes do not
/// matter).
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Store {
    Local(LocalStore),
    Remote(RemoteStore),
}

impl Store {
    /// Locks and opens the state of `backend` for `operation`.
    pub fn open(
        backend: &Backend,
        operation: &str,
        lock_timeout: Duration,
        credential_override: Option<&str>,
    ) -> anyhow::Result<Store> {
        Ok(match backend {
            Backend::Local => Store::Local(LocalStore::open(
                Path::new(STATE_DIR),
                operation,
                lock_timeout,
            )?),
            Backend::Azurerm(_) => Store::Remote(RemoteStore::open(
                backend.blob_settings(credential_override)?,
                operation,
                lock_timeout,
            )?),
        })
    }

    /// The local lock this store took over from a process that was no longer running.
    pub fn taken_over_lock(&self) -> Option<&LockInfo> {
        match self {
            Store::Local(store) => store.taken_over_lock(),
            Store::Remote(_) => None,
        }
    }

    /// The local backend's copy before an apply (`state restore`); a remote state keeps its
    /// past in the storage account (versioning, soft delete).
    pub fn write_backup(&self) -> Result<(), StateError> {
        match self {
            Store::Local(store) => store.write_backup(),
            Store::Remote(_) => Ok(()),
        }
    }

    fn inner(&self) -> &dyn StateStore {
        match self {
            Store::Local(store) => store,
            Store::Remote(store) => store,
        }
    }
}

impl StateStore for Store {
    fn lineage(&self) -> &str {
        self.inner().lineage()
    }

    fn serial(&self) -> u64 {
        self.inner().serial()
    }

    fn records(&self) -> Result<Vec<StateRecord>, StateError> {
        self.inner().records()
    }

    fn record(&self, address: &str) -> Result<Option<StateRecord>, StateError> {
        self.inner().record(address)
    }

    fn commit(&mut self, change: ChangeSet) -> Result<u64, StateError> {
        match self {
            Store::Local(store) => store.commit(change),
            Store::Remote(store) => store.commit(change),
        }
    }

    fn commit_all(&mut self, changes: Vec<ChangeSet>) -> Result<u64, StateError> {
        match self {
            Store::Local(store) => store.commit_all(changes),
            Store::Remote(store) => store.commit_all(changes),
        }
    }

    fn history(&self) -> Result<Vec<HistoryEntry>, StateError> {
        self.inner().history()
    }

    fn fingerprint(&self, secret: &[u8]) -> String {
        self.inner().fingerprint(secret)
    }

    fn export(&self) -> Result<StateBackup, StateError> {
        self.inner().export()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn azurerm(extra: &[(&str, &str)]) -> Backend {
        let mut settings: BTreeMap<String, String> = [
            ("storage_account_name", "mlstate"),
            ("container_name", "amlform"),
            ("key", "prod.amlstate"),
            ("access_key", "a2V5"),
        ]
        .iter()
        .chain(extra)
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
        settings.retain(|_, value| !value.is_empty());
        Backend::Azurerm(settings)
    }

    #[test]
    fn the_endpoint_follows_the_cloud_unless_given() {
        let public = azurerm(&[]).blob_settings(None).unwrap();
        assert_eq!(public.endpoint, "https://mlstate.blob.core.windows.net");
        let government = azurerm(&[("environment", "usgovernment")]);
        assert_eq!(
            government.blob_settings(None).unwrap().endpoint,
            "https://mlstate.blob.core.usgovcloudapi.net"
        );
        let azurite = azurerm(&[("endpoint", "http://127.0.0.1:10000/devstoreaccount1")]);
        assert_eq!(
            azurite.blob_settings(None).unwrap().endpoint,
            "http://127.0.0.1:10000/devstoreaccount1"
        );
        assert!(matches!(public.auth, BlobAuth::AccessKey(_)));
    }

    /// What `init` records, and what is compared, never holds a credential.
    #[test]
    fn credentials_are_neither_recorded_nor_compared() {
        let with_key = azurerm(&[("sas_token", "c2Fz")]);
        let settings = with_key.public_settings();
        assert!(!settings.contains_key("access_key") && !settings.contains_key("sas_token"));
        assert_eq!(settings, azurerm(&[]).public_settings());
        assert_eq!(
            azurerm(&[]).differences(&azurerm(&[("endpoint", "http://h")])),
            " (its `endpoint` changed)"
        );
    }
}
