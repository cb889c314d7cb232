//! A local stand-in for Azure Resource Manager's Azure ML compute API, so tests, examples
//! and benchmarks run the real protocol without an Azure account.
//!
//! It speaks `Microsoft.MachineLearningServices` api-version 2024-10-01 for workspace
//! computes (create or attach, get, list, update, delete or detach, start, stop, restart,
//! list nodes, list keys), workspaces, VM sizes, usages and quotas; runs long-running
//! operations the way ARM does (`Azure-AsyncOperation` polling); answers ARM error bodies;
//! throttles per subscription like ARM; and enforces the service's rules. Faults, latency and
//! drift can be injected. It shares no code with the amlform client on purpose: a
//! misunderstanding of the API cannot hide in both.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let emulator = amlform_emulator::Emulator::builder().without_rate_limits().build()?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, emulator.router()).await
//! # }
//! ```

mod arm_error;
mod clock;
mod compute_request;
mod compute_service;
mod compute_types;
mod compute_view;
mod emulator;
mod node_settings;
mod operations;
mod quota_ledger;
mod random;
mod region_service;
mod routes;
mod serve;
mod settings;
mod store;
mod strict_json;
mod throttle;
mod tls;
mod vm_size_catalog;

pub use arm_error::ArmError;
pub use clock::{Clock, timestamp};
pub use emulator::{Emulator, EmulatorBuilder};
pub use routes::API_VERSION;
pub use serve::{ServeArgs, ServeInfo, parse_duration, serve};
pub use settings::{Faults, LroStyle};
pub use store::JOURNAL_FILE;
pub use throttle::RateLimits;
pub use tls::{CA_FILE, TlsMaterial};
