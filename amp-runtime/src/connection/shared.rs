//! State shared by a connection's task, its [`Peer`](super::Peer) handles and
//! its handler tasks.

use std::collections::{HashMap, VecDeque};
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use futures::task::AtomicWaker;
use tokio::sync::{mpsc, oneshot, watch};

use super::close::CloseReason;
use super::config::ConnectionConfig;
use super::context::{PeerAddr, StateMap};
use super::switch::SwitchedStream;
use super::tags::TagHash;
use super::tls::{TlsRole, TlsState};
use crate::command::{CallError, NoError, RemoteError};
use crate::wire::{AmpBox, EncodeError, BY_REFERENCE};

/// Locks a std mutex, ignoring poisoning: the data under these locks stays
/// consistent even if a holder panicked (every update is a single step).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the connection writes for one [`Outgoing`].
pub(crate) enum Frame {
    /// Nothing: only the action matters.
    Empty,
    /// Bytes as they are: a serialized box, or a reply to a peer that does
    /// not speak AMP.
    Raw(Bytes),
    /// A box, already checked with [`AmpBox::validate`]. The connection
    /// serializes it straight into its write buffer, large values by
    /// reference.
    Box(AmpBox),
}

impl Frame {
    /// The frame for a box, checked against AMP's limits. A box holding a
    /// value the connection writes by reference goes whole. Any other is
    /// serialized here, in the task that built it: its parts are then freed
    /// where they were allocated (a free from another thread costs more), and
    /// the connection's task, which every call goes through, does less.
    pub(crate) fn of_box(b: AmpBox) -> Result<Frame, EncodeError> {
        if b.iter().any(|(_, v)| v.len() >= BY_REFERENCE) {
            b.validate()?;
            Ok(Frame::Box(b))
        } else {
            Ok(Frame::Raw(b.serialize()?))
        }
    }
}

/// One box (or raw bytes) for the connection to write.
pub(crate) struct Outgoing {
    pub(crate) frame: Frame,
    /// Descriptors to pass with the first byte (Unix sockets only).
    pub(crate) fds: Vec<OwnedFd>,
    /// What to do once the bytes are written.
    pub(crate) after: After,
}

impl Outgoing {
    /// A checked box with nothing to do after it.
    pub(crate) fn boxed(b: AmpBox) -> Self {
        Outgoing { frame: Frame::Box(b), fds: Vec::new(), after: After::Nothing }
    }

    /// Just an action, once everything before it is written.
    pub(crate) fn action(after: After) -> Self {
        Outgoing { frame: Frame::Empty, fds: Vec::new(), after }
    }

    /// Bytes the frame takes on the wire (at most; exact for boxes built
    /// with `insert`). The same on every call, for queue accounting.
    pub(crate) fn len(&self) -> usize {
        match &self.frame {
            Frame::Empty => 0,
            Frame::Raw(bytes) => bytes.len(),
            Frame::Box(b) => b.stored_len(),
        }
    }
}

/// What the connection does once a box is written.
pub(crate) enum After {
    Nothing,
    /// The box is a StartTLS or switch call: write nothing more until its
    /// answer comes (Twisted buffers the same way).
    PauseWrites,
    /// Close the connection (fatal error, undeclared failure, non-AMP reply).
    Close(CloseReason),
    /// The box answers a StartTLS: run the handshake in `role`.
    UpgradeTls(TlsRole),
    /// The box answers a protocol switch: hand the stream over.
    Switch(oneshot::Sender<SwitchedStream>),
    /// Someone waits until everything up to here is written.
    Flushed(oneshot::Sender<()>),
}

/// An answer (or error answer) to one of this side's calls.
pub(crate) struct Received {
    /// `Ok(answer box)` or `Err(error answer)`.
    pub(crate) outcome: Result<AmpBox, RemoteError>,
    /// Descriptors that arrived with the box, in receive order.
    pub(crate) fds: VecDeque<OwnedFd>,
    /// Receive ordinal of `fds[0]`.
    pub(crate) fd_base: u64,
    /// For a protocol switch, the stream.
    pub(crate) switched: Option<SwitchedStream>,
}

pub(crate) type Delivery = Result<Received, CloseReason>;

/// What kind of call awaits an answer.
pub(crate) enum CallKind {
    Plain,
    StartTls(TlsRole),
    Switch,
}

pub(crate) struct PendingCall {
    pub(crate) tx: oneshot::Sender<Delivery>,
    pub(crate) kind: CallKind,
}

/// The table of calls awaiting answers.
#[derive(Default)]
pub(crate) struct Calls {
    /// The last tag number used (Twisted's `_counter`).
    pub(crate) last_tag: u64,
    pub(crate) pending: HashMap<u64, PendingCall, TagHash>,
    /// Set once the connection has ended.
    pub(crate) closed: Option<CloseReason>,
    /// Set when no new calls are accepted (closing, draining, peer gone).
    pub(crate) refusing: Option<String>,
}

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
    /// Ordinal of the next descriptor sent; held locked from encoding a box
    /// with descriptors until it is queued, so ordinals follow wire order.
    pub(crate) fd_send: Arc<tokio::sync::Mutex<u64>>,
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
        state: StateMap,
        fds_supported: bool,
    ) -> (Arc<Shared>, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(config.send_queue_depth);
        let shared = Shared {
            id: NEXT_CONNECTION_ID.fetch_add(1, Ordering::Relaxed),
            addr,
            config,
            tx,
            calls: Mutex::default(),
            state,
            fd_send: Arc::new(tokio::sync::Mutex::new(0)),
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
        let calls = lock(&self.calls);
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
            drop(calls);
            return Err(self.lost());
        }
        Ok(())
    }

    /// Takes the next tag and, for a call awaiting an answer, registers it.
    pub(crate) fn register(
        &self,
        awaiting: Option<CallKind>,
    ) -> Result<(u64, Option<oneshot::Receiver<Delivery>>), CallError<NoError>> {
        let mut calls = lock(&self.calls);
        if calls.closed.is_some() || calls.refusing.is_some() {
            drop(calls);
            return Err(self.lost());
        }
        let Some(kind) = awaiting else {
            // A send without an answer uses up a tag too, as in Twisted.
            calls.last_tag += 1;
            return Ok((calls.last_tag, None));
        };
        if calls.pending.len() >= self.config.max_outstanding_calls {
            return Err(CallError::TooManyOutstanding { limit: self.config.max_outstanding_calls });
        }
        calls.last_tag += 1;
        let tag = calls.last_tag;
        let (tx, rx) = oneshot::channel();
        calls.pending.insert(tag, PendingCall { tx, kind });
        Ok((tag, Some(rx)))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_values_go_whole_small_boxes_serialized_bad_ones_refused() {
        let mut small = AmpBox::new();
        small.insert("b", "2");
        small.insert("a", "1");
        let expected = small.serialize().unwrap();
        assert!(matches!(Frame::of_box(small), Ok(Frame::Raw(bytes)) if bytes == expected));

        let value = Bytes::from(vec![b'x'; BY_REFERENCE]);
        let mut big = AmpBox::new();
        big.insert("value", value.clone());
        match Frame::of_box(big) {
            // The value is still the caller's buffer: nothing was copied.
            Ok(Frame::Box(b)) => assert_eq!(b.get("value").unwrap().as_ptr(), value.as_ptr()),
            _ => panic!("a box with a large value goes whole"),
        }

        for bad in [AmpBox::from_pairs(vec![(Bytes::new(), Bytes::new())]), {
            let mut b = AmpBox::new();
            b.insert("v", vec![0u8; crate::wire::MAX_VALUE_LEN + 1]);
            b
        }] {
            assert!(Frame::of_box(bad).is_err());
        }
    }
}
