//! The engine: makes a [`amlform_plan::Plan`] happen. [`apply`] builds its graph from the
//! plan (not from the configuration), walks it with bounded parallelism through the
//! provider's write side, and records every intent and result in the state as it goes.

mod applier;

pub use applier::{
    ApplyContext, ApplyError, ApplyEvent, ApplyGraph, ApplyReport, Interrupt, KnownValues,
    WorkspaceBinding, apply, apply_graph, known_values, no_interrupt, state_record,
};
