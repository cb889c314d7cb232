//! Reading the local files a configuration names: `file("...")` and the file attributes
//! (`private_key_file`, `ssl_cert_pem_file`, ...). Regular files only, at most
//! [`MAX_FILE_BYTES`]: a FIFO would block for ever and `/dev/zero` would never end.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::evaluated_config::{EvaluatedConfig, REDACTED};

/// The largest file a configuration may read (keys, certificates and scripts are far smaller).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// `~/...` under the home directory; anything else as written (relative to the configuration
/// directory, where every command runs).
pub fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// The text of a regular file of at most [`MAX_FILE_BYTES`]; the error says why not, without
/// naming the path (the caller decides whether the path may be shown).
pub fn read_text_file(path: &Path) -> Result<String, String> {
    let metadata = std::fs::metadata(path).map_err(|error| io_reason(&error))?;
    if !metadata.is_file() {
        return Err(if metadata.is_dir() {
            "it is a directory".to_owned()
        } else {
            "it is not a regular file (a pipe, socket or device)".to_owned()
        });
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!(
            "it is {} bytes; files read by a configuration may be at most {MAX_FILE_BYTES}",
            metadata.len()
        ));
    }
    let file = std::fs::File::open(path).map_err(|error| io_reason(&error))?;
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|error| io_reason(&error))?;
    Ok(text)
}

/// An I/O error in words, without the `(os error N)` suffix.
fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_owned(),
        _ => {
            let text = error.to_string();
            text.find(" (os error")
                .map_or(text.clone(), |at| text[..at].to_owned())
        }
    }
}

/// Every file attribute of every compute is read now, when planning: a file that is missing,
/// unreadable or not a regular file is an error at the attribute's line, so nothing is planned
/// (an apply would otherwise send the compute without its key). A path that comes from a
/// sensitive value is not shown.
pub fn check_file_attributes(config: &EvaluatedConfig) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for instance in config.computes.values() {
        for attribute in instance.kind.attributes.iter().filter(|a| a.is_file_path) {
            let Some(evaluated) = instance.attributes.get(attribute.name) else {
                continue;
            };
            let Some(path) = evaluated.value.as_str() else {
                continue;
            };
            if let Err(why) = read_text_file(&expand_home(path)) {
                let shown = if evaluated.sensitive {
                    REDACTED.to_owned()
                } else {
                    format!("\"{path}\"")
                };
                diagnostics.push(
                    Diagnostic::error(
                        codes::FILE,
                        format!(
                            "{}: {} {shown} cannot be read: {why}",
                            instance.address, attribute.name
                        ),
                    )
                    .at(instance.span_of(attribute.name))
                    .label("this file")
                    .hint(format!(
                        "create the file, or set {} to one that exists (a `~/` path is under the home directory, any other relative to the configuration's directory); nothing is planned without it, so the compute never loses its credential",
                        attribute.name
                    )),
                );
            }
        }
    }
    diagnostics
}
