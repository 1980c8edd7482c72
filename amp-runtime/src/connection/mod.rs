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

mod close;
mod config;
#[allow(clippy::module_inception)] // the module is named after its main type, as is the folder
mod connection;
mod context;
mod driver;
mod peer;
mod reply;
mod responder;
mod shared;
mod switch;
mod tags;
mod tls;
mod transport;
pub(crate) mod typed;
mod unix_fd;

pub use close::CloseReason;
pub use config::ConnectionConfig;
pub use connection::{Connection, ConnectionBuilder};
pub use context::{Context, PeerAddr};
pub use peer::{Peer, RawAnswer};
pub use responder::{BoxFuture, ErrorReply, NoResponder, Reply, Responder};
pub use switch::{PendingSwitch, SwitchAbandoned, SwitchedStream};
pub use tls::{rustls, StartTlsError, TlsRole, START_TLS_COMMAND};
pub use transport::AsyncIo;
