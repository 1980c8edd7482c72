//! The Rust Server role under a flood of input from amp-portal's Portal
//! (a player typing through a [`SessionHandle`]), over loopback: a game
//! written the natural way (take an event, reply, await the reply's
//! receipt) must not stall, a game that only falls behind loses nothing,
//! a reload in the middle of a flood syncs and stops, and the Server's
//! memory stays bounded.
//!
//! Each test puts the player's lines on the wire before the Server takes
//! them (`Peer::flush` on the Server's connection), so that the answers the
//! Server awaits come back behind them.

mod common;

use std::ops::Range;
use std::time::Duration;

use amp_evennia::commands::{MsgLauncher2Portal, MsgLauncher2PortalArguments};
use amp_evennia::payload::admin::AdminFromLauncher;
use amp_evennia::role::server::{EvenniaServer, ServerEvent, ServerHandle, ShutdownMode};
use amp_evennia::Kwargs;
use amp_portal::portal::{InputOutcome, Portal, PortalEvent, SessionHandle, ToSession};
use amp_portal::settings::Settings;
use amp_runtime::{ConnectionConfig, NoResponder, Peer};
use common::{next, output, portal_events_so_far, recv, until, STEP};
use tokio::sync::{broadcast, mpsc};

/// Far below the 60 s call timeout that ended the stall this file guards
/// against (and the 10 s the SSYNC before a reload is awaited).
const NO_STALL: Duration = Duration::from_secs(8);

/// Small queues, so that a few hundred lines fill them all.
const EVENTS: usize = 8;
const HANDLERS: usize = 8;

/// A flood is what is under test, not Evennia's command rate limit
/// (`MAX_COMMAND_RATE`, 80 lines a second by default).
fn settings() -> Settings {
    Settings { max_command_rate: 1e9, ..common::settings() }
}

struct Setup {
    portal: Portal,
    seen: broadcast::Receiver<PortalEvent>,
    /// The Server's connection, as the Portal holds it.
    peer: Peer,
    server: ServerHandle,
    events: mpsc::Receiver<ServerEvent>,
    player: SessionHandle,
}

/// A Server with small queues, and a player connected to it.
async fn setup() -> Setup {
    let portal = common::portal_with(settings()).await;
    let seen = portal.events();
    let connection = ConnectionConfig::default()
        .with_default_timeout(Duration::from_secs(60))
        .with_max_concurrent_handlers(HANDLERS);
    let (server, mut events) =
        EvenniaServer::builder(common::amp(&portal)).event_capacity(EVENTS).connection(connection).spawn();
    assert!(matches!(next(&mut events).await, ServerEvent::Synced { .. }));
    assert!(matches!(next(&mut events).await, ServerEvent::Connected { .. }));
    let player = portal.open_session("telnet", "10.0.0.7", Kwargs::new());
    let sessid = player.sessid();
    assert!(matches!(next(&mut events).await, ServerEvent::SessionConnected(s) if s.sessid == sessid));
    let peer = portal.server_peer().expect("the Server's connection");
    Setup { portal, seen, peer, server, events, player }
}

/// The player types `"line {i}"` for each `i`: each line's call is queued
/// on the Server's connection at once, in order.
fn type_lines(player: &mut SessionHandle, range: Range<usize>) {
    for i in range {
        assert_eq!(player.text_input(format!("line {i}\n").as_bytes()), InputOutcome::Sent);
    }
}

/// Waits until the Server has answered every call of the Portal; none
/// failed.
async fn all_answered(peer: &Peer, seen: &mut broadcast::Receiver<PortalEvent>) {
    until("every call answered", || peer.outstanding_calls() == 0).await;
    let failed: Vec<_> =
        portal_events_so_far(seen).into_iter().filter(|e| matches!(e, PortalEvent::ServerCallFailed { .. })).collect();
    assert!(failed.is_empty(), "the Server refused: {failed:?}");
}

/// The line number of an input event.
fn line_number(event: &ServerEvent) -> usize {
    match event {
        ServerEvent::Input { message, .. } => {
            let line = message.line().expect("a text line");
            line.strip_prefix("line ").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("unexpected {line:?}"))
        }
        other => panic!("expected Input, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awaiting_receipts_in_the_event_loop_does_not_stall_under_a_flood() {
    const LINES: usize = 600;
    let Setup { portal, mut seen, peer, server, mut events, mut player } = setup().await;
    let sessid = player.sessid();
    type_lines(&mut player, 0..LINES);
    peer.flush().await.unwrap();
    // Once every line is answered a second player arrives: a session
    // event, never dropped, that ends the game loop.
    let arrive = tokio::spawn(async move {
        all_answered(&peer, &mut seen).await;
        let second = portal.open_session("telnet", "10.0.0.8", Kwargs::new());
        (second, portal)
    });

    // The natural game loop: each reply's receipt is awaited before the
    // next event is taken.
    let game = async {
        let mut seen = Vec::new();
        loop {
            match events.recv().await.expect("the stream is open") {
                ServerEvent::SessionConnected(_) => break seen,
                event => {
                    seen.push(line_number(&event));
                    server.msg(sessid, format!("echo {}", seen.len())).await.unwrap().await.unwrap();
                }
            }
        }
    };
    let lines_seen = tokio::time::timeout(NO_STALL, game).await.expect("the game loop stalled");
    let (_second, _portal) = arrive.await.unwrap();

    // Each line reached the game once, in order, or was dropped and
    // counted: the game's queue and the Server's backlog hold 16 events
    // here, and the first reply's answer came back behind 600 lines.
    assert!(lines_seen.windows(2).all(|w| w[0] < w[1]), "{lines_seen:?}");
    assert_eq!(lines_seen.len() as u64 + server.dropped_inputs(), LINES as u64);
    assert!(lines_seen.len() < LINES - 2 * EVENTS, "{} lines got through", lines_seen.len());
    // Every reply reached the player, in order.
    for n in 1..=lines_seen.len() {
        assert_eq!(output(&mut player).await.text_arg(), Some(format!("echo {n}").as_str()));
    }
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_game_that_only_falls_behind_loses_nothing() {
    const LINES: usize = 300;
    let Setup { portal: _portal, mut seen, peer, server, mut events, mut player } = setup().await;
    type_lines(&mut player, 0..LINES);
    // The game is busy elsewhere and awaits nothing from the Portal: the
    // Server stops taking lines (the Portal's calls wait) rather than drop.
    peer.flush().await.unwrap();
    for n in 0..LINES {
        assert_eq!(line_number(&next(&mut events).await), n);
    }
    all_answered(&peer, &mut seen).await;
    assert_eq!(server.dropped_inputs(), 0);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_under_a_flood_syncs_and_stops_without_stalling() {
    const LINES: usize = 300;
    let Setup { portal, mut seen, peer, server, mut events, mut player } = setup().await;
    let sessid = player.sessid();
    // Lines, `evennia reload` (the Portal sends SRELOAD), more lines, all on
    // the wire before the game takes an event: the answer to the Server's
    // SSYNC comes back behind the second lines.
    type_lines(&mut player, 0..LINES);
    let launcher =
        amp_runtime::client::connect_tcp(portal.amp_addr().unwrap(), NoResponder, ConnectionConfig::default())
            .await
            .expect("the launcher connects");
    let reload = MsgLauncher2PortalArguments::try_from(&AdminFromLauncher::Sreload { server_cmd: None }).unwrap();
    // Answered once the Portal has queued its SRELOAD behind the lines.
    tokio::time::timeout(STEP, launcher.peer().call::<MsgLauncher2Portal>(reload))
        .await
        .expect("an answer in time")
        .expect("the Portal takes SRELOAD");
    type_lines(&mut player, LINES..2 * LINES);
    peer.flush().await.unwrap();

    let game = async {
        loop {
            match events.recv().await.expect("the stream is open") {
                ServerEvent::Shutdown { mode } => break mode,
                ServerEvent::Input { .. } => {}
                other => panic!("unexpected {other:?}"),
            }
        }
    };
    assert_eq!(tokio::time::timeout(NO_STALL, game).await.expect("the reload stalled"), ShutdownMode::Reload);
    assert!(tokio::time::timeout(STEP, events.recv()).await.unwrap().is_none(), "Shutdown is the last event");
    tokio::time::timeout(STEP, server.stopped()).await.unwrap();

    // The Portal got the session table (SSYNC: the session's flags reach
    // its protocol), and keeps the player while the Server is away.
    match recv(&mut player).await {
        ToSession::Flags(flags) => assert!(flags.get("ENCODING").is_some(), "{flags:?}"),
        other => panic!("expected the SSYNC's flags, got {other:?}"),
    }
    let mut portal_events = Vec::new();
    loop {
        let event = common::portal_event(&mut seen).await;
        if event == PortalEvent::ServerDisconnected {
            break;
        }
        portal_events.push(event);
    }
    assert_eq!(portal.session_count(), 1);

    // The next Server (the launcher starts it) hears of the reload and gets
    // the player back.
    let (next_server, mut next_events) = EvenniaServer::builder(common::amp(&portal)).spawn();
    match next(&mut next_events).await {
        ServerEvent::Synced { restart_mode, sessions, dropped, .. } => {
            assert_eq!(restart_mode.as_deref(), Some("reload"));
            assert_eq!(sessions.iter().map(|s| s.sessid).collect::<Vec<_>>(), vec![sessid]);
            assert!(dropped.is_empty());
        }
        other => panic!("expected Synced, got {other:?}"),
    }
    assert!(matches!(next(&mut next_events).await, ServerEvent::Connected { .. }));
    // SRELOAD was answered OK. (Lines the stopping Server no longer took
    // were refused: those are `MsgPortal2Server` failures.)
    portal_events.extend(portal_events_so_far(&mut seen));
    let refused: Vec<_> = portal_events
        .into_iter()
        .filter(|e| matches!(e, PortalEvent::ServerCallFailed { command: "AdminPortal2Server", .. }))
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    next_server.stop();
}
