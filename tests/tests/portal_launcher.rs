//! amp-portal under Evennia's own launcher, with Evennia 6.1's real Server:
//! `evennia start` finds amp-portal running and has it start the Server
//! (whose first start resets it once), `status` and `info` read its status,
//! `reload` gets a new Server process, `stop` ends both processes.

use std::path::Path;
use std::time::{Duration, Instant};

use amp_tests::evennia::{AmpPortalGuard, EvenniaGame, EvenniaPorts};

const LAUNCHER: Duration = Duration::from_secs(120);

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Polls `evennia status` (about a second each) until the Server runs with
/// a pid other than `not`; returns that pid.
fn wait_for_server(game: &EvenniaGame, portal: &AmpPortalGuard, not: Option<i32>) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let status = text(&game.evennia(&["status"], LAUNCHER));
        assert!(status.contains(&format!("Portal: RUNNING (pid {})", portal.pid())), "{status}");
        if status.contains("Server: RUNNING") {
            if let Some(pid) = game.server_pid() {
                if Some(pid) != not {
                    assert!(status.contains(&format!("Server: RUNNING (pid {pid})")), "{status}");
                    return pid;
                }
            }
        }
        assert!(Instant::now() < deadline, "the Server did not come up:\n{status}\n{}", portal.log());
    }
}

#[test]
fn evennia_start_status_info_reload_and_stop_behind_amp_portal() {
    let game = EvenniaGame::create_with(EvenniaPorts::free(), false);
    let mut portal = AmpPortalGuard::start(&game, Path::new(env!("CARGO_BIN_EXE_amp-portal-e2e")), &[]);

    let start = text(&game.evennia(&["start"], LAUNCHER));
    assert!(
        start.contains(&format!("Portal is already running as process {}. Not restarted.", portal.pid())),
        "{start}"
    );
    assert!(start.contains("Evennia running."), "{start}");
    let first = wait_for_server(&game, &portal, None);

    let info = text(&game.evennia(&["info"], LAUNCHER));
    assert!(info.contains(&format!("amp: {}", game.ports().amp)), "{info}");
    assert!(info.contains("Portal 6.1.0"), "{info}");
    assert!(info.contains("Server 6.1.0"), "{info}");

    let reload = text(&game.evennia(&["reload"], LAUNCHER));
    assert!(reload.contains("Server reloading...") && reload.contains("... Server reloaded."), "{reload}");
    let second = wait_for_server(&game, &portal, Some(first));
    assert_ne!(first, second);

    let stop = text(&game.evennia(&["stop"], LAUNCHER));
    assert!(stop.contains("... Server stopped.") && stop.contains("Evennia shut down."), "{stop}");
    let status = portal.wait_exit(Duration::from_secs(20)).expect("amp-portal exits after evennia stop");
    assert!(status.success(), "amp-portal exited with {status}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while amp_tests::evennia::is_evennia_server(second) {
        assert!(Instant::now() < deadline, "the Server still runs after evennia stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}
