//! The integration tests of amlform-plan, in one binary (one link instead of one per file).

mod golden;
mod markdown_limit;
