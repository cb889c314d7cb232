//! What would change and why. [`plan`] compares the evaluated configuration, the state and
//! the refreshed service attribute by attribute, using the schema's knowledge of what can
//! change in place, into a [`Plan`]: pure data that `text_view`, `json_view` and `markdown_view` render.
//!
//! No I/O happens here: the engine refreshes, reads secrets' fingerprints and saves plans
//! (in a file format of its own, `amlform_engine::PlanFile`); the CLI prints.

mod accept_drift;
mod json_view;
mod markdown_view;
mod moves;
mod plan;
mod plan_context;
mod planner;
mod service_checks;
mod state_values;
mod text_view;
mod vm_prices;

pub use accept_drift::{accept_drift, reconcile_interrupted};
pub use json_view::render_json;
pub use markdown_view::{
    MARKDOWN_LIMIT, MARKER, MarkdownTarget, render_markdown, render_markdown_for,
};
pub use plan::{
    Action, AttributeChange, Plan, PlanError, ResourceChange, ResourceDrift, Shown, Summary,
};
pub use plan_context::{OutputChange, PlanContext};
pub use planner::{PlanInput, PlanOptions, managed_as, moved_hint, plan, shown, to_json};
pub use service_checks::{Region, RegionFacts, check_against_service, region_of};
pub use state_values::{AddressParts, PROVIDER_NAME, render_state_json, root_module};
pub use text_view::{render_text, write_text};
pub use vm_prices::hourly_price;
