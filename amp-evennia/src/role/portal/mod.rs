//! The Portal role: the AMP side of an Evennia Portal, in Rust.
//!
//! [`PortalAmp`] listens on an AMP port as Evennia's Portal does, takes the
//! connection that sends `AdminServer2Portal` PSYNC as its Server, answers
//! with its own PSYNC (every session) before answering the Server's, and
//! keeps the session table a Portal keeps. The front side (players'
//! connections) is its caller's: [`connect_session`] (PCONN), [`input`]
//! (`MsgPortal2Server` text), [`disconnect_session`] (PDISCONN),
//! [`shutdown_server`] (SSHUTD). What the Server sends comes out as
//! [`PortalEvent`]s: output for a session, logins, disconnections, syncs.
//! Today the caller is this crate's demo and tests; `amp-portal` (telnet in
//! front) builds on it.
//!
//! It has no telnet or web side, opens no outgoing protocols (SCONN) and
//! starts no processes: SRELOAD, SRESET, SSHUTD and PSHUTD from the Server
//! are only reported. Output is decoded as it arrives (decompression runs
//! at over 1 GB/s); input it sends is compressed off the async executor
//! when large.
//!
//! [`connect_session`]: PortalAmp::connect_session
//! [`input`]: PortalAmp::input
//! [`disconnect_session`]: PortalAmp::disconnect_session
//! [`shutdown_server`]: PortalAmp::shutdown_server

mod handler;
mod http_reply;

pub use http_reply::EVENNIA_HTTP_REPLY;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amp_runtime::server::{Server, ServerHandle as ListenerHandle};
use amp_runtime::{ConnectionConfig, Peer};
use tokio::net::ToSocketAddrs;
use tokio::sync::mpsc;

use crate::commands::packed_data::PackedDataCodec;
use crate::commands::slices::{
    AdminPortal2ServerSlices, AdminPortal2ServerSlicesArguments, MsgPortal2ServerSlices,
    MsgPortal2ServerSlicesArguments, PortalSlicesDispatcher,
};
use crate::payload::admin::{AdminFromPortal, AdminFromServer, ServerInfo};
use crate::payload::message::Message;
use crate::payload::session::SessionData;
use crate::payload::SessId;
use crate::role::function_call::FunctionRegistry;
use handler::{lock, Handler, PortalState};

/// What the Server did, as the Portal sees it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PortalEvent {
    /// A Server connected and sent PSYNC (the Portal's PSYNC went back).
    ServerConnected {
        /// Its process id.
        spid: i64,
        /// Its `info_dict`.
        info: ServerInfo,
    },
    /// MsgServer2Portal for a known session.
    Output {
        /// The session.
        sessid: SessId,
        /// What to show.
        message: Message,
        /// Size of `packed_data` on the wire, all slices together.
        compressed_bytes: usize,
        /// Number of slices.
        slices: usize,
    },
    /// SLOGIN: the session's data was updated with `sessiondata`.
    Login {
        /// The session.
        sessid: SessId,
        /// What the Server sent.
        sessiondata: SessionData,
    },
    /// SDISCONN for a known session: it is gone (a PDISCONN went back, as
    /// Evennia's Portal sends one).
    Disconnected {
        /// The session.
        sessid: SessId,
        /// The reason the Server gave.
        reason: Option<String>,
    },
    /// SDISCONNALL: every session is gone.
    DisconnectedAll {
        /// The sessions that were open.
        sessids: Vec<SessId>,
        /// The reason the Server gave.
        reason: Option<String>,
    },
    /// SSYNC: session data stored.
    Synced {
        /// The sessions listed.
        sessids: Vec<SessId>,
    },
    /// SRELOAD, SRESET, SSHUTD or PSHUTD: reported, not acted on.
    Admin(AdminFromServer),
}

/// Why the Portal role could not send.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PortalError {
    /// No Server has connected (sent PSYNC) yet, or it is gone.
    #[error("no Server is connected")]
    NoServer,
    /// The session is not open.
    #[error("no session {0}")]
    UnknownSession(SessId),
    /// The payload could not be encoded.
    #[error("cannot encode: {0}")]
    Encode(String),
    /// The Server answered an error, or did not answer.
    #[error("the Server did not take it: {0}")]
    Call(String),
}

/// The AMP side of an Evennia Portal: see the [module docs](self).
pub struct PortalAmp {
    state: Arc<PortalState>,
    listener: ListenerHandle,
    events: mpsc::UnboundedReceiver<PortalEvent>,
}

impl std::fmt::Debug for PortalAmp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalAmp").field("addr", &self.local_addr()).finish_non_exhaustive()
    }
}

impl PortalAmp {
    /// Listens on `addr` (use `127.0.0.1:0` for a free port).
    pub async fn bind(addr: impl ToSocketAddrs) -> std::io::Result<PortalAmp> {
        PortalAmp::bind_with(addr, FunctionRegistry::new()).await
    }

    /// Listens on `addr`, answering FunctionCall with `functions`.
    pub async fn bind_with(addr: impl ToSocketAddrs, functions: FunctionRegistry) -> std::io::Result<PortalAmp> {
        let (events_tx, events) = mpsc::unbounded_channel();
        let start_time = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        let state = Arc::new(PortalState {
            sessions: Mutex::new(BTreeMap::new()),
            server: Mutex::new(None),
            server_pid: Mutex::new(None),
            server_info: Mutex::new(ServerInfo::default()),
            restart_mode: Mutex::new(Some("shutdown".to_owned())),
            next_sessid: Mutex::new(0),
            start_time,
            codec: PackedDataCodec::default(),
            events: events_tx,
        });
        let handler = Handler { state: state.clone(), functions: Arc::new(functions) };
        // Evennia's Portal answers a non-AMP first byte with its HTTP text.
        let config = ConnectionConfig::default().with_non_amp_reply(EVENNIA_HTTP_REPLY);
        let listener = Server::builder().config(config).bind_tcp(addr, PortalSlicesDispatcher::new(handler)).await?;
        Ok(PortalAmp { state, listener, events })
    }

    /// The AMP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.tcp_addr().unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The next thing the Server did; `None` once the Portal is closed.
    pub async fn next_event(&mut self) -> Option<PortalEvent> {
        self.events.recv().await
    }

    /// [`next_event`](Self::next_event) with a time limit.
    pub async fn next_event_within(&mut self, limit: Duration) -> Option<PortalEvent> {
        tokio::time::timeout(limit, self.events.recv()).await.ok().flatten()
    }

    /// The Server's connection, once it has sent PSYNC.
    pub fn server(&self) -> Option<Peer> {
        lock(&self.state.server).clone().filter(|p| !p.is_closed())
    }

    /// Open sessions.
    pub fn sessions(&self) -> Vec<(SessId, SessionData)> {
        lock(&self.state.sessions).iter().map(|(id, d)| (*id, d.clone())).collect()
    }

    fn server_or_err(&self) -> Result<Peer, PortalError> {
        self.server().ok_or(PortalError::NoServer)
    }

    async fn admin(&self, peer: &Peer, admin: AdminFromPortal) -> Result<(), PortalError> {
        let packed_data =
            self.state.codec.encode(admin.to_envelope(), 0).await.map_err(|e| PortalError::Encode(e.to_string()))?;
        peer.call::<AdminPortal2ServerSlices>(AdminPortal2ServerSlicesArguments { packed_data })
            .await
            .map_err(|e| PortalError::Call(e.to_string()))?;
        Ok(())
    }

    /// A telnet player connects from `address`: a new session (PCONN with
    /// Evennia's telnet session data). Returns its id (1, 2, ... as Evennia
    /// numbers them).
    pub async fn connect_session(&self, address: &str) -> Result<SessId, PortalError> {
        let peer = self.server_or_err()?;
        let sessid = {
            let mut next = lock(&self.state.next_sessid);
            *next += 1;
            *next
        };
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        let session = SessionData::telnet(sessid, address, now);
        lock(&self.state.sessions).insert(sessid, session.clone());
        self.admin(&peer, AdminFromPortal::Pconn { sessid, session }).await?;
        Ok(sessid)
    }

    /// A player types `text` (a telnet line arrives with its `"\n"`):
    /// `MsgPortal2Server {'text': [[text], {'options': {}}]}`. Waits for the
    /// Server's answer.
    pub async fn input(&self, sessid: SessId, text: &str) -> Result<(), PortalError> {
        self.send_input(sessid, Message::text(text)).await
    }

    /// Sends any input message for a session.
    pub async fn send_input(&self, sessid: SessId, message: Message) -> Result<(), PortalError> {
        let peer = self.server_or_err()?;
        if !lock(&self.state.sessions).contains_key(&sessid) {
            return Err(PortalError::UnknownSession(sessid));
        }
        let hint = message.approx_len(self.state.codec.blocking_from);
        let packed_data = self
            .state
            .codec
            .encode(message.to_envelope(sessid), hint)
            .await
            .map_err(|e| PortalError::Encode(e.to_string()))?;
        peer.call::<MsgPortal2ServerSlices>(MsgPortal2ServerSlicesArguments { packed_data })
            .await
            .map_err(|e| PortalError::Call(e.to_string()))?;
        Ok(())
    }

    /// A player's connection closes (PDISCONN).
    pub async fn disconnect_session(&self, sessid: SessId) -> Result<(), PortalError> {
        let peer = self.server_or_err()?;
        if lock(&self.state.sessions).remove(&sessid).is_none() {
            return Err(PortalError::UnknownSession(sessid));
        }
        self.admin(&peer, AdminFromPortal::Pdisconn { sessid }).await
    }

    /// Asks the Server to stop (SSHUTD with `server_restart_mode`
    /// `"shutdown"`, as `evennia stop` makes a Portal send).
    pub async fn shutdown_server(&self) -> Result<(), PortalError> {
        let peer = self.server_or_err()?;
        *lock(&self.state.restart_mode) = Some("shutdown".to_owned());
        self.admin(&peer, AdminFromPortal::Sshutd { server_restart_mode: Some("shutdown".to_owned()) }).await
    }

    /// Stops listening and closes every connection (the Server sees the
    /// connection drop, as when a Portal dies).
    pub async fn close(self) {
        self.listener.shutdown(Duration::from_secs(1)).await;
    }
}
