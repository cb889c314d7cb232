//! The integration tests of amlform-plan, in one binary (one link instead of one per file).

mod markdown_limit;
