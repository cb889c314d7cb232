//! [`Walk`]: a walk of a [`Dag`] for a driver that runs nodes concurrently. It hands out the
//! nodes whose prerequisites are done, never more than `max_in_flight` at a time, and when a
//! node fails, every node that waits on it (directly or not) is skipped while independent
//! branches go on.

use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;
use std::hash::Hash;

use crate::CheckedDag;

/// Which way a walk goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// A node after everything it depends on (create, update).
    DependenciesFirst,
    /// A node after everything that depends on it (destroy).
    DependentsFirst,
}

#[derive(Debug)]
pub struct Walk<N> {
    /// Prerequisites not yet done, per node not yet started.
    remaining: HashMap<N, usize>,
    /// Who waits on each node, in the walk's direction.
    waiters: HashMap<N, Vec<N>>,
    ready: BTreeSet<N>,
    in_flight: BTreeSet<N>,
    max_in_flight: usize,
    stopped: bool,
    succeeded: Vec<N>,
    failed: Vec<N>,
    skipped: Vec<N>,
}

impl<N: Clone + Eq + Hash + Ord> Walk<N> {
    /// A walk of every node of the checked graph.
    pub fn new(checked: &CheckedDag<N>, order: Order, max_in_flight: usize) -> Walk<N> {
        let (dag, nodes) = (checked.dag(), checked.order());
        let mut remaining = HashMap::new();
        let mut waiters: HashMap<N, Vec<N>> = HashMap::new();
        for node in nodes {
            let prerequisites = match order {
                Order::DependenciesFirst => dag.dependencies(node),
                Order::DependentsFirst => dag.dependents(node),
            };
            remaining.insert(node.clone(), prerequisites.len());
            for prerequisite in prerequisites {
                waiters
                    .entry(prerequisite.clone())
                    .or_default()
                    .push(node.clone());
            }
        }
        let ready = remaining
            .iter()
            .filter(|(_, count)| **count == 0)
            .map(|(node, _)| node.clone())
            .collect();
        Walk {
            remaining,
            waiters,
            ready,
            in_flight: BTreeSet::new(),
            max_in_flight: max_in_flight.max(1),
            stopped: false,
            succeeded: Vec::new(),
            failed: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Starts as many ready nodes as the limit allows (smallest first) and returns them.
    pub fn start_ready(&mut self) -> Vec<N> {
        let mut started = Vec::new();
        while !self.stopped && self.in_flight.len() < self.max_in_flight {
            let Some(node) = self.ready.pop_first() else {
                break;
            };
            self.remaining.remove(&node);
            self.in_flight.insert(node.clone());
            started.push(node);
        }
        started
    }

    /// `node` finished well: what waited only on it becomes ready.
    pub fn succeed(&mut self, node: &N) {
        if !self.in_flight.remove(node) {
            return;
        }
        self.succeeded.push(node.clone());
        for waiter in self.waiters.get(node).cloned().unwrap_or_default() {
            if let Some(count) = self.remaining.get_mut(&waiter) {
                *count -= 1;
                if *count == 0 {
                    self.ready.insert(waiter);
                }
            }
        }
    }

    /// `node` failed: everything waiting on it, directly or not, is skipped. Returns those.
    pub fn fail(&mut self, node: &N) -> Vec<N> {
        if !self.in_flight.remove(node) {
            return Vec::new();
        }
        self.failed.push(node.clone());
        let mut skipped = Vec::new();
        let mut stack = self.waiters.get(node).cloned().unwrap_or_default();
        while let Some(waiter) = stack.pop() {
            if self.remaining.remove(&waiter).is_some() {
                self.ready.remove(&waiter);
                stack.extend(self.waiters.get(&waiter).cloned().unwrap_or_default());
                skipped.push(waiter);
            }
        }
        skipped.sort();
        self.skipped.extend(skipped.iter().cloned());
        skipped
    }

    /// Start nothing new (an interrupt); what is in flight may still finish.
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Nothing in flight and nothing more will start.
    pub fn is_finished(&self) -> bool {
        self.in_flight.is_empty() && (self.stopped || self.ready.is_empty())
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    pub fn succeeded(&self) -> &[N] {
        &self.succeeded
    }

    pub fn failed(&self) -> &[N] {
        &self.failed
    }

    pub fn skipped(&self) -> &[N] {
        &self.skipped
    }

    /// Nodes never started (after a stop), sorted.
    pub fn not_started(&self) -> Vec<N> {
        let mut nodes: Vec<N> = self.remaining.keys().cloned().collect();
        nodes.sort();
        nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cycle, Dag};

    /// app → db → net, and an independent `cache`.
    fn graph() -> CheckedDag<&'static str> {
        let mut dag = Dag::new();
        dag.add_dependency("app", "db");
        dag.add_dependency("db", "net");
        dag.add_node("cache");
        dag.check().unwrap()
    }

    /// Runs the walk to the end, failing the nodes in `failing`; returns the start batches.
    fn drive(walk: &mut Walk<&'static str>, failing: &[&str]) -> Vec<Vec<&'static str>> {
        let mut batches = Vec::new();
        while !walk.is_finished() {
            let batch = walk.start_ready();
            assert!(
                !batch.is_empty(),
                "a walk that is not finished always has something to start"
            );
            for node in &batch {
                if failing.contains(node) {
                    walk.fail(node);
                } else {
                    walk.succeed(node);
                }
            }
            batches.push(batch);
        }
        batches
    }

    #[test]
    fn dependencies_first_with_independent_nodes_together() {
        let mut walk = Walk::new(&graph(), Order::DependenciesFirst, 10);
        assert_eq!(
            drive(&mut walk, &[]),
            vec![vec!["cache", "net"], vec!["db"], vec!["app"]]
        );
        assert_eq!(walk.succeeded().len(), 4);
    }

    #[test]
    fn destroy_order_is_the_reverse() {
        let mut walk = Walk::new(&graph(), Order::DependentsFirst, 10);
        assert_eq!(
            drive(&mut walk, &[]),
            vec![vec!["app", "cache"], vec!["db"], vec!["net"]]
        );
    }

    #[test]
    fn never_more_than_the_limit_in_flight() {
        let mut dag = Dag::new();
        for node in ["a", "b", "c", "d", "e"] {
            dag.add_node(node);
        }
        let mut walk = Walk::new(&dag.check().unwrap(), Order::DependenciesFirst, 2);
        assert_eq!(walk.start_ready(), vec!["a", "b"]);
        assert!(walk.start_ready().is_empty(), "two are in flight");
        walk.succeed(&"a");
        assert_eq!(walk.start_ready(), vec!["c"]);
        assert_eq!(walk.in_flight(), 2);
    }

    #[test]
    fn a_failure_skips_what_waits_on_it_and_nothing_else() {
        let mut walk = Walk::new(&graph(), Order::DependenciesFirst, 10);
        drive(&mut walk, &["net"]);
        assert_eq!(walk.failed(), &["net"]);
        assert_eq!(walk.skipped(), &["app", "db"]);
        assert_eq!(walk.succeeded(), &["cache"]);
    }

    #[test]
    fn a_stop_starts_nothing_new() {
        let mut walk = Walk::new(&graph(), Order::DependenciesFirst, 10);
        let first = walk.start_ready();
        walk.stop();
        for node in &first {
            walk.succeed(node);
        }
        assert!(walk.start_ready().is_empty());
        assert!(walk.is_finished());
        assert_eq!(walk.not_started(), vec!["app", "db"]);
    }

    #[test]
    fn a_graph_with_a_cycle_never_becomes_walkable() {
        let mut dag = Dag::new();
        dag.add_dependency("a", "b");
        dag.add_dependency("b", "a");
        assert_eq!(dag.check().unwrap_err(), vec![Cycle(vec!["a", "b", "a"])]);
    }
}
