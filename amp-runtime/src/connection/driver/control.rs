//! Requests from the handles (close, abort, graceful shutdown), the checks
//! that end a connection, and its last steps.

use std::future::poll_fn;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use super::lifecycle::{CloseRequest, Progress};
use super::{Driver, Event};
use crate::connection::close::CloseReason;
use crate::connection::lock::lock;
use crate::connection::outgoing::After;

/// Longest wait for the last writes and the shutdown when closing.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

impl Driver {
    /// Close, drain and end-of-input requests.
    pub(super) fn check_control(&mut self, cx: &mut TaskContext<'_>) -> Option<Event> {
        let (abort, close, drain) = {
            let mut control = lock(&self.shared.control);
            (control.abort.take(), std::mem::take(&mut control.close), control.drain.take())
        };
        if let Some(reason) = abort {
            return Some(Event::Close(reason));
        }
        if close {
            match self.life.close() {
                CloseRequest::AlreadyClosing => {}
                CloseRequest::AtOnce => return Some(Event::Close(CloseReason::Local)),
                CloseRequest::AfterQueued => {
                    // Everything queued before the request goes out, then the end.
                    self.outbound.rx.close();
                    self.flush_held();
                    while let Ok(out) = self.outbound.rx.try_recv() {
                        self.append(out);
                    }
                    self.outbound.after_buffered(After::Close(CloseReason::Local));
                }
            }
        }
        if let Some(deadline) = drain {
            self.life.drain(tokio::time::Instant::from_std(deadline));
        }
        let (shared, outbound, life) = (&self.shared, &self.outbound, &self.life);
        let paused = life.writes_paused();
        let progress = || {
            let running_handlers = shared.running_handlers();
            let written = running_handlers == 0 && outbound.is_written();
            let idle = written && !paused && outbound.queue_is_empty();
            Progress { running_handlers, written, idle }
        };
        let eof_grace = self.shared.config.eof_grace;
        self.life.poll_end(cx, progress, eof_grace).map(Event::Close)
    }

    /// Writes what is left in the buffer and shuts the stream down, within
    /// a short grace period.
    pub(super) async fn close_stream(&mut self) {
        if self.io.is_none() {
            return;
        }
        let finish = poll_fn(|cx| {
            while !self.outbound.is_written() {
                match self.poll_write(cx) {
                    Err(_) => return Poll::Ready(()),
                    Ok(true) => {}
                    Ok(false) => return Poll::Pending,
                }
            }
            match self.io.as_mut() {
                Some(io) => io.poll_shutdown(cx).map(|_| ()),
                None => Poll::Ready(()),
            }
        });
        let _ = tokio::time::timeout(CLOSE_GRACE, finish).await;
    }

    /// Records the end: calls racing with it fail with `reason`, and nothing
    /// queued is written.
    pub(super) fn finish(mut self, reason: CloseReason) {
        match &reason {
            CloseReason::Local | CloseReason::PeerClosed | CloseReason::Switched => {
                tracing::info!(reason = %reason, "connection closed")
            }
            _ => tracing::warn!(reason = %reason, "connection closed"),
        }
        // Record the end first, so calls racing with it fail with this reason.
        self.shared.finish(reason);
        self.outbound.close();
    }
}
