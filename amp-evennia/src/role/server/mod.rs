//! The Server role: a Rust program in the place of Evennia's Python Server.
//!
//! An Evennia Portal owns the players' connections (telnet, SSH, webclient)
//! and relays them over AMP to its Server. This module is that Server, for a
//! game written in Rust:
//!
//! - connects to the Portal's AMP port as Evennia's Server does, and
//!   reconnects whenever the connection drops, with Evennia's backoff (1 s
//!   growing by 1.5 up to 10 s, with jitter);
//! - on each connection sends `AdminServer2Portal` PSYNC (`spid`, the process
//!   id, and `info_dict`) first, answers the Portal's PSYNC, and replaces its
//!   session table with the Portal's;
//! - keeps the table in sync (PCONN, PCONNSYNC, PDISCONN, PDISCONNALL);
//! - hands each player's input to the game as [`ServerEvent::Input`];
//! - sends text to one, several or all sessions, logs sessions in (SLOGIN),
//!   disconnects them (SDISCONN, SDISCONNALL), syncs them (SSYNC);
//! - answers `MsgStatus` (`OK`) and `FunctionCall` (registered functions
//!   only, see [`crate::role::function_call`]);
//! - on SSHUTD (and SRELOAD / SRESET, after an SSYNC) tells the game
//!   ([`ServerEvent::Shutdown`]), closes, and stops: the event stream ends
//!   and the program can exit. A Portal killed outright sends nothing: the
//!   Server then reconnects until a Portal is back.
//!
//! It never sends SRELOAD, SRESET or SSTART, which make a stock Portal start
//! Evennia's own Python Server.
//!
//! # What the Portal needs for a session to work
//! Nothing beyond the PSYNC handshake: once the Server's PSYNC is answered,
//! a telnet player's lines arrive as `MsgPortal2Server` and `MsgServer2Portal`
//! text reaches them. Evennia's own Server also runs a login screen and sends
//! SLOGIN when a player logs in; the Portal only records it (its count of
//! logged-in players, e.g. for MSSP, and the data it hands back on the next
//! PSYNC). [`ServerHandle::login`] sends it.
//!
//! # A game that falls behind
//! Events wait in the game's queue and in a backlog of as many again
//! ([`ServerBuilder::event_capacity`]). Past that the Server makes the
//! Portal wait, except while one of its own calls awaits the Portal's
//! answer: it then goes on reading and drops players' input instead
//! (logged, counted by [`ServerHandle::dropped_inputs`]), so a game may
//! await a [`Receipt`] in its event loop without stalling.
//!
//! # Using it
//! ```no_run
//! use amp_evennia::role::server::{EvenniaServer, ServerEvent};
//!
//! # async fn run() {
//! let (server, mut events) = EvenniaServer::builder("127.0.0.1:4006").spawn();
//! while let Some(event) = events.recv().await {
//!     match event {
//!         ServerEvent::SessionConnected(s) => {
//!             let _ = server.msg(s.sessid, "Welcome!").await;
//!         }
//!         ServerEvent::Input { sessid, message } => {
//!             let line = message.line().unwrap_or_default().to_owned();
//!             let _ = server.msg(sessid, format!("You typed: {line}")).await;
//!         }
//!         _ => {}
//!     }
//! }
//! // The Portal sent SSHUTD (or `server.stop()` was called).
//! # }
//! ```

mod events;
mod flow;
mod handle;
mod inbox;
mod outbox;
mod table;

pub use events::{ServerEvent, Session, ShutdownMode};
pub use handle::ServerHandle;
pub use outbox::{Receipt, SendError};

use std::sync::Arc;
use std::time::Duration;

use amp_runtime::client::{HookError, ReconnectConfig, ReconnectingClient, Target};
use amp_runtime::{ConnectionConfig, Peer};
use tokio::sync::{mpsc, watch};

use crate::commands::packed_data::PackedDataCodec;
use crate::commands::slices::{AdminServer2PortalSlices, AdminServer2PortalSlicesArguments, ServerSlicesDispatcher};
use crate::payload::admin::{AdminFromServer, ServerInfo};
use crate::role::function_call::FunctionRegistry;
use crate::role::start_now::start_now;
use flow::{Delivery, Flow};
use inbox::{Handler, Inbox, Item, Processor};
use outbox::Outbox;
use table::SessionTable;

/// Entry point of the Server role: see [`EvenniaServer::builder`].
#[derive(Debug)]
pub struct EvenniaServer(());

impl EvenniaServer {
    /// A Server for the Portal whose AMP port is `portal`
    /// (`"127.0.0.1:4006"`, Evennia's default).
    pub fn builder(portal: impl Into<String>) -> ServerBuilder {
        ServerBuilder {
            portal: portal.into(),
            info: None,
            spid: i64::from(std::process::id()),
            reconnect: ReconnectConfig::default(),
            connection: ConnectionConfig::default()
                .with_default_timeout(Duration::from_secs(60))
                .with_max_concurrent_handlers(256),
            codec: PackedDataCodec::default(),
            functions: FunctionRegistry::new(),
            event_capacity: 1024,
            send_queue: 1024,
            max_in_flight: 256,
        }
    }
}

/// Settings of a Server role; [`spawn`](Self::spawn) starts it.
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    portal: String,
    info: Option<ServerInfo>,
    spid: i64,
    reconnect: ReconnectConfig,
    connection: ConnectionConfig,
    codec: PackedDataCodec,
    functions: FunctionRegistry,
    event_capacity: usize,
    send_queue: usize,
    max_in_flight: usize,
}

impl ServerBuilder {
    /// The `info_dict` sent with PSYNC (shown by `evennia status`). Default:
    /// Evennia's keys with `servername` `amp-evennia` and this crate's version.
    pub fn info(mut self, info: ServerInfo) -> Self {
        self.info = Some(info);
        self
    }

    /// The `spid` sent with PSYNC. Default: this process's id, as Evennia.
    pub fn spid(mut self, spid: i64) -> Self {
        self.spid = spid;
        self
    }

    /// Reconnection delays. Default: Evennia's.
    pub fn reconnect(mut self, reconnect: ReconnectConfig) -> Self {
        self.reconnect = reconnect;
        self
    }

    /// Settings of each AMP connection. Default: the runtime's, with a 60 s
    /// timeout per call and 256 handlers at once. The send queue is deepened
    /// when needed so that it always holds every pending call and answer
    /// (this keeps messages in order, see [`ServerHandle`]).
    pub fn connection(mut self, config: ConnectionConfig) -> Self {
        self.connection = config;
        self
    }

    /// Compression settings and the size from which payloads are handled
    /// on the blocking pool. Default: level 9, from 32 KiB.
    pub fn codec(mut self, codec: PackedDataCodec) -> Self {
        self.codec = codec;
        self
    }

    /// The functions the Portal may call with FunctionCall. Default: none.
    pub fn functions(mut self, functions: FunctionRegistry) -> Self {
        self.functions = functions;
        self
    }

    /// Events waiting for the game in its queue; the Server holds as many
    /// again behind it. Default 1024.
    ///
    /// When both are full, the Server stops answering the Portal, so stops
    /// reading from it (backpressure: the Portal keeps the rest, as a stock
    /// Portal does for a busy Evennia Server), unless a call of the Server
    /// awaits the Portal's answer (a message sent, PSYNC, FunctionCall):
    /// then it goes on reading so that the answer, queued behind the
    /// Portal's calls, can arrive, and drops players' input meanwhile (with
    /// a warning in the log; see [`ServerHandle::dropped_inputs`]), as
    /// Evennia's Portal drops input past its command rate. Session events
    /// are never dropped; past twice the capacity the Server stops reading
    /// even then. So a game may await [`Receipt`]s in its event loop, and a
    /// flood cannot grow the Server's memory without bound.
    pub fn event_capacity(mut self, n: usize) -> Self {
        self.event_capacity = n.max(1);
        self
    }

    /// Messages queued by the game before sends wait. Default 1024.
    pub fn send_queue(mut self, n: usize) -> Self {
        self.send_queue = n.max(1);
        self
    }

    /// Calls to the Portal awaiting answers before sending waits. Default 256.
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// Starts the Server (needs a tokio runtime): it connects, and keeps
    /// reconnecting, in the background. Returns the handle and the events.
    pub fn spawn(self) -> (ServerHandle, mpsc::Receiver<ServerEvent>) {
        let ServerBuilder {
            portal,
            info,
            spid,
            reconnect,
            mut connection,
            codec,
            functions,
            event_capacity,
            send_queue,
            max_in_flight,
        } = self;
        // Every call the outbox has pending and every answer the handlers
        // owe must fit the connection's send queue: then starting a call
        // never waits for room, which is what keeps the boxes in order.
        let needed = max_in_flight + connection.max_concurrent_handlers + 64;
        connection.send_queue_depth = connection.send_queue_depth.max(needed);
        let info = info.unwrap_or_else(|| ServerInfo::new("amp-evennia", env!("CARGO_PKG_VERSION"), port_of(&portal)));

        let table = SessionTable::default();
        let flow = Flow::default();
        let outbox = Outbox::spawn(send_queue, max_in_flight, codec, flow.clone());
        let (inbox, queue) = inbox::channel(codec);
        let (events_tx, events) = mpsc::channel(event_capacity);
        let (stop_tx, stop_rx) = watch::channel(false);
        let (stopped_tx, stopped) = watch::channel(false);
        let stop_tx = Arc::new(stop_tx);

        let processor = Processor {
            table: table.clone(),
            delivery: Delivery::spawn(events_tx, flow.clone(), event_capacity),
            outbox: outbox.clone(),
            stop: (*stop_tx).clone(),
            connected: None,
            dropping: 0,
        };
        tokio::spawn(processor.run(queue));

        let handler = Handler { inbox: inbox.clone(), functions: Arc::new(functions) };
        let handshake = Arc::new(Handshake {
            inbox,
            outbox: outbox.clone(),
            flow: flow.clone(),
            codec,
            spid,
            info,
            portal: portal.clone(),
        });
        let client = ReconnectingClient::builder(Target::Tcp(portal.clone()))
            .config(connection)
            .reconnect(reconnect)
            .on_connect(move |peer| {
                let handshake = handshake.clone();
                async move { handshake.run(peer).await }
            })
            .spawn(ServerSlicesDispatcher::new(handler));
        tokio::spawn(supervise(client, outbox.clone(), stop_rx, stopped_tx));

        let handle = ServerHandle { table, outbox, flow, stop: stop_tx, stopped, portal: portal.into() };
        (handle, events)
    }
}

/// The port of `host:port`, 0 when there is none.
fn port_of(addr: &str) -> u16 {
    addr.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).unwrap_or(0)
}

/// Stops the client when asked (by the game or by the Portal's SSHUTD).
async fn supervise(
    client: ReconnectingClient,
    outbox: Outbox,
    mut stop: watch::Receiver<bool>,
    stopped: watch::Sender<bool>,
) {
    let _ = stop.wait_for(|s| *s).await;
    if let Some(peer) = outbox.peer() {
        // Handlers still running (the one acknowledging SSHUTD) answer first.
        peer.close_gracefully(Duration::from_secs(2)).await;
    }
    outbox.close();
    client.stop().await;
    tracing::info!("server stopped");
    stopped.send_replace(true);
}

/// What runs on each new connection before it counts as connected.
struct Handshake {
    inbox: Inbox,
    outbox: Outbox,
    flow: Flow,
    codec: PackedDataCodec,
    spid: i64,
    info: ServerInfo,
    portal: String,
}

impl Handshake {
    async fn run(&self, peer: Peer) -> Result<(), HookError> {
        // The Portal's PSYNC comes before the answer to ours: it must be taken
        // even when the game is behind.
        let _awaiting = self.flow.awaiting();
        let psync = AdminFromServer::Psync { spid: self.spid, info: self.info.clone() };
        let packed_data = self.codec.encode(psync.to_envelope(), 0).await?;
        let caller = peer.clone();
        let call = async move {
            caller.call::<AdminServer2PortalSlices>(AdminServer2PortalSlicesArguments { packed_data }).await
        };
        // PSYNC must be the connection's first box: queue it before the
        // game's messages may use the connection.
        let psync = start_now(call);
        self.outbox.attach(peer.clone());
        let (inbox, outbox, watched) = (self.inbox.clone(), self.outbox.clone(), peer.clone());
        tokio::spawn(async move {
            let reason = watched.closed().await;
            outbox.detach(&watched);
            tracing::info!(%reason, "connection to the Portal closed");
            inbox.push(Item::Disconnected { peer: watched.id(), reason: reason.to_string() });
        });
        // The Portal sends its own PSYNC (session data) before it answers ours.
        psync.finish().await?;
        tracing::info!(portal = %self.portal, "connected to the Portal");
        self.inbox.push(Item::Connected { portal: self.portal.clone(), peer: peer.id() });
        Ok(())
    }
}
