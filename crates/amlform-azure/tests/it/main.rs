//! The integration tests of amlform-azure, in one binary (one link instead of one per file).

mod provider;
mod writer;
