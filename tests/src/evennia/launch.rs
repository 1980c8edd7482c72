//! Preparing a game for Evennia's launcher and waiting for its first start.

use std::time::{Duration, Instant};

use super::game::EvenniaGame;
use super::process::tail;
use crate::workspace_root;

/// The file [`EvenniaGame::fast_imports`] writes in the game folder.
pub(crate) const SITECUSTOMIZE: &str = "sitecustomize.py";

impl EvenniaGame {
    /// A fresh game's first start: the first Server runs Evennia's initial
    /// setup, then has itself restarted in 'reset' mode. Returns once the
    /// second Server logs "successfully restarted in 'reset' mode" (logged
    /// after it has synced with its Portal, so players get the game from
    /// then on); panics with the log's tail after `limit`.
    pub fn wait_first_reset(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.server_log().contains("successfully restarted in 'reset' mode") {
            assert!(
                Instant::now() < deadline,
                "the first Server did not reset within {limit:?}:\n{}",
                tail(&self.server_log(), 40)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Appends `lines` to the game's `server/conf/settings.py` (before a
    /// start: both Portals read their settings once, at start).
    pub fn append_settings(&self, lines: &str) {
        use std::io::Write;
        let path = self.dir().join("server/conf/settings.py");
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).expect("open settings.py");
        writeln!(f, "\n# added by the test\n{lines}").expect("append to settings.py");
    }

    /// Makes every Evennia process of this game skip typeguard's
    /// import-time instrumentation of `inflect` (`harness_boot.fast_imports`,
    /// see `tests/evennia/harness_boot.py`): about 5 s of CPU saved per
    /// process, and a launcher-run game starts four of them (the launcher,
    /// the Portal, the Server twice). Evennia's own code runs unchanged;
    /// only inflect's run-time type checks are gone, as under `python -O`.
    ///
    /// How: a `sitecustomize.py` in the game folder, which Python imports at
    /// start-up from `PYTHONPATH`. Evennia's launcher gives its children
    /// `PYTHONPATH` with the game folder (its `getenv()`), amp-portal gives
    /// the Server the same, and [`EvenniaGame::evennia`] adds the game folder
    /// to the launcher's own `PYTHONPATH` when this file exists.
    pub fn fast_imports(&self) {
        let boot = workspace_root().join("tests/evennia");
        let code = format!(
            "# Written by the amp-tests harness (EvenniaGame::fast_imports): every\n\
             # Evennia process of this game skips typeguard's import-time\n\
             # instrumentation of inflect (see tests/evennia/harness_boot.py).\n\
             import sys\n\
             sys.path.insert(0, {boot:?})\n\
             import harness_boot\n\
             harness_boot.fast_imports()\n\
             del sys.path[0]\n",
            boot = boot.display().to_string()
        );
        std::fs::write(self.dir().join(SITECUSTOMIZE), code).expect("write sitecustomize.py");
    }
}
