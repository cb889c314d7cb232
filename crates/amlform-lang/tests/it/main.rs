//! The integration tests of amlform-lang, in one binary (one link instead of one per file).

mod backend;
mod fixtures;
mod formatting;
mod robustness;
