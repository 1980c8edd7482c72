//! Clients: connect to an AMP server over TCP or a Unix socket, once or with
//! automatic reconnection ([`ReconnectingClient`], Evennia's backoff).
//!
//! A client connection answers calls too: pass a [`Responder`] (or
//! [`NoResponder`](crate::NoResponder) for a connection that only calls).

mod backoff;
mod reconnect;

pub use backoff::{Backoff, ReconnectConfig};
pub use reconnect::{ClientState, HookError, ReconnectingClient, ReconnectingClientBuilder, Target};

use std::io;
use std::path::Path;

use tokio::net::ToSocketAddrs;

use crate::connection::{Connection, ConnectionBuilder, ConnectionConfig, Responder};

/// Connects to a TCP address and starts the connection.
pub async fn connect_tcp<R: Responder>(
    addr: impl ToSocketAddrs,
    responder: R,
    config: ConnectionConfig,
) -> io::Result<Connection> {
    ConnectionBuilder::new().config(config).connect_tcp(addr, responder).await
}

/// Connects to a Unix socket and starts the connection (descriptor passing on).
pub async fn connect_unix<R: Responder>(
    path: impl AsRef<Path>,
    responder: R,
    config: ConnectionConfig,
) -> io::Result<Connection> {
    ConnectionBuilder::new().config(config).connect_unix(path, responder).await
}
