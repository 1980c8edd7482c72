//! amp-portal in front of a real Evennia game, driven by Evennia's own
//! launcher.
//!
//! [`AmpPortalGuard::start`] runs the `amp-portal` binary on a game folder;
//! [`EvenniaGame::evennia`] then runs the real `evennia` command (`start`,
//! `reload`, `stop`, `status`, `info` ...) in it, which finds that Portal
//! running and has it start Evennia's Server. Dropping the guard stops the
//! Portal (SIGTERM: it stops its Server too) and then kills a Server that is
//! still running (by `server/server.pid`, checked to be Evennia's Server),
//! so a failed test leaves no daemonized Server behind.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::game::{EvenniaGame, GameInner};
use super::process::{spawn_tied, terminate};
use crate::Peer;

/// The superuser the launcher creates on a game's first start.
pub const SUPERUSER: (&str, &str) = ("admin", "harness-secret-4711");

const READY: &str = "amp-portal ready: ";

/// A running `amp-portal` for a game.
pub struct AmpPortalGuard {
    child: Option<Child>,
    game: Arc<GameInner>,
    output: PathBuf,
    log: PathBuf,
    amp: SocketAddr,
    telnet: Vec<SocketAddr>,
}

impl AmpPortalGuard {
    /// Starts `binary` (the built `amp-portal`) on `game` with `args` added;
    /// panics with its output if it is not ready within 60 s.
    pub fn start(game: &EvenniaGame, binary: &Path, args: &[&str]) -> AmpPortalGuard {
        let inner = game.inner.clone();
        assert!(
            !inner.portal_running.swap(true, Ordering::SeqCst),
            "a Portal of this game is already running (stop it first)"
        );
        let run = inner.starts.fetch_add(1, Ordering::SeqCst) + 1;
        let logs = inner.game.join("server/logs");
        std::fs::create_dir_all(&logs).expect("make server/logs");
        let output = logs.join(format!("amp-portal-{run}.out"));
        let log = logs.join(format!("amp-portal-{run}.log"));
        let _ = std::fs::remove_file(inner.game.join("server/portal.pid"));
        let out = File::create(&output).expect("create the output file");
        let err = out.try_clone().expect("clone the output file");
        let mut cmd = Command::new(binary);
        cmd.arg("--game")
            .arg(&inner.game)
            .arg("--python")
            .arg(Peer::Evennia61.python())
            .arg("--log")
            .arg(&log)
            .arg("--log-level")
            .arg("info,amp_portal=debug")
            .args(args)
            .env("PATH", launcher_path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let mut guard = AmpPortalGuard {
            child: None,
            game: inner,
            output,
            log,
            amp: SocketAddr::from(([0, 0, 0, 0], 0)),
            telnet: vec![],
        };
        guard.child = Some(spawn_tied(cmd).unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display())));
        let deadline = Instant::now() + Duration::from_secs(60);
        let line = loop {
            let text = std::fs::read_to_string(&guard.output).unwrap_or_default();
            if let Some(line) = text.lines().find_map(|l| l.strip_prefix(READY)) {
                break line.to_owned();
            }
            if let Some(status) = guard.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("amp-portal exited ({status}) before it was ready:\n{}", guard.diagnostics());
            }
            assert!(Instant::now() < deadline, "amp-portal was not ready within 60 s:\n{}", guard.diagnostics());
            std::thread::sleep(Duration::from_millis(20));
        };
        let report: serde_json::Value = serde_json::from_str(&line).expect("the ready line is JSON");
        guard.amp = report["amp"].as_str().and_then(|a| a.parse().ok()).expect("the AMP address");
        guard.telnet = report["telnet"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
            .unwrap_or_default();
        for addr in std::iter::once(&guard.amp).chain(&guard.telnet) {
            assert!(addr.ip().is_loopback(), "amp-portal listens on {addr}, not loopback");
        }
        guard
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Its AMP address.
    pub fn amp_addr(&self) -> SocketAddr {
        self.amp
    }

    /// Its first telnet address.
    pub fn telnet_addr(&self) -> SocketAddr {
        *self.telnet.first().expect("amp-portal listens for telnet")
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// What it printed on stdout and stderr.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.output).unwrap_or_default()
    }

    /// Waits up to `limit` for the process to exit by itself (after
    /// `evennia stop`); `None` if it still runs.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            let status = self.child.as_mut()?.try_wait().ok().flatten();
            if let Some(status) = status {
                self.child = None;
                self.game.portal_running.store(false, Ordering::SeqCst);
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it with SIGTERM (it tells its Server to stop too) and returns
    /// its exit status.
    pub fn stop(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running amp-portal");
        let status = terminate(&mut child, Duration::from_secs(15)).expect("stop amp-portal");
        self.game.portal_running.store(false, Ordering::SeqCst);
        status
    }

    fn diagnostics(&self) -> String {
        format!("--- output ---\n{}\n--- log (tail) ---\n{}", self.output(), tail(&self.log(), 60))
    }
}

impl Drop for AmpPortalGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = terminate(&mut child, Duration::from_secs(10));
        }
        self.game.portal_running.store(false, Ordering::SeqCst);
        kill_leftover_server(&self.game.game, Duration::from_secs(10));
    }
}

/// Waits up to `grace` for the game's Server to exit, then SIGKILLs it (by
/// its pid file, if that pid is still Evennia's Server).
pub fn kill_leftover_server(game: &Path, grace: Duration) {
    let Some(pid) = server_pid(game) else { return };
    let deadline = Instant::now() + grace;
    while is_evennia_server(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if is_evennia_server(pid) {
        // SAFETY: kill(2) on a pid just checked to be this game's Server.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

/// The pid in `server/server.pid`, if any.
pub fn server_pid(game: &Path) -> Option<libc::pid_t> {
    std::fs::read_to_string(game.join("server/server.pid")).ok()?.trim().parse().ok()
}

/// Whether `pid` runs Evennia's Server (`.../evennia/server/server.py`).
pub fn is_evennia_server(pid: libc::pid_t) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains("evennia/server/server.py"))
        .unwrap_or(false)
}

/// `PATH` for the launcher and the Server: the ev61 venv's `bin/` first (a
/// stock Portal finds `twistd` there).
pub fn launcher_path() -> std::ffi::OsString {
    let mut parts = vec![Peer::Evennia61.bin_dir()];
    if let Some(path) = std::env::var_os("PATH") {
        parts.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(parts).expect("a PATH")
}

impl EvenniaGame {
    /// Runs Evennia's own launcher, `evennia ARGS`, in the game folder (stdin
    /// closed, the superuser [`SUPERUSER`] given by environment for a first
    /// start), and returns what it printed. Panics if it runs over `limit`.
    pub fn evennia(&self, args: &[&str], limit: Duration) -> Output {
        let mut cmd = Command::new(Peer::Evennia61.bin_dir().join("evennia"));
        cmd.args(args)
            .current_dir(&self.inner.game)
            .env("PATH", launcher_path())
            .env("EVENNIA_SUPERUSER_USERNAME", SUPERUSER.0)
            .env("EVENNIA_SUPERUSER_PASSWORD", SUPERUSER.1)
            .env("EVENNIA_SUPERUSER_EMAIL", "admin@example.invalid")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.inner.game.join(super::launch::SITECUSTOMIZE).is_file() {
            // EvenniaGame::fast_imports: the launcher imports it too.
            cmd.env("PYTHONPATH", &self.inner.game);
        }
        let child = spawn_tied(cmd).unwrap_or_else(|e| panic!("cannot run evennia {args:?}: {e}"));
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(child.wait_with_output()));
        match rx.recv_timeout(limit) {
            Ok(out) => out.expect("wait for the launcher"),
            Err(_) => {
                // SAFETY: kill(2) on the launcher this function started.
                unsafe {
                    libc::kill(pid as libc::pid_t, libc::SIGKILL);
                }
                panic!("evennia {args:?} did not finish within {limit:?}");
            }
        }
    }

    /// The Server's pid file, when its process is Evennia's Server.
    pub fn server_pid(&self) -> Option<libc::pid_t> {
        server_pid(&self.inner.game).filter(|pid| is_evennia_server(*pid))
    }

    /// The Server's log (`server/logs/server.log`).
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.inner.game.join("server/logs/server.log")).unwrap_or_default()
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
