//! Connections: sending calls, answering them, and the handles handlers get.
//!
//! A [`Connection`] runs AMP over any tokio stream. Its [`Peer`] handle makes
//! calls; its [`Responder`] answers the peer's. What is answered, and when the
//! connection closes, follows Twisted's `amp.AMP`, with these deliberate
//! differences:
//!
//! - A failure for a box **without `_ask`** (a `requiresAnswer=False` call:
//!   unknown command, bad arguments, a handler error) is logged and the
//!   connection kept; Twisted drops the connection. A declared *fatal* error
//!   still closes it.
//! - An `_answer` or `_error` with an unknown tag is logged (`warn`) and
//!   dropped; the connection keeps working (Twisted drops the connection;
//!   Evennia goes deaf, see its issue 2053).
//! - After an undeclared failure (`UNKNOWN`), the connection closes as in
//!   Twisted unless [`ConnectionConfig::keep_connection_on_undeclared_failure`] is set.
//! - Received boxes are capped ([`Limits`](crate::wire::Limits)).
//! - A handler that panics is answered `UNKNOWN` like an undeclared failure.
//! - After the peer's end of input, handlers still running may finish and
//!   answer for [`ConnectionConfig::eof_grace`] (the peer may have shut down
//!   only its sending side); Twisted closes at once (a zero grace).
//!
//! # The files, lowest layer first
//!
//! Each uses only files above it in this list.
//!
//! - leaves: `lock` (std mutexes), `addr` ([`PeerAddr`]), `close`
//!   ([`CloseReason`]), `tags` (Twisted's hex tags), `unix_fd` (`SCM_RIGHTS`);
//! - the stream: `transport` (what a connection runs on), `switch`
//!   ([`SwitchedStream`]), `tls` ([`TlsRole`], the handshake), `config`;
//! - shared state: `state` (the per-connection type map), `outgoing` (what
//!   the send queue carries), `calls` (calls awaiting answers), `fd_order`
//!   (descriptor ordinals in wire order), `shared` (what the task, the handles
//!   and the handler tasks share);
//! - this side's calls: `request` (encode, tag, queue, wait), `peer` ([`Peer`],
//!   the public handle);
//! - the peer's calls: `context` ([`Context`], what a handler gets),
//!   `responder` ([`Responder`], [`Reply`]), `typed` (decoding a typed
//!   command's arguments, encoding its outcome), `reply` (a [`Reply`] turned
//!   into Twisted's answer box);
//! - `driver/`: the task that owns the stream (see its module docs);
//! - `connection`: [`Connection`] and [`ConnectionBuilder`], which start it.

mod addr;
mod calls;
mod close;
mod config;
#[allow(clippy::module_inception)] // the module is named after its main type, as is the folder
mod connection;
mod context;
mod driver;
mod fd_order;
mod lock;
mod outgoing;
mod peer;
mod reply;
mod request;
mod responder;
mod shared;
mod state;
mod switch;
mod tags;
mod tls;
mod transport;
pub(crate) mod typed;
mod unix_fd;

pub use addr::PeerAddr;
pub use close::CloseReason;
pub use config::ConnectionConfig;
pub use connection::{Connection, ConnectionBuilder};
pub use context::Context;
pub use peer::{Peer, RawAnswer};
pub use responder::{BoxFuture, ErrorReply, NoResponder, Reply, Responder};
pub use switch::{PendingSwitch, SwitchAbandoned, SwitchedStream};
pub use tls::{rustls, StartTlsError, TlsRole, START_TLS_COMMAND};
pub use transport::AsyncIo;
