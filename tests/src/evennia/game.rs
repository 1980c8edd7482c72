//! An Evennia game folder in a temporary directory, with private ports.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{run_checked, workspace_root, Peer};

use super::portal::{PortalGuard, PortalOptions};

/// The ports a game listens on, all on 127.0.0.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvenniaPorts {
    /// Telnet (`TELNET_PORTS`).
    pub telnet: u16,
    /// The Portal's web proxy (first of `WEBSERVER_PORTS`).
    pub web: u16,
    /// The Server-side web server the proxy forwards to (second of
    /// `WEBSERVER_PORTS`); the Portal does not listen on it.
    pub web_internal: u16,
    /// The webclient's websocket (`WEBSOCKET_CLIENT_PORT`).
    pub websocket: u16,
    /// The Portal's AMP port (`AMP_PORT`).
    pub amp: u16,
}

impl EvenniaPorts {
    /// Five distinct free ports: all bound at once on 127.0.0.1:0, then released.
    pub fn free() -> Self {
        let listeners: Vec<TcpListener> =
            (0..5).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0")).collect();
        let p: Vec<u16> = listeners.iter().map(|l| l.local_addr().expect("local addr").port()).collect();
        EvenniaPorts { telnet: p[0], web: p[1], web_internal: p[2], websocket: p[3], amp: p[4] }
    }

    /// 127.0.0.1 and `port`.
    pub fn loopback(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }
}

/// Seconds `tests/evennia/make_game.py` reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GameTimings {
    /// Whether this call built the template (`evennia --init` + `migrate`).
    pub template_built: bool,
    /// `evennia --init`, when the template was built.
    pub init: Option<Duration>,
    /// `evennia migrate`, when the template was built.
    pub migrate: Option<Duration>,
    /// Copying the template.
    pub copy: Option<Duration>,
    /// The whole script, as the test saw it (Python start-up included).
    pub total: Duration,
}

pub(crate) struct GameInner {
    _dir: tempfile::TempDir,
    pub(crate) game: PathBuf,
    pub(crate) ports: EvenniaPorts,
    pub(crate) web: bool,
    pub(crate) timings: GameTimings,
    /// One Portal at a time per game: they would fight over the ports.
    pub(crate) portal_running: AtomicBool,
    /// Portal starts so far, to name each run's output file.
    pub(crate) starts: AtomicUsize,
}

/// An Evennia 6.1 game folder (settings + migrated SQLite database) in a
/// temporary directory, removed when the last handle and the last
/// [`PortalGuard`] of it are gone. Cloning shares the same game.
#[derive(Clone)]
pub struct EvenniaGame {
    pub(crate) inner: Arc<GameInner>,
}

impl EvenniaGame {
    /// A game on free ports, with the webserver proxy and websocket enabled.
    /// Blocks: about 0.3 s, or 15 to 45 s when the cached template must be built.
    pub fn create() -> Self {
        Self::create_with(EvenniaPorts::free(), true)
    }

    /// A game on `ports`; `web` false leaves out the webserver proxy and
    /// websocket (the Portal then starts a little faster).
    pub fn create_with(ports: EvenniaPorts, web: bool) -> Self {
        let dir = tempfile::Builder::new().prefix("amp-evennia-game-").tempdir().expect("make a temp dir");
        let game = dir.path().join("game");
        let mut cmd = Peer::Evennia61.script("tests/evennia/make_game.py");
        cmd.arg(&game)
            .args(["--telnet", &ports.telnet.to_string()])
            .args(["--web", &ports.web.to_string()])
            .args(["--web-internal", &ports.web_internal.to_string()])
            .args(["--websocket", &ports.websocket.to_string()])
            .args(["--amp", &ports.amp.to_string()])
            .arg("--template-cache")
            .arg(template_cache());
        if !web {
            cmd.arg("--no-web");
        }
        let started = Instant::now();
        let out = run_checked(cmd, b"");
        let total = started.elapsed();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("make_game.py printed {:?}: {e}", String::from_utf8_lossy(&out.stdout)));
        let secs = |k: &str| report["seconds"][k].as_f64().map(Duration::from_secs_f64);
        let timings = GameTimings {
            template_built: report["template_built"].as_bool().unwrap_or(false),
            init: secs("init"),
            migrate: secs("migrate"),
            copy: secs("copy"),
            total,
        };
        assert!(game.join("server/conf/settings.py").is_file(), "make_game.py made no game at {}", game.display());
        EvenniaGame {
            inner: Arc::new(GameInner {
                _dir: dir,
                game,
                ports,
                web,
                timings,
                portal_running: AtomicBool::new(false),
                starts: AtomicUsize::new(0),
            }),
        }
    }

    /// The game folder (holds `server/conf/settings.py`).
    pub fn dir(&self) -> &Path {
        &self.inner.game
    }

    /// Its ports.
    pub fn ports(&self) -> EvenniaPorts {
        self.inner.ports
    }

    /// Whether the webserver proxy and websocket are enabled.
    pub fn web_enabled(&self) -> bool {
        self.inner.web
    }

    /// How long making it took.
    pub fn timings(&self) -> &GameTimings {
        &self.inner.timings
    }

    /// The Portal's log (`server/logs/portal.log`, all runs of this game).
    pub fn portal_log(&self) -> String {
        std::fs::read_to_string(self.inner.game.join("server/logs/portal.log")).unwrap_or_default()
    }

    /// Starts the Portal alone with the default [`PortalOptions`]; panics with
    /// its output if it does not come up. Only one Portal per game at a time.
    pub fn start_portal(&self) -> PortalGuard {
        self.start_portal_with(PortalOptions::default())
    }

    /// Starts the Portal alone with `options`.
    pub fn start_portal_with(&self, options: PortalOptions) -> PortalGuard {
        PortalGuard::start(self.inner.clone(), options)
    }
}

/// Where the template game lives: `$AMP_EVENNIA_TEMPLATE_CACHE`, else
/// `<target dir>/amp-tests/evennia-template`.
pub fn template_cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("AMP_EVENNIA_TEMPLATE_CACHE") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"));
    let target = if target.is_absolute() { target } else { workspace_root().join(target) };
    target.join("amp-tests").join("evennia-template")
}
