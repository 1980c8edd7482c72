//! The Server role under an input flood from the Rust Portal side
//! (`PortalAmp`), over loopback: a game written the natural way (take an
//! event, reply, await the reply's receipt) must not stall, a game that
//! only falls behind loses nothing, and the Server's memory stays bounded.
//!
//! Each test puts the Portal's lines on the wire before the Server takes
//! them (`Peer::flush`), so that the answers the Server awaits come back
//! behind them.

use std::ops::Range;
use std::time::Duration;

use amp_evennia::codec::compressed::CompressedSlices;
use amp_evennia::commands::packed_data::PackedDataCodec;
use amp_evennia::commands::slices::{
    AdminPortal2ServerSlices, AdminPortal2ServerSlicesArguments, MsgPortal2ServerSlices,
    MsgPortal2ServerSlicesArguments,
};
use amp_evennia::payload::admin::AdminFromPortal;
use amp_evennia::role::portal::{PortalAmp, PortalEvent};
use amp_evennia::role::server::{EvenniaServer, ServerEvent, ServerHandle, ShutdownMode};
use amp_evennia::Message;
use amp_runtime::{ConnectionConfig, Peer};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

const STEP: Duration = Duration::from_secs(10);
/// Far below the 60 s call timeout that ended the stall this file guards
/// against (and the 10 s the SSYNC before a reload is awaited).
const NO_STALL: Duration = Duration::from_secs(8);

/// Small queues, so that a few hundred lines fill them all.
const EVENTS: usize = 8;
const HANDLERS: usize = 8;

type Calls = JoinSet<Result<(), String>>;

async fn next(events: &mut mpsc::Receiver<ServerEvent>) -> ServerEvent {
    tokio::time::timeout(STEP, events.recv()).await.expect("a server event in time").expect("the stream is open")
}

/// A Server with small queues, and a player connected to it.
async fn setup() -> (PortalAmp, Peer, ServerHandle, mpsc::Receiver<ServerEvent>, u64) {
    let portal = PortalAmp::bind("127.0.0.1:0").await.unwrap();
    let connection = ConnectionConfig::default()
        .with_default_timeout(Duration::from_secs(60))
        .with_max_concurrent_handlers(HANDLERS);
    let (server, mut events) =
        EvenniaServer::builder(portal.local_addr().to_string()).event_capacity(EVENTS).connection(connection).spawn();
    assert!(matches!(next(&mut events).await, ServerEvent::Synced { .. }));
    assert!(matches!(next(&mut events).await, ServerEvent::Connected { .. }));
    let sessid = portal.connect_session("10.0.0.7").await.unwrap();
    assert!(matches!(next(&mut events).await, ServerEvent::SessionConnected(s) if s.sessid == sessid));
    let peer = portal.server().expect("the Server's connection");
    (portal, peer, server, events, sessid)
}

/// Lines `"line {i}"` of a player, slices as the Portal sends them.
async fn lines(sessid: u64, range: Range<usize>) -> Vec<CompressedSlices> {
    let codec = PackedDataCodec::default();
    let mut slices = Vec::new();
    for i in range {
        slices.push(codec.encode(Message::text(format!("line {i}\n")).to_envelope(sessid), 0).await.unwrap());
    }
    slices
}

/// Queues a call's box now (a call queues it during its first poll), then
/// lets the call run on its own task: boxes started this way go out in
/// this order.
async fn start<F, T>(calls: &mut JoinSet<T>, call: F)
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    // Unconstrained: tokio's cooperative budget could end the first poll early.
    let mut call = Box::pin(tokio::task::unconstrained(call));
    match futures::poll!(call.as_mut()) {
        std::task::Poll::Ready(out) => drop(calls.spawn(async move { out })),
        std::task::Poll::Pending => drop(calls.spawn(call)),
    }
}

/// The Portal sends `lines`, in order, each call awaiting its answer.
async fn send_lines(calls: &mut Calls, peer: &Peer, lines: Vec<CompressedSlices>) {
    for packed_data in lines {
        let peer = peer.clone();
        let call = async move {
            let args = MsgPortal2ServerSlicesArguments { packed_data };
            peer.call::<MsgPortal2ServerSlices>(args).await.map(drop).map_err(|e| e.to_string())
        };
        start(calls, call).await;
    }
}

/// Waits for every call; all must have been answered `OK`.
async fn all_answered(mut calls: Calls) {
    while let Some(done) = tokio::time::timeout(STEP, calls.join_next()).await.expect("every call answered") {
        done.unwrap().expect("the Server answers OK");
    }
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
    let (portal, peer, server, mut events, sessid) = setup().await;
    let mut calls = Calls::new();
    send_lines(&mut calls, &peer, lines(sessid, 0..LINES).await).await;
    peer.flush().await.unwrap();
    // Once every line is answered a second player arrives: a session
    // event, never dropped, that ends the game loop.
    let arrive = tokio::spawn(async move {
        all_answered(calls).await;
        portal.connect_session("10.0.0.8").await.unwrap();
        portal
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
    let seen = tokio::time::timeout(NO_STALL, game).await.expect("the game loop stalled");
    let mut portal = arrive.await.unwrap();

    // Each line reached the game once, in order, or was dropped and
    // counted: the game's queue and the Server's backlog hold 16 events
    // here, and the first reply's answer came back behind 600 lines.
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(seen.len() as u64 + server.dropped_inputs(), LINES as u64);
    assert!(seen.len() < LINES - 2 * EVENTS, "{} lines got through", seen.len());
    // Every reply reached the Portal, in order.
    for n in 1..=seen.len() {
        loop {
            if let PortalEvent::Output { message, .. } = portal.next_event_within(STEP).await.expect("a portal event") {
                assert_eq!(message.text_arg(), Some(format!("echo {n}").as_str()));
                break;
            }
        }
    }
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_game_that_only_falls_behind_loses_nothing() {
    const LINES: usize = 300;
    let (_portal, peer, server, mut events, sessid) = setup().await;
    let mut calls = Calls::new();
    send_lines(&mut calls, &peer, lines(sessid, 0..LINES).await).await;
    // The game is busy elsewhere and awaits nothing from the Portal: the
    // Server stops taking lines (the Portal's calls wait) rather than drop.
    peer.flush().await.unwrap();
    for n in 0..LINES {
        assert_eq!(line_number(&next(&mut events).await), n);
    }
    all_answered(calls).await;
    assert_eq!(server.dropped_inputs(), 0);
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_under_a_flood_syncs_and_stops_without_stalling() {
    const LINES: usize = 300;
    let (mut portal, peer, server, mut events, sessid) = setup().await;
    // Lines, SRELOAD, more lines, all on the wire before the game takes an
    // event: the answer to the Server's SSYNC comes back behind the second
    // lines.
    let (before, after) = (lines(sessid, 0..LINES).await, lines(sessid, LINES..2 * LINES).await);
    let reload = AdminFromPortal::Sreload { server_restart_mode: Some("reload".into()) };
    let packed_data = PackedDataCodec::default().encode(reload.to_envelope(), 0).await.unwrap();
    let mut calls = Calls::new();
    send_lines(&mut calls, &peer, before).await;
    let mut reload = JoinSet::new();
    let reload_peer = peer.clone();
    let call = async move {
        let args = AdminPortal2ServerSlicesArguments { packed_data };
        reload_peer.call::<AdminPortal2ServerSlices>(args).await.map(drop).map_err(|e| e.to_string())
    };
    start(&mut reload, call).await;
    send_lines(&mut calls, &peer, after).await;
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
    reload.join_next().await.unwrap().unwrap().expect("SRELOAD answered OK");
    // The Portal got the session table (SSYNC).
    loop {
        if let PortalEvent::Synced { sessids } = portal.next_event_within(STEP).await.expect("a portal event") {
            break assert_eq!(sessids, vec![sessid]);
        }
    }
    tokio::time::timeout(STEP, server.stopped()).await.unwrap();
}
