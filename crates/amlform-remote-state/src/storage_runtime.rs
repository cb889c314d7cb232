//! The remote store's own runtime: the state's methods are synchronous (the engine calls them
//! from its tasks, as it calls the local store), the blob client is async. Requests run on a
//! thread of this runtime while the caller waits, which works from inside another runtime too.

use std::future::Future;

#[derive(Debug)]
pub struct StorageRuntime {
    runtime: Option<tokio::runtime::Runtime>,
}

impl StorageRuntime {
    pub fn new() -> std::io::Result<StorageRuntime> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("amlform-state")
            .enable_all()
            .build()?;
        Ok(StorageRuntime {
            runtime: Some(runtime),
        })
    }

    /// Runs `future` to its end on this runtime and returns its output.
    pub fn run<T: Send + 'static>(&self, future: impl Future<Output = T> + Send + 'static) -> T {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.handle().spawn(async move {
            let _ = sender.send(future.await);
        });
        receiver
            .recv()
            .expect("the storage runtime runs its tasks while it lives")
    }

    pub fn handle(&self) -> &tokio::runtime::Handle {
        self.runtime
            .as_ref()
            .expect("the runtime is taken only when dropped")
            .handle()
    }
}

impl Drop for StorageRuntime {
    fn drop(&mut self) {
        // Dropping a runtime inside another one's context panics; this one has nothing left
        // to finish by then.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
