//! The integration tests of amlform-engine, in one binary (one link instead of one per file).

mod apply;
mod fake;
mod golden;
mod pipeline;
mod state_backends;
