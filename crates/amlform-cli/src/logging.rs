//! `AMLFORM_LOG=error|warn|info|debug|trace` (and `AMLFORM_LOG_PATH=FILE`, appended to): the
//! events of amlform's own crates, with timestamps, to stderr or the file. Only our crates':
//! a dependency's events (an HTTP stack's, say) could carry a URL with a SAS token in it, and
//! ours are written never to hold a token, a secret or a request body.

use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the subscriber `AMLFORM_LOG` asks for; nothing when it is unset or empty.
pub fn init() -> Result<(), String> {
    let Some(level) = std::env::var_os("AMLFORM_LOG").filter(|level| !level.is_empty()) else {
        return Ok(());
    };
    let level = level.to_string_lossy();
    let level: LevelFilter = match level.to_ascii_lowercase().as_str() {
        "off" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        _ => {
            return Err(format!(
                "AMLFORM_LOG={level} is not a log level\n  hint: one of error, warn, info, debug, trace (or off)"
            ));
        }
    };
    let ours = Targets::new().with_target("amlform", level);
    let layer = tracing_subscriber::fmt::layer().with_target(true);
    match std::env::var_os("AMLFORM_LOG_PATH").filter(|path| !path.is_empty()) {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|error| {
                    format!(
                        "cannot open AMLFORM_LOG_PATH={}: {error}",
                        std::path::Path::new(&path).display()
                    )
                })?;
            let layer = layer.with_writer(std::sync::Mutex::new(file));
            tracing_subscriber::registry()
                .with(layer.with_filter(ours))
                .init();
        }
        None => {
            let layer = layer.with_writer(std::io::stderr);
            tracing_subscriber::registry()
                .with(layer.with_filter(ours))
                .init();
        }
    }
    Ok(())
}
