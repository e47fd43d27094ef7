//! Stopping: the signal that starts it, and the flag background workers watch so that they
//! hand their unfinished work back to the outbox before the process exits.

use tokio::sync::watch;

/// Resolves on SIGTERM (what systemd and container runtimes send) or Ctrl-C. The handlers
/// are installed by this call, not when the future is first polled, so a signal that comes
/// as soon as the server says it listens is not met by the default action (death).
pub fn signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    async move {
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
                _ = int.recv() => tracing::info!("Ctrl-C: shutting down"),
            },
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "cannot watch for SIGTERM; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

/// Held by `serve`: asks every worker to stop.
pub struct StopSender(watch::Sender<bool>);

/// Held by a worker: tells it when to stop.
#[derive(Clone)]
pub struct Stop(watch::Receiver<bool>);

pub fn channel() -> (StopSender, Stop) {
    let (tx, rx) = watch::channel(false);
    (StopSender(tx), Stop(rx))
}

impl StopSender {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Stop {
    /// Resolves once a stop is asked for (at once if it already was).
    pub async fn requested(&mut self) {
        if self.0.wait_for(|stop| *stop).await.is_err() {
            // Nobody can ask any more (a test that keeps no sender): never.
            std::future::pending::<()>().await;
        }
    }

    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }
}
