//! What the Server role tells the game.

use crate::payload::message::Message;
use crate::payload::session::SessionData;
use crate::payload::SessId;

/// A player's session as the Server knows it: the id and the data the Portal
/// synced (updated by PCONNSYNC and by this Server's own logins).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The session id (the Portal's numbering).
    pub sessid: SessId,
    /// The synced data.
    pub data: SessionData,
}

impl Session {
    /// Whether the session is logged in (SLOGIN was sent for it).
    pub fn logged_in(&self) -> bool {
        self.data.logged_in()
    }

    /// The account id it logged in with.
    pub fn uid(&self) -> Option<i64> {
        self.data.uid()
    }

    /// `telnet`, `ssh`, `webclient/websocket`, ...
    pub fn protocol_key(&self) -> Option<&str> {
        self.data.protocol_key()
    }

    /// The client's address, when it is a string.
    pub fn address(&self) -> Option<&str> {
        self.data.address()
    }
}

/// How the Portal asked the Server to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownMode {
    /// SSHUTD: stop (`evennia stop`, or the Portal itself stopping).
    Shutdown,
    /// SRELOAD: stop to be restarted, sessions kept (`evennia reload`).
    Reload,
    /// SRESET: stop to be restarted cold (`evennia reset`).
    Reset,
}

impl ShutdownMode {
    /// Evennia's name: `shutdown`, `reload`, `reset`.
    pub fn as_str(self) -> &'static str {
        match self {
            ShutdownMode::Shutdown => "shutdown",
            ShutdownMode::Reload => "reload",
            ShutdownMode::Reset => "reset",
        }
    }
}

/// Something that happened on the Portal side, in the order the Portal sent it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// The handshake with the Portal is done (after each (re)connection):
    /// the Portal answered this Server's PSYNC. [`Synced`](Self::Synced)
    /// came just before.
    Connected {
        /// The Portal's AMP address.
        portal: String,
    },
    /// The Portal's PSYNC: the session table now holds exactly `sessions`
    /// (players who stayed connected while the Server was away are here).
    Synced {
        /// How the previous Server stopped (`"shutdown"`, `"reload"`,
        /// `"reset"`), as the Portal remembers it; `None` when unknown.
        restart_mode: Option<String>,
        /// When the Portal started (Unix seconds).
        portal_start_time: Option<f64>,
        /// Every session the Portal holds.
        sessions: Vec<Session>,
        /// Sessions this Server knew that the Portal no longer has.
        dropped: Vec<Session>,
    },
    /// PCONN: a player connected.
    SessionConnected(Session),
    /// PCONNSYNC: the Portal updated a session's data (telnet negotiation
    /// finished: screen width, encoding, ...).
    SessionSynced(Session),
    /// PDISCONN (or PDISCONNALL): a player's connection closed. Not sent for
    /// sessions this Server disconnected itself.
    SessionDisconnected(Session),
    /// MsgPortal2Server: input from a player (`message.line()` is the typed line).
    Input {
        /// The session.
        sessid: SessId,
        /// The input functions and their arguments.
        message: Message,
    },
    /// The AMP connection to the Portal was lost; the Server reconnects
    /// with Evennia's backoff. Sessions are kept until the next
    /// [`Synced`](Self::Synced).
    Disconnected {
        /// Why.
        reason: String,
    },
    /// The Portal asked the Server to stop (SSHUTD, or SRELOAD / SRESET,
    /// after which this Server syncs its sessions to the Portal first). The
    /// Server closes its connection and does not reconnect; this is the last
    /// event.
    Shutdown {
        /// How.
        mode: ShutdownMode,
    },
}
