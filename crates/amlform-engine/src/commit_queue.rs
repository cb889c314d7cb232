//! Group commits for an apply: the operations that reach a commit together (their futures
//! are polled by one driver) queue their change sets, and the driver writes them in one
//! transaction and one flush, then answers each. No operation goes on before its change is
//! written, so nothing is acknowledged before its flush; the state's cost per operation falls
//! as parallelism rises (a remote state's commit is a round trip, a local one a flush).

use std::sync::{Mutex, MutexGuard};

use amlform_state::{ChangeSet, StateError, StateStore};
use tokio::sync::{Notify, oneshot};

type Waiting = (ChangeSet, oneshot::Sender<Result<(), StateError>>);

pub(crate) struct CommitQueue<'a, S> {
    store: &'a Mutex<S>,
    pending: Mutex<Vec<Waiting>>,
    wanted: Notify,
}

impl<'a, S: StateStore> CommitQueue<'a, S> {
    pub(crate) fn new(store: &'a Mutex<S>) -> CommitQueue<'a, S> {
        CommitQueue {
            store,
            pending: Mutex::new(Vec::new()),
            wanted: Notify::new(),
        }
    }

    /// The store, for reads (commits go through [`CommitQueue::commit`]).
    pub(crate) fn store(&self) -> MutexGuard<'a, S> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `change` and waits until it is written (or its batch failed).
    pub(crate) async fn commit(&self, change: ChangeSet) -> Result<(), StateError> {
        let (sender, written) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((change, sender));
        self.wanted.notify_one();
        written.await.unwrap_or_else(|_| {
            Err(StateError::Refused(
                "the apply ended before this change was recorded".to_owned(),
            ))
        })
    }

    /// Resolves when a change is queued; the driver then calls [`CommitQueue::flush`].
    pub(crate) async fn wanted(&self) {
        self.wanted.notified().await;
    }

    /// Writes every queued change in one batch and answers each.
    pub(crate) fn flush(&self) {
        let batch = std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        if batch.is_empty() {
            return;
        }
        let (changes, waiting): (Vec<ChangeSet>, Vec<_>) = batch.into_iter().unzip();
        let written = self.store().commit_all(changes);
        for sender in waiting {
            let _ = sender.send(match &written {
                Ok(_) => Ok(()),
                Err(error) => Err(error.duplicate()),
            });
        }
    }
}
