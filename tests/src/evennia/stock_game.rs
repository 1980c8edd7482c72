//! A game run entirely by Evennia's own launcher: `evennia start` with no
//! Portal running starts Evennia's own Portal and Server (both twistd
//! daemons), `evennia stop` stops both.
//!
//! The daemons are not children of the test (twistd forks away from the
//! launcher), so nothing ties them to the test process: the
//! [`StockGameGuard`] stops them on [`stop`](StockGameGuard::stop), on
//! drop and on panic, first with `evennia stop`, then by SIGKILL on what
//! is left in `server/portal.pid` / `server/server.pid`, each pid checked
//! by its `/proc/<pid>/cmdline` to be this Evennia's Portal or Server.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::amp_portal::{is_evennia_server, server_pid};
use super::game::{EvenniaGame, EvenniaPorts};
use super::process::tail;

/// How long one launcher run may take (it starts Django, and the Server).
const LAUNCHER: Duration = Duration::from_secs(180);

/// Evennia's own Portal and Server on a game, started by `evennia start`.
pub struct StockGameGuard {
    game: EvenniaGame,
    running: bool,
}

impl StockGameGuard {
    /// Runs `evennia start` on `game` (no Portal of it may be running) and
    /// returns once the launcher reports the Server started; panics with the
    /// launcher's output otherwise. On a fresh game the Server then resets
    /// itself once: see [`EvenniaGame::wait_first_reset`].
    pub fn start(game: &EvenniaGame) -> StockGameGuard {
        assert!(
            !game.inner.portal_running.swap(true, Ordering::SeqCst),
            "a Portal of this game is already running (stop it first)"
        );
        // A pid file left by a killed run would make twistd refuse to start.
        for file in ["server/portal.pid", "server/server.pid"] {
            let _ = std::fs::remove_file(game.dir().join(file));
        }
        let guard = StockGameGuard { game: game.clone(), running: true };
        let mut out = launcher_text(&game.evennia(&["start"], LAUNCHER));
        if out.contains("Portal starting") && out.contains("Connection to Evennia timed out") {
            // The launcher gives a new Portal 10 s (20 status polls, 0.5 s
            // apart) to answer; a loaded machine can need more (its start-up
            // is about 8 s of CPU). The Portal is still starting: once it
            // answers `evennia status`, `evennia start` starts the Server.
            guard.wait_portal_answers(LAUNCHER);
            out.push_str(&launcher_text(&game.evennia(&["start"], LAUNCHER)));
        }
        assert!(
            out.contains("... Server started."),
            "evennia start did not start Evennia's Portal and Server:\n{out}\n--- portal.log ---\n{}",
            tail(&game.portal_log(), 40)
        );
        guard
    }

    /// Polls `evennia status` until it reports the Portal running.
    fn wait_portal_answers(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let status = launcher_text(&self.game.evennia(&["status"], LAUNCHER));
            if status.contains("Portal: RUNNING") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Evennia's Portal did not answer within {limit:?}:\n{status}\n--- portal.log ---\n{}",
                tail(&self.game.portal_log(), 40)
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The telnet address (the game's `TELNET_PORTS`, on 127.0.0.1).
    pub fn telnet_addr(&self) -> SocketAddr {
        EvenniaPorts::loopback(self.game.ports().telnet)
    }

    /// The Portal's pid, when `server/portal.pid` names Evennia's Portal.
    pub fn portal_pid(&self) -> Option<libc::pid_t> {
        portal_pid(self.game.dir()).filter(|pid| is_evennia_portal(*pid))
    }

    /// `evennia stop`; returns what the launcher printed, once neither
    /// process is left (whatever is left after it is killed, by pid).
    pub fn stop(mut self) -> String {
        self.shut_down()
    }

    fn shut_down(&mut self) -> String {
        if !self.running {
            return String::new();
        }
        self.running = false;
        let out = launcher_text(&self.game.evennia(&["stop"], LAUNCHER));
        kill_leftovers(self.game.dir(), Duration::from_secs(10));
        self.game.inner.portal_running.store(false, Ordering::SeqCst);
        out
    }
}

impl Drop for StockGameGuard {
    fn drop(&mut self) {
        if !self.running {
            return;
        }
        // During a panic the launcher itself may fail; the pid files decide.
        let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.shut_down()));
        if stopped.is_err() {
            kill_leftovers(self.game.dir(), Duration::ZERO);
            self.game.inner.portal_running.store(false, Ordering::SeqCst);
        }
    }
}

/// What a launcher run printed, stdout then stderr.
pub(crate) fn launcher_text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The pid in `server/portal.pid`, if any.
pub fn portal_pid(game: &Path) -> Option<libc::pid_t> {
    std::fs::read_to_string(game.join("server/portal.pid")).ok()?.trim().parse().ok()
}

/// Whether `pid` runs Evennia's Portal (`.../evennia/server/portal/portal.py`).
pub fn is_evennia_portal(pid: libc::pid_t) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains("evennia/server/portal/portal.py"))
        .unwrap_or(false)
}

/// Waits up to `grace` for the game's Server and Portal to exit, then
/// SIGKILLs each one still running (by its pid file, checked by cmdline).
fn kill_leftovers(game: &Path, grace: Duration) {
    let deadline = Instant::now() + grace;
    let server = server_pid(game).filter(|p| is_evennia_server(*p));
    let portal = portal_pid(game).filter(|p| is_evennia_portal(*p));
    let alive = |pid: Option<libc::pid_t>, check: fn(libc::pid_t) -> bool| pid.is_some_and(check);
    while (alive(server, is_evennia_server) || alive(portal, is_evennia_portal)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for (pid, check) in [(server, is_evennia_server as fn(libc::pid_t) -> bool), (portal, is_evennia_portal)] {
        if let Some(pid) = pid.filter(|p| check(*p)) {
            // SAFETY: kill(2) on a pid just checked (by its cmdline) to be
            // this game's Evennia Server or Portal.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}
