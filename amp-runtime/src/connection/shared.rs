//! State shared by a connection's task, its [`Peer`](super::Peer) handles and
//! its handler tasks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::task::AtomicWaker;
use tokio::sync::{mpsc, oneshot, watch};

use super::addr::PeerAddr;
use super::calls::{CallKind, Calls, Delivery, PendingCall};
use super::close::CloseReason;
use super::config::ConnectionConfig;
use super::fd_order::FdOrdinals;
use super::lock::lock;
use super::outgoing::Outgoing;
use super::state::StateMap;
use super::tls::TlsState;
use crate::command::{CallError, NoError};

/// Requests from handles to the connection task.
#[derive(Default)]
pub(crate) struct Control {
    /// Close now, without writing what is queued.
    pub(crate) abort: Option<CloseReason>,
    /// Write what is queued, then close.
    pub(crate) close: bool,
    /// Finish running handlers, then close; close anyway at the deadline.
    pub(crate) drain: Option<Instant>,
}

pub(crate) struct Shared {
    pub(crate) id: u64,
    pub(crate) addr: PeerAddr,
    pub(crate) config: ConnectionConfig,
    pub(crate) tx: mpsc::Sender<Outgoing>,
    pub(crate) calls: Mutex<Calls>,
    pub(crate) state: StateMap,
    pub(crate) fd_ordinals: FdOrdinals,
    pub(crate) fds_supported: AtomicBool,
    pub(crate) tls: Mutex<TlsState>,
    pub(crate) control: Mutex<Control>,
    pub(crate) driver_waker: AtomicWaker,
    /// Handler tasks (and answer senders) still running.
    pub(crate) handlers_running: AtomicUsize,
    pub(crate) closed_tx: watch::Sender<Option<CloseReason>>,
}

static NEXT_CONNECTION_ID: AtomicU64 = AtomicU64::new(1);

impl Shared {
    pub(crate) fn new(
        addr: PeerAddr,
        config: ConnectionConfig,
        fds_supported: bool,
    ) -> (Arc<Shared>, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(config.send_queue_depth);
        let shared = Shared {
            id: NEXT_CONNECTION_ID.fetch_add(1, Ordering::Relaxed),
            addr,
            config,
            tx,
            calls: Mutex::default(),
            state: StateMap::default(),
            fd_ordinals: FdOrdinals::default(),
            fds_supported: AtomicBool::new(fds_supported),
            tls: Mutex::default(),
            control: Mutex::default(),
            driver_waker: AtomicWaker::new(),
            handlers_running: AtomicUsize::new(0),
            closed_tx: watch::Sender::new(None),
        };
        (Arc::new(shared), rx)
    }

    /// The error for a call on a connection that is gone or closing.
    pub(crate) fn lost(&self) -> CallError<NoError> {
        Self::lost_with(&lock(&self.calls))
    }

    fn lost_with(calls: &Calls) -> CallError<NoError> {
        CallError::ConnectionLost(match (&calls.closed, &calls.refusing) {
            (Some(reason), _) => reason.to_string(),
            (None, Some(why)) => why.clone(),
            (None, None) => "the connection is closing".to_owned(),
        })
    }

    /// Fails if new calls are refused.
    pub(crate) fn check_open(&self) -> Result<(), CallError<NoError>> {
        let calls = lock(&self.calls);
        if calls.closed.is_some() || calls.refusing.is_some() {
            return Err(Self::lost_with(&calls));
        }
        Ok(())
    }

    /// Takes the next tag for a send that awaits no answer: it uses up a tag
    /// too, as in Twisted.
    pub(crate) fn take_send_tag(&self) -> Result<u64, CallError<NoError>> {
        let mut calls = lock(&self.calls);
        if calls.closed.is_some() || calls.refusing.is_some() {
            return Err(Self::lost_with(&calls));
        }
        calls.last_tag += 1;
        Ok(calls.last_tag)
    }

    /// Takes the next tag for a call and registers it to await its answer.
    pub(crate) fn register_call(
        &self,
        kind: CallKind,
    ) -> Result<(u64, oneshot::Receiver<Delivery>), CallError<NoError>> {
        let mut calls = lock(&self.calls);
        if calls.closed.is_some() || calls.refusing.is_some() {
            return Err(Self::lost_with(&calls));
        }
        if calls.pending.len() >= self.config.max_outstanding_calls {
            return Err(CallError::TooManyOutstanding { limit: self.config.max_outstanding_calls });
        }
        calls.last_tag += 1;
        let tag = calls.last_tag;
        let (tx, rx) = oneshot::channel();
        calls.pending.insert(tag, PendingCall { tx, kind });
        Ok((tag, rx))
    }

    /// Removes a call whose caller stopped waiting. A StartTLS or switch
    /// cancelled mid-way leaves the stream in an unknown state: the
    /// connection is closed.
    pub(crate) fn cancel(&self, tag: u64) {
        let removed = lock(&self.calls).pending.remove(&tag);
        if let Some(PendingCall { kind: CallKind::StartTls(_) | CallKind::Switch, .. }) = removed {
            self.abort(CloseReason::UpgradeAbandoned);
        }
    }

    /// The call a received answer belongs to.
    pub(crate) fn take_pending(&self, tag: u64) -> Option<PendingCall> {
        lock(&self.calls).pending.remove(&tag)
    }

    pub(crate) fn last_tag(&self) -> u64 {
        lock(&self.calls).last_tag
    }

    pub(crate) fn outstanding(&self) -> usize {
        lock(&self.calls).pending.len()
    }

    /// Refuses new calls and fails the outstanding ones (the peer can no
    /// longer answer them).
    pub(crate) fn refuse_calls(&self, why: String, fail_pending: Option<CloseReason>) {
        let pending = {
            let mut calls = lock(&self.calls);
            if calls.refusing.is_none() {
                calls.refusing = Some(why);
            }
            match fail_pending {
                Some(_) => std::mem::take(&mut calls.pending),
                None => HashMap::default(),
            }
        };
        if let Some(reason) = fail_pending {
            for (_, call) in pending {
                let _ = call.tx.send(Err(reason.clone()));
            }
        }
    }

    /// Records the end of the connection and fails every outstanding call.
    pub(crate) fn finish(&self, reason: CloseReason) {
        let pending = {
            let mut calls = lock(&self.calls);
            calls.closed = Some(reason.clone());
            std::mem::take(&mut calls.pending)
        };
        for (_, call) in pending {
            let _ = call.tx.send(Err(reason.clone()));
        }
        self.closed_tx.send_replace(Some(reason));
    }

    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.calls).closed.is_some()
    }

    /// Closes at once, dropping what is queued.
    pub(crate) fn abort(&self, reason: CloseReason) {
        lock(&self.control).abort.get_or_insert(reason);
        self.driver_waker.wake();
    }

    /// Writes what is queued, then closes.
    pub(crate) fn request_close(&self) {
        self.refuse_calls(CloseReason::Local.to_string(), None);
        lock(&self.control).close = true;
        self.driver_waker.wake();
    }

    /// Lets running handlers finish (until `deadline`), then closes.
    pub(crate) fn request_drain(&self, deadline: Instant) {
        self.refuse_calls("the connection is shutting down".to_owned(), None);
        {
            let mut control = lock(&self.control);
            control.drain = Some(control.drain.map_or(deadline, |d| d.min(deadline)));
        }
        self.driver_waker.wake();
    }

    pub(crate) fn handler_started(&self) {
        self.handlers_running.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn handler_done(&self) {
        self.handlers_running.fetch_sub(1, Ordering::AcqRel);
        self.driver_waker.wake();
    }

    pub(crate) fn running_handlers(&self) -> usize {
        self.handlers_running.load(Ordering::Acquire)
    }
}
