//! The Portal process: start, wait until ready, stop by pid.

use std::fs::File;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{workspace_root, Peer};

use super::game::{EvenniaPorts, GameInner};
use super::process::{spawn_tied, tail, terminate};

const READY: &str = "HARNESS-PORTAL-READY ";
const SERVER_START: &str = "HARNESS-SERVER-START-REFUSED ";

/// How the Portal is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortalOptions {
    /// Keep typeguard's import-time instrumentation of `inflect` (the stock
    /// behaviour): start-up then takes about 8 s of CPU instead of about 2 s.
    /// Off by default (see `tests/evennia/harness_boot.py`).
    pub typeguard: bool,
    /// Let the Portal launch Evennia's own Python Server when asked (SSTART,
    /// SRELOAD, SRESET). Off by default: the request is recorded instead, so
    /// no Evennia Server process can appear behind the test's back.
    pub allow_server_start: bool,
    /// How long to wait for every listener to be bound.
    pub ready_timeout: Duration,
}

impl Default for PortalOptions {
    fn default() -> Self {
        PortalOptions { typeguard: false, allow_server_start: false, ready_timeout: Duration::from_secs(90) }
    }
}

/// A running Evennia Portal (twistd, no Server). Dropping it stops the
/// process: SIGTERM, then SIGKILL after 5 s.
pub struct PortalGuard {
    child: Option<Child>,
    game: Arc<GameInner>,
    options: PortalOptions,
    output: PathBuf,
    listening: Vec<(String, SocketAddr)>,
    startup: Duration,
}

impl PortalGuard {
    pub(crate) fn start(game: Arc<GameInner>, options: PortalOptions) -> PortalGuard {
        assert!(
            !game.portal_running.swap(true, Ordering::SeqCst),
            "a Portal of this game is already running (stop it first)"
        );
        // Unset on every failure path below by the guard's Drop.
        let mut guard = PortalGuard {
            child: None,
            game: game.clone(),
            options,
            output: PathBuf::new(),
            listening: Vec::new(),
            startup: Duration::ZERO,
        };
        let run = game.starts.fetch_add(1, Ordering::SeqCst) + 1;
        let logs = game.game.join("server/logs");
        std::fs::create_dir_all(&logs).expect("make server/logs");
        guard.output = logs.join(format!("harness-portal-{run}.out"));
        // No Portal of this game runs (checked above): a pid file left by a
        // killed run would only make twistd refuse to start, or worse, match
        // an unrelated process that reused the pid.
        let _ = std::fs::remove_file(game.game.join("server/portal.pid"));

        let out = File::create(&guard.output).expect("create the Portal output file");
        let err = out.try_clone().expect("clone the output file");
        let mut cmd = std::process::Command::new(Peer::Evennia61.python());
        cmd.arg(workspace_root().join("tests/evennia/run_portal.py"))
            .arg(&game.game)
            .current_dir(&game.game)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        if options.typeguard {
            cmd.arg("--typeguard");
        }
        if options.allow_server_start {
            cmd.arg("--allow-server-start");
        }
        let started = Instant::now();
        guard.child = Some(spawn_tied(cmd).unwrap_or_else(|e| panic!("cannot start the Portal: {e}")));

        let deadline = started + options.ready_timeout;
        let ready_line = loop {
            let text = guard.output();
            if let Some(line) = text.lines().find_map(|l| l.strip_prefix(READY)) {
                break line.to_owned();
            }
            let exited = guard.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            if let Some(status) = exited {
                panic!("the Portal exited ({status}) before it was ready:\n{}", guard.diagnostics());
            }
            if Instant::now() > deadline {
                panic!("the Portal was not ready within {:?}:\n{}", options.ready_timeout, guard.diagnostics());
            }
            std::thread::sleep(Duration::from_millis(25));
        };
        guard.startup = started.elapsed();
        let report: serde_json::Value = serde_json::from_str(&ready_line).expect("the ready line is JSON");
        let listening = report["listening"].as_object().expect("listening addresses");
        for (name, addr) in listening {
            let addr: SocketAddr = addr.as_str().and_then(|a| a.parse().ok()).expect("an address");
            assert!(addr.ip().is_loopback(), "{name} listens on {addr}, not loopback");
            guard.listening.push((name.clone(), addr));
        }
        let ports = game.ports;
        for (what, port) in [("AMP", ports.amp), ("telnet", ports.telnet)] {
            assert!(
                guard.listening.iter().any(|(_, a)| *a == EvenniaPorts::loopback(port)),
                "the Portal does not listen for {what} on 127.0.0.1:{port}: {:?}",
                guard.listening
            );
        }
        guard
    }

    /// The Portal's AMP address (a Server connects here).
    pub fn amp_addr(&self) -> SocketAddr {
        EvenniaPorts::loopback(self.game.ports.amp)
    }

    /// The telnet address (players connect here).
    pub fn telnet_addr(&self) -> SocketAddr {
        EvenniaPorts::loopback(self.game.ports.telnet)
    }

    /// The webclient's websocket address, when the web is enabled.
    pub fn websocket_addr(&self) -> Option<SocketAddr> {
        self.game.web.then(|| EvenniaPorts::loopback(self.game.ports.websocket))
    }

    /// The web proxy's address, when the web is enabled.
    pub fn web_addr(&self) -> Option<SocketAddr> {
        self.game.web.then(|| EvenniaPorts::loopback(self.game.ports.web))
    }

    /// Every listener the Portal reported, by twistd service name.
    pub fn listening(&self) -> &[(String, SocketAddr)] {
        &self.listening
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// From spawn to every listener bound.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// What the process wrote to stdout/stderr (markers and early errors;
    /// Twisted's log goes to [`EvenniaGame::portal_log`](super::EvenniaGame::portal_log)).
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.output).unwrap_or_default()
    }

    /// The Portal's log (all runs of this game).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.game.game.join("server/logs/portal.log")).unwrap_or_default()
    }

    /// Each time the Portal would have launched Evennia's own Server (after
    /// SRELOAD/SRESET from the Server, or SSTART), the command it would have
    /// run. Empty with [`PortalOptions::allow_server_start`].
    pub fn server_start_requests(&self) -> Vec<String> {
        self.output().lines().filter_map(|l| l.strip_prefix(SERVER_START)).map(str::to_owned).collect()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Stops the Portal (SIGTERM, Twisted's clean shutdown; SIGKILL after
    /// 15 s) and returns its exit status.
    pub fn stop(mut self) -> ExitStatus {
        self.shutdown(Duration::from_secs(15)).expect("stop the Portal")
    }

    /// Kills the Portal at once (SIGKILL), like a crash.
    pub fn kill(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running Portal");
        let _ = child.kill();
        let status = child.wait().expect("reap the Portal");
        self.game.portal_running.store(false, Ordering::SeqCst);
        status
    }

    /// Stops this Portal and starts a new one of the same game, on the same
    /// ports and options.
    pub fn restart(self) -> PortalGuard {
        let game = self.game.clone();
        let options = self.options;
        let status = self.stop();
        assert!(status.success() || exited_by_sigterm(status), "the Portal stopped with {status}");
        PortalGuard::start(game, options)
    }

    fn shutdown(&mut self, grace: Duration) -> std::io::Result<ExitStatus> {
        let result = match self.child.take() {
            Some(mut child) => terminate(&mut child, grace),
            None => Err(std::io::Error::other("the Portal is not running")),
        };
        self.game.portal_running.store(false, Ordering::SeqCst);
        result
    }

    fn diagnostics(&self) -> String {
        format!(
            "--- output ({}) ---\n{}\n--- portal.log (tail) ---\n{}",
            self.output.display(),
            tail(&self.output(), 40),
            tail(&self.log(), 40)
        )
    }
}

fn exited_by_sigterm(status: ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(libc::SIGTERM)
}

impl Drop for PortalGuard {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = self.shutdown(Duration::from_secs(5));
        } else if self.game.portal_running.load(Ordering::SeqCst) && self.listening.is_empty() {
            // A start that failed before spawning.
            self.game.portal_running.store(false, Ordering::SeqCst);
        }
    }
}

impl std::fmt::Debug for PortalGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalGuard")
            .field("pid", &self.pid())
            .field("amp", &self.amp_addr())
            .field("telnet", &self.telnet_addr())
            .finish()
    }
}
