//! A generic dependency graph on petgraph: build it from "depends on" edges, report every cycle
//! with each of its edges, and walk it dependencies-first or dependents-first with a bound on
//! how many nodes run at once ([`Walk`]).
//!
//! This crate knows no domain types: nodes are any ordered, hashable value. It does no I/O.

mod dag;
mod walk;

pub use dag::{Cycle, Dag};
pub use walk::{Order, Walk};
