//! Independent work spread over the cores: what a graph's independent nodes, or the pieces of
//! a large input, need.

use std::sync::{Mutex, PoisonError};

/// `work` on every item, on the calling thread and one more per other core; the results in
/// item order. Items are handed out a few at a time as threads come free, so a core slowed by
/// other work takes fewer, and each result is written once, into its place. The calling thread
/// works too, so a single core (or a single item) spawns no thread.
pub fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = cores.min(items.len());
    if threads < 2 {
        return items.iter().map(work).collect();
    }
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let share = items.len().div_ceil(threads * 4);
    let shares = Mutex::new(items.chunks(share).zip(results.chunks_mut(share)));
    let take = || {
        loop {
            let next = shares.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((items, results)) = next else {
                return;
            };
            for (item, result) in items.iter().zip(results) {
                *result = Some(work(item));
            }
        }
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(take)).collect();
        take();
        for helper in helpers {
            if let Err(panic) = helper.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    results
        .into_iter()
        .map(|result| result.expect("every item is worked on"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_item_order() {
        let items: Vec<u64> = (0..1_000).collect();
        let squares = in_parallel(&items, |n| n * n);
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert!(in_parallel(&[] as &[u64], |n| *n).is_empty());
    }
}
