//! [`Context`]: what a handler gets with each call.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::addr::PeerAddr;
use super::lock::lock;
use super::peer::Peer;
use super::state::StateMap;
use super::switch::{PendingSwitch, SwitchedStream};
use crate::types::ArgContext;
use crate::wire::{AmpBox, EncodeError};

/// Re-encodes an answer whose fields hold descriptors, once the connection
/// has fixed their ordinals.
pub(crate) type ReplyEncoder = Box<dyn FnOnce(&mut ArgContext) -> Result<AmpBox, EncodeError> + Send>;

/// What belongs to one received call (not to the connection).
#[derive(Default)]
struct CallSlot {
    /// Descriptors that arrived with the call's box and the receive ordinal
    /// of the first.
    received: Mutex<(VecDeque<OwnedFd>, u64)>,
    reply_encoder: Mutex<Option<ReplyEncoder>>,
    switch: Mutex<Option<oneshot::Sender<SwitchedStream>>>,
}

/// What a handler gets with each call: the connection it came on.
///
/// Cloning is cheap. The per-connection state is a type map shared by every
/// call of the connection (and by [`Peer::context`]); set it up with
/// [`ConnectionBuilder::init`](crate::connection::ConnectionBuilder::init)
/// so it is there before the first call runs.
#[derive(Clone)]
pub struct Context {
    peer: Peer,
    addr: PeerAddr,
    state: StateMap,
    call: Arc<CallSlot>,
}

impl Context {
    /// The context of a connection.
    pub fn new(peer: Peer, addr: PeerAddr) -> Self {
        Context::with_state(peer, addr, StateMap::default())
    }

    fn with_state(peer: Peer, addr: PeerAddr, state: StateMap) -> Self {
        Context { peer, addr, state, call: Arc::default() }
    }

    /// A context with no connection behind it (calls through its peer fail
    /// with a connection-lost error): for calling handlers directly.
    pub fn detached() -> Self {
        Context::new(Peer::detached(), PeerAddr::Other)
    }

    /// The context of one received call: the connection's, plus the
    /// descriptors that came with the call's box.
    #[inline]
    pub(crate) fn for_call(&self, fds: VecDeque<OwnedFd>, fd_base: u64) -> Self {
        let call = CallSlot { received: Mutex::new((fds, fd_base)), ..CallSlot::default() };
        Context { peer: self.peer.clone(), addr: self.addr.clone(), state: self.state.clone(), call: Arc::new(call) }
    }

    /// A handle to call the peer on the same connection.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> &PeerAddr {
        &self.addr
    }

    /// The connection's state of type `T`, if set.
    pub fn state<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.state.get::<T>()
    }

    /// The connection's state of type `T`, set to `init()` on first use.
    pub fn state_or_insert_with<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        self.state.get_or_insert_with(init)
    }

    /// Sets the connection's state of type `T`, returning the previous value.
    pub fn set_state<T: Any + Send + Sync>(&self, value: T) -> Option<Arc<T>> {
        self.state.set(value)
    }

    /// Takes the file descriptors that came with this call's box (Unix
    /// sockets only) and that no `Descriptor` argument claimed: for handlers
    /// working on raw boxes. Receive order; empty for most calls.
    pub fn take_fds(&self) -> Vec<OwnedFd> {
        std::mem::take(&mut lock(&self.call.received).0).into()
    }

    /// Switches the connection to another protocol once this call's
    /// successful answer is written (the responder side of Twisted's
    /// `ProtocolSwitchCommand`). The returned future gives the raw stream
    /// then; it fails if the handler answers an error or the call carried no
    /// `_ask`. Await it outside the handler (spawn a task), since the answer
    /// is written only after the handler returns.
    pub fn switch_protocol_after_answer(&self) -> PendingSwitch {
        let (tx, rx) = oneshot::channel();
        *lock(&self.call.switch) = Some(tx);
        PendingSwitch { rx }
    }

    /// The argument context for decoding this call's box: the descriptors
    /// that came with it (taken out of the call), `next_fd_ordinal` set to the
    /// receive ordinal of the first.
    pub(crate) fn decode_context(&self) -> ArgContext {
        let (fds, base) = std::mem::take(&mut *lock(&self.call.received));
        ArgContext { fds_in: fds, next_fd_ordinal: base, ..ArgContext::default() }
    }

    /// Gives back descriptors a decode did not claim (for [`take_fds`](Self::take_fds)).
    pub(crate) fn restore_fds(&self, acx: ArgContext) {
        let mut received = lock(&self.call.received);
        if received.0.is_empty() {
            *received = (acx.fds_in, acx.next_fd_ordinal);
        }
    }

    pub(crate) fn set_reply_encoder(&self, encoder: ReplyEncoder) {
        *lock(&self.call.reply_encoder) = Some(encoder);
    }

    pub(crate) fn take_reply_encoder(&self) -> Option<ReplyEncoder> {
        lock(&self.call.reply_encoder).take()
    }

    pub(crate) fn take_switch(&self) -> Option<oneshot::Sender<SwitchedStream>> {
        lock(&self.call.switch).take()
    }
}

// Written here, not in `peer.rs`: a `Context` holds a `Peer`, so the
// handle's module stays below this one.
impl Peer {
    /// The connection's context: its address and per-connection state (the
    /// same state handlers see).
    pub fn context(&self) -> Context {
        match self.shared() {
            Some(s) => Context::with_state(self.clone(), s.addr.clone(), s.state.clone()),
            None => Context::detached(),
        }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context").field("peer_addr", &self.addr).finish_non_exhaustive()
    }
}
