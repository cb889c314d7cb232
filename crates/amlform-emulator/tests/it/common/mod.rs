//! An in-process client for the emulator's router (no sockets), and small helpers.

#![allow(dead_code)]

use std::path::PathBuf;

use amlform_emulator::{API_VERSION, Emulator};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const SUB: &str = "00000000-1111-2222-3333-444444444444";
pub const RG: &str = "rg";

pub fn workspace_path(workspace: &str) -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/{workspace}"
    )
}

pub fn compute_path(workspace: &str, name: &str) -> String {
    format!("{}/computes/{name}", workspace_path(workspace))
}

pub fn location_path(location: &str, operation: &str) -> String {
    format!(
        "/subscriptions/{SUB}/providers/Microsoft.MachineLearningServices/locations/{location}/{operation}"
    )
}

/// Appends `api-version` to a path that may already have a query.
pub fn versioned(path: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}api-version={API_VERSION}")
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The ARM error code of an error reply.
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<no error code>")
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    router: Router,
    pub token: Option<String>,
    /// The emulator's manual clock, moved a minute per poll instead of waiting.
    clock: Option<amlform_emulator::Clock>,
}

impl Client {
    pub fn new(emulator: &Emulator) -> Client {
        Client {
            router: emulator.router(),
            token: Some("test-token".to_owned()),
            clock: None,
        }
    }

    /// A client of an emulator built with this manual clock: [`Client::wait`] moves it.
    pub fn with_clock(emulator: &Emulator, clock: amlform_emulator::Clock) -> Client {
        Client {
            clock: Some(clock),
            ..Client::new(emulator)
        }
    }

    /// Sends `method path` (path and query exactly as given) with an optional JSON body.
    pub async fn raw(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        match body {
            Some(body) => {
                let bytes = serde_json::to_vec(body).unwrap();
                self.bytes(method, path, Some("application/json"), bytes)
                    .await
            }
            None => self.bytes(method, path, None, Vec::new()).await,
        }
    }

    /// Sends these bytes as the body, with their length and the given `Content-Type`.
    pub async fn bytes(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "emulator.test");
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        if !body.is_empty() {
            request = request.header("content-length", body.len());
        }
        let body = Body::from(body);
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.raw(method, &versioned(path), body).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn post(&self, path: &str) -> Reply {
        self.send(Method::POST, path, None).await
    }

    pub async fn delete(&self, path: &str, action: &str) -> Reply {
        self.send(
            Method::DELETE,
            &format!("{path}?underlyingResourceAction={action}"),
            None,
        )
        .await
    }

    /// Polls an `Azure-AsyncOperation` URL until it leaves `InProgress`; returns the last body.
    pub async fn wait(&self, reply: &Reply) -> Value {
        let url = reply.header("azure-asyncoperation").unwrap_or_else(|| {
            panic!(
                "no Azure-AsyncOperation header on {} {:?}",
                reply.status, reply.body
            )
        });
        let path = url
            .strip_prefix("http://emulator.test")
            .expect("operation URLs use the caller's host");
        for _ in 0..2000 {
            let status = self.raw(Method::GET, path, None).await;
            assert_eq!(status.status, StatusCode::OK, "{:?}", status.body);
            if status.body["status"] != "InProgress" {
                return status.body;
            }
            match &self.clock {
                Some(clock) => clock.advance(std::time::Duration::from_secs(60)),
                None => tokio::time::sleep(std::time::Duration::from_millis(5)).await,
            }
        }
        panic!("operation did not finish");
    }

    /// PUT then wait; panics unless the operation succeeded.
    pub async fn create(&self, path: &str, body: &Value) -> Value {
        let reply = self.put(path, body).await;
        assert!(
            reply.status.is_success(),
            "PUT {path}: {} {}",
            reply.status,
            reply.body
        );
        let outcome = self.wait(&reply).await;
        assert_eq!(outcome["status"], "Succeeded", "{outcome}");
        let got = self.get(path).await;
        assert_eq!(got.status, StatusCode::OK);
        got.body
    }
}

/// `../shared/azure-ml-api`, or `None` (with a notice) when the reference material is absent.
#[allow(clippy::print_stdout)]
pub fn api_reference() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/azure-ml-api");
    if dir.join("machineLearningServices.json").exists() {
        return Some(dir);
    }
    // CI has the reference material beside the clone: its absence there is a failure, not a
    // contract check passed by skipping it.
    assert!(
        std::env::var("CI").map_or(true, |value| value != "true"),
        "CI=true but {} is absent: the contract tests need the API description beside the repository",
        dir.display()
    );
    println!(
        "notice: {} is absent; skipping the API reference checks",
        dir.display()
    );
    None
}

pub fn read_json(path: &std::path::Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

pub fn aml_compute(vm_size: &str, min: i64, max: i64) -> Value {
    serde_json::json!({
        "location": "eastus",
        "properties": {
            "computeType": "AmlCompute",
            "properties": {
                "vmSize": vm_size,
                "scaleSettings": {"minNodeCount": min, "maxNodeCount": max, "nodeIdleTimeBeforeScaleDown": "PT120S"}
            }
        }
    })
}

pub fn compute_instance(vm_size: &str) -> Value {
    serde_json::json!({
        "location": "eastus",
        "properties": {"computeType": "ComputeInstance", "properties": {"vmSize": vm_size}}
    })
}

pub fn vm_id(name: &str) -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/{name}"
    )
}

pub fn attached_vm(resource_id: &str) -> Value {
    serde_json::json!({
        "location": "eastus",
        "properties": {
            "computeType": "VirtualMachine",
            "resourceId": resource_id,
            "properties": {
                "sshPort": 22,
                "administratorAccount": {"username": "azureuser", "privateKeyData": "-----BEGIN KEY----- canary-private-key"}
            }
        }
    })
}

/// The standalone server of `args`, started in the background: where it listens, the sender
/// that stops it, and its task (which ends once in-flight requests are done).
pub async fn serve_standalone(
    args: amlform_emulator::ServeArgs,
) -> (
    amlform_emulator::ServeInfo,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (ready_sender, ready) = tokio::sync::oneshot::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        amlform_emulator::serve(
            &args,
            move |info| {
                let _ = ready_sender.send(info.clone());
            },
            async move {
                let _ = stopped.await;
            },
        )
        .await
    });
    let info = ready.await.expect("the server reported where it listens");
    (info, stop, server)
}
