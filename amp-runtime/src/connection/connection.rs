//! [`Connection`]: an AMP connection over a byte stream, and its builder.

use std::io;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, ToSocketAddrs, UnixStream};
use tracing::Instrument;

use super::addr::PeerAddr;
use super::close::CloseReason;
use super::config::ConnectionConfig;
use super::context::Context;
use super::driver::Driver;
use super::peer::Peer;
use super::responder::Responder;
use super::shared::Shared;
use super::transport::Transport;

/// A running AMP connection: a task reading and writing the stream, answering
/// the peer's calls with a [`Responder`], and a [`Peer`] handle (also
/// reachable through `Deref`) to call the peer.
///
/// The connection runs until either side closes it; dropping this value does
/// not close it (call [`Peer::close`]).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use amp_runtime::connection::{Connection, ConnectionConfig};
/// use amp_runtime::NoResponder;
/// let stream = tokio::net::TcpStream::connect("127.0.0.1:4006").await?;
/// let conn = Connection::tcp(stream, NoResponder, ConnectionConfig::default());
/// let answer = conn.call_raw("Echo", [("text", "hi")].into_iter().collect()).await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Connection {
    peer: Peer,
}

impl Connection {
    /// Runs AMP over any stream (`tokio::io::duplex`, a TLS stream, ...).
    /// Must be called inside a tokio runtime.
    pub fn new<T, R>(io: T, responder: R, config: ConnectionConfig) -> Connection
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
        R: Responder,
    {
        ConnectionBuilder::new().config(config).spawn(io, responder)
    }

    /// Runs AMP over a TCP stream (sets `TCP_NODELAY` as configured; the
    /// peer address is recorded).
    pub fn tcp<R: Responder>(stream: TcpStream, responder: R, config: ConnectionConfig) -> Connection {
        ConnectionBuilder::new().config(config).spawn_tcp(stream, responder)
    }

    /// Runs AMP over a Unix socket, with file descriptor passing.
    pub fn unix<R: Responder>(stream: UnixStream, responder: R, config: ConnectionConfig) -> Connection {
        ConnectionBuilder::new().config(config).spawn_unix(stream, responder)
    }

    /// A builder, to set the peer address or per-connection state first.
    pub fn builder() -> ConnectionBuilder {
        ConnectionBuilder::new()
    }

    /// The handle to call the peer.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// The handle to call the peer.
    pub fn into_peer(self) -> Peer {
        self.peer
    }

    /// Waits until the connection has ended and says why.
    pub async fn closed(&self) -> CloseReason {
        self.peer.closed().await
    }
}

impl Deref for Connection {
    type Target = Peer;

    fn deref(&self) -> &Peer {
        &self.peer
    }
}

/// Sets up the state of a new connection.
type Init = Box<dyn FnOnce(&Context) + Send>;

/// Builds a [`Connection`]: configuration, peer address and an initializer
/// for the per-connection state, run before the first box is read.
pub struct ConnectionBuilder {
    config: ConnectionConfig,
    addr: Option<PeerAddr>,
    init: Option<Init>,
}

impl Default for ConnectionBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ConnectionBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionBuilder")
            .field("config", &self.config)
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ConnectionBuilder {
    /// A builder with the default configuration.
    pub fn new() -> Self {
        ConnectionBuilder { config: ConnectionConfig::default(), addr: None, init: None }
    }

    /// Sets the configuration.
    pub fn config(mut self, config: ConnectionConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the peer address handlers see (found by itself for TCP and Unix).
    pub fn peer_addr(mut self, addr: PeerAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// Runs `init` on the connection's context before anything is read:
    /// the place to set per-connection state.
    pub fn init(mut self, init: impl FnOnce(&Context) + Send + 'static) -> Self {
        self.init = Some(Box::new(init));
        self
    }

    /// Starts the connection over any stream.
    pub fn spawn<T, R>(self, io: T, responder: R) -> Connection
    where
        T: AsyncRead + AsyncWrite + Send + Unpin + 'static,
        R: Responder,
    {
        self.start(Transport::Stream(Box::new(io)), PeerAddr::Other, Arc::new(responder))
    }

    /// Starts the connection over a TCP stream.
    pub fn spawn_tcp<R: Responder>(self, stream: TcpStream, responder: R) -> Connection {
        self.start_tcp(stream, Arc::new(responder))
    }

    /// Starts the connection over a Unix socket (descriptor passing on).
    pub fn spawn_unix<R: Responder>(self, stream: UnixStream, responder: R) -> Connection {
        self.start_unix(stream, Arc::new(responder))
    }

    /// Connects to a TCP address and starts the connection.
    pub async fn connect_tcp<R: Responder>(self, addr: impl ToSocketAddrs, responder: R) -> io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        Ok(self.start_tcp(stream, Arc::new(responder)))
    }

    /// Connects to a Unix socket path and starts the connection.
    pub async fn connect_unix<R: Responder>(self, path: impl AsRef<Path>, responder: R) -> io::Result<Connection> {
        let stream = UnixStream::connect(path.as_ref()).await?;
        let addr = PeerAddr::Unix(Some(path.as_ref().to_path_buf()));
        Ok(self.start(Transport::Unix(stream), addr, Arc::new(responder)))
    }

    pub(crate) fn start_tcp(self, stream: TcpStream, responder: Arc<dyn Responder>) -> Connection {
        if let Err(e) = stream.set_nodelay(self.config.nodelay) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let addr = stream.peer_addr().map(PeerAddr::Tcp).unwrap_or(PeerAddr::Other);
        self.start(Transport::Stream(Box::new(stream)), addr, responder)
    }

    pub(crate) fn start_unix(self, stream: UnixStream, responder: Arc<dyn Responder>) -> Connection {
        let addr = PeerAddr::Unix(stream.peer_addr().ok().and_then(|a| a.as_pathname().map(Path::to_path_buf)));
        self.start(Transport::Unix(stream), addr, responder)
    }

    fn start(self, io: Transport, found_addr: PeerAddr, responder: Arc<dyn Responder>) -> Connection {
        let addr = self.addr.unwrap_or(found_addr);
        let config = self.config.normalized();
        let (shared, rx) = Shared::new(addr.clone(), config, io.supports_fds());
        let peer = Peer::attached(shared.clone());
        let base_cx = peer.context();
        if let Some(init) = self.init {
            init(&base_cx);
        }
        let span = tracing::info_span!("amp", conn = shared.id, peer = %addr);
        let driver = Driver::new(shared, rx, io, responder, base_cx);
        tokio::spawn(driver.run().instrument(span));
        Connection { peer }
    }
}
