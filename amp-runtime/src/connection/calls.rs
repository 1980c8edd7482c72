//! The table of this side's calls awaiting answers, and what an answer
//! brings back.

use std::collections::{HashMap, VecDeque};
use std::os::fd::OwnedFd;

use tokio::sync::oneshot;

use super::close::CloseReason;
use super::switch::SwitchedStream;
use super::tags::TagHash;
use super::tls::TlsRole;
use crate::command::RemoteError;
use crate::types::ArgContext;
use crate::wire::AmpBox;

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

impl Received {
    /// The argument context for decoding the answer: its descriptors (taken
    /// out), `next_fd_ordinal` the receive ordinal of the first.
    pub(crate) fn take_arg_context(&mut self) -> ArgContext {
        ArgContext { fds_in: std::mem::take(&mut self.fds), next_fd_ordinal: self.fd_base, ..ArgContext::default() }
    }
}

/// What a caller gets: the answer, or why the connection ended first.
pub(crate) type Delivery = Result<Received, CloseReason>;

/// What kind of call awaits an answer.
pub(crate) enum CallKind {
    Plain,
    StartTls(TlsRole),
    Switch,
}

/// A call awaiting its answer.
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
