//! The real-Evennia harness, proved end to end before a Rust Server exists:
//! a real Evennia 6.1 Portal, a Python stand-in Server made of Evennia's own
//! AMP commands, and a telnet player.

use std::time::{Duration, Instant};

use amp_tests::evennia::{EvenniaGame, PortalGuard, StandinServer, TelnetClient};
use serde_json::Value;

const STEP: Duration = Duration::from_secs(30);

fn pid_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks whether the pid exists.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

/// Connects a stand-in and checks the PSYNC handshake as Evennia's Server sees it.
async fn connect_standin(portal: &PortalGuard) -> StandinServer {
    let mut server = StandinServer::start(portal.amp_addr());
    server.wait_for("connected", STEP).await;
    let psync = server.wait_for("portal_psync", STEP).await;
    assert!(psync["sessiondata"].is_object(), "{psync}");
    assert!(psync["portal_start_time"].as_f64().is_some_and(|t| t > 0.0), "{psync}");
    // The Portal calls its own PSYNC before it answers the Server's.
    server.wait_for("psync_answered", STEP).await;
    server
}

/// A player connects, is greeted by the stand-in, types a line, gets the echo, leaves.
async fn play(portal: &PortalGuard, server: &mut StandinServer) -> u64 {
    let mut player = TelnetClient::connect(portal.telnet_addr()).await.expect("telnet connect");
    let pconn = server.wait_for("pconn", STEP).await;
    assert_eq!(pconn["protocol_key"], "telnet", "{pconn}");
    let sessid = pconn["sessid"].as_u64().expect("a session id");
    player.read_until(&format!("Welcome from the stand-in, session {sessid}."), STEP).await.expect("greeting");
    // Every option refused, the handshakes finish and the Portal syncs the session.
    let sync = server.wait_for("pconnsync", STEP).await;
    assert_eq!(sync["sessid"].as_u64(), Some(sessid));
    assert!(!player.negotiations().is_empty(), "the Portal negotiated no telnet option");

    player.send_line("look at the \u{2603}").await.expect("send");
    let input = server.wait_for("input", STEP).await;
    assert_eq!(input["sessid"].as_u64(), Some(sessid));
    assert_eq!(input["kwargs"]["text"][0][0], "look at the \u{2603}\n", "{input}");
    player.read_until("echo: look at the \u{2603}", STEP).await.expect("echo");

    player.close().await.expect("close");
    let gone = server.wait_for("pdisconn", STEP).await;
    assert_eq!(gone["sessid"].as_u64(), Some(sessid));
    sessid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_standin_and_telnet_player_end_to_end() {
    let t = Instant::now();
    let game = EvenniaGame::create();
    let made = t.elapsed();
    let portal = game.start_portal();
    assert!(portal.listening().iter().all(|(_, a)| a.ip().is_loopback()));
    assert!(portal.websocket_addr().is_some() && portal.listening().len() >= 4, "{:?}", portal.listening());
    let first_start = portal.startup_time();

    let mut server = connect_standin(&portal).await;
    assert_eq!(play(&portal, &mut server).await, 1);

    // Restart on the same ports. The Portal tells its Server to shut down as it stops.
    let old_pid = portal.pid();
    let portal = portal.restart();
    assert!(!pid_alive(old_pid), "the old Portal is still running");
    let sshutd = server.wait_for("sshutd", STEP).await;
    assert_eq!(sshutd["sessid"], 0, "{sshutd}");
    server.wait_for("connection_lost", STEP).await;
    let names: Vec<&Value> = server.events().iter().map(|e| &e["event"]).collect();
    assert!(names.contains(&&Value::from("pdisconnall")), "{names:?}");
    drop(server);

    let mut server = connect_standin(&portal).await;
    // A new Portal numbers sessions from 1 again.
    assert_eq!(play(&portal, &mut server).await, 1);
    assert!(portal.server_start_requests().is_empty());

    let pid = portal.pid();
    let second_start = portal.startup_time();
    let status = portal.stop();
    assert!(!pid_alive(pid));
    // A clean Twisted shutdown ends by re-raising SIGTERM (SIGKILL would mean it hung).
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(libc::SIGTERM), "{status}");
    // Every port is free again.
    let ports = game.ports();
    for port in [ports.amp, ports.telnet, ports.websocket, ports.web] {
        std::net::TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| panic!("port {port} still held: {e}"));
    }
    server.wait_for("connection_lost", STEP).await;
    eprintln!(
        "harness timings: game {made:?} ({:?}), portal start {first_start:?} then {second_start:?}, whole test {:?}",
        game.timings(),
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_request_is_recorded_not_obeyed_and_drop_kills() {
    let game = EvenniaGame::create_with(amp_tests::evennia::EvenniaPorts::free(), false);
    let portal = game.start_portal();
    assert!(portal.websocket_addr().is_none());

    // A player who arrives before any Server: PCONN comes when the Server's
    // AMP connection opens, and the Portal's PSYNC lists the session too.
    let mut early = TelnetClient::connect(portal.telnet_addr()).await.expect("telnet connect");
    early.wait_negotiation(STEP).await.expect("the Portal registers the session");
    let mut server = StandinServer::start(portal.amp_addr());
    let psync = server.wait_for("portal_psync", STEP).await;
    server.wait_for("psync_answered", STEP).await;
    // Which of the two announces the early player depends on timing (both were
    // seen): the PSYNC's sessiondata, a PCONN, or both. It must be at least one.
    if psync["sessiondata"].get("1").is_none() {
        let pconn = server.events().iter().find(|e| e["event"] == "pconn").cloned();
        let pconn = match pconn {
            Some(e) => e,
            None => server.wait_for("pconn", STEP).await,
        };
        assert_eq!(pconn["sessid"], 1, "neither the PSYNC ({psync}) nor a PCONN ({pconn}) announced session 1");
    }
    early.read_until("Welcome from the stand-in, session 1.", STEP).await.expect("greeting");

    // The Server asks for a reload: the Portal echoes SRELOAD back, and once
    // the Server hangs up it would launch Evennia's own Server.
    server.command("admin SRELOAD");
    server.wait_for("sreload", STEP).await;
    server.wait_for("admin_answered", STEP).await;
    server.command("quit");
    server.wait_for("connection_lost", STEP).await;
    let deadline = Instant::now() + STEP;
    while portal.server_start_requests().is_empty() {
        assert!(Instant::now() < deadline, "no start request recorded:\n{}", portal.output());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let requests = portal.server_start_requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(requests[0].contains("server.py"), "{requests:?}");

    // A guard dropped mid-test takes its process with it.
    let pid = portal.pid();
    assert!(pid_alive(pid));
    drop(portal);
    assert!(!pid_alive(pid), "the Portal survived its guard");
    // And the game can start a Portal again afterwards.
    let mut portal = game.start_portal();
    assert!(portal.is_running());
}
