//! Where ARM bearer tokens come from: a fixed token (the emulator, or `AMLFORM_ACCESS_TOKEN`),
//! or Microsoft Entra ID through azure_identity: a chain like the Azure SDKs' default one
//! (client secret from `AZURE_*` variables, workload identity, managed identity, Azure CLI),
//! or one of them by name. Tokens are never shown: `Debug` prints none, and errors name the
//! credential, not the secret.

use std::fmt;
use std::sync::Arc;

use azure_core::cloud::CloudConfiguration;
use azure_core::credentials::{Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::ClientOptions;
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};

use crate::AzureError;

/// Which credential a workspace uses (`credential = "..."`, or `--credential`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// Each of the others in turn, as the Azure SDKs' default credential does.
    Default,
    /// A service principal's secret: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`.
    Environment,
    /// Kubernetes workload identity: `AZURE_FEDERATED_TOKEN_FILE` and the two ids.
    WorkloadIdentity,
    /// The managed identity of the VM, App Service or container this runs in
    /// (`AZURE_CLIENT_ID` picks a user-assigned one).
    ManagedIdentity,
    /// Whoever is signed in to the Azure CLI (`az login`).
    AzureCli,
}

impl CredentialKind {
    pub const NAMES: &'static [&'static str] = &[
        "default",
        "environment",
        "workload_identity",
        "managed_identity",
        "azure_cli",
    ];

    pub fn parse(name: &str) -> Option<CredentialKind> {
        Some(match name {
            "default" => CredentialKind::Default,
            "environment" => CredentialKind::Environment,
            "workload_identity" => CredentialKind::WorkloadIdentity,
            "managed_identity" => CredentialKind::ManagedIdentity,
            "azure_cli" => CredentialKind::AzureCli,
            _ => return None,
        })
    }
}

/// An Azure cloud: where ARM answers and which Entra ID authority signs its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Public,
    Government,
    China,
}

impl Cloud {
    pub const NAMES: &'static [&'static str] = &["public", "usgovernment", "china"];

    pub fn parse(name: &str) -> Option<Cloud> {
        Some(match name {
            "public" | "AzureCloud" => Cloud::Public,
            "usgovernment" | "AzureUSGovernment" => Cloud::Government,
            "china" | "AzureChinaCloud" => Cloud::China,
            _ => return None,
        })
    }

    /// The DNS suffix of its storage endpoints (`<account>.blob.<suffix>`).
    pub fn storage_suffix(self) -> &'static str {
        match self {
            Cloud::Public => "core.windows.net",
            Cloud::Government => "core.usgovcloudapi.net",
            Cloud::China => "core.chinacloudapi.cn",
        }
    }

    /// Its Resource Manager endpoint, the default `endpoint` of a workspace in it.
    pub fn resource_manager(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com",
            Cloud::Government => "https://management.usgovcloudapi.net",
            Cloud::China => "https://management.chinacloudapi.cn",
        }
    }

    fn configuration(self) -> CloudConfiguration {
        match self {
            Cloud::Public => CloudConfiguration::AzurePublic,
            Cloud::Government => CloudConfiguration::AzureGovernment,
            Cloud::China => CloudConfiguration::AzureChina,
        }
    }
}

/// A source of bearer tokens for one ARM endpoint.
#[derive(Clone)]
pub enum Credential {
    Fixed(String),
    Entra {
        source: Arc<dyn TokenCredential>,
        /// `https://management.azure.com/.default`.
        scope: String,
        name: &'static str,
    },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Fixed(_) => f.write_str("Credential::Fixed((sensitive value))"),
            Credential::Entra { name, scope, .. } => write!(f, "Credential::{name}({scope})"),
        }
    }
}

impl Credential {
    /// Entra ID tokens for `resource_manager` (an ARM endpoint) from the credential `kind`.
    pub fn entra(
        kind: CredentialKind,
        cloud: Cloud,
        resource_manager: &str,
    ) -> Result<Credential, AzureError> {
        let name = display_name(kind);
        let source = single(kind, cloud).map_err(|error| {
            AzureError::Setup(format!("the {name} credential cannot be used: {error}"))
        })?;
        Ok(Credential::Entra {
            source,
            scope: format!("{}/.default", resource_manager.trim_end_matches('/')),
            name,
        })
    }

    /// A token to send now; azure_identity caches and renews them.
    pub async fn token(&self) -> Result<String, AzureError> {
        match self {
            Credential::Fixed(token) => Ok(token.clone()),
            Credential::Entra {
                source,
                scope,
                name,
            } => source
                .get_token(&[scope.as_str()], None)
                .await
                .map(|token| token.token.secret().to_owned())
                .map_err(|error| {
                    AzureError::Setup(format!(
                        "cannot get a token from the {name} credential: {error}\n  hint: sign in with `az login`, set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or choose another with the workspace's `credential` (one of {})",
                        CredentialKind::NAMES.join(", ")
                    ))
                }),
        }
    }
}

fn display_name(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::Default => "default",
        CredentialKind::Environment => "environment",
        CredentialKind::WorkloadIdentity => "workload identity",
        CredentialKind::ManagedIdentity => "managed identity",
        CredentialKind::AzureCli => "Azure CLI",
    }
}

/// An Entra ID token source of `kind` in `cloud`, for clients that take azure_core's
/// credential (the Blob Storage client of remote state).
pub fn token_credential(
    kind: CredentialKind,
    cloud: Cloud,
) -> Result<Arc<dyn TokenCredential>, AzureError> {
    single(kind, cloud).map_err(|error| {
        AzureError::Setup(format!(
            "the {} credential cannot be used: {error}",
            display_name(kind)
        ))
    })
}

fn client_options(cloud: Cloud) -> ClientOptions {
    ClientOptions {
        cloud: Some(Arc::new(cloud.configuration())),
        ..ClientOptions::default()
    }
}

fn single(kind: CredentialKind, cloud: Cloud) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let variable = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    Ok(match kind {
        CredentialKind::Default => Arc::new(DefaultChain::new(cloud)),
        CredentialKind::Environment => {
            let missing = || {
                azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET must all be set",
                )
            };
            let tenant = variable("AZURE_TENANT_ID").ok_or_else(missing)?;
            let client = variable("AZURE_CLIENT_ID").ok_or_else(missing)?;
            let secret = variable("AZURE_CLIENT_SECRET").ok_or_else(missing)?;
            ClientSecretCredential::new(
                &tenant,
                client,
                Secret::new(secret),
                Some(ClientSecretCredentialOptions {
                    client_options: client_options(cloud),
                }),
            )?
        }
        CredentialKind::WorkloadIdentity => {
            WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions {
                    client_options: client_options(cloud),
                },
                ..WorkloadIdentityCredentialOptions::default()
            }))?
        }
        CredentialKind::ManagedIdentity => ManagedIdentityCredential::new(None)?,
        CredentialKind::AzureCli => AzureCliCredential::new(None)?,
    })
}

/// Environment, workload identity, managed identity, Azure CLI: the first that gives a
/// token wins, and is used from then on.
#[derive(Debug)]
struct DefaultChain {
    cloud: Cloud,
    chosen: tokio::sync::OnceCell<Arc<dyn TokenCredential>>,
}

impl DefaultChain {
    fn new(cloud: Cloud) -> DefaultChain {
        DefaultChain {
            cloud,
            chosen: tokio::sync::OnceCell::new(),
        }
    }
}

#[async_trait::async_trait]
impl TokenCredential for DefaultChain {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        if let Some(chosen) = self.chosen.get() {
            return chosen.get_token(scopes, options).await;
        }
        let mut failures = Vec::new();
        for kind in [
            CredentialKind::Environment,
            CredentialKind::WorkloadIdentity,
            CredentialKind::ManagedIdentity,
            CredentialKind::AzureCli,
        ] {
            let attempt = match single(kind, self.cloud) {
                Ok(credential) => match credential.get_token(scopes, options.clone()).await {
                    Ok(token) => {
                        let _ = self.chosen.set(credential);
                        return Ok(token);
                    }
                    Err(error) => error,
                },
                Err(error) => error,
            };
            failures.push(format!("{}: {attempt}", display_name(kind)));
        }
        Err(azure_core::Error::with_message(
            azure_core::error::ErrorKind::Credential,
            format!("no credential gave a token ({})", failures.join("; ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_scopes_follow_the_cloud() {
        for name in CredentialKind::NAMES {
            assert!(CredentialKind::parse(name).is_some(), "{name}");
        }
        assert_eq!(CredentialKind::parse("password"), None);
        for name in Cloud::NAMES {
            assert!(Cloud::parse(name).is_some(), "{name}");
        }
        let china = Credential::entra(
            CredentialKind::AzureCli,
            Cloud::China,
            Cloud::China.resource_manager(),
        )
        .unwrap();
        assert_eq!(
            format!("{china:?}"),
            "Credential::Azure CLI(https://management.chinacloudapi.cn/.default)"
        );
    }

    #[test]
    fn a_fixed_token_is_never_shown() {
        let credential = Credential::Fixed("canary-token".to_owned());
        assert!(!format!("{credential:?}").contains("canary"));
    }
}
