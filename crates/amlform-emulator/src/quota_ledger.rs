//! What each AmlCompute holds against core quota (max nodes x the size's vCPUs), summed by
//! subscription, region and family (low priority pooled), kept up to date as computes change.
//! A quota check on every PUT then costs no scan of every cluster, so an apply of thousands
//! stays linear. Every write to a compute marks it; marks are settled before a check.

use std::collections::{HashMap, HashSet};

/// (workspace key, lower-cased compute name).
type ComputeKey = (String, String);

/// Where a compute's cores count: (lower-cased location, bucket), where the bucket is the
/// size's family for dedicated nodes and `lowpriority` for low-priority ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuotaPool {
    pub location: String,
    pub bucket: String,
}

impl QuotaPool {
    pub fn new(location: &str, low_priority: bool, family: &str) -> QuotaPool {
        QuotaPool {
            location: location.to_ascii_lowercase(),
            bucket: if low_priority {
                "lowpriority".to_owned()
            } else {
                family.to_owned()
            },
        }
    }
}

#[derive(Debug, Default)]
pub struct QuotaLedger {
    held: HashMap<ComputeKey, (QuotaPool, u64)>,
    /// By (subscription, pool).
    in_subscription: HashMap<(String, QuotaPool), u64>,
    /// By (workspace key, pool).
    in_workspace: HashMap<(String, QuotaPool), u64>,
    changed: HashSet<ComputeKey>,
}

impl QuotaLedger {
    /// Marks a compute as written: its holding is recomputed at the next [`QuotaLedger::settle`].
    pub fn touch(&mut self, workspace: &str, name: &str) {
        self.changed
            .insert((workspace.to_owned(), name.to_ascii_lowercase()));
    }

    /// Recomputes the holdings of touched computes; `holding` says what one holds now
    /// (`None` when it is gone or holds nothing).
    pub fn settle(&mut self, holding: impl Fn(&str, &str) -> Option<(QuotaPool, u64)>) {
        for key in std::mem::take(&mut self.changed) {
            let subscription = subscription_of(&key.0);
            if let Some((pool, cores)) = self.held.remove(&key) {
                Self::add(
                    &mut self.in_subscription,
                    (subscription.clone(), pool.clone()),
                    cores,
                    false,
                );
                Self::add(&mut self.in_workspace, (key.0.clone(), pool), cores, false);
            }
            if let Some((pool, cores)) = holding(&key.0, &key.1) {
                Self::add(
                    &mut self.in_subscription,
                    (subscription, pool.clone()),
                    cores,
                    true,
                );
                Self::add(
                    &mut self.in_workspace,
                    (key.0.clone(), pool.clone()),
                    cores,
                    true,
                );
                self.held.insert(key, (pool, cores));
            }
        }
    }

    fn add(
        totals: &mut HashMap<(String, QuotaPool), u64>,
        key: (String, QuotaPool),
        cores: u64,
        plus: bool,
    ) {
        let total = totals.entry(key).or_default();
        *total = if plus {
            *total + cores
        } else {
            total.saturating_sub(cores)
        };
    }

    /// Cores held in `pool` across the subscription and within the workspace, leaving out
    /// what the compute `name` of that workspace holds (it is the one being changed).
    /// Call [`QuotaLedger::settle`] first.
    pub fn in_use(&self, workspace: &str, name: &str, pool: &QuotaPool) -> (u64, u64) {
        let own = self
            .held
            .get(&(workspace.to_owned(), name.to_ascii_lowercase()))
            .filter(|(held_pool, _)| held_pool == pool)
            .map_or(0, |(_, cores)| *cores);
        let subscription = subscription_of(workspace);
        let total = |totals: &HashMap<(String, QuotaPool), u64>, scope: String| {
            totals
                .get(&(scope, pool.clone()))
                .copied()
                .unwrap_or(0)
                .saturating_sub(own)
        };
        (
            total(&self.in_subscription, subscription),
            total(&self.in_workspace, workspace.to_owned()),
        )
    }
}

/// Workspace keys are `subscription/resource group/name`, lower-cased.
fn subscription_of(workspace: &str) -> String {
    workspace.split('/').next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdings_follow_writes_and_leave_out_the_compute_being_changed() {
        let pool = QuotaPool::new("EastUS", false, "standardDv2Family");
        let mut ledger = QuotaLedger::default();
        let cores = std::cell::RefCell::new(HashMap::from([
            (("s/rg/a".to_owned(), "one".to_owned()), 4),
            (("s/rg/b".to_owned(), "two".to_owned()), 6),
        ]));
        let holding = |workspace: &str, name: &str| {
            cores
                .borrow()
                .get(&(workspace.to_owned(), name.to_owned()))
                .map(|cores| (pool.clone(), *cores))
        };
        ledger.touch("s/rg/a", "ONE");
        ledger.touch("s/rg/b", "two");
        ledger.settle(holding);
        assert_eq!(ledger.in_use("s/rg/a", "new", &pool), (10, 4));
        assert_eq!(ledger.in_use("s/rg/a", "one", &pool), (6, 0));
        // Scaled, then removed.
        cores
            .borrow_mut()
            .insert(("s/rg/b".to_owned(), "two".to_owned()), 1);
        ledger.touch("s/rg/b", "two");
        ledger.settle(holding);
        assert_eq!(ledger.in_use("s/rg/a", "new", &pool), (5, 4));
        cores.borrow_mut().clear();
        ledger.touch("s/rg/a", "one");
        ledger.touch("s/rg/b", "two");
        ledger.settle(holding);
        assert_eq!(ledger.in_use("s/rg/a", "new", &pool), (0, 0));
        let other = QuotaPool::new("eastus", true, "standardDv2Family");
        assert_eq!(ledger.in_use("s/rg/a", "new", &other), (0, 0));
    }
}
