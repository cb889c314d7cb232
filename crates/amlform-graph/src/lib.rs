//! A generic dependency graph on petgraph: build it from "depends on" edges, report every cycle
//! with each of its edges, and walk it dependencies-first.
//!
//! This crate knows no domain types: nodes are any ordered, hashable value. It does no I/O.

mod dag;

pub use dag::{Cycle, Dag};
