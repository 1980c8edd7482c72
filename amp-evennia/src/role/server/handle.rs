//! [`ServerHandle`]: what the game uses to act.

use std::sync::Arc;

use tokio::sync::watch;

use super::events::Session;
use super::flow::Flow;
use super::outbox::{Outbox, Payload, Receipt, SendError};
use super::table::SessionTable;
use crate::codec::pickle::Value;
use crate::payload::admin::AdminFromServer;
use crate::payload::message::Message;
use crate::payload::session::SessionData;
use crate::payload::{Kwargs, SessId};
use crate::role::function_call::{call_function, CallFunctionError};

/// A handle on a running Server role: the session table, sending to
/// sessions, logging them in and out, stopping. Cheap to clone.
///
/// Sending methods wait only for room in the send queue and return a
/// [`Receipt`] that resolves when the Portal has answered; messages reach
/// the Portal in the order they were queued (from one task). While the AMP
/// connection is down, sends fail with [`SendError::NotConnected`] (as in
/// Evennia, nothing is kept for later: the Portal resyncs on reconnection).
#[derive(Clone)]
pub struct ServerHandle {
    pub(crate) table: SessionTable,
    pub(crate) outbox: Outbox,
    pub(crate) flow: Flow,
    pub(crate) stop: Arc<watch::Sender<bool>>,
    pub(crate) stopped: watch::Receiver<bool>,
    pub(crate) portal: Arc<str>,
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("portal", &self.portal)
            .field("connected", &self.is_connected())
            .field("sessions", &self.session_count())
            .finish()
    }
}

impl ServerHandle {
    /// Every session, in id order.
    pub fn sessions(&self) -> Vec<Session> {
        self.table.all()
    }

    /// Every session id, in order.
    pub fn session_ids(&self) -> Vec<SessId> {
        self.table.ids()
    }

    /// One session.
    pub fn session(&self, sessid: SessId) -> Option<Session> {
        self.table.get(sessid)
    }

    /// Number of sessions.
    pub fn session_count(&self) -> usize {
        self.table.len()
    }

    /// Whether the AMP connection to the Portal is up (the handshake sent).
    pub fn is_connected(&self) -> bool {
        self.outbox.peer().is_some_and(|p| !p.is_closed())
    }

    /// Players' input dropped so far because the game was behind while a
    /// call of the Server awaited the Portal's answer (see
    /// [`ServerBuilder::event_capacity`](super::ServerBuilder::event_capacity)).
    /// Each drop is also logged.
    pub fn dropped_inputs(&self) -> u64 {
        self.flow.dropped()
    }

    /// The Portal's AMP address, as configured.
    pub fn portal_addr(&self) -> &str {
        &self.portal
    }

    /// Sends `message` to a session (MsgServer2Portal).
    pub async fn send(&self, sessid: SessId, message: Message) -> Result<Receipt, SendError> {
        self.outbox.send(Payload::Msg(sessid, message)).await
    }

    /// Sends text to a session: `{'text': [[text], {'options': {}}]}`, what
    /// Evennia's `session.msg(text)` sends.
    pub async fn msg(&self, sessid: SessId, text: impl Into<String>) -> Result<Receipt, SendError> {
        self.send(sessid, Message::text(text)).await
    }

    /// Sends `message` to each of `sessids` (one MsgServer2Portal each, as
    /// Evennia sends them).
    pub async fn send_many(
        &self,
        sessids: impl IntoIterator<Item = SessId>,
        message: &Message,
    ) -> Result<Vec<Receipt>, SendError> {
        let mut receipts = Vec::new();
        for sessid in sessids {
            receipts.push(self.send(sessid, message.clone()).await?);
        }
        Ok(receipts)
    }

    /// Sends `message` to every session in the table.
    pub async fn send_all(&self, message: &Message) -> Result<Vec<Receipt>, SendError> {
        self.send_many(self.table.ids(), message).await
    }

    /// Logs a session in (SLOGIN with `{'logged_in': True, 'uid': uid}`, as
    /// Evennia's login sends) and records it in the table. The Portal keeps
    /// this across Server restarts: the next PSYNC lists the session as
    /// logged in with this uid.
    pub async fn login(&self, sessid: SessId, uid: i64) -> Result<Receipt, SendError> {
        let data = SessionData::from(Kwargs::new().with("logged_in", true).with("uid", uid));
        self.login_with(sessid, data).await
    }

    /// Sends SLOGIN with any session data (for example with `uname` too):
    /// the Portal loads it into its session. Recorded in the table.
    pub async fn login_with(&self, sessid: SessId, sessiondata: SessionData) -> Result<Receipt, SendError> {
        self.table.update(sessid, &sessiondata);
        self.outbox.send(Payload::Admin(AdminFromServer::Slogin { sessid, sessiondata })).await
    }

    /// Disconnects a session (SDISCONN) and removes it from the table at
    /// once. The Portal shows `reason` to the player first, if given. (No
    /// [`SessionDisconnected`](super::ServerEvent::SessionDisconnected)
    /// follows: the game knows.)
    pub async fn disconnect(&self, sessid: SessId, reason: Option<&str>) -> Result<Receipt, SendError> {
        self.table.remove(sessid);
        let reason = reason.map(str::to_owned);
        self.outbox.send(Payload::Admin(AdminFromServer::Sdisconn { sessid, reason })).await
    }

    /// Disconnects every session (SDISCONNALL) and empties the table.
    pub async fn disconnect_all(&self, reason: Option<&str>) -> Result<Receipt, SendError> {
        self.table.clear();
        let reason = reason.map(str::to_owned);
        self.outbox.send(Payload::Admin(AdminFromServer::Sdisconnall { reason })).await
    }

    /// Stores every session's data on the Portal (SSYNC), as Evennia's
    /// `all_sessions_portal_sync`.
    pub async fn sync_sessions(&self) -> Result<Receipt, SendError> {
        let sessions = self.table.sync_data();
        self.outbox.send(Payload::Admin(AdminFromServer::Ssync { sessions, clean: None })).await
    }

    /// Sends any admin message, except those that make a stock Portal start
    /// Evennia's own Server (SRELOAD, SRESET): [`SendError::Forbidden`].
    pub async fn admin(&self, admin: AdminFromServer) -> Result<Receipt, SendError> {
        if admin.starts_evennia_server() {
            if let Some(op) = admin.operation() {
                return Err(SendError::Forbidden(op));
            }
        }
        self.outbox.send(Payload::Admin(admin)).await
    }

    /// Calls `module.function(*args, **kwargs)` on the Portal with
    /// FunctionCall. (A real Evennia 6.1 Portal answers every call with
    /// `EXCEPTION`: see [`crate::role::function_call`].)
    pub async fn function_call(
        &self,
        module: &str,
        function: &str,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> Result<Value, CallFunctionError> {
        let peer = self.outbox.peer().unwrap_or_else(amp_runtime::Peer::detached);
        // Counted until answered: the Server keeps reading meanwhile.
        let _awaiting = self.flow.awaiting();
        call_function(&peer, module, function, args, kwargs).await
    }

    /// Asks the Server to stop: the connection is closed (running handlers
    /// finish first, for up to 2 s), no reconnection follows, the event
    /// stream ends. Returns at once; see [`stopped`](Self::stopped).
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Waits until the Server has stopped (after [`stop`](Self::stop) or
    /// the Portal's SSHUTD).
    pub async fn stopped(&self) {
        let mut rx = self.stopped.clone();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Whether the Server has stopped.
    pub fn is_stopped(&self) -> bool {
        *self.stopped.borrow()
    }
}
