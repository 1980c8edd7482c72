//! [`ReconnectingClient`]: a client that keeps one connection up, like
//! Evennia's Server keeps its link to the Portal.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::backoff::{Backoff, ReconnectConfig};
use crate::connection::{BoxFuture, Connection, ConnectionBuilder, ConnectionConfig, Context, Peer, Responder};

/// What a [`ReconnectingClient`] connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A TCP address, resolved at each attempt (`"127.0.0.1:4006"`).
    Tcp(String),
    /// A Unix socket path.
    Unix(PathBuf),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp(a) => f.write_str(a),
            Target::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

impl From<std::net::SocketAddr> for Target {
    fn from(addr: std::net::SocketAddr) -> Self {
        Target::Tcp(addr.to_string())
    }
}

/// Where a [`ReconnectingClient`] stands.
#[derive(Debug, Clone)]
pub enum ClientState {
    /// Trying to connect (attempts since the last success, from 1).
    Connecting {
        /// The attempt number.
        attempt: u32,
    },
    /// Connected, and the connect hook has run.
    Connected(Peer),
    /// Waiting before the next attempt.
    Waiting {
        /// Failed attempts since the last success.
        attempt: u32,
        /// How long.
        delay: std::time::Duration,
    },
    /// Stopped (by [`ReconnectingClient::stop`] or after `max_retries`).
    Stopped,
}

impl ClientState {
    /// The connection, when connected.
    pub fn peer(&self) -> Option<&Peer> {
        match self {
            ClientState::Connected(p) => Some(p),
            _ => None,
        }
    }
}

/// An error a connect hook returns: the connection is closed and retried.
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

type Hook = Arc<dyn Fn(Peer) -> BoxFuture<'static, Result<(), HookError>> + Send + Sync>;
type Init = Arc<dyn Fn(&Context) + Send + Sync>;

/// Builds a [`ReconnectingClient`].
#[derive(Clone)]
pub struct ReconnectingClientBuilder {
    target: Target,
    config: ConnectionConfig,
    reconnect: ReconnectConfig,
    init: Option<Init>,
    hook: Option<Hook>,
}

impl fmt::Debug for ReconnectingClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReconnectingClientBuilder")
            .field("target", &self.target)
            .field("reconnect", &self.reconnect)
            .finish_non_exhaustive()
    }
}

impl ReconnectingClientBuilder {
    /// Sets the configuration of each connection.
    pub fn config(mut self, config: ConnectionConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the delays between attempts.
    pub fn reconnect(mut self, reconnect: ReconnectConfig) -> Self {
        self.reconnect = reconnect;
        self
    }

    /// Runs `init` on each new connection's context before it reads anything.
    pub fn init(mut self, init: impl Fn(&Context) + Send + Sync + 'static) -> Self {
        self.init = Some(Arc::new(init));
        self
    }

    /// Runs `hook` on each (re)connection before the client reports it
    /// connected: e.g. to send Evennia's PSYNC. An error closes the
    /// connection and the client tries again after the next delay.
    pub fn on_connect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Peer) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HookError>> + Send + 'static,
    {
        self.hook = Some(Arc::new(move |peer| Box::pin(hook(peer))));
        self
    }

    /// Starts connecting (in a task); `responder` answers the server's calls
    /// on every connection.
    pub fn spawn<R: Responder>(self, responder: R) -> ReconnectingClient {
        let (state_tx, state_rx) = watch::channel(ClientState::Connecting { attempt: 1 });
        let (stop_tx, stop_rx) = watch::channel(false);
        let span = tracing::info_span!("amp_client", target = %self.target);
        let task = tokio::spawn(run(self, Arc::new(responder), state_tx, stop_rx).instrument(span));
        ReconnectingClient { state: state_rx, stop: stop_tx, task }
    }
}

/// A client that reconnects whenever its connection is lost or cannot be
/// made, with Evennia's backoff ([`ReconnectConfig`]), running a hook on
/// each connection. Watch [`ClientState`] to follow it.
///
/// ```no_run
/// # async fn demo() {
/// use amp_runtime::client::{ReconnectingClient, Target};
/// let client = ReconnectingClient::builder(Target::Tcp("127.0.0.1:4006".into()))
///     .on_connect(|peer| async move {
///         // e.g. peer.call::<AdminServer2Portal>(psync).await?;
///         Ok(())
///     })
///     .spawn(amp_runtime::NoResponder);
/// let peer = client.connected().await;
/// client.stop().await;
/// # }
/// ```
#[derive(Debug)]
pub struct ReconnectingClient {
    state: watch::Receiver<ClientState>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ReconnectingClient {
    /// A builder for `target`, with the default configurations.
    pub fn builder(target: Target) -> ReconnectingClientBuilder {
        ReconnectingClientBuilder {
            target,
            config: ConnectionConfig::default(),
            reconnect: ReconnectConfig::default(),
            init: None,
            hook: None,
        }
    }

    /// The current state.
    pub fn state(&self) -> ClientState {
        self.state.borrow().clone()
    }

    /// The current connection, if connected.
    pub fn peer(&self) -> Option<Peer> {
        self.state.borrow().peer().cloned()
    }

    /// A receiver of every state change.
    pub fn watch(&self) -> watch::Receiver<ClientState> {
        self.state.clone()
    }

    /// Waits until connected (the hook done) and returns the connection, or
    /// `None` once the client has stopped.
    pub async fn connected(&self) -> Option<Peer> {
        let mut state = self.state.clone();
        let result = match state.wait_for(|s| matches!(s, ClientState::Connected(_) | ClientState::Stopped)).await {
            Ok(s) => s.peer().cloned(),
            Err(_) => None,
        };
        result
    }

    /// Stops reconnecting, closes the current connection, and waits for the
    /// client's task to end.
    pub async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.task.await;
    }
}

async fn run(
    builder: ReconnectingClientBuilder,
    responder: Arc<dyn Responder>,
    state: watch::Sender<ClientState>,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(builder.reconnect.clone());
    let mut attempt: u32 = 0;
    'outer: loop {
        attempt += 1;
        state.send_replace(ClientState::Connecting { attempt });
        let connecting = tokio::time::timeout(builder.reconnect.connect_timeout, connect(&builder, responder.clone()));
        let outcome = tokio::select! {
            _ = stopped(&mut stop) => break 'outer,
            outcome = connecting => outcome,
        };
        match outcome {
            Ok(Ok(connection)) => {
                let peer = connection.into_peer();
                let hooked = match &builder.hook {
                    Some(hook) => tokio::select! {
                        _ = stopped(&mut stop) => {
                            peer.close();
                            break 'outer;
                        }
                        result = hook(peer.clone()) => result,
                    },
                    None => Ok(()),
                };
                match hooked {
                    Ok(()) => {
                        tracing::info!(attempt, "connected");
                        backoff.reset();
                        attempt = 0;
                        state.send_replace(ClientState::Connected(peer.clone()));
                        tokio::select! {
                            _ = stopped(&mut stop) => {
                                peer.close();
                                peer.closed().await;
                                break 'outer;
                            }
                            reason = peer.closed() => tracing::warn!(reason = %reason, "connection lost: reconnecting"),
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the connect hook failed: closing and retrying");
                        peer.close();
                    }
                }
            }
            Ok(Err(e)) => tracing::info!(error = %e, attempt, "cannot connect"),
            Err(_) => tracing::info!(attempt, "connection attempt timed out"),
        }
        let delay = backoff.next_delay();
        if backoff.exhausted() {
            tracing::warn!(attempt, "giving up after the configured number of retries");
            break;
        }
        state.send_replace(ClientState::Waiting { attempt, delay });
        tokio::select! {
            _ = stopped(&mut stop) => break,
            _ = tokio::time::sleep(delay) => {}
        }
    }
    state.send_replace(ClientState::Stopped);
}

async fn connect(builder: &ReconnectingClientBuilder, responder: Arc<dyn Responder>) -> std::io::Result<Connection> {
    let mut conn = ConnectionBuilder::new().config(builder.config.clone());
    if let Some(init) = builder.init.clone() {
        conn = conn.init(move |cx| init(cx));
    }
    match &builder.target {
        Target::Tcp(addr) => {
            let stream = tokio::net::TcpStream::connect(addr.as_str()).await?;
            Ok(conn.start_tcp(stream, responder))
        }
        Target::Unix(path) => {
            let stream = tokio::net::UnixStream::connect(path).await?;
            Ok(conn.start_unix(stream, responder))
        }
    }
}

/// Resolves once a stop is asked for (the watch guard is dropped here, so
/// the caller's future stays `Send`).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
