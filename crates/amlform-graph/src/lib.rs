//! A generic dependency graph on petgraph: build it from "depends on" edges, report every cycle
//! with each of its edges, and walk it dependencies-first or dependents-first with a bound on
//! how many nodes run at once ([`Walk`]).
//!
//! [`in_parallel`] runs independent work on all cores, results in order.
//!
//! This crate knows no domain types: nodes are any ordered, hashable value. It does no I/O.

mod dag;
mod parallel;
mod walk;

pub use dag::{Cycle, Dag};
pub use parallel::in_parallel;
pub use walk::{Order, Walk};
