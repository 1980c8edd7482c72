//! A real Evennia 6.1 Portal for end-to-end tests, without Evennia's Server.
//!
//! ```no_run
//! # async fn demo() {
//! use amp_tests::evennia::{EvenniaGame, TelnetClient, StandinServer};
//! use std::time::Duration;
//! let game = EvenniaGame::create();          // a game folder with private loopback ports
//! let portal = game.start_portal();          // the Portal alone; killed when dropped
//! let server = StandinServer::start(portal.amp_addr()); // or the Rust Server under test
//! let mut player = TelnetClient::connect(portal.telnet_addr()).await.unwrap();
//! player.read_until("Welcome", Duration::from_secs(10)).await.unwrap();
//! let portal = portal.restart();              // same ports, new process
//! # }
//! ```
//!
//! Pieces (the Python side is in `tests/evennia/`, run with the ev61 venv):
//! - [`EvenniaGame`]: `evennia --init` + `evennia migrate` run once into a
//!   template cached under `target/amp-tests/evennia-template/` (15 to 45 s
//!   the first time), then copied per game (well under a second). Settings:
//!   every interface 127.0.0.1 (`LOCKDOWN_MODE` too), private ports,
//!   `MAX_CONNECTION_RATE` 100 (default 2), nothing that dials out.
//! - [`PortalGuard`]: the Portal's twistd process, started alone (no Server),
//!   ready when it reports every listener bound; stopped with SIGTERM (then
//!   SIGKILL) by pid on [`stop`](PortalGuard::stop) or drop. Children are also
//!   tied to the test process with `PR_SET_PDEATHSIG`, so a killed test run
//!   leaves no Portal behind.
//! - [`TelnetClient`]: a player, refusing every telnet option.
//! - [`StockGameGuard`]: Evennia's own Portal and Server, started by
//!   `evennia start` and stopped by `evennia stop` (then by pid).
//! - [`StandinServer`]: a Python stand-in for Evennia's Server built from
//!   Evennia's own AMP commands, reporting what it sees as JSON events.
//!
//! # Portal behaviour a Server implementation must expect (Evennia 6.1)
//! - The Server is the AMP client. Its first box must be AdminServer2Portal
//!   PSYNC `(0, {operation: "\x03", spid, info_dict})`; that call makes the
//!   connection the Portal's `server_connection`. Before it answers, the
//!   Portal calls AdminPortal2Server PSYNC `{server_restart_mode, sessiondata,
//!   portal_start_time}` (its own `_ask`): the Server must answer it.
//! - Any AMP connection (even a port probe) becomes the Portal's
//!   `amp_protocol` (the last one made wins). Until a Server has sent PSYNC,
//!   PCONN is *broadcast* to the open AMP connections. A player who connected
//!   while no AMP connection existed gets PCONN as soon as one opens (before
//!   the PSYNC exchange ends) *and* is listed in the PSYNC `sessiondata`: a
//!   Server must accept both. If a probe connected and closed first, that
//!   PCONN goes nowhere and only `sessiondata` has the session (both seen
//!   with the stand-in). The harness never probes the AMP or telnet port:
//!   readiness comes from the Portal process itself.
//! - A player connecting gives PCONN at once, then PCONNSYNC when telnet
//!   negotiation ends (at most 2 s later, sooner when the client answers every
//!   option as [`TelnetClient`] does). Typed lines arrive as MsgPortal2Server
//!   `{text: [[line], {}]}` (with the line's `\n`), hang-ups as PDISCONN.
//! - On SIGTERM the Portal sends AdminPortal2Server PDISCONNALL and SSHUTD to
//!   its Server before closing (with no AMP connection ever made it logs an
//!   `AttributeError` traceback instead: Evennia's bug, harmless).
//! - SRELOAD/SRESET from the Server make a stock Portal launch Evennia's own
//!   Python Server once the connection drops. The harness Portal refuses and
//!   records the request instead ([`PortalGuard::server_start_requests`]),
//!   unless [`PortalOptions::allow_server_start`] is set.
//! - `evennia migrate` on an already migrated database recurses without end
//!   when stdin is not a TTY (its superuser prompt): migrate runs only once,
//!   on the fresh template.

mod amp_portal;
mod game;
mod launch;
mod portal;
mod process;
mod script;
mod scripted;
mod standin;
mod stock_game;
mod telnet;

pub use amp_portal::{is_evennia_server, kill_leftover_server, launcher_path, AmpPortalGuard, SUPERUSER};
pub use game::{template_cache, EvenniaGame, EvenniaPorts, GameTimings};
pub use portal::{PortalGuard, PortalOptions};
pub use script::{run_script, Action, Script, ScriptRun, Step, StepRecord, Until};
pub use scripted::{ClientProfile, ScriptedClient, TelnetCommand, Transcript};
pub use standin::StandinServer;
pub use stock_game::{is_evennia_portal, portal_pid, StockGameGuard};
pub use telnet::{TelnetClient, TelnetError, TelnetParser};
