//! The HTTP surface: ARM paths routed to the service, and the pipeline every request goes
//! through first (request id, authentication, api-version, throttling, injected faults).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::arm_error::ArmError;
use crate::compute_service::{OperationLink, Reply, Service, WorkspacePath};
use crate::settings::{LroStyle, TokenPolicy};
use crate::store::Action;
use crate::throttle::RequestClass;

/// The API version the emulator implements; older ones are accepted too.
pub const API_VERSION: &str = "2024-10-01";

const WORKSPACE: &str = "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.MachineLearningServices/workspaces/{workspace}";
const LOCATION: &str = "/subscriptions/{subscription}/providers/Microsoft.MachineLearningServices/locations/{location}";

/// Everything the handlers share: the service behind one lock.
#[derive(Debug)]
pub struct Shared {
    pub service: Mutex<Service>,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, Service> {
        // A panic while holding the lock leaves data that is still consistent per record.
        self.service
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Whether the router is reached over TLS, for the absolute URLs it hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// ARM's paths, the emulator's own health check, and `extra` (the emulator's levers, which
/// it adds so this module need not know them), behind the pipeline.
pub fn router(shared: Arc<Shared>, scheme: Scheme, extra: Router<Arc<Shared>>) -> Router {
    let compute = format!("{WORKSPACE}/computes/{{compute}}");
    let arm = Router::new()
        .route(WORKSPACE, get(get_workspace).put(put_workspace))
        .route(&format!("{WORKSPACE}/computes"), get(list_computes))
        .route(
            &compute,
            get(get_compute)
                .put(put_compute)
                .patch(patch_compute)
                .delete(delete_compute),
        )
        .route(&format!("{compute}/listNodes"), post(list_nodes))
        .route(&format!("{compute}/listKeys"), post(list_keys))
        .route(&format!("{compute}/start"), power(Action::Start))
        .route(&format!("{compute}/stop"), power(Action::Stop))
        .route(&format!("{compute}/restart"), power(Action::Restart))
        .route(&format!("{LOCATION}/usages"), get(usages))
        .route(&format!("{LOCATION}/vmSizes"), get(vm_sizes))
        .route(&format!("{LOCATION}/quotas"), get(quotas))
        .route(&format!("{LOCATION}/updateQuotas"), post(update_quotas))
        .route(
            &format!("{LOCATION}/computeOperationsStatus/{{operation}}"),
            get(operation_status),
        )
        .route(
            &format!("{LOCATION}/computeOperationsResults/{{operation}}"),
            get(operation_result),
        )
        .route("/_emulator/health", get(health))
        .merge(extra)
        .fallback(unknown_path)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(shared.clone());
    // Routing happens inside the fallback so the pipeline can canonicalise the path first.
    Router::new()
        .fallback_service(arm)
        .layer(middleware::from_fn_with_state(shared, pipeline))
        .layer(Extension(scheme))
}

// ---- the pipeline ---------------------------------------------------------------------------

async fn pipeline(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let (request_id, latency) = {
        let mut service = shared.lock();
        (service.random().uuid(), service.settings.latency)
    };
    let correlation = request
        .headers()
        .get("x-ms-client-request-id")
        .and_then(|value| value.to_str().ok())
        .map_or_else(|| request_id.clone(), str::to_owned);
    let canonical = canonical_path(request.uri().path());
    if canonical != request.uri().path() {
        let rebuilt = match request.uri().query() {
            Some(query) => format!("{canonical}?{query}"),
            None => canonical,
        };
        if let Ok(uri) = rebuilt.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    let mut ratelimit_header = None;
    let mut response = match admit(&shared, &request).and_then(|remaining| {
        check_content(&request).map_err(|error| (error, None))?;
        Ok(remaining)
    }) {
        Ok(remaining) => {
            ratelimit_header = remaining;
            as_arm_error(next.run(request).await).await
        }
        Err(error) => {
            if let Some((class, _)) = error.1 {
                ratelimit_header = Some((class, 0));
            }
            error.0.into_response()
        }
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("x-ms-request-id", value);
    }
    if let Ok(value) = HeaderValue::from_str(&correlation) {
        headers.insert("x-ms-correlation-request-id", value);
    }
    if let Some((class, remaining)) = ratelimit_header {
        headers.insert(class.remaining_header(), HeaderValue::from(remaining));
    }
    response
}

/// The largest request body ARM takes (4 MiB); a larger one is 413 before it is read.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// A body that is not JSON (`Content-Type`) or is too large is refused before it is read.
fn check_content(request: &Request) -> Result<(), ArmError> {
    let headers = request.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    let has_body =
        length.is_some_and(|length| length > 0) || headers.contains_key(header::TRANSFER_ENCODING);
    if length.is_some_and(|length| length > MAX_REQUEST_BYTES) {
        return Err(too_large());
    }
    if !has_body {
        return Ok(());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if media.eq_ignore_ascii_case("application/json")
        || media.to_ascii_lowercase().ends_with("+json")
    {
        Ok(())
    } else {
        Err(ArmError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            format!(
                "The content media type '{content_type}' is not supported. Only 'application/json' is supported."
            ),
        ))
    }
}

fn too_large() -> ArmError {
    ArmError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!(
            "The request content is larger than the {MAX_REQUEST_BYTES} bytes the service accepts."
        ),
    )
}

/// Every error in ARM's body: a refusal of the HTTP layer (a body over the limit, a path or
/// query that does not parse) is plain text until it is put in `{"error": ...}`.
async fn as_arm_error(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large().into_response();
    }
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let code: String = status
        .canonical_reason()
        .unwrap_or("Error")
        .split_whitespace()
        .collect();
    let message = if text.is_empty() {
        status.to_string()
    } else {
        text
    };
    ArmError::new(status, &code, message).into_response()
}

type Rejection = (ArmError, Option<(RequestClass, u32)>);

/// Authentication, api-version, throttling and injected faults, in the order ARM applies them.
/// `Ok` carries the rate-limit header to add, when the request was counted.
fn admit(shared: &Shared, request: &Request) -> Result<Option<(RequestClass, u32)>, Rejection> {
    let mut service = shared.lock();
    check_token(&service.settings.token, request.headers()).map_err(|error| (error, None))?;
    if request.uri().path().starts_with("/_emulator/") {
        return Ok(None);
    }
    check_api_version(request.uri()).map_err(|error| (error, None))?;
    let class = RequestClass::of(request.method());
    let mut remaining = None;
    let now = service.settings.clock.now_instant();
    if let Some(subscription) = subscription_of(request.uri().path())
        && let Some(throttle) = service.throttle.as_mut()
    {
        match throttle.admit(&subscription, class, now) {
            Ok(left) => remaining = Some((class, left)),
            Err(seconds) => {
                return Err((throttled(&subscription, class, seconds), Some((class, 0))));
            }
        }
    }
    let faults = service.settings.faults;
    let random = service.random();
    if random.chance(faults.throttled) {
        let subscription = subscription_of(request.uri().path()).unwrap_or_default();
        return Err((throttled(&subscription, class, 1), remaining));
    }
    if random.chance(faults.internal_error) {
        return Err((
            ArmError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                "The service encountered an internal error (injected by the emulator). Retry the request.",
            ),
            remaining,
        ));
    }
    if random.chance(faults.unavailable) {
        return Err((
            ArmError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "The service is temporarily unavailable (injected by the emulator). Retry after the given delay.",
            )
            .with_retry_after(1),
            remaining,
        ));
    }
    service.settle().map_err(|error| (error, remaining))?;
    Ok(remaining)
}

fn throttled(subscription: &str, class: RequestClass, seconds: u64) -> ArmError {
    let kind = match class {
        RequestClass::Read => "read",
        RequestClass::Write => "write",
    };
    ArmError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "SubscriptionRequestsThrottled",
        format!(
            "Number of '{kind}' requests for subscription '{subscription}' exceeded the limit. Please try again after '{seconds}' seconds."
        ),
    )
    .with_retry_after(seconds)
}

fn check_token(policy: &TokenPolicy, headers: &HeaderMap) -> Result<(), ArmError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|token| !token.is_empty());
    let accepted = match (policy, token) {
        (_, None) => false,
        (TokenPolicy::AnyBearer, Some(_)) => true,
        (TokenPolicy::Exact(expected), Some(token)) => token == expected,
    };
    if accepted {
        Ok(())
    } else if token.is_none() {
        Err(ArmError::new(
            StatusCode::UNAUTHORIZED,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing a bearer token.",
        ))
    } else {
        Err(ArmError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        ))
    }
}

fn check_api_version(uri: &Uri) -> Result<(), ArmError> {
    let version = uri.query().and_then(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "api-version")
            .map(|(_, value)| value.to_owned())
    });
    let Some(version) = version else {
        return Err(ArmError::bad_request(
            "MissingApiVersionParameter",
            format!(
                "The api-version query parameter (?api-version=) is required for all requests. Use {API_VERSION}."
            ),
        ));
    };
    // Dated versions up to the one implemented, previews included (2023-04-01-preview).
    let date = version.get(..10).unwrap_or_default();
    let dated = date.len() == 10
        && date.chars().enumerate().all(|(index, c)| {
            if index == 4 || index == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
        && (version.len() == 10 || version[10..] == *"-preview");
    if dated && date <= API_VERSION {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{version}' is invalid. The supported versions are '{API_VERSION}' and earlier."
            ),
        ))
    }
}

fn subscription_of(path: &str) -> Option<String> {
    let mut segments = path.split('/').filter(|segment| !segment.is_empty());
    (segments.next()? == "subscriptions").then(|| segments.next().map(str::to_owned))?
}

/// ARM matches its literal path segments without regard to case (`resourcegroups`).
fn canonical_path(path: &str) -> String {
    const NAMED: &[&str] = &[
        "subscriptions",
        "resourceGroups",
        "workspaces",
        "computes",
        "locations",
        "computeOperationsStatus",
        "computeOperationsResults",
    ];
    const LITERAL: &[&str] = &[
        "providers",
        "Microsoft.MachineLearningServices",
        "listNodes",
        "listKeys",
        "start",
        "stop",
        "restart",
        "usages",
        "vmSizes",
        "quotas",
        "updateQuotas",
    ];
    let mut value_next = false;
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| {
            if segment.is_empty() {
                return String::new();
            }
            if value_next {
                value_next = false;
                return segment.to_owned();
            }
            if let Some(named) = NAMED
                .iter()
                .find(|named| named.eq_ignore_ascii_case(segment))
            {
                value_next = true;
                return (*named).to_owned();
            }
            LITERAL
                .iter()
                .find(|literal| literal.eq_ignore_ascii_case(segment))
                .map_or_else(|| segment.to_owned(), |literal| (*literal).to_owned())
        })
        .collect();
    segments.join("/")
}

// ---- replies --------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct ComputeParams {
    subscription: String,
    resource_group: String,
    workspace: String,
    compute: String,
}

impl ComputeParams {
    fn workspace(&self) -> WorkspacePath {
        WorkspacePath {
            subscription: self.subscription.clone(),
            resource_group: self.resource_group.clone(),
            workspace: self.workspace.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct WorkspaceParams {
    subscription: String,
    resource_group: String,
    workspace: String,
}

impl From<WorkspaceParams> for WorkspacePath {
    fn from(params: WorkspaceParams) -> Self {
        WorkspacePath {
            subscription: params.subscription,
            resource_group: params.resource_group,
            workspace: params.workspace,
        }
    }
}

#[derive(Debug, Deserialize)]
struct LocationParams {
    subscription: String,
    location: String,
}

#[derive(Debug, Deserialize)]
struct OperationParams {
    #[allow(dead_code)]
    subscription: String,
    #[allow(dead_code)]
    location: String,
    operation: String,
}

/// `scheme://host` as the caller reached us, for `Azure-AsyncOperation` and `nextLink`.
fn base_url(headers: &HeaderMap, scheme: Scheme) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    let scheme = match scheme {
        Scheme::Http => "http",
        Scheme::Https => "https",
    };
    format!("{scheme}://{host}")
}

fn operation_url(base: &str, link: &OperationLink, kind: &str) -> String {
    format!(
        "{base}/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/{}/{kind}/{}?api-version={API_VERSION}",
        link.subscription, link.location, link.id
    )
}

/// `Retry-After` (whole seconds, rounded down: clients that read only it are not a second
/// late on a quick operation) and `retry-after-ms` for an operation that takes `delay`.
fn insert_retry_after(headers: &mut HeaderMap, delay: Duration) {
    let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    headers.insert(header::RETRY_AFTER, HeaderValue::from(millis / 1000));
    headers.insert("retry-after-ms", HeaderValue::from(millis));
}

/// A write's answer in the emulator's long-running-operation style.
fn reply(reply: Reply, base: &str, style: LroStyle, method: &Method, delay: Duration) -> Response {
    // Each answer keeps to the statuses the API description gives its operation: PUT 200 or
    // 201, PATCH 200, DELETE 200, 202 or 204, POST actions 202.
    let running = reply.operation.is_some();
    let status = match (style, running) {
        (LroStyle::Location, true) if *method == Method::PUT => StatusCode::CREATED,
        // A PUT answered with the resource while it is `Creating` (`BasicAmlCompute.json`).
        (LroStyle::Resource, true) if *method == Method::PUT => StatusCode::OK,
        _ => reply.status,
    };
    // Headerless answers only where the description declares no header: a DELETE's 202
    // declares `Azure-AsyncOperation` and `Location`, so it keeps them.
    let style = if style == LroStyle::Resource && *method == Method::DELETE {
        LroStyle::AzureAsyncOperation
    } else {
        style
    };
    let mut response = match reply.body {
        Some(body) => (status, Json(body)).into_response(),
        None => status.into_response(),
    };
    let Some(link) = reply.operation else {
        return response;
    };
    let headers = response.headers_mut();
    let status_url = operation_url(base, &link, "computeOperationsStatus");
    let result_url = operation_url(base, &link, "computeOperationsResults");
    let (async_operation, location) = match style {
        LroStyle::AzureAsyncOperation => {
            (Some(status_url), link.with_location.then_some(result_url))
        }
        LroStyle::Location => (None, Some(result_url)),
        LroStyle::Resource => (None, None),
    };
    if let Some(value) = async_operation.and_then(|url| HeaderValue::from_str(&url).ok()) {
        headers.insert("Azure-AsyncOperation", value);
    }
    if let Some(value) = location.and_then(|url| HeaderValue::from_str(&url).ok()) {
        headers.insert(header::LOCATION, value);
    }
    if style != LroStyle::Resource {
        insert_retry_after(headers, delay);
    }
    response
}

/// Runs a write on the service and answers it in the configured style.
fn respond(
    shared: &Shared,
    headers: &HeaderMap,
    scheme: Scheme,
    method: Method,
    write: impl FnOnce(&mut Service) -> Result<Reply, ArmError>,
) -> Result<Response, ArmError> {
    let mut service = shared.lock();
    let outcome = write(&mut service)?;
    let (style, delay) = (
        service.settings.lro_style,
        service.settings.provisioning_delay,
    );
    drop(service);
    Ok(reply(
        outcome,
        &base_url(headers, scheme),
        style,
        &method,
        delay,
    ))
}

/// The request body as JSON, refused as ARM refuses it when it is not JSON or names a key
/// twice (a client's serializer and the service would disagree on which one counts).
fn parse_body(body: &Bytes) -> Result<Value, ArmError> {
    crate::strict_json::parse(body).map_err(|error| {
        ArmError::invalid_content(format!("The request content is not valid JSON: {error}."))
    })
}

// ---- handlers -------------------------------------------------------------------------------

async fn get_workspace(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<WorkspaceParams>,
) -> Result<Json<Value>, ArmError> {
    shared.lock().get_workspace(&params.into()).map(Json)
}

async fn put_workspace(
    State(shared): State<Arc<Shared>>,
    Extension(scheme): Extension<Scheme>,
    headers: HeaderMap,
    Path(params): Path<WorkspaceParams>,
    body: Bytes,
) -> Result<Response, ArmError> {
    let body = parse_body(&body)?;
    respond(&shared, &headers, scheme, Method::PUT, |service| {
        service.put_workspace(&params.into(), &body)
    })
}

async fn get_compute(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<ComputeParams>,
) -> Result<Json<Value>, ArmError> {
    shared
        .lock()
        .get_compute(&params.workspace(), &params.compute)
        .map(Json)
}

/// How a compute list's continuation token starts; the rest is the last name of its page.
const SKIP_TOKEN_PREFIX: &str = "after.";

async fn list_computes(
    State(shared): State<Arc<Shared>>,
    Extension(scheme): Extension<Scheme>,
    headers: HeaderMap,
    uri: Uri,
    Path(params): Path<WorkspaceParams>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ArmError> {
    // The token is `after.NAME`: the page resumes after the compute NAME.
    let after = match query.get("$skip") {
        None => None,
        Some(token) => Some(token.strip_prefix(SKIP_TOKEN_PREFIX).ok_or_else(|| {
            ArmError::bad_request(
                "InvalidSkipToken",
                format!("'{token}' is not a continuation token this service issued."),
            )
        })?),
    };
    let compute_type = query.get("compute-type").map(String::as_str);
    // The caller's own api-version, as ARM's nextLink keeps it.
    let version = query.get("api-version").map_or(API_VERSION, String::as_str);
    let next_link = |last: &str| {
        format!(
            "{}{}?api-version={version}&$skip={SKIP_TOKEN_PREFIX}{last}",
            base_url(&headers, scheme),
            uri.path()
        )
    };
    let body = shared
        .lock()
        .list_computes(&params.into(), after, compute_type, next_link)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn put_compute(
    State(shared): State<Arc<Shared>>,
    Extension(scheme): Extension<Scheme>,
    headers: HeaderMap,
    Path(params): Path<ComputeParams>,
    body: Bytes,
) -> Result<Response, ArmError> {
    let body = parse_body(&body)?;
    respond(&shared, &headers, scheme, Method::PUT, |service| {
        service.put_compute(&params.workspace(), &params.compute, &body)
    })
}

async fn patch_compute(
    State(shared): State<Arc<Shared>>,
    Extension(scheme): Extension<Scheme>,
    headers: HeaderMap,
    Path(params): Path<ComputeParams>,
    body: Bytes,
) -> Result<Response, ArmError> {
    let body = parse_body(&body)?;
    respond(&shared, &headers, scheme, Method::PATCH, |service| {
        service.patch_compute(&params.workspace(), &params.compute, &body)
    })
}

async fn delete_compute(
    State(shared): State<Arc<Shared>>,
    Extension(scheme): Extension<Scheme>,
    headers: HeaderMap,
    Path(params): Path<ComputeParams>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ArmError> {
    let action = query.get("underlyingResourceAction").map(String::as_str);
    respond(&shared, &headers, scheme, Method::DELETE, |service| {
        service.delete_compute(&params.workspace(), &params.compute, action)
    })
}

/// `POST .../start|stop|restart`: one handler per action.
fn power(action: Action) -> MethodRouter<Arc<Shared>> {
    post(
        move |State(shared): State<Arc<Shared>>,
              Extension(scheme): Extension<Scheme>,
              headers: HeaderMap,
              Path(params): Path<ComputeParams>| async move {
            respond(&shared, &headers, scheme, Method::POST, |service| {
                service.power(&params.workspace(), &params.compute, action)
            })
        },
    )
}

async fn list_nodes(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<ComputeParams>,
) -> Result<Json<Value>, ArmError> {
    shared
        .lock()
        .list_nodes(&params.workspace(), &params.compute)
        .map(Json)
}

async fn list_keys(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<ComputeParams>,
) -> Result<Json<Value>, ArmError> {
    shared
        .lock()
        .list_keys(&params.workspace(), &params.compute)
        .map(Json)
}

async fn usages(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<LocationParams>,
) -> Json<Value> {
    Json(shared.lock().usages(&params.subscription, &params.location))
}

async fn vm_sizes(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(shared.lock().vm_sizes())
}

async fn quotas(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<LocationParams>,
) -> Json<Value> {
    Json(shared.lock().quotas(&params.subscription, &params.location))
}

async fn update_quotas(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<Value>, ArmError> {
    let body = parse_body(&body)?;
    shared.lock().update_quotas(&body).map(Json)
}

async fn operation_status(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<OperationParams>,
) -> Result<Json<Value>, ArmError> {
    shared.lock().operation_status(&params.operation).map(Json)
}

async fn operation_result(
    State(shared): State<Arc<Shared>>,
    Path(params): Path<OperationParams>,
) -> Result<Response, ArmError> {
    let (status, body, delay) = {
        let service = shared.lock();
        let (status, body) = service.operation_result(&params.operation)?;
        (status, body, service.settings.provisioning_delay)
    };
    let mut response = match body {
        Some(body) => (status, Json(body)).into_response(),
        None => status.into_response(),
    };
    if status == StatusCode::ACCEPTED {
        insert_retry_after(response.headers_mut(), delay);
    }
    Ok(response)
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "apiVersion": API_VERSION }))
}

async fn unknown_path(uri: Uri) -> ArmError {
    ArmError::not_found(
        "InvalidResourceType",
        format!(
            "'{}' is not an operation of this service. The emulator serves Azure ML workspace computes, usages, quotas and VM sizes (api-version {API_VERSION}).",
            uri.path()
        ),
    )
}

async fn method_not_allowed(request: Request) -> ArmError {
    ArmError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "HttpMethodNotAllowed",
        format!(
            "{} is not supported on '{}'.",
            request.method(),
            request.uri().path()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_are_matched_without_case() {
        assert_eq!(
            canonical_path(
                "/subscriptions/S/resourcegroups/Rg/providers/microsoft.machinelearningservices/workspaces/computes/COMPUTES/start/listnodes"
            ),
            "/subscriptions/S/resourceGroups/Rg/providers/Microsoft.MachineLearningServices/workspaces/computes/computes/start/listNodes"
        );
    }

    #[test]
    fn api_versions_up_to_the_implemented_one_are_accepted() {
        let ok = |version: &str| {
            check_api_version(&format!("/x?api-version={version}").parse().unwrap()).is_ok()
        };
        assert!(ok("2024-10-01"));
        assert!(ok("2023-04-01"));
        assert!(ok("2021-07-01-preview"));
        assert!(!ok("2099-01-01"));
        assert!(!ok("latest"));
        assert!(
            check_api_version(&"/x".parse().unwrap()).unwrap_err().code
                == "MissingApiVersionParameter"
        );
    }
}
