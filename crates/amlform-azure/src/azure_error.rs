//! Errors from the service or the way to it, with what the caller can do.

#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// The service answered with an ARM error body.
    #[error("{method} {path} failed with {status} {code}: {message}{}", request_id.as_ref().map(|id| format!(" (x-ms-request-id {id})")).unwrap_or_default())]
    Service {
        method: String,
        path: String,
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
    #[error(
        "{method} {path} could not reach the service: {reason}\n  hint: check the workspace's endpoint and your network"
    )]
    Transport {
        method: String,
        path: String,
        reason: String,
    },
    #[error("{method} {path} returned a body that is not the expected JSON: {reason}")]
    Decode {
        method: String,
        path: String,
        reason: String,
    },
    /// The endpoint's TLS certificate is not trusted: retrying cannot help.
    #[error(
        "{method} {path}: the TLS certificate of the endpoint is not trusted ({reason})\n  hint: for a standalone emulator, set AMLFORM_CA_FILE to the CA file `amlform emulator serve` printed; otherwise check the workspace's endpoint"
    )]
    Tls {
        method: String,
        path: String,
        reason: String,
    },
    #[error(
        "{method} {path} was still refused after {attempts} attempts (last: {last})\n  hint: {hint}"
    )]
    RetriesExhausted {
        method: String,
        path: String,
        attempts: u32,
        last: String,
        /// What the last refusal suggests: throttling, a failing service, or no connection.
        hint: String,
    },
    /// A long-running operation ended `Failed`.
    #[error("{what} failed: {code}: {message}")]
    OperationFailed {
        what: String,
        code: String,
        message: String,
    },
    #[error(
        "{what} did not finish within {minutes} minutes\n  hint: it may still finish; the next plan reads the service and shows where it stands"
    )]
    Timeout { what: String, minutes: u64 },
    #[error("the HTTP client could not be set up: {0}")]
    Setup(String),
}

impl AzureError {
    /// The ARM error code, when the service gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AzureError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            AzureError::Service { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The message of an ARM error body (`ErrorDetail`), with each of its `details` and the
/// property it is about (`target`): a 400 for a cluster often names the real reason only
/// there.
pub(crate) fn error_message(error: &serde_json::Value) -> String {
    let mut message = error["message"]
        .as_str()
        .unwrap_or("(no message)")
        .to_owned();
    for detail in error["details"].as_array().into_iter().flatten() {
        let text = detail["message"].as_str().unwrap_or_default();
        let code = detail["code"].as_str().unwrap_or_default();
        let about = match detail["target"].as_str() {
            Some(target) if !target.is_empty() => format!("{target}: "),
            _ => String::new(),
        };
        if text.is_empty() && code.is_empty() {
            continue;
        }
        let said = if text.is_empty() { code } else { text };
        message.push_str(&format!("\n  - {about}{said}"));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_keep_the_property_they_are_about() {
        let error = json!({
            "code": "BadRequest",
            "message": "The request is invalid.",
            "details": [
                {"code": "InvalidValue", "target": "properties.properties.scaleSettings.maxNodeCount", "message": "must be at most 1000"},
                {"code": "Unsupported", "message": ""}
            ]
        });
        assert_eq!(
            error_message(&error),
            "The request is invalid.\n  - properties.properties.scaleSettings.maxNodeCount: must be at most 1000\n  - Unsupported"
        );
        assert_eq!(error_message(&json!({})), "(no message)");
    }
}
