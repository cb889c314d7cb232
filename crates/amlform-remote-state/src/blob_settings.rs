//! Where a remote state lives and how amlform signs in to it; none of it is ever printed.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;

/// A state in Azure Blob Storage: Terraform's `azurerm` backend names.
#[derive(Clone)]
pub struct BlobSettings {
    pub storage_account_name: String,
    pub container_name: String,
    /// The state's blob name (`prod.amlstate`); its journals sit beside it.
    pub key: String,
    /// The account's blob endpoint, e.g. `https://mlplatformstate.blob.core.windows.net`,
    /// or Azurite's `http://127.0.0.1:10000/devstoreaccount1`.
    pub endpoint: String,
    pub auth: BlobAuth,
}

/// How requests are authorised, in Terraform's order of preference.
#[derive(Clone)]
pub enum BlobAuth {
    /// An account key: it signs short-lived SAS tokens here and is never sent.
    AccessKey(String),
    /// A SAS token (with or without its leading `?`).
    SasToken(String),
    /// Microsoft Entra ID (the role needs `Storage Blob Data Contributor`).
    Entra(Arc<dyn TokenCredential>),
}

impl BlobSettings {
    /// `mlplatformstate/amlform/prod.amlstate`, for messages.
    pub fn location(&self) -> String {
        format!(
            "{}/{}/{}",
            self.storage_account_name, self.container_name, self.key
        )
    }
}

impl fmt::Debug for BlobSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobSettings")
            .field("storage_account_name", &self.storage_account_name)
            .field("container_name", &self.container_name)
            .field("key", &self.key)
            .field("endpoint", &self.endpoint)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for BlobAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BlobAuth::AccessKey(_) => "AccessKey((sensitive value))",
            BlobAuth::SasToken(_) => "SasToken((sensitive value))",
            BlobAuth::Entra(_) => "Entra",
        })
    }
}

impl BlobAuth {
    pub fn describe(&self) -> &'static str {
        match self {
            BlobAuth::AccessKey(_) => "the account key",
            BlobAuth::SasToken(_) => "the SAS token",
            BlobAuth::Entra(_) => "the Entra ID identity",
        }
    }
}
