//! HTTP to Azure Resource Manager: bearer token, api-version, retries, paging.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{AzureError, JsonTree};

pub const API_VERSION: &str = "2024-10-01";

/// How often and how long to retry what is safe to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    /// The longest backoff this client chooses itself.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured, of a refusal (429, 5xx) or of a long-running
    /// operation's answer; the service's word goes past `max_delay` and `max_poll_interval`,
    /// since ARM's throttling windows and operation polls can ask for a minute or more.
    pub max_retry_after: Duration,
    /// The longest wait between two polls of a long-running operation when the service gives
    /// no `Retry-After` (its own word is honoured up to `max_retry_after`).
    pub max_poll_interval: Duration,
    /// How long a long-running operation may take before the client gives up on it.
    pub operation_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(600),
            max_poll_interval: Duration::from_secs(60),
            operation_timeout: Duration::from_secs(3600),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ArmClientOptions {
    /// `https://management.azure.com`, or the emulator's URL.
    pub endpoint: String,
    /// A fixed bearer token (the emulator's, or `AMLFORM_ACCESS_TOKEN`), used when
    /// `credential` is `None`. Never logged or shown.
    pub token: String,
    /// Where tokens come from otherwise (Entra ID through azure_identity).
    pub credential: Option<crate::Credential>,
    /// A PEM file of an extra certificate authority to trust (the emulator's).
    pub ca_file: Option<std::path::PathBuf>,
    pub retry: RetryPolicy,
    /// Timeout of each request.
    pub timeout: Option<Duration>,
    /// Client-side pacing (ARM's limits for Azure); `None` sends as fast as allowed.
    pub rate_limits: Option<crate::ClientRateLimits>,
}

/// Requests every client of this process has sent (each attempt counts), for
/// `AMLFORM_TIMINGS` and the apply benchmark: reads are the budget ARM limits most.
static READS_SENT: AtomicU64 = AtomicU64::new(0);
static WRITES_SENT: AtomicU64 = AtomicU64::new(0);

/// How many requests this process has sent so far: `(reads, writes)`.
pub fn requests_sent() -> (u64, u64) {
    (
        READS_SENT.load(Ordering::Relaxed),
        WRITES_SENT.load(Ordering::Relaxed),
    )
}

#[derive(Clone)]
pub struct ArmClient {
    http: reqwest::Client,
    endpoint: String,
    credential: crate::Credential,
    retry: RetryPolicy,
    pacer: Option<crate::request_pacer::RequestPacer>,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.endpoint)
            .field("credential", &self.credential)
            .finish()
    }
}

/// The HTTP client amlform talks to Azure with (ARM, and Blob Storage for remote state):
/// rustls with ring, the platform's roots or `ca_file`, and none at all for a plain-HTTP
/// endpoint.
pub fn http_client(
    endpoint: &str,
    ca_file: Option<&std::path::Path>,
    timeout: Duration,
) -> Result<reqwest::Client, AzureError> {
    // reqwest is built without a default crypto provider; ring is the one in our tree.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("amlform/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|error| {
            AzureError::Setup(format!(
                "cannot read the CA file {}: {error}",
                path.display()
            ))
        })?;
        let certificate = reqwest::Certificate::from_pem(&pem)
            .map_err(|error| AzureError::Setup(format!("{}: {error}", path.display())))?;
        builder = builder.tls_certs_merge([certificate]);
    } else if endpoint.starts_with("http://") {
        // Plain HTTP (the embedded emulator, a local one, Azurite): no TLS is spoken, so the
        // platform's ~150 root certificates are not loaded. No roots at all means a TLS
        // connection, should one ever be asked for, is refused rather than trusted.
        builder = builder.tls_certs_only([]);
    }
    builder
        .build()
        .map_err(|error| AzureError::Setup(error.to_string()))
}

impl ArmClient {
    pub fn new(options: ArmClientOptions) -> Result<ArmClient, AzureError> {
        let http = http_client(
            &options.endpoint,
            options.ca_file.as_deref(),
            options.timeout.unwrap_or(Duration::from_secs(60)),
        )?;
        Ok(ArmClient {
            http,
            endpoint: options.endpoint.trim_end_matches('/').to_owned(),
            credential: options
                .credential
                .unwrap_or(crate::Credential::Fixed(options.token)),
            retry: options.retry,
            pacer: options
                .rate_limits
                .map(crate::request_pacer::RequestPacer::new),
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// GETs `path` (relative to the endpoint, or an absolute `nextLink`), retrying as needed.
    pub async fn get(&self, path: &str) -> Result<Value, AzureError> {
        self.send(Method::GET, path, None).await
    }

    /// GETs every page of a pageable list, following `nextLink`, and converts each item as its
    /// page arrives: only one page of raw JSON is held at a time. The page is read as borrowed
    /// raw items first, so the next page is asked for before this one's items are decoded:
    /// the service renders page n+1 while this client converts page n.
    pub async fn list<T>(
        &self,
        path: &str,
        mut convert: impl FnMut(&JsonTree<'_>) -> T,
    ) -> Result<Vec<T>, AzureError> {
        let mut items = Vec::new();
        let mut pending = Some(self.fetch_page(path.to_owned()));
        while let Some(fetch) = pending.take() {
            let (shown_path, bytes) = match fetch.await {
                Ok(fetched) => fetched?,
                Err(error) => {
                    return Err(AzureError::Setup(format!("a page fetch failed: {error}")));
                }
            };
            let decode_error = |error: serde_json::Error| AzureError::Decode {
                method: Method::GET.to_string(),
                path: shown_path.clone(),
                reason: error.to_string(),
            };
            let page: RawPage<'_> = match utf8(&bytes) {
                Ok("") => RawPage::default(),
                Ok(text) => serde_json::from_str(text).map_err(decode_error)?,
                Err(reason) => {
                    return Err(AzureError::Decode {
                        method: Method::GET.to_string(),
                        path: shown_path,
                        reason,
                    });
                }
            };
            pending = page
                .next_link
                .as_deref()
                .filter(|link| !link.is_empty())
                .map(|link| self.fetch_page(with_api_version(link)));
            for item in page.value {
                let item: JsonTree<'_> = serde_json::from_str(item.get()).map_err(decode_error)?;
                items.push(convert(&item));
            }
        }
        Ok(items)
    }

    /// One page's GET on a task of its own, so that it runs while the caller decodes the
    /// page before it.
    fn fetch_page(
        &self,
        path: String,
    ) -> tokio::task::JoinHandle<Result<(String, bytes::Bytes), AzureError>> {
        let client = self.clone();
        tokio::spawn(async move {
            let response = client.exchange(Method::GET, &path, None).await?;
            Ok((response.shown_path, response.bytes))
        })
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            return path.to_owned();
        }
        let separator = if path.contains('?') { '&' } else { '?' };
        if path.contains("api-version=") {
            format!("{}{path}", self.endpoint)
        } else {
            format!(
                "{}{path}{separator}api-version={API_VERSION}",
                self.endpoint
            )
        }
    }

    /// Sends one request and returns its body (see [`ArmClient::send_full`]).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, AzureError> {
        self.send_full(method, path, body)
            .await
            .map(|response| response.body)
    }

    /// Sends one request. GET, PUT, PATCH and DELETE are idempotent in ARM and are retried on
    /// 429, 5xx and connection errors; a POST action (start, stop) only on 429, which the
    /// service answers before acting — never blindly.
    pub async fn send_full(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ArmResponse, AzureError> {
        let response = self.exchange(method.clone(), path, body).await?;
        let body = match utf8(&response.bytes) {
            Ok("") => Ok(Value::Null),
            // Checked to be UTF-8 once, not string by string as the parser would: a page of
            // computes is hundreds of KiB.
            Ok(text) => serde_json::from_str(text).map_err(|error| error.to_string()),
            Err(reason) => Err(reason),
        }
        .map_err(|reason| AzureError::Decode {
            method: method.to_string(),
            path: response.shown_path.clone(),
            reason,
        })?;
        Ok(ArmResponse {
            status: response.status,
            azure_async_operation: response.azure_async_operation,
            location: response.location,
            retry_after: response.retry_after,
            body,
        })
    }

    /// Sends one request, retrying as [`ArmClient::send_full`] says, and returns a success's
    /// status, headers and raw body.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<RawResponse, AzureError> {
        let url = self.url(path);
        let shown_path = path.split('?').next().unwrap_or(path).to_owned();
        let idempotent = method != Method::POST;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(pacer) = &self.pacer {
                pacer.wait_turn(&method, path).await;
            }
            let token = self.credential.token().await?;
            let sent = if method == Method::GET {
                &READS_SENT
            } else {
                &WRITES_SENT
            };
            sent.fetch_add(1, Ordering::Relaxed);
            let mut request = self.http.request(method.clone(), &url).bearer_auth(token);
            if let Some(body) = body {
                request = request.json(body);
            }
            // The method and path only: never the token, a query (a SAS) or a body (secrets).
            tracing::trace!(%method, path = %shown_path, attempt, "request");
            let sent_at = std::time::Instant::now();
            let (retry_after, last, hint) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let request_id = response
                        .headers()
                        .get("x-ms-request-id")
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_owned);
                    tracing::debug!(
                        %method,
                        path = %shown_path,
                        status = status.as_u16(),
                        request_id = request_id.as_deref().unwrap_or("-"),
                        elapsed_ms = sent_at.elapsed().as_millis() as u64,
                        attempt,
                        "response"
                    );
                    let headers = response.headers().clone();
                    let retry_after = retry_after(&headers);
                    let bytes = response
                        .bytes()
                        .await
                        .map_err(|error| AzureError::Transport {
                            method: method.to_string(),
                            path: shown_path.clone(),
                            reason: error.to_string(),
                        })?;
                    if status.is_success() {
                        return Ok(RawResponse {
                            status: status.as_u16(),
                            azure_async_operation: header(&headers, "azure-asyncoperation"),
                            location: header(&headers, "location"),
                            retry_after,
                            shown_path,
                            bytes,
                        });
                    }
                    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    let error = AzureError::Service {
                        method: method.to_string(),
                        path: shown_path.clone(),
                        status: status.as_u16(),
                        code: body["error"]["code"]
                            .as_str()
                            .unwrap_or("Unknown")
                            .to_owned(),
                        message: crate::azure_error::error_message(&body["error"]),
                        request_id,
                    };
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || (idempotent && status.is_server_error());
                    if !retryable {
                        return Err(error);
                    }
                    let hint = if status == StatusCode::TOO_MANY_REQUESTS {
                        "the service is throttling these requests; try again later, or lower --parallelism"
                    } else {
                        "the service keeps failing; the message above says why (its x-ms-request-id helps Azure support)"
                    };
                    (retry_after, error.to_string(), hint)
                }
                Err(error) => {
                    let reason = transport_reason(&error);
                    if is_tls_failure(&reason) {
                        return Err(AzureError::Tls {
                            method: method.to_string(),
                            path: shown_path,
                            reason,
                        });
                    }
                    if !idempotent {
                        return Err(AzureError::Transport {
                            method: method.to_string(),
                            path: shown_path,
                            reason,
                        });
                    }
                    (
                        None,
                        reason,
                        "the service could not be reached; check the workspace's endpoint and your network",
                    )
                }
            };
            if attempt >= self.retry.max_attempts {
                return Err(AzureError::RetriesExhausted {
                    method: method.to_string(),
                    path: shown_path,
                    attempts: attempt,
                    last,
                    hint: hint.to_owned(),
                });
            }
            let wait = self.backoff(attempt, retry_after);
            tracing::info!(%method, path = %shown_path, attempt, wait_ms = wait.as_millis() as u64, reason = %last, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// `Retry-After` when the service gave one (up to `max_retry_after`), else exponential
    /// backoff with full jitter.
    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.retry.max_retry_after);
        }
        let ceiling = self
            .retry
            .base_delay
            .saturating_mul(1 << attempt.min(16))
            .min(self.retry.max_delay);
        ceiling.mul_f64(jitter())
    }
}

/// A successful response: status, the long-running-operation headers, and the body.
#[derive(Debug, Clone)]
pub struct ArmResponse {
    pub status: u16,
    pub azure_async_operation: Option<String>,
    pub location: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: Value,
}

/// A successful response before its body is decoded.
struct RawResponse {
    status: u16,
    azure_async_operation: Option<String>,
    location: Option<String>,
    retry_after: Option<Duration>,
    /// The request's path without its query, as errors name it.
    shown_path: String,
    bytes: bytes::Bytes,
}

/// A page of a pageable list, its items left undecoded.
#[derive(Default, serde::Deserialize)]
struct RawPage<'a> {
    #[serde(borrow, default)]
    value: Vec<&'a serde_json::value::RawValue>,
    #[serde(rename = "nextLink", borrow, default)]
    next_link: Option<std::borrow::Cow<'a, str>>,
}

fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|error| error.to_string())
}

/// A `nextLink` as given, except that one without an `api-version` (some services drop it)
/// would be refused by ARM: it gets the one this client speaks.
fn with_api_version(link: &str) -> String {
    if link.contains("api-version=") {
        link.to_owned()
    } else {
        let separator = if link.contains('?') { '&' } else { '?' };
        format!("{link}{separator}api-version={API_VERSION}")
    }
}

/// How long the service asks the client to wait: `retry-after-ms` (and `x-ms-retry-after-ms`)
/// in milliseconds, else `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3), the
/// forms ARM's long-running operations and throttling use.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(millis) = text(name).and_then(|value| value.parse::<u64>().ok()) {
            return Some(Duration::from_millis(millis));
        }
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// A uniform fraction in [0, 1) from the operating system's random source.
fn jitter() -> f64 {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    let _ = ring::rand::SystemRandom::new().fill(&mut bytes);
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// A transport error with its causes (reqwest's own text only says the request failed).
fn transport_reason(error: &reqwest::Error) -> String {
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !reason.contains(&text) {
            reason = format!("{reason}: {text}");
        }
        source = cause.source();
    }
    reason
}

/// Whether a transport failure is the TLS handshake refusing the certificate.
fn is_tls_failure(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    ["certificate", "unknownissuer", "invalid peer", "handshake"]
        .iter()
        .any(|sign| reason.contains(sign))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_in_every_form_the_service_sends() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "120")])),
            Some(Duration::from_secs(120)),
            "seconds, past any 30 s cap"
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "5"), ("retry-after-ms", "250")])),
            Some(Duration::from_millis(250)),
            "milliseconds win"
        );
        assert_eq!(
            retry_after(&headers(&[("x-ms-retry-after-ms", "1500")])),
            Some(Duration::from_millis(1500))
        );
        let later = std::time::SystemTime::now() + Duration::from_secs(90);
        let wait = retry_after(&headers(&[(
            "retry-after",
            &httpdate::fmt_http_date(later),
        )]))
        .expect("an HTTP date");
        assert!(
            (Duration::from_secs(85)..=Duration::from_secs(90)).contains(&wait),
            "{wait:?}"
        );
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            Some(Duration::ZERO),
            "a date in the past is now"
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
    }
}
