//! The integration tests of amlform-state, in one binary (one link instead of one per file).

mod damage;
mod local_store;
