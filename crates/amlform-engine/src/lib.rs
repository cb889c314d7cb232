//! The engine: what `amlform` does, as a library the CLI and the tests call alike.
//!
//! - [`refresh_settled`] and [`plan`]: read every workspace through its provider, settle what an
//!   interrupted apply left pending, and make the [`amlform_plan::Plan`] (Terraform's
//!   `Context.Plan(config, prior state, options)`);
//! - [`apply`]: make a plan happen. It builds its graph from the plan (not from the
//!   configuration), walks it with bounded parallelism through the providers' write side, and
//!   records every intent and result in the state as it goes;
//! - [`import`]: adopt a compute the service has into the state;
//! - [`PlanFile`]: a saved plan, in a versioned file format of its own.
//!
//! The engine holds each workspace's provider as an `Arc<dyn Provider>` ([`WorkspaceBinding`]);
//! it never prints, and never speaks HTTP itself.

mod adoption;
mod applier;
mod commit_queue;
mod import;
mod plan_context;
mod plan_file;
mod planning;
mod workspaces;

pub use adoption::{Adoption, adoption, generated_settings};
pub use applier::{
    ApplyContext, ApplyError, ApplyEvent, ApplyGraph, ApplyReport, Interrupt, KnownValues, apply,
    apply_graph, known_values, no_interrupt, state_record,
};
pub use import::{ImportError, check_import, import, parse_compute_id};
pub use plan_context::{output_changes, plan_context};
pub use plan_file::{PLAN_FILE_VERSION, PlanFile, PlanFileError, PlanInputs};
pub use planning::{
    PlanEvent, PlanRequest, RefreshError, Refreshed, location, plan, plan_inputs, read_config_file,
    refresh, refresh_settled, settle, settle_interrupted, still_running,
};
pub use workspaces::{WorkspaceBinding, Workspaces, workspace_target};
