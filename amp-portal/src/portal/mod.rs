//! The Portal: every player's session, the AMP link to Evennia's Server and
//! to the launcher, and the Server's process, as Evennia 6.1's Portal keeps
//! them (`portalsessionhandler.py`, `amp_server.py`, `service.py`).
//!
//! A protocol (telnet, or a test driving sessions by hand) opens a session
//! with [`Portal::open_session`] and gets a [`SessionHandle`]: what the
//! player sends goes in through it ([`SessionHandle::text_input`], out-of-band
//! input), what the game sends comes out of it as [`ToSession`] values, in
//! order. Everything else is the Portal's own business:
//! - new sessions pass the connection queue (`MAX_CONNECTION_RATE`), then
//!   the Server hears of them (PCONN, later PCONNSYNC);
//! - input passes `MAX_CHAR_LIMIT` and `MAX_COMMAND_RATE` with Evennia's
//!   messages, then goes to the Server as `MsgPortal2Server`;
//! - the Server's PSYNC gets every session back, its admin operations
//!   (SLOGIN, SDISCONN, SSYNC, SRELOAD ...) are carried out, its output is
//!   routed to the sessions;
//! - the launcher's operations (SSTART, SRELOAD, SRESET, SSHUTD, PSHUTD,
//!   PSTATUS) start, restart and stop the Server process and the Portal.
//!
//! Where this differs from Evennia's Portal on purpose:
//! - A session that connects while no Server is connected is added all the
//!   same and reaches the Server in its PSYNC (Evennia's queue waits for a
//!   first AMP connection of any kind, then broadcasts PCONN to whatever AMP
//!   connections exist, the launcher's included).
//! - Input while no Server is connected is answered with
//!   [`NO_SERVER_TEXT`] instead of vanishing.
//! - A session whose output queue is full (a client that stopped reading)
//!   is closed with a log line; Evennia buffers without a bound.
//! - SSYNC with `clean` closes the sessions the Server did not list (Evennia
//!   raises there, its `server_disconnect` being given a session id).
//! - PDISCONN is sent once per closed session (Evennia sends it twice after
//!   SDISCONN).
//! - Starting the Server does not block the Portal (Evennia's waits for
//!   `twistd` to daemonize, 3-5 s).

mod admission;
mod commands;
mod handler;
mod input;
mod launcher;
mod server;
mod session;
mod state;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amp_evennia::role::function_call::FunctionRegistry;
use amp_evennia::PackedDataCodec;
use amp_runtime::server::{Server, ServerHandle};
use amp_runtime::{ConnectionConfig, Peer};
use tokio::sync::{broadcast, watch, Notify};

use crate::process::ServerProcess;
use crate::settings::Settings;

pub use input::InputOutcome;
pub use launcher::interface_suffix;
pub use session::{SessionHandle, SessionLimits, ToSession};

use state::State;

/// What a player who types while no Server is connected is told (Evennia's
/// Portal drops such input without a word).
pub const NO_SERVER_TEXT: &str = "The game is not running right now (it may be restarting); your input was not sent.";

/// Something the Portal did, for logs and tests ([`Portal::events`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PortalEvent {
    /// A Server connected and sent PSYNC.
    ServerConnected {
        /// Its process id (`spid`).
        spid: Option<i64>,
    },
    /// The Server's AMP connection closed.
    ServerDisconnected,
    /// The Portal started a Server process (the pid of `twistd` before it
    /// daemonizes).
    ServerStarted {
        /// The started process.
        pid: u32,
    },
    /// A session reached the Server (PCONN sent, or listed in PSYNC).
    SessionAdmitted {
        /// The session.
        sessid: u64,
    },
    /// The Server logged a session in (SLOGIN).
    SessionLoggedIn {
        /// The session.
        sessid: u64,
    },
    /// A session closed.
    SessionClosed {
        /// The session.
        sessid: u64,
    },
    /// A call to the Server failed: it answered an error, or its
    /// connection dropped before the answer. The call is not repeated (what
    /// it carried, a player's input say, is lost; Evennia's Portal only
    /// logs such a failure, as this one also does).
    ServerCallFailed {
        /// The command: `MsgPortal2Server` or `AdminPortal2Server`.
        command: &'static str,
        /// What went wrong.
        error: String,
    },
    /// The Portal is stopping.
    ShuttingDown,
}

/// Why the Portal stopped ([`Portal::stopped`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// PSHUTD (`evennia stop`).
    Pshutd,
    /// [`Portal::shutdown`] (a signal, in the binary).
    Requested,
}

/// A running Portal. Cheap to clone.
#[derive(Clone)]
pub struct Portal {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal").field("amp", &self.amp_addr()).finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    pub(crate) settings: Arc<Settings>,
    pub(crate) state: Mutex<State>,
    pub(crate) packer: PackedDataCodec,
    pub(crate) start_time: f64,
    pub(crate) functions: FunctionRegistry,
    pub(crate) process: ServerProcess,
    pub(crate) limits: SessionLimits,
    pub(crate) info: amp_evennia::Kwargs,
    pub(crate) admission: Notify,
    /// The Server's calls take turns on it, in the order they arrived (see
    /// the `handler` module).
    pub(crate) arrival: tokio::sync::Mutex<()>,
    pub(crate) events: broadcast::Sender<PortalEvent>,
    pub(crate) stop: watch::Sender<Option<StopReason>>,
    pub(crate) amp: Mutex<Option<ServerHandle>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Seconds since the Unix epoch, as Python's `time.time()`.
pub fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// How a [`Portal`] is built ([`Portal::builder`]).
pub struct PortalBuilder {
    settings: Settings,
    functions: FunctionRegistry,
    limits: SessionLimits,
    listeners: Vec<(String, Vec<String>)>,
}

impl PortalBuilder {
    /// Answers FunctionCall with `functions`.
    pub fn functions(mut self, functions: FunctionRegistry) -> Self {
        self.functions = functions;
        self
    }

    /// Bounds on each session (output queue length ...).
    pub fn session_limits(mut self, limits: SessionLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Adds an entry to the info table `evennia info` prints (`key` is one
    /// of Evennia's list entries: `telnet`, `webclient`, ...).
    pub fn listener_info(mut self, key: &str, line: String) -> Self {
        match self.listeners.iter_mut().find(|(k, _)| k == key) {
            Some((_, lines)) => lines.push(line),
            None => self.listeners.push((key.to_owned(), vec![line])),
        }
        self
    }

    /// Listens for AMP on `AMP_INTERFACE:AMP_PORT` and starts.
    pub async fn start(self) -> std::io::Result<Portal> {
        let addr = format!("{}:{}", self.settings.amp_interface, self.settings.amp_port);
        self.start_on(addr).await
    }

    /// Listens for AMP on `addr` (for tests: `127.0.0.1:0`) and starts.
    pub async fn start_on(self, addr: impl tokio::net::ToSocketAddrs) -> std::io::Result<Portal> {
        let settings = Arc::new(self.settings);
        let process = ServerProcess::new(
            settings.game_dir.clone(),
            settings.server_log_file.clone(),
            settings.python.clone(),
            settings.python_path.clone(),
        );
        let info = launcher::info_dict(&settings, &self.listeners);
        let twistd_cmd = match &settings.evennia_dir {
            Some(dir) => process.backup_command(dir),
            None => Vec::new(),
        };
        let (events, _) = broadcast::channel(1024);
        let (stop, _) = watch::channel(None);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(twistd_cmd)),
            packer: PackedDataCodec::default(),
            start_time: unix_now(),
            functions: self.functions,
            process,
            limits: self.limits,
            info,
            admission: Notify::new(),
            arrival: tokio::sync::Mutex::new(()),
            events,
            stop,
            amp: Mutex::new(None),
            settings,
        });
        let portal = Portal { shared };
        // Evennia's Portal answers a non-AMP first byte with its HTTP text.
        let config = ConnectionConfig::default().with_non_amp_reply(amp_evennia::role::portal::EVENNIA_HTTP_REPLY);
        let dispatcher = commands::PortalAmpDispatcher::new(handler::Handler { portal: portal.clone() });
        let amp = Server::builder().config(config).bind_tcp(addr, dispatcher).await?;
        *lock(&portal.shared.amp) = Some(amp);
        tokio::spawn(admission::run(portal.clone()));
        Ok(portal)
    }
}

impl Portal {
    /// A Portal for `settings`.
    pub fn builder(settings: Settings) -> PortalBuilder {
        PortalBuilder {
            settings,
            functions: FunctionRegistry::new(),
            limits: SessionLimits::default(),
            listeners: Vec::new(),
        }
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    /// Where it listens for AMP.
    pub fn amp_addr(&self) -> Option<SocketAddr> {
        lock(&self.shared.amp).as_ref().and_then(ServerHandle::tcp_addr)
    }

    /// What the Portal does, from now on.
    pub fn events(&self) -> broadcast::Receiver<PortalEvent> {
        self.shared.events.subscribe()
    }

    pub(crate) fn emit(&self, event: PortalEvent) {
        let _ = self.shared.events.send(event);
    }

    /// Whether a Server is connected (has sent PSYNC and is still there).
    pub fn server_connected(&self) -> bool {
        lock(&self.shared.state).server_peer().is_some()
    }

    /// The number of logged-in sessions (MSSP's `PLAYERS`, Evennia's
    /// `count_loggedin()`).
    pub fn logged_in_count(&self) -> usize {
        lock(&self.shared.state).sessions.values().filter(|e| e.admitted && e.data.logged_in()).count()
    }

    /// The Server's AMP connection, while a Server is connected (has sent
    /// PSYNC and is still there): for calls the Portal never makes on its
    /// own (the Server's `MsgStatus`, `FunctionCall` to the game's
    /// functions) and for tests that watch the wire ([`Peer::flush`],
    /// [`Peer::outstanding_calls`]).
    pub fn server_peer(&self) -> Option<Peer> {
        lock(&self.shared.state).server_peer()
    }

    /// The number of sessions the Server knows of.
    pub fn session_count(&self) -> usize {
        lock(&self.shared.state).admitted_count()
    }

    /// Stops the Portal as Evennia's does on SIGTERM: every player is told
    /// (an empty line) and disconnected, the Server is told (PDISCONNALL,
    /// then SSHUTD when `stop_server`), and [`stopped`](Self::stopped)
    /// returns.
    pub async fn shutdown(&self, stop_server: bool) {
        launcher::shutdown(self, stop_server, StopReason::Requested).await;
    }

    /// Waits until the Portal has stopped (PSHUTD or [`shutdown`](Self::shutdown)).
    pub async fn stopped(&self) -> StopReason {
        let mut rx = self.shared.stop.subscribe();
        loop {
            if let Some(reason) = *rx.borrow_and_update() {
                return reason;
            }
            if rx.changed().await.is_err() {
                return StopReason::Requested;
            }
        }
    }

    /// Closes the AMP listener and every AMP connection (for tests: the
    /// Server sees the Portal vanish).
    pub async fn close_amp(&self) {
        let amp = lock(&self.shared.amp).take();
        if let Some(amp) = amp {
            amp.shutdown(Duration::from_secs(1)).await;
        }
    }
}
