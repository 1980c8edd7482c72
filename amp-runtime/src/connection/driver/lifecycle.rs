//! Where a connection is in its life, and every change of that.
//!
//! | stage | reads | takes queued boxes | moves on to |
//! |---|---|---|---|
//! | [`Open`](Stage::Open) | yes | yes | `AwaitingUpgradeAnswer` (this side's StartTLS or switch call written), `LastBytes` (the last bytes in the clear queued), `InputEnded` (the peer's end of input), `Closing` (a close request) |
//! | [`AwaitingUpgradeAnswer`](Stage::AwaitingUpgradeAnswer) | yes | no: answers made meanwhile are held | `Open` (refused), `LastBytes` (accepted), `InputEndedAwaitingUpgrade`; a close request ends it at once |
//! | [`LastBytes`](Stage::LastBytes) | no | no | `Open` once TLS is up; the end after a switch or a close |
//! | [`Closing`](Stage::Closing) | no | no | the end, once what was queued before the request is written |
//! | [`InputEnded`](Stage::InputEnded) | no | yes | the end once idle or when `eof_grace` is over; `InputEndedAwaitingUpgrade`, `LastBytes`, `Closing` |
//! | [`InputEndedAwaitingUpgrade`](Stage::InputEndedAwaitingUpgrade) | no | no | the end once written or when `eof_grace` is over |
//!
//! A graceful shutdown ([`Lifecycle::drain`]) can start in any stage: calls
//! are no longer run, and the connection closes once idle or at its deadline.

use std::future::Future;
use std::pin::Pin;
use std::task::Context as TaskContext;
use std::time::Duration;

use tokio::time::Sleep;

use crate::connection::close::CloseReason;

/// The stages of a connection (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// Reading boxes, writing queued ones, running calls.
    Open,
    /// This side's StartTLS or protocol-switch call is written and its answer
    /// awaited: nothing more is written until it comes (Twisted buffers the
    /// same way); reading goes on.
    AwaitingUpgradeAnswer,
    /// The last AMP bytes in the clear are queued (an answer to the peer's
    /// StartTLS, a switch answer, a fatal answer, the non-AMP reply) or this
    /// side's upgrade was accepted: nothing more is read or taken from the
    /// queue until the action that follows runs.
    LastBytes,
    /// Closing on request: what was queued before it is written, then the end.
    Closing,
    /// The peer ended its input. Handlers still running may answer for
    /// [`eof_grace`](crate::ConnectionConfig::eof_grace).
    InputEnded,
    /// The peer ended its input while this side awaited an upgrade answer:
    /// that answer will not come, so what is held can never go out.
    InputEndedAwaitingUpgrade,
}

/// A connection's stage and its deadlines.
pub(super) struct Lifecycle {
    stage: Stage,
    /// Started once input ended: handlers still running have until then.
    eof_grace: Option<Pin<Box<Sleep>>>,
    /// Set by a graceful shutdown: calls are no longer run; the connection
    /// closes once idle, or when this fires.
    drain: Option<Pin<Box<Sleep>>>,
}

/// What a close request asks of the task.
pub(super) enum CloseRequest {
    /// Write what is queued, then close.
    AfterQueued,
    /// Close at once: mid-upgrade, what is queued cannot be written in the clear.
    AtOnce,
    /// Already closing: nothing more to do.
    AlreadyClosing,
}

/// How finished the connection's work is, for [`Lifecycle::poll_end`].
pub(super) struct Progress {
    /// Handlers still running.
    pub(super) running_handlers: usize,
    /// No handler runs and everything taken from the queue is written.
    pub(super) written: bool,
    /// Also writes are not paused and nothing is held or waiting in the queue.
    pub(super) idle: bool,
}

impl Lifecycle {
    pub(super) fn new() -> Self {
        Lifecycle { stage: Stage::Open, eof_grace: None, drain: None }
    }

    /// Whether boxes are read.
    #[inline]
    pub(super) fn reads(&self) -> bool {
        matches!(self.stage, Stage::Open | Stage::AwaitingUpgradeAnswer)
    }

    /// Whether boxes are taken from the send queue.
    #[inline]
    pub(super) fn takes_queued(&self) -> bool {
        matches!(self.stage, Stage::Open | Stage::InputEnded)
    }

    /// Whether writing is paused for an upgrade: answers made in the task
    /// are held, a StartTLS from the peer is refused.
    #[inline]
    pub(super) fn writes_paused(&self) -> bool {
        matches!(self.stage, Stage::AwaitingUpgradeAnswer | Stage::LastBytes | Stage::InputEndedAwaitingUpgrade)
    }

    /// Whether received calls are run (not while shutting down).
    #[inline]
    pub(super) fn runs_calls(&self) -> bool {
        self.drain.is_none()
    }

    #[inline]
    pub(super) fn is_closing(&self) -> bool {
        self.stage == Stage::Closing
    }

    /// This side's StartTLS or switch call is written.
    #[inline]
    pub(super) fn upgrade_call_written(&mut self) {
        self.stage = match self.stage {
            Stage::Open => Stage::AwaitingUpgradeAnswer,
            Stage::InputEnded => Stage::InputEndedAwaitingUpgrade,
            other => other,
        };
    }

    /// The peer refused this side's upgrade: AMP goes on as before.
    pub(super) fn upgrade_refused(&mut self) {
        if self.stage == Stage::AwaitingUpgradeAnswer {
            self.stage = Stage::Open;
        }
    }

    /// The last AMP bytes in the clear are queued, or this side's upgrade was
    /// accepted (the rest of the stream is TLS or another protocol).
    #[inline]
    pub(super) fn last_bytes(&mut self) {
        if !self.is_closing() {
            self.stage = Stage::LastBytes;
        }
    }

    /// TLS is up: AMP goes on over it.
    pub(super) fn upgraded(&mut self) {
        self.stage = Stage::Open;
    }

    /// The peer ended its input.
    pub(super) fn input_ended(&mut self) {
        self.stage = match self.stage {
            Stage::Open => Stage::InputEnded,
            Stage::AwaitingUpgradeAnswer => Stage::InputEndedAwaitingUpgrade,
            // Nothing is read in the other stages.
            other => other,
        };
    }

    /// A close was asked: the connection is closing from now on.
    pub(super) fn close(&mut self) -> CloseRequest {
        if self.is_closing() {
            return CloseRequest::AlreadyClosing;
        }
        let paused = self.writes_paused();
        self.stage = Stage::Closing;
        if paused {
            CloseRequest::AtOnce
        } else {
            CloseRequest::AfterQueued
        }
    }

    /// A graceful shutdown was asked, to end by `deadline` at the latest.
    pub(super) fn drain(&mut self, deadline: tokio::time::Instant) {
        match &mut self.drain {
            Some(timer) if timer.deadline() <= deadline => {}
            timer => *timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
    }

    /// Whether the connection ends now, and why: a graceful shutdown that is
    /// idle or past its deadline, or input ended and nothing more to answer
    /// (or `eof_grace` over). `progress` is asked only then.
    #[inline]
    pub(super) fn poll_end(
        &mut self,
        cx: &mut TaskContext<'_>,
        progress: impl FnOnce() -> Progress,
        eof_grace: Duration,
    ) -> Option<CloseReason> {
        if self.drain.is_none() && !matches!(self.stage, Stage::InputEnded | Stage::InputEndedAwaitingUpgrade) {
            return None;
        }
        self.poll_ending(cx, progress(), eof_grace)
    }

    #[cold]
    fn poll_ending(
        &mut self,
        cx: &mut TaskContext<'_>,
        progress: Progress,
        eof_grace: Duration,
    ) -> Option<CloseReason> {
        if let Some(timer) = &mut self.drain {
            if timer.as_mut().poll(cx).is_ready() {
                tracing::info!("shutdown deadline reached with handlers still running");
                return Some(CloseReason::Local);
            }
        }
        if progress.idle && self.drain.is_some() {
            return Some(CloseReason::Local);
        }
        let awaiting_upgrade = match self.stage {
            Stage::InputEnded => false,
            Stage::InputEndedAwaitingUpgrade => true,
            _ => return None,
        };
        // Boxes held for an upgrade answer can never go out now: that answer
        // will not come.
        if progress.idle || (progress.written && awaiting_upgrade) {
            return Some(CloseReason::PeerClosed);
        }
        let timer = self.eof_grace.get_or_insert_with(|| Box::pin(tokio::time::sleep(eof_grace)));
        if timer.as_mut().poll(cx).is_ready() {
            tracing::info!(running_handlers = progress.running_handlers, grace = ?eof_grace,
                "the peer ended its input and handlers outlived the grace period: closing");
            return Some(CloseReason::PeerClosed);
        }
        None
    }
}
