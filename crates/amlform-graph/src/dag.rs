use foldhash::{HashMap, HashMapExt};
use petgraph::Direction;
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeSet, VecDeque};
use std::hash::Hash;

/// A directed graph whose edges point from a node to what it depends on.
#[derive(Debug, Clone)]
pub struct Dag<N> {
    graph: DiGraph<N, ()>,
    index: HashMap<N, NodeIndex>,
}

/// A cycle as the sequence of nodes along it; the first node is repeated at the end, so each
/// consecutive pair is one edge ("a depends on b").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle<N>(pub Vec<N>);

impl<N> Cycle<N> {
    /// Each edge of the cycle as (dependent, dependency).
    pub fn edges(&self) -> impl Iterator<Item = (&N, &N)> {
        self.0.windows(2).map(|pair| (&pair[0], &pair[1]))
    }
}

impl<N> Default for Dag<N> {
    fn default() -> Self {
        Dag {
            graph: DiGraph::new(),
            index: HashMap::new(),
        }
    }
}

impl<N: Clone + Eq + Hash + Ord> Dag<N> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `nodes` nodes and `edges` edges without growing.
    pub fn with_capacity(nodes: usize, edges: usize) -> Self {
        Dag {
            graph: DiGraph::with_capacity(nodes, edges),
            index: HashMap::with_capacity(nodes),
        }
    }

    /// Adds a node (once; adding it again is a no-op).
    pub fn add_node(&mut self, node: N) -> NodeIndex {
        if let Some(index) = self.index.get(&node) {
            return *index;
        }
        let index = self.graph.add_node(node.clone());
        self.index.insert(node, index);
        index
    }

    /// Every node, in insertion order.
    pub fn nodes(&self) -> impl Iterator<Item = &N> {
        self.graph.node_weights()
    }

    /// Records that `dependent` depends on `dependency` (adding both nodes if needed).
    pub fn add_dependency(&mut self, dependent: N, dependency: N) {
        let from = self.add_node(dependent);
        let to = self.add_node(dependency);
        if self.graph.find_edge(from, to).is_none() {
            self.graph.add_edge(from, to, ());
        }
    }

    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// What `node` depends on directly, sorted.
    pub fn dependencies(&self, node: &N) -> Vec<&N> {
        self.neighbors(node, Direction::Outgoing)
    }

    /// What depends directly on `node`, sorted.
    pub fn dependents(&self, node: &N) -> Vec<&N> {
        self.neighbors(node, Direction::Incoming)
    }

    fn neighbors(&self, node: &N, direction: Direction) -> Vec<&N> {
        let Some(index) = self.index.get(node) else {
            return Vec::new();
        };
        let mut out: Vec<&N> = self
            .graph
            .neighbors_directed(*index, direction)
            .map(|i| &self.graph[i])
            .collect();
        out.sort();
        out
    }

    /// Every cycle, one per strongly connected component, each starting at its smallest node;
    /// sorted, so reports are deterministic.
    pub fn cycles(&self) -> Vec<Cycle<N>> {
        let mut cycles: Vec<Cycle<N>> = tarjan_scc(&self.graph)
            .into_iter()
            .filter(|component| {
                component.len() > 1 || self.graph.find_edge(component[0], component[0]).is_some()
            })
            .map(|component| self.cycle_through(&component))
            .collect();
        cycles.sort_by(|a, b| a.0.cmp(&b.0));
        cycles
    }

    /// The shortest cycle from the smallest node of a component back to itself.
    fn cycle_through(&self, component: &[NodeIndex]) -> Cycle<N> {
        let members: BTreeSet<NodeIndex> = component.iter().copied().collect();
        let start = *component
            .iter()
            .min_by(|a, b| self.graph[**a].cmp(&self.graph[**b]))
            .expect("non-empty");
        let mut previous: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        'search: while let Some(current) = queue.pop_front() {
            let mut next: Vec<NodeIndex> = self
                .graph
                .neighbors(current)
                .filter(|n| members.contains(n))
                .collect();
            next.sort_by(|a, b| self.graph[*a].cmp(&self.graph[*b]));
            for neighbor in next {
                if neighbor == start {
                    previous.insert(start, current);
                    break 'search;
                }
                if let std::collections::hash_map::Entry::Vacant(entry) = previous.entry(neighbor) {
                    entry.insert(current);
                    queue.push_back(neighbor);
                }
            }
        }
        let mut path = vec![start];
        let mut current = previous[&start];
        while current != start {
            path.push(current);
            current = previous[&current];
        }
        path.push(start);
        path.reverse();
        Cycle(path.into_iter().map(|i| self.graph[i].clone()).collect())
    }

    /// The graph, checked: every node in an order with dependencies before their dependents
    /// (ties in insertion order), or every cycle that makes one impossible. Only a checked
    /// graph can be walked ([`crate::Walk`]).
    pub fn check(self) -> Result<CheckedDag<N>, Vec<Cycle<N>>> {
        let order = self.topological_order()?;
        Ok(CheckedDag { dag: self, order })
    }

    fn topological_order(&self) -> Result<Vec<N>, Vec<Cycle<N>>> {
        match toposort(&self.graph, None) {
            Ok(order) => Ok(order
                .into_iter()
                .rev()
                .map(|i| self.graph[i].clone())
                .collect()),
            Err(_) => Err(self.cycles()),
        }
    }
}

/// A [`Dag`] known to have no cycle, with its order (dependencies first).
#[derive(Debug, Clone)]
pub struct CheckedDag<N> {
    dag: Dag<N>,
    order: Vec<N>,
}

impl<N> CheckedDag<N> {
    /// Every node, dependencies before their dependents.
    pub fn order(&self) -> &[N] {
        &self.order
    }

    pub fn into_order(self) -> Vec<N> {
        self.order
    }

    pub fn dag(&self) -> &Dag<N> {
        &self.dag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_dependencies_first() {
        let mut dag = Dag::new();
        dag.add_dependency("app", "db");
        dag.add_dependency("db", "network");
        dag.add_dependency("app", "network");
        dag.add_node("lonely");
        let checked = dag.clone().check().unwrap();
        let order = checked.order();
        let position = |n| order.iter().position(|x| *x == n).unwrap();
        assert!(position("network") < position("db"));
        assert!(position("db") < position("app"));
        assert_eq!(order.len(), 4);
        assert_eq!(dag.dependencies(&"app"), vec![&"db", &"network"]);
        assert_eq!(dag.dependents(&"network"), vec![&"app", &"db"]);
    }

    #[test]
    fn reports_every_cycle_with_its_edges() {
        let mut dag = Dag::new();
        dag.add_dependency("a", "b");
        dag.add_dependency("b", "c");
        dag.add_dependency("c", "a");
        dag.add_dependency("x", "x");
        dag.add_dependency("d", "a");
        let cycles = dag.check().unwrap_err();
        assert_eq!(
            cycles,
            vec![Cycle(vec!["a", "b", "c", "a"]), Cycle(vec!["x", "x"])]
        );
        let edges: Vec<_> = cycles[0].edges().collect();
        assert_eq!(edges, vec![(&"a", &"b"), (&"b", &"c"), (&"c", &"a")]);
    }
}
