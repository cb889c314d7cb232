//! The integration tests of amlform-emulator, in one binary (one link instead of one per file).

#![allow(clippy::print_stderr)] // the skip notice, and each style's tally

mod common;
mod contract;
mod lifecycle;
mod sdk_conformance;
mod serve;
mod service_rules;
mod throttling;
