//! Servers: accept AMP connections on TCP or Unix sockets.
//!
//! Every connection gets its own state (see [`Context`]) and shares one
//! [`Responder`]. New connections never drop old ones; the
//! [`ServerHandle`] lists them and can broadcast a command to all of them,
//! as Evennia's `AMPMultiConnectionProtocol` does.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use amp_runtime::server::Server;
//! use amp_runtime::{ConnectionConfig, Router};
//! // A peer whose first byte is not NUL (not AMP) gets this text, then is closed.
//! let config = ConnectionConfig::default().with_non_amp_reply(&b"this port speaks AMP\n"[..]);
//! let server = Server::builder().config(config).bind_tcp("127.0.0.1:0", Router::new()).await?;
//! println!("listening on {}", server.local_addr());
//! server.shutdown(std::time::Duration::from_secs(5)).await;
//! # Ok(()) }
//! ```

mod handle;

pub use handle::{ConnectionInfo, ListenAddr, ServerHandle};

use std::future::Future;
use std::io;
use std::path::Path;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpSocket, ToSocketAddrs, UnixListener};

use crate::connection::{BoxFuture, ConnectionConfig, Context, Peer, Responder};

/// The address servers bind by default: loopback only.
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// The default TCP listen queue: connections the kernel completes before
/// the server accepts them. std's 128 overflows when many clients connect at
/// once, and an overflowed client may think it is connected while the
/// server never sees it.
pub const DEFAULT_BACKLOG: u32 = 1024;

type Init = Arc<dyn Fn(&Context) + Send + Sync>;
type OnConnect = Arc<dyn Fn(Peer) -> BoxFuture<'static, ()> + Send + Sync>;

/// Starts servers; see [`ServerBuilder`] for the options.
#[derive(Debug, Clone, Copy)]
pub struct Server;

impl Server {
    /// A builder with the default connection configuration.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Listens on a TCP address (`"127.0.0.1:4006"`, port 0 for any free one).
    pub async fn bind_tcp<R: Responder>(
        addr: impl ToSocketAddrs,
        responder: R,
        config: ConnectionConfig,
    ) -> io::Result<ServerHandle> {
        Server::builder().config(config).bind_tcp(addr, responder).await
    }

    /// Listens on `127.0.0.1:port` (0 for any free port).
    pub async fn bind_local<R: Responder>(
        port: u16,
        responder: R,
        config: ConnectionConfig,
    ) -> io::Result<ServerHandle> {
        Server::builder().config(config).bind_tcp((DEFAULT_HOST, port), responder).await
    }

    /// Listens on a Unix socket path (removed again at shutdown).
    pub async fn bind_unix<R: Responder>(
        path: impl AsRef<Path>,
        responder: R,
        config: ConnectionConfig,
    ) -> io::Result<ServerHandle> {
        Server::builder().config(config).bind_unix(path, responder)
    }
}

/// Options of a server: the configuration of its connections, a state
/// initializer and a hook run for each new connection.
#[derive(Clone)]
pub struct ServerBuilder {
    config: ConnectionConfig,
    backlog: u32,
    init: Option<Init>,
    on_connect: Option<OnConnect>,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        ServerBuilder { config: ConnectionConfig::default(), backlog: DEFAULT_BACKLOG, init: None, on_connect: None }
    }
}

impl std::fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("config", &self.config)
            .field("backlog", &self.backlog)
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    /// Sets the configuration of every connection.
    pub fn config(mut self, config: ConnectionConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the TCP listen queue length ([`DEFAULT_BACKLOG`] by default; the
    /// kernel caps it at `net.core.somaxconn`). Used by
    /// [`bind_tcp`](ServerBuilder::bind_tcp).
    pub fn backlog(mut self, backlog: u32) -> Self {
        self.backlog = backlog;
        self
    }

    /// Runs `init` on each new connection's context before it reads
    /// anything: the place to set per-connection state.
    pub fn init(mut self, init: impl Fn(&Context) + Send + Sync + 'static) -> Self {
        self.init = Some(Arc::new(init));
        self
    }

    /// Runs `hook` (in its own task) for each new connection, once it is
    /// listed in the handle.
    pub fn on_connect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Peer) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_connect = Some(Arc::new(move |peer| Box::pin(hook(peer))));
        self
    }

    /// Binds a TCP address (the first of its resolved addresses that binds)
    /// with the builder's listen queue, and serves it.
    pub async fn bind_tcp<R: Responder>(self, addr: impl ToSocketAddrs, responder: R) -> io::Result<ServerHandle> {
        let listener = listen_tcp(addr, self.backlog).await?;
        self.serve_tcp(listener, responder)
    }

    /// Binds a Unix socket path and serves it. The path must not exist.
    pub fn bind_unix<R: Responder>(self, path: impl AsRef<Path>, responder: R) -> io::Result<ServerHandle> {
        let listener = UnixListener::bind(path.as_ref())?;
        Ok(handle::serve(self, handle::Listener::Unix(listener, path.as_ref().to_path_buf()), Arc::new(responder)))
    }

    /// Serves a bound TCP listener.
    pub fn serve_tcp<R: Responder>(self, listener: TcpListener, responder: R) -> io::Result<ServerHandle> {
        Ok(handle::serve(self, handle::Listener::Tcp(listener), Arc::new(responder)))
    }

    /// Serves a bound Unix listener (its path is left in place at shutdown).
    pub fn serve_unix<R: Responder>(self, listener: UnixListener, responder: R) -> ServerHandle {
        handle::serve(self, handle::Listener::UnixUnowned(listener), Arc::new(responder))
    }
}

/// Binds and listens like `TcpListener::bind`, with a chosen listen queue.
async fn listen_tcp(addr: impl ToSocketAddrs, backlog: u32) -> io::Result<TcpListener> {
    let mut last_error = None;
    for addr in tokio::net::lookup_host(addr).await? {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
        // As std does for listeners: a restarted server can bind at once.
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(backlog)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the address resolved to no socket address")))
}
