//! The integration tests of amlform-lang, in one binary (one link instead of one per file).

mod fixtures;
mod formatting;
mod robustness;
