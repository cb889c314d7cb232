//! The integration tests of amlform-lang, in one binary (one link instead of one per file).

mod backend;
mod early_workspaces;
mod fixtures;
mod formatting;
mod robustness;
