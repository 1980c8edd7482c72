//! The accept loop and [`ServerHandle`].

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::future::join_all;
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::ServerBuilder;
use crate::command::{CallError, Command, NoError};
use crate::connection::{Connection, ConnectionBuilder, Peer, PeerAddr, Responder};
use crate::wire::AmpBox;

/// Pause after an accept error (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

pub(super) enum Listener {
    Tcp(TcpListener),
    /// A socket this server bound: its path is removed at shutdown.
    Unix(UnixListener, PathBuf),
    /// A socket bound by the caller.
    UnixUnowned(UnixListener),
}

/// Where a server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// A TCP address.
    Tcp(SocketAddr),
    /// A Unix socket path (`None` for an unnamed socket).
    Unix(Option<PathBuf>),
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Tcp(a) => write!(f, "{a}"),
            ListenAddr::Unix(Some(p)) => write!(f, "unix:{}", p.display()),
            ListenAddr::Unix(None) => write!(f, "unix:(unnamed)"),
        }
    }
}

/// One connection of a server.
#[derive(Debug, Clone)]
pub struct ConnectionInfo {
    /// The connection's id ([`Peer::id`]).
    pub id: u64,
    /// Where the peer is.
    pub addr: PeerAddr,
    /// The handle to call it.
    pub peer: Peer,
    /// When it was accepted.
    pub connected_at: SystemTime,
}

struct Inner {
    local_addr: ListenAddr,
    connections: Mutex<BTreeMap<u64, ConnectionInfo>>,
    /// Number of open connections, for waiters.
    count: watch::Sender<usize>,
    stop: watch::Sender<bool>,
    accept_task: Mutex<Option<JoinHandle<()>>>,
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, ConnectionInfo>> {
        self.connections.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running server: lists its connections, broadcasts to them, shuts down.
/// Cheap to clone. Dropping every handle does not stop the server; call
/// [`shutdown`](ServerHandle::shutdown).
#[derive(Clone)]
pub struct ServerHandle {
    inner: Arc<Inner>,
}

impl fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerHandle")
            .field("local_addr", &self.inner.local_addr)
            .field("connections", &self.connection_count())
            .finish()
    }
}

pub(super) fn serve(builder: ServerBuilder, listener: Listener, responder: Arc<dyn Responder>) -> ServerHandle {
    let local_addr = match &listener {
        Listener::Tcp(l) => ListenAddr::Tcp(l.local_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))),
        Listener::Unix(_, path) => ListenAddr::Unix(Some(path.clone())),
        Listener::UnixUnowned(l) => {
            ListenAddr::Unix(l.local_addr().ok().and_then(|a| a.as_pathname().map(|p| p.to_path_buf())))
        }
    };
    let inner = Arc::new(Inner {
        local_addr: local_addr.clone(),
        connections: Mutex::default(),
        count: watch::Sender::new(0),
        stop: watch::Sender::new(false),
        accept_task: Mutex::default(),
    });
    let span = tracing::info_span!("amp_server", listen = %local_addr);
    let task = tokio::spawn(accept_loop(inner.clone(), builder, listener, responder).instrument(span));
    *inner.accept_task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
    ServerHandle { inner }
}

async fn accept_loop(inner: Arc<Inner>, builder: ServerBuilder, listener: Listener, responder: Arc<dyn Responder>) {
    tracing::info!("listening");
    let mut stop = inner.stop.subscribe();
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            accepted = accept(&listener) => accepted,
        };
        match accepted {
            Ok(start) => {
                let mut conn = ConnectionBuilder::new().config(builder.config.clone());
                if let Some(init) = builder.init.clone() {
                    conn = conn.init(move |cx| init(cx));
                }
                let connection = start(conn, responder.clone());
                register(&inner, connection, builder.on_connect.clone());
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
    if let Listener::Unix(_, path) = &listener {
        let _ = std::fs::remove_file(path);
    }
    tracing::info!("no longer accepting connections");
}

type Start = Box<dyn FnOnce(ConnectionBuilder, Arc<dyn Responder>) -> Connection + Send>;

async fn accept(listener: &Listener) -> io::Result<Start> {
    match listener {
        Listener::Tcp(l) => {
            let (stream, _) = l.accept().await?;
            Ok(Box::new(move |b: ConnectionBuilder, r| b.start_tcp(stream, r)))
        }
        Listener::Unix(l, _) | Listener::UnixUnowned(l) => {
            let (stream, _) = l.accept().await?;
            Ok(Box::new(move |b: ConnectionBuilder, r| b.start_unix(stream, r)))
        }
    }
}

fn register(inner: &Arc<Inner>, connection: Connection, on_connect: Option<super::OnConnect>) {
    let peer = connection.into_peer();
    let info =
        ConnectionInfo { id: peer.id(), addr: peer.peer_addr(), peer: peer.clone(), connected_at: SystemTime::now() };
    {
        let mut connections = inner.lock();
        connections.insert(info.id, info);
        inner.count.send_replace(connections.len());
    }
    let inner = inner.clone();
    tokio::spawn(
        async move {
            if let Some(hook) = on_connect {
                let hook_peer = peer.clone();
                tokio::spawn(async move { hook(hook_peer).await }.in_current_span());
            }
            peer.closed().await;
            let mut connections = inner.lock();
            connections.remove(&peer.id());
            inner.count.send_replace(connections.len());
        }
        .in_current_span(),
    );
}

impl ServerHandle {
    /// Where the server listens.
    pub fn local_addr(&self) -> &ListenAddr {
        &self.inner.local_addr
    }

    /// The TCP address, for a TCP server.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        match self.inner.local_addr {
            ListenAddr::Tcp(a) => Some(a),
            ListenAddr::Unix(_) => None,
        }
    }

    /// The open connections, oldest first.
    pub fn connections(&self) -> Vec<ConnectionInfo> {
        let mut list: Vec<ConnectionInfo> = self.inner.lock().values().cloned().collect();
        list.sort_by_key(|c| c.id);
        list
    }

    /// Handles to every open connection, oldest first.
    pub fn peers(&self) -> Vec<Peer> {
        self.connections().into_iter().map(|c| c.peer).collect()
    }

    /// The number of open connections.
    pub fn connection_count(&self) -> usize {
        self.inner.lock().len()
    }

    /// Waits until at least `n` connections are open.
    pub async fn wait_for_connections(&self, n: usize) {
        let mut count = self.inner.count.subscribe();
        let _ = count.wait_for(|c| *c >= n).await;
    }

    /// Waits until at most `n` connections are open (clients have left and
    /// their connections are off the list).
    pub async fn wait_for_at_most_connections(&self, n: usize) {
        let mut count = self.inner.count.subscribe();
        let _ = count.wait_for(|c| *c <= n).await;
    }

    /// Calls `C` on every connection at once and collects the outcomes by
    /// connection id. One failing connection does not affect the others.
    pub async fn broadcast<C: Command>(
        &self,
        args: impl Borrow<C::Arguments>,
    ) -> Vec<(u64, Result<C::Response, CallError<C::Error>>)> {
        self.broadcast_where::<C>(args, |_| true).await
    }

    /// [`broadcast`](Self::broadcast) to the connections `filter` accepts
    /// (Evennia skips its launcher's connection, for example).
    pub async fn broadcast_where<C: Command>(
        &self,
        args: impl Borrow<C::Arguments>,
        filter: impl Fn(&ConnectionInfo) -> bool,
    ) -> Vec<(u64, Result<C::Response, CallError<C::Error>>)> {
        let args = args.borrow();
        let targets: Vec<ConnectionInfo> = self.connections().into_iter().filter(|c| filter(c)).collect();
        join_all(targets.iter().map(|c| async move { (c.id, c.peer.call::<C>(args).await) })).await
    }

    /// Sends `C` without `_ask` to every connection.
    pub async fn broadcast_send<C: Command>(
        &self,
        args: impl Borrow<C::Arguments>,
    ) -> Vec<(u64, Result<(), CallError<NoError>>)> {
        let args = args.borrow();
        let targets = self.connections();
        join_all(targets.iter().map(|c| async move { (c.id, c.peer.send::<C>(args).await) })).await
    }

    /// Calls a command by wire name with a raw box on every connection.
    pub async fn broadcast_raw(
        &self,
        command: impl AsRef<[u8]>,
        args: &AmpBox,
    ) -> Vec<(u64, Result<AmpBox, CallError<NoError>>)> {
        let command = command.as_ref();
        let targets = self.connections();
        join_all(targets.iter().map(|c| async move { (c.id, c.peer.call_raw(command, args.clone()).await) })).await
    }

    /// Stops accepting new connections; open ones go on. Waits until the
    /// listener is closed (and a socket path this server bound is removed).
    pub async fn stop_accepting(&self) {
        self.inner.stop.send_replace(true);
        let task = self.inner.accept_task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// Shuts down gracefully: stops accepting, lets every connection finish
    /// the calls it is running (their answers are written) without starting
    /// new ones, then closes them; at `deadline` whatever is left is closed.
    /// Returns once every connection has ended.
    pub async fn shutdown(&self, deadline: Duration) {
        tracing::info!(connections = self.connection_count(), ?deadline, "shutting down");
        self.stop_accepting().await;
        let peers = self.peers();
        join_all(peers.iter().map(|p| p.close_gracefully(deadline))).await;
        // Connections leave the list from their own tasks: wait for that too.
        let mut count = self.inner.count.subscribe();
        let _ = tokio::time::timeout(Duration::from_secs(1), count.wait_for(|c| *c == 0)).await;
    }
}
