//! The blob operations a remote state needs, over the official client, with failures in
//! words that never carry a token, a key or a signature.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, Etag, RequestContent, Transport, Url};
use azure_storage_blob::models::{
    AppendBlobClientAppendBlockOptions, AppendBlobClientAppendBlockResultHeaders,
    AppendBlobClientCreateOptions, AppendBlobClientCreateResultHeaders,
    BlobClientAcquireLeaseOptions, BlobClientBreakLeaseOptions, BlobClientDeleteOptions,
    BlobClientDownloadOptions, BlobClientGetPropertiesResultHeaders, BlobClientSetMetadataOptions,
    BlobClientUploadOptions, LeaseState,
};
use azure_storage_blob::{
    BlobClient, BlobClientOptions, BlobContainerClient, BlobContainerClientOptions,
};

use crate::account_sas::{self, TOKEN_LIFETIME};
use crate::{BlobAuth, BlobSettings};

/// A refused or failed request: the service's status and error code, or why no answer came.
#[derive(Debug, Clone)]
pub struct BlobFailure {
    pub status: Option<u16>,
    pub code: Option<String>,
    detail: String,
    /// The request was never sent: the settings or credentials cannot make one.
    unsent: bool,
}

impl BlobFailure {
    fn from_error(error: azure_core::Error) -> BlobFailure {
        match error.kind() {
            ErrorKind::HttpResponse {
                status, error_code, ..
            } => BlobFailure {
                status: Some(u16::from(*status)),
                code: error_code.clone(),
                detail: String::new(),
                unsent: false,
            },
            _ => BlobFailure {
                status: None,
                code: None,
                detail: format!(
                    "no answer from the storage service: {}",
                    redact(&format!("{error}"))
                ),
                unsent: false,
            },
        }
    }

    /// A request that could not be made (bad settings), in words.
    fn setup(detail: impl Into<String>) -> BlobFailure {
        BlobFailure {
            status: None,
            code: None,
            detail: detail.into(),
            unsent: true,
        }
    }

    pub fn is(&self, status: u16, code: &str) -> bool {
        self.status == Some(status) && self.code.as_deref() == Some(code)
    }

    pub fn status_is(&self, status: u16) -> bool {
        self.status == Some(status)
    }

    /// What a user can do about it, by status.
    pub fn hint(&self, auth: &BlobAuth) -> String {
        if self.unsent {
            return "fix the backend's settings or credentials (ARM_ACCESS_KEY, ARM_SAS_TOKEN)"
                .to_owned();
        }
        match (self.status, self.code.as_deref()) {
            (Some(404), Some("ContainerNotFound")) => {
                "create the container first (`az storage container create --name NAME --account-name ACCOUNT`)".to_owned()
            }
            (Some(403), _) | (Some(401), _) => format!(
                "check {} (an identity needs the `Storage Blob Data Contributor` role on the container)",
                auth.describe()
            ),
            (None, _) => "check the storage account name and `endpoint`, and that this machine can reach it".to_owned(),
            _ => "run the command again; if it persists, check the storage account".to_owned(),
        }
    }
}

impl fmt::Display for BlobFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.status, &self.code) {
            (Some(status), Some(code)) => write!(f, "the storage service answered {status} {code}"),
            (Some(status), None) => write!(f, "the storage service answered {status}"),
            _ => f.write_str(&self.detail),
        }
    }
}

/// Removes the values of SAS signatures (and anything else after `sig=`) from a message: the
/// client's transport errors name the URL they failed on.
pub fn redact(text: &str) -> String {
    let mut redacted = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("sig=") {
        redacted.push_str(&rest[..at + 4]);
        redacted.push_str("REDACTED");
        let end = rest[at + 4..]
            .find(['&', ')', ' ', '"', '\''])
            .map_or(rest.len(), |end| at + 4 + end);
        rest = &rest[end..];
    }
    redacted.push_str(rest);
    redacted
}

/// One downloaded blob.
#[derive(Debug)]
pub struct Downloaded {
    pub bytes: Vec<u8>,
    pub etag: Etag,
}

/// A blob's lease and metadata, as `get_properties` reports them.
#[derive(Debug)]
pub struct Properties {
    pub leased: bool,
    pub metadata: HashMap<String, String>,
}

/// The container of one remote state.
pub struct StateContainer {
    settings: BlobSettings,
    /// amlform's HTTP client (rustls with ring), shared by every request.
    transport: Transport,
    /// The account SAS signed from the key, and when; a new one is signed after half its life.
    signed: Mutex<Option<(String, Instant)>>,
}

impl fmt::Debug for StateContainer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateContainer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

pub type BlobResult<T> = Result<T, BlobFailure>;

impl StateContainer {
    pub fn new(settings: BlobSettings) -> Result<StateContainer, BlobFailure> {
        if matches!(settings.auth, BlobAuth::Entra(_)) && settings.endpoint.starts_with("http://") {
            return Err(BlobFailure::setup(
                "Entra ID tokens are sent only over https: for a plain-HTTP endpoint (Azurite), sign in with an account key or a SAS token (ARM_ACCESS_KEY, ARM_SAS_TOKEN) instead",
            ));
        }
        let http = amlform_azure::http_client(&settings.endpoint, None, Duration::from_secs(60))
            .map_err(|error| BlobFailure::setup(error.to_string()))?;
        Ok(StateContainer {
            settings,
            transport: Transport::new(std::sync::Arc::new(http)),
            signed: Mutex::new(None),
        })
    }

    pub fn settings(&self) -> &BlobSettings {
        &self.settings
    }

    /// The SAS query a request carries, if it carries one.
    fn sas(&self) -> BlobResult<Option<String>> {
        match &self.settings.auth {
            BlobAuth::SasToken(token) => Ok(Some(token.trim_start_matches('?').to_owned())),
            BlobAuth::Entra(_) => Ok(None),
            BlobAuth::AccessKey(key) => {
                let mut signed = self.signed.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((token, at)) = signed.as_ref()
                    && at.elapsed() < TOKEN_LIFETIME / 2
                {
                    return Ok(Some(token.clone()));
                }
                let https_only = !self.settings.endpoint.starts_with("http://");
                let token = account_sas::sign_account_sas(
                    &signing_account(&self.settings),
                    key,
                    SystemTime::now(),
                    https_only,
                )
                .ok_or_else(|| {
                    BlobFailure::setup("the access key is not base64 (copy it whole from the storage account's access keys)")
                })?;
                *signed = Some((token.clone(), Instant::now()));
                Ok(Some(token))
            }
        }
    }

    fn url(&self, path: &str) -> BlobResult<Url> {
        let mut text = format!(
            "{}/{}",
            self.settings.endpoint.trim_end_matches('/'),
            path_escape(&self.settings.container_name)
        );
        if !path.is_empty() {
            text.push('/');
            text.push_str(&path_escape(path));
        }
        if let Some(sas) = self.sas()? {
            text.push('?');
            text.push_str(&sas);
        }
        Url::parse(&text).map_err(|error| {
            BlobFailure::setup(format!(
                "the endpoint does not make a URL: {}",
                redact(&error.to_string())
            ))
        })
    }

    fn client_options(&self) -> ClientOptions {
        ClientOptions {
            transport: Some(self.transport.clone()),
            ..ClientOptions::default()
        }
    }

    fn credential(&self) -> Option<std::sync::Arc<dyn azure_core::credentials::TokenCredential>> {
        match &self.settings.auth {
            BlobAuth::Entra(credential) => Some(credential.clone()),
            _ => None,
        }
    }

    fn blob(&self, name: &str) -> BlobResult<BlobClient> {
        BlobClient::new(
            self.url(name)?,
            self.credential(),
            Some(BlobClientOptions {
                client_options: self.client_options(),
                ..BlobClientOptions::default()
            }),
        )
        .map_err(BlobFailure::from_error)
    }

    fn container(&self) -> BlobResult<BlobContainerClient> {
        BlobContainerClient::new(
            self.url("")?,
            self.credential(),
            Some(BlobContainerClientOptions {
                client_options: self.client_options(),
                ..BlobContainerClientOptions::default()
            }),
        )
        .map_err(BlobFailure::from_error)
    }

    /// Whether the container exists (and can be read with these credentials).
    pub async fn container_exists(&self) -> BlobResult<bool> {
        self.container()?
            .exists()
            .await
            .map_err(BlobFailure::from_error)
    }

    /// Creates the container (tests, and Azurite); one that exists is left as it is.
    pub async fn create_container(&self) -> BlobResult<()> {
        match self.container()?.create(None).await {
            Ok(_) => Ok(()),
            Err(error) => {
                let failure = BlobFailure::from_error(error);
                if failure.is(409, "ContainerAlreadyExists") {
                    Ok(())
                } else {
                    Err(failure)
                }
            }
        }
    }

    /// The blob's bytes and ETag; `None` when there is no such blob.
    pub async fn download(
        &self,
        name: &str,
        lease: Option<&str>,
    ) -> BlobResult<Option<Downloaded>> {
        let options = BlobClientDownloadOptions {
            lease_id: lease.map(str::to_owned),
            ..BlobClientDownloadOptions::default()
        };
        let result = match self.blob(name)?.download(Some(options)).await {
            Ok(result) => result,
            Err(error) => {
                let failure = BlobFailure::from_error(error);
                return if failure.is(404, "BlobNotFound") {
                    Ok(None)
                } else {
                    Err(failure)
                };
            }
        };
        let etag = (result.properties.etag.clone()).ok_or_else(missing_etag)?;
        let bytes = result
            .body
            .collect()
            .await
            .map_err(BlobFailure::from_error)?;
        Ok(Some(Downloaded {
            bytes: bytes.to_vec(),
            etag,
        }))
    }

    /// Writes a whole block blob: only if it does not exist (`expected: None`), or only over
    /// the version with ETag `expected` and under `lease`. Returns the new ETag.
    pub async fn upload(
        &self,
        name: &str,
        bytes: Vec<u8>,
        expected: Option<&Etag>,
        lease: Option<&str>,
        metadata: HashMap<String, String>,
    ) -> BlobResult<Etag> {
        let options = BlobClientUploadOptions {
            if_match: expected.cloned(),
            if_none_match: expected.is_none().then(|| Etag::from("*")),
            lease_id: lease.map(str::to_owned),
            metadata: Some(metadata),
            blob_content_type: Some("application/json".to_owned()),
            ..BlobClientUploadOptions::default()
        };
        let result = self
            .blob(name)?
            .upload(RequestContent::from(bytes), Some(options))
            .await
            .map_err(BlobFailure::from_error)?;
        result.etag.ok_or_else(missing_etag)
    }

    /// Creates an empty append blob, replacing any blob of that name. Returns its ETag.
    pub async fn create_append_blob(&self, name: &str) -> BlobResult<Etag> {
        let response = self
            .blob(name)?
            .append_blob_client()
            .create(Some(AppendBlobClientCreateOptions {
                blob_content_type: Some("application/x-ndjson".to_owned()),
                ..AppendBlobClientCreateOptions::default()
            }))
            .await
            .map_err(BlobFailure::from_error)?;
        response
            .etag()
            .map_err(BlobFailure::from_error)?
            .ok_or_else(missing_etag)
    }

    /// Appends one block at `position`, only under `lease` and over the version with ETag
    /// `expected`: a lost lease or a rival writer's block makes this fail instead of landing
    /// after it. Returns the new ETag.
    pub async fn append(
        &self,
        name: &str,
        bytes: Vec<u8>,
        position: u64,
        expected: &Etag,
        lease: &str,
    ) -> BlobResult<Etag> {
        let length = bytes.len() as u64;
        let response = self
            .blob(name)?
            .append_blob_client()
            .append_block(
                RequestContent::from(bytes),
                length,
                Some(AppendBlobClientAppendBlockOptions {
                    append_position: Some(position as i64),
                    if_match: Some(expected.clone()),
                    lease_id: Some(lease.to_owned()),
                    ..AppendBlobClientAppendBlockOptions::default()
                }),
            )
            .await
            .map_err(BlobFailure::from_error)?;
        response
            .etag()
            .map_err(BlobFailure::from_error)?
            .ok_or_else(missing_etag)
    }

    pub async fn delete(&self, name: &str, lease: Option<&str>) -> BlobResult<()> {
        match self
            .blob(name)?
            .delete(Some(BlobClientDeleteOptions {
                lease_id: lease.map(str::to_owned),
                ..BlobClientDeleteOptions::default()
            }))
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => {
                let failure = BlobFailure::from_error(error);
                if failure.is(404, "BlobNotFound") {
                    Ok(())
                } else {
                    Err(failure)
                }
            }
        }
    }

    /// Lease and metadata; `None` when there is no such blob.
    pub async fn properties(&self, name: &str) -> BlobResult<Option<Properties>> {
        match self.blob(name)?.get_properties(None).await {
            Ok(response) => Ok(Some(Properties {
                leased: matches!(
                    response.lease_state().map_err(BlobFailure::from_error)?,
                    Some(LeaseState::Leased) | Some(LeaseState::Breaking)
                ),
                metadata: response.metadata().map_err(BlobFailure::from_error)?,
            })),
            Err(error) => {
                let failure = BlobFailure::from_error(error);
                if failure.is(404, "BlobNotFound") {
                    Ok(None)
                } else {
                    Err(failure)
                }
            }
        }
    }

    /// Sets the metadata of a leased blob. Returns its new ETag.
    pub async fn set_metadata(
        &self,
        name: &str,
        metadata: &HashMap<String, String>,
        lease: &str,
    ) -> BlobResult<Etag> {
        let response = self
            .blob(name)?
            .set_metadata(
                metadata,
                Some(BlobClientSetMetadataOptions {
                    lease_id: Some(lease.to_owned()),
                    ..BlobClientSetMetadataOptions::default()
                }),
            )
            .await
            .map_err(BlobFailure::from_error)?;
        response
            .headers()
            .get_optional_str(&azure_core::http::headers::ETAG)
            .map(Etag::from)
            .ok_or_else(missing_etag)
    }

    pub async fn acquire_lease(&self, name: &str, duration: Duration, id: &str) -> BlobResult<()> {
        self.blob(name)?
            .acquire_lease(
                duration.as_secs() as i32,
                Some(BlobClientAcquireLeaseOptions {
                    proposed_lease_id: Some(id.to_owned()),
                    ..BlobClientAcquireLeaseOptions::default()
                }),
            )
            .await
            .map(drop)
            .map_err(BlobFailure::from_error)
    }

    pub async fn renew_lease(&self, name: &str, id: &str) -> BlobResult<()> {
        self.blob(name)?
            .renew_lease(id.to_owned(), None)
            .await
            .map(drop)
            .map_err(BlobFailure::from_error)
    }

    pub async fn release_lease(&self, name: &str, id: &str) -> BlobResult<()> {
        self.blob(name)?
            .release_lease(id.to_owned(), None)
            .await
            .map(drop)
            .map_err(BlobFailure::from_error)
    }

    /// Breaks whatever lease the blob has, at once.
    pub async fn break_lease(&self, name: &str) -> BlobResult<()> {
        self.blob(name)?
            .break_lease(Some(BlobClientBreakLeaseOptions {
                break_period: Some(0),
                ..BlobClientBreakLeaseOptions::default()
            }))
            .await
            .map(drop)
            .map_err(BlobFailure::from_error)
    }
}

fn missing_etag() -> BlobFailure {
    BlobFailure::setup("the storage service answered without an ETag")
}

/// The account a SAS is signed for: the one a path-style endpoint names
/// (`http://127.0.0.1:10000/devstoreaccount1`, as Azurite and some private endpoints are), else
/// `storage_account_name`. The service checks the signature against the account it serves.
fn signing_account(settings: &BlobSettings) -> String {
    let after_scheme = settings
        .endpoint
        .split_once("://")
        .map_or(settings.endpoint.as_str(), |(_, rest)| rest);
    after_scheme
        .split('/')
        .nth(1)
        .filter(|segment| !segment.is_empty())
        .map_or_else(|| settings.storage_account_name.clone(), str::to_owned)
}

/// Percent-encodes a blob path, keeping its `/` separators.
fn path_escape(path: &str) -> String {
    path.split('/')
        .map(account_sas::query_escape)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_style_endpoint_names_the_signing_account() {
        let settings = |endpoint: &str| BlobSettings {
            storage_account_name: "mlplatformstate".to_owned(),
            container_name: "amlform".to_owned(),
            key: "prod.amlstate".to_owned(),
            endpoint: endpoint.to_owned(),
            auth: BlobAuth::SasToken(String::new()),
        };
        let signing = |endpoint: &str| signing_account(&settings(endpoint));
        assert_eq!(
            signing("http://127.0.0.1:10000/devstoreaccount1"),
            "devstoreaccount1"
        );
        assert_eq!(
            signing("http://127.0.0.1:10000/devstoreaccount1/"),
            "devstoreaccount1"
        );
        assert_eq!(
            signing("https://mlplatformstate.blob.core.windows.net"),
            "mlplatformstate"
        );
        assert_eq!(
            signing("https://mlplatformstate.blob.core.windows.net/"),
            "mlplatformstate"
        );
    }

    #[test]
    fn signatures_are_redacted_from_messages() {
        let text =
            "error sending request for url (http://h/c/b?sv=1&sig=abc%2Bdef&se=2) and sig=zzz";
        let redacted = redact(text);
        assert_eq!(
            redacted,
            "error sending request for url (http://h/c/b?sv=1&sig=REDACTED&se=2) and sig=REDACTED"
        );
    }
}
