//! Connections: sending calls, answering them, and the handles handlers get.

mod context;
mod peer;
mod responder;

pub use context::{Context, PeerAddr};
pub use peer::Peer;
pub use responder::{BoxFuture, ErrorReply, NoResponder, Reply, Responder};
