//! Sending to the Portal, in order, with heavy payloads compressed off the
//! async executor.
//!
//! Every message the game sends goes through one queue served by one task:
//! it pickles and compresses each payload (on the blocking pool and several
//! cores when large, see [`PackedDataCodec`]), then starts the AMP call and moves on
//! without waiting for the Portal's answer (up to a cap of calls awaiting
//! answers). Boxes therefore reach the Portal in the order they were queued,
//! even when a large payload is followed by a small one.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use amp_runtime::{CallError, CommandError, Peer};
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use tokio::sync::{mpsc, oneshot};

use super::flow::Flow;
use crate::commands::packed_data::PackedDataCodec;
use crate::commands::slices::{
    AdminServer2PortalSlices, AdminServer2PortalSlicesArguments, MsgServer2PortalSlices,
    MsgServer2PortalSlicesArguments,
};
use crate::payload::admin::AdminFromServer;
use crate::payload::message::Message;
use crate::payload::operation::Operation;
use crate::payload::SessId;
use crate::role::start_now::{start_now, Started};

/// Why a message did not reach the Portal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// No connection to the Portal at the time (it is being (re)made).
    #[error("not connected to the Portal")]
    NotConnected,
    /// The Server has stopped.
    #[error("the server has stopped")]
    Stopped,
    /// This Server never sends the operation: SRELOAD, SRESET and SSTART
    /// make a stock Portal start Evennia's own Python Server.
    #[error("{0} is never sent: it would make the Portal start Evennia's Python Server")]
    Forbidden(Operation),
    /// The payload could not be pickled or compressed.
    #[error("cannot encode the message: {0}")]
    Encode(String),
    /// The Portal answered with an error.
    #[error("the Portal answered {code}: {description}")]
    Remote {
        /// The error code (`EXCEPTION`, ...).
        code: String,
        /// Its description.
        description: String,
    },
    /// The connection was lost before the Portal answered (or timed out).
    #[error("no answer from the Portal: {0}")]
    Lost(String),
}

impl<E: CommandError> From<CallError<E>> for SendError {
    fn from(e: CallError<E>) -> Self {
        match e {
            CallError::Declared(d) => {
                SendError::Remote { code: d.code().to_owned(), description: d.description().to_owned() }
            }
            CallError::Unhandled { description } => SendError::Remote { code: "UNHANDLED".into(), description },
            CallError::Unknown { description } => SendError::Remote { code: "UNKNOWN".into(), description },
            CallError::Undeclared(r) => SendError::Remote {
                code: String::from_utf8_lossy(r.code.as_bytes()).into_owned(),
                description: r.description,
            },
            CallError::Encode(e) => SendError::Encode(e.to_string()),
            other => SendError::Lost(other.to_string()),
        }
    }
}

/// Resolves once the Portal has answered a sent message (or the send
/// failed). Dropping it does not cancel the message.
///
/// Awaiting receipts is seldom needed (messages keep their order without
/// it), but it is safe anywhere, the task that reads the
/// [`ServerEvent`](super::ServerEvent)s included: while a message awaits
/// the Portal's answer the Server keeps reading from the Portal, even when
/// the game is behind, and drops players' input past its buffers rather
/// than stall (see [`ServerBuilder::event_capacity`](super::ServerBuilder::event_capacity)).
/// A Portal that does not answer at all makes the wait end at the call
/// timeout (60 s by default) with [`SendError::Lost`].
#[derive(Debug)]
#[must_use = "a Receipt only reports the outcome; the message is sent either way"]
pub struct Receipt {
    rx: oneshot::Receiver<Result<(), SendError>>,
}

impl Future for Receipt {
    type Output = Result<(), SendError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx).poll(cx).map(|r| r.unwrap_or(Err(SendError::Stopped)))
    }
}

/// What to send.
pub(crate) enum Payload {
    Msg(SessId, Message),
    Admin(AdminFromServer),
}

struct Job {
    payload: Payload,
    done: oneshot::Sender<Result<(), SendError>>,
}

/// The queue to the sender task, and the connection it sends on.
#[derive(Clone)]
pub(crate) struct Outbox {
    tx: mpsc::Sender<Job>,
    peer: Arc<Mutex<Option<Peer>>>,
    closed: Arc<AtomicBool>,
}

impl Outbox {
    /// A queue of `depth` messages and its sender task, with at most
    /// `max_in_flight` calls awaiting answers.
    pub(crate) fn spawn(depth: usize, max_in_flight: usize, codec: PackedDataCodec, flow: Flow) -> Outbox {
        let (tx, rx) = mpsc::channel(depth.max(1));
        let peer = Arc::new(Mutex::new(None));
        tokio::spawn(run(rx, peer.clone(), codec, max_in_flight.max(1), flow));
        Outbox { tx, peer, closed: Arc::new(AtomicBool::new(false)) }
    }

    /// Queues a payload (waiting for room) and returns its receipt.
    pub(crate) async fn send(&self, payload: Payload) -> Result<Receipt, SendError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(SendError::Stopped);
        }
        let (done, rx) = oneshot::channel();
        self.tx.send(Job { payload, done }).await.map_err(|_| SendError::Stopped)?;
        Ok(Receipt { rx })
    }

    /// Sends on `peer` from now on.
    pub(crate) fn attach(&self, peer: Peer) {
        *lock(&self.peer) = Some(peer);
    }

    /// Stops sending on `peer` (if it is still the current connection).
    pub(crate) fn detach(&self, peer: &Peer) {
        let mut current = lock(&self.peer);
        if current.as_ref().is_some_and(|p| p.same_connection(peer)) {
            *current = None;
        }
    }

    /// Stops sending for good: later sends fail with [`SendError::Stopped`].
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        *lock(&self.peer) = None;
    }

    /// The current connection.
    pub(crate) fn peer(&self) -> Option<Peer> {
        lock(&self.peer).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn run(
    mut rx: mpsc::Receiver<Job>,
    peer: Arc<Mutex<Option<Peer>>>,
    codec: PackedDataCodec,
    max_in_flight: usize,
    flow: Flow,
) {
    let mut in_flight = FuturesUnordered::new();
    loop {
        tokio::select! {
            biased;
            Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
            job = rx.recv(), if in_flight.len() < max_in_flight => {
                let Some(job) = job else { break };
                if let Some(waiting) = start(job, &peer, &codec, &flow).await {
                    in_flight.push(waiting);
                }
            }
        }
    }
    // The queue is closed: let the calls already made finish.
    while in_flight.next().await.is_some() {}
}

type Waiting = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Encodes a job and starts its call; returns what is left to await.
async fn start(job: Job, peer: &Mutex<Option<Peer>>, codec: &PackedDataCodec, flow: &Flow) -> Option<Waiting> {
    let Job { payload, done } = job;
    let (envelope, size_hint) = match &payload {
        Payload::Msg(sessid, message) => (message.to_envelope(*sessid), message.approx_len(codec.blocking_from)),
        Payload::Admin(admin) => {
            if let Some(op) = admin.operation().filter(|_| admin.starts_evennia_server()) {
                let _ = done.send(Err(SendError::Forbidden(op)));
                return None;
            }
            // Admin payloads are small, except SSYNC with many sessions
            // (about 500 bytes of pickle each).
            let hint = match admin {
                AdminFromServer::Ssync { sessions, .. } => sessions.len() * 512,
                _ => 0,
            };
            (admin.to_envelope(), hint)
        }
    };
    if lock(peer).is_none() {
        let _ = done.send(Err(SendError::NotConnected));
        return None;
    }
    let slices = match codec.encode(envelope, size_hint).await {
        Ok(slices) => slices,
        Err(e) => {
            let _ = done.send(Err(SendError::Encode(e.to_string())));
            return None;
        }
    };
    // Read the connection again: it may have changed while compressing.
    let Some(peer) = lock(peer).clone() else {
        let _ = done.send(Err(SendError::NotConnected));
        return None;
    };
    // Counted until answered: the Server keeps reading meanwhile (see `flow`).
    let awaiting = flow.awaiting();
    let call: Pin<Box<dyn Future<Output = Result<(), SendError>> + Send>> = match payload {
        Payload::Msg(..) => Box::pin(async move {
            let _awaiting = awaiting;
            peer.call::<MsgServer2PortalSlices>(MsgServer2PortalSlicesArguments { packed_data: slices }).await?;
            Ok(())
        }),
        Payload::Admin(_) => Box::pin(async move {
            let _awaiting = awaiting;
            peer.call::<AdminServer2PortalSlices>(AdminServer2PortalSlicesArguments { packed_data: slices }).await?;
            Ok(())
        }),
    };
    match start_now(call) {
        Started::Done(result) => {
            let _ = done.send(result);
            None
        }
        running => Some(Box::pin(async move {
            let _ = done.send(running.finish().await);
        })),
    }
}
