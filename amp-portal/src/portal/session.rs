//! A protocol's view of its session: [`SessionHandle`].

use std::sync::Arc;
use std::time::Instant;

use amp_evennia::codec::pickle::Value;
use amp_evennia::payload::admin::AdminFromPortal;
use amp_evennia::payload::message::Message;
use amp_evennia::payload::session::SessionData;
use amp_evennia::payload::SessId;
use amp_evennia::Kwargs;
use tokio::sync::{mpsc, Notify};

use super::state::Entry;
use super::{lock, unix_now, Portal, PortalEvent};

/// What the Portal hands a session's protocol, in order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToSession {
    /// Output for the player (`MsgServer2Portal`, or the Portal's own
    /// messages as `text`): each command goes to the protocol's
    /// `send_<name>` (`text`, `prompt`, anything else out-of-band).
    Output(Message),
    /// A line written as it is, no markup (Evennia's `session.sendLine`).
    Line(String),
    /// The Server changed protocol flags (SLOGIN, SSYNC, the `options`
    /// command): merge these into the protocol's own.
    Flags(Kwargs),
    /// The Server logged the session in (SLOGIN).
    LoggedIn,
    /// Close the connection, after showing `reason` (SDISCONN,
    /// SDISCONNALL, the Portal stopping with an empty reason).
    Disconnect(Option<String>),
}

/// Bounds on a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Messages queued for a protocol that does not keep up; past it the
    /// session is closed (a client that stopped reading). 1,024.
    pub output_queue: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits { output_queue: 1024 }
    }
}

/// One session, as its protocol holds it. Dropping it closes the session
/// (PDISCONN), as Evennia's `connectionLost` does.
pub struct SessionHandle {
    pub(crate) portal: Portal,
    pub(crate) sessid: SessId,
    pub(crate) rx: mpsc::Receiver<ToSession>,
    pub(crate) kill: Arc<Notify>,
    /// Evennia's `command_counter_reset` and `command_counter`.
    pub(crate) counter: Option<(Instant, u64)>,
    /// The Portal closed the session ([`recv`](SessionHandle::recv) ends).
    pub(crate) closed: bool,
}

impl std::fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionHandle").field("sessid", &self.sessid).finish_non_exhaustive()
    }
}

impl Portal {
    /// A player connected: a new session with Evennia's initial session data
    /// for `protocol_key` (`"telnet"`, ...) from `address`, and the flags
    /// the protocol set before connecting (`ENCODING` from `ENCODINGS[0]`).
    /// It enters the connection queue; the Server hears of it once the
    /// queue lets it through.
    pub fn open_session(&self, protocol_key: &str, address: &str, flags: Kwargs) -> SessionHandle {
        let (tx, rx) = mpsc::channel(self.shared.limits.output_queue.max(1));
        let kill = Arc::new(Notify::new());
        let (sessid, queued) = {
            let mut state = lock(&self.shared.state);
            let sessid = state.next_sessid();
            let mut data = SessionData::telnet(sessid, address, unix_now());
            data.set("protocol_key", protocol_key);
            merge_flags(&mut data, &flags);
            state.sessions.insert(sessid, Entry { data, tx, kill: kill.clone(), admitted: false });
            state.queue.push_back(sessid);
            (sessid, state.queue.len())
        };
        if queued > 1 {
            let settings = &self.shared.settings;
            let text =
                super::admission::dos_protection_text(&settings.servername, queued, 1.0 / settings.max_connection_rate);
            let _ = tx_for(self, sessid).map(|tx| self.deliver(sessid, &tx, ToSession::Output(Message::text(text))));
        }
        self.shared.admission.notify_one();
        SessionHandle { portal: self.clone(), sessid, rx, kill, counter: None, closed: false }
    }
}

fn tx_for(portal: &Portal, sessid: SessId) -> Option<mpsc::Sender<ToSession>> {
    lock(&portal.shared.state).sessions.get(&sessid).map(|e| e.tx.clone())
}

/// Merges `flags` into the session's `protocol_flags` (Evennia's
/// `protocol_flags.update(...)`).
pub(crate) fn merge_flags(data: &mut SessionData, flags: &Kwargs) {
    if flags.is_empty() {
        return;
    }
    let update = SessionData::from(Kwargs::new().with("protocol_flags", flags.to_value()));
    data.update(&update);
}

impl SessionHandle {
    /// Its session id.
    pub fn sessid(&self) -> SessId {
        self.sessid
    }

    /// The next thing to do for the player; `None` once the Portal has
    /// closed the session (its queue overflowed, or the Portal stopped).
    pub async fn recv(&mut self) -> Option<ToSession> {
        if self.closed {
            return None;
        }
        tokio::select! {
            biased;
            next = self.rx.recv() => next,
            () = self.kill.notified() => {
                self.closed = true;
                None
            }
        }
    }

    /// The session's data as the Portal holds it now.
    pub fn data(&self) -> Option<SessionData> {
        lock(&self.portal.shared.state).sessions.get(&self.sessid).map(|e| e.data.clone())
    }

    /// The protocol changed flags (telnet negotiation): merged into the
    /// session's data, which the next PCONNSYNC carries.
    pub fn set_flags(&self, flags: &Kwargs) {
        if let Some(entry) = lock(&self.portal.shared.state).sessions.get_mut(&self.sessid) {
            merge_flags(&mut entry.data, flags);
        }
    }

    /// Evennia's `sessionhandler.sync(session)` (telnet negotiation ended,
    /// or a NAWS resize with AUTORESIZE): PCONNSYNC with the keys the Portal
    /// owns, if the Server already knows the session.
    pub fn sync(&self) {
        let (peer, session) = {
            let state = lock(&self.portal.shared.state);
            let Some(entry) = state.sessions.get(&self.sessid).filter(|e| e.admitted) else { return };
            let Some(peer) = state.server_peer() else { return };
            let mut subset = Kwargs::new();
            for (key, value) in entry.data.kwargs().iter() {
                if PCONNSYNC_KEYS.contains(&key) {
                    subset.insert(key, value.clone());
                }
            }
            (peer, SessionData::from(subset))
        };
        let admin = AdminFromPortal::Pconnsync { sessid: self.sessid, session };
        self.portal.admin_to(&peer, admin);
    }

    /// Closes the session (the connection is gone): PDISCONN, as Evennia's
    /// `connectionLost`. Dropping the handle does the same.
    pub fn close(self) {}

    /// A value the Portal holds for this session, by key.
    pub fn get(&self, key: &str) -> Option<Value> {
        lock(&self.portal.shared.state).sessions.get(&self.sessid).and_then(|e| e.data.get(key).cloned())
    }
}

impl Drop for SessionHandle {
    fn drop(&mut self) {
        // A no-op when the Portal closed the session itself.
        self.portal.session_gone(self.sessid);
    }
}

/// The keys PCONNSYNC carries (`portalsessionhandler.sync`).
const PCONNSYNC_KEYS: &[&str] =
    &["protocol_key", "address", "sessid", "csessid", "conn_time", "protocol_flags", "server_data"];

impl Portal {
    /// A session's connection closed (`sessionhandler.disconnect`): out of
    /// the queue silently, or out of the table with PDISCONN.
    pub(crate) fn session_gone(&self, sessid: SessId) {
        let (entry, peer) = {
            let mut state = lock(&self.shared.state);
            (state.remove(sessid), state.server_peer())
        };
        let Some(entry) = entry else { return };
        self.emit(PortalEvent::SessionClosed { sessid });
        if entry.admitted {
            if let Some(peer) = peer {
                self.admin_to(&peer, AdminFromPortal::Pdisconn { sessid });
            }
        }
    }
}
