//! A generic dependency graph on petgraph: build it from "depends on" edges, check it (every
//! cycle reported with each of its edges, or a [`CheckedDag`]), and walk a checked graph
//! dependencies-first or dependents-first with a bound on how many nodes run at once
//! ([`Walk`]). An unchecked graph cannot be walked: the types do not allow it.
//!
//! [`in_parallel`] runs independent work on all cores, results in order.
//!
//! This crate knows no domain types: nodes are any ordered, hashable value. It does no I/O.

mod dag;
mod parallel;
mod walk;

pub use dag::{CheckedDag, Cycle, Dag};
pub use parallel::in_parallel;
pub use walk::{Order, Walk};
