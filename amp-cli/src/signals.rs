//! Stopping a long-running verb (`serve`, `proxy`) on SIGINT or SIGTERM.

use crate::exit::Failure;

/// Starts watching SIGINT and SIGTERM; the future ends at the first one.
/// Call it before announcing anything: a script may send a signal as soon
/// as it reads the first line.
pub fn stop_signals() -> Result<impl std::future::Future<Output = ()>, Failure> {
    use tokio::signal::unix::{signal, SignalKind};
    let watch = |kind: SignalKind, name: &str| {
        signal(kind).map_err(|e| Failure::connection(format!("cannot watch {name}: {e}")))
    };
    let mut term = watch(SignalKind::terminate(), "SIGTERM")?;
    let mut int = watch(SignalKind::interrupt(), "SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}
