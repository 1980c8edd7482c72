//! The Rust Server role (`amp_evennia::role::server::EvenniaServer`) behind
//! amp-portal's [`Portal`], over loopback, with [`SessionHandle`]s as the
//! players: the PSYNC handshake both ways, the session table (PCONN,
//! PCONNSYNC, PDISCONN), input, output in order with 1 MB payloads, SLOGIN,
//! SSYNC, SDISCONN, SDISCONNALL, the status the launcher reads,
//! FunctionCall both ways, operations nobody handles, the Server
//! reconnecting after the Portal restarts, the Portal keeping its players
//! while the Server restarts, and both ways to stop.
//! (The same Server behind a real Evennia Portal: tests/tests/evennia_e2e.rs.)

mod common;

use std::time::Duration;

use amp_evennia::codec::pickle::Value;
use amp_evennia::commands::{
    AdminPortal2Server, AdminPortal2ServerArguments, AdminPortal2ServerError, MsgStatus, MsgStatusArguments,
};
use amp_evennia::payload::admin::AdminFromServer;
use amp_evennia::role::function_call::{call_function, FunctionError, FunctionRegistry};
use amp_evennia::role::server::{EvenniaServer, SendError, ServerEvent, ServerHandle, ShutdownMode};
use amp_evennia::sample_text::{prose, Vocabulary};
use amp_evennia::{Kwargs, Message, Operation};
use amp_portal::portal::{InputOutcome, Portal, PortalEvent, SessionHandle, StopReason, ToSession, NO_SERVER_TEXT};
use amp_runtime::client::ReconnectConfig;
use amp_runtime::CallError;
use bytes::Bytes;
use common::{next, output, portal_event, portal_event_where, recv, STEP};
use tokio::sync::mpsc;

fn functions() -> FunctionRegistry {
    let mut f = FunctionRegistry::new();
    f.register("game.maths", "add", |call| {
        let sum = call
            .args
            .iter()
            .map(|v| v.as_i64().ok_or_else(|| FunctionError::new("ints only")))
            .sum::<Result<i64, _>>()?;
        Ok(Value::from(sum))
    });
    f
}

/// A Server for `portal`; returns once its handshake is done, having
/// checked the Portal's PSYNC: no sessions, `restart_mode` as given.
async fn start_server(
    portal: &Portal,
    restart_mode: Option<&str>,
    sessions: &[u64],
) -> (ServerHandle, mpsc::Receiver<ServerEvent>) {
    let (server, mut events) = EvenniaServer::builder(common::amp(portal))
        .reconnect(ReconnectConfig::fast(Duration::from_millis(50), Duration::from_millis(200)))
        .functions(functions())
        .spawn();
    match next(&mut events).await {
        ServerEvent::Synced { sessions: synced, dropped, restart_mode: mode, portal_start_time } => {
            assert_eq!(synced.iter().map(|s| s.sessid).collect::<Vec<_>>(), sessions);
            assert!(dropped.is_empty());
            assert_eq!(mode.as_deref(), restart_mode);
            assert!(portal_start_time.is_some_and(|t| t > 0.0));
        }
        other => panic!("expected Synced, got {other:?}"),
    }
    assert_eq!(next(&mut events).await, ServerEvent::Connected { portal: common::amp(portal) });
    (server, events)
}

/// A player connects; returns once the Server has the session.
async fn connect(portal: &Portal, address: &str, events: &mut mpsc::Receiver<ServerEvent>) -> SessionHandle {
    let player = portal.open_session("telnet", address, Kwargs::new());
    match next(events).await {
        ServerEvent::SessionConnected(s) => {
            assert_eq!(s.sessid, player.sessid());
            assert_eq!((s.protocol_key(), s.address()), (Some("telnet"), Some(address)));
        }
        other => panic!("expected SessionConnected({}), got {other:?}", player.sessid()),
    }
    player
}

/// The player's connection was closed by the Portal, after `reason`.
async fn closed(player: &mut SessionHandle, reason: Option<&str>) {
    assert_eq!(recv(player).await, ToSession::Disconnect(reason.map(str::to_owned)));
    let end = tokio::time::timeout(STEP, player.recv()).await.expect("the session ends in time");
    assert_eq!(end, None, "nothing after the disconnection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_sessions_input_output_and_shutdown() {
    let portal = common::portal().await;
    let mut seen = portal.events();
    let (server, mut events) = start_server(&portal, Some("shutdown"), &[]).await;
    let spid = i64::from(std::process::id());
    assert_eq!(portal_event(&mut seen).await, PortalEvent::ServerConnected { spid: Some(spid) });
    assert!(server.is_connected() && portal.server_connected());

    // What `evennia status` reads: the Server's PSYNC (spid, info_dict).
    let status = common::launcher_status(&portal).await;
    assert!(status.portal_running && status.server_running);
    assert_eq!(status.server_pid, Some(spid));
    assert_eq!(status.server_info.get("servername").and_then(Value::as_str), Some("amp-evennia"));

    // A player connects: the session is in both tables, with its telnet data.
    let mut player = connect(&portal, "10.0.0.7", &mut events).await;
    let sessid = player.sessid();
    assert_eq!(portal_event(&mut seen).await, PortalEvent::SessionAdmitted { sessid });
    assert_eq!(server.session_ids(), vec![sessid]);
    assert_eq!(portal.session_count(), 1);

    // Output has Evennia's shape.
    server.msg(sessid, "Hello there.").await.unwrap().await.unwrap();
    let message = output(&mut player).await;
    assert_eq!(
        message.to_envelope(sessid).to_value().to_string(),
        format!("({sessid}, {{'text': [['Hello there.'], {{'options': {{}}}}]}})")
    );

    // Input arrives with its line.
    assert_eq!(player.text_input("look at the \u{2603}\n".as_bytes()), InputOutcome::Sent);
    match next(&mut events).await {
        ServerEvent::Input { sessid: from, message } => {
            assert_eq!(from, sessid);
            assert_eq!(message.line(), Some("look at the \u{2603}"));
        }
        other => panic!("{other:?}"),
    }

    // Large payloads and the small one after them arrive in order: 1 MB of
    // prose (over 100 KB compressed: the Portal decodes it off the async
    // executor) and 1 MB of one letter (1 KB compressed: decoded inline).
    let text = prose(1_000_000, 7, Vocabulary::Plain);
    let letters = "y".repeat(1_000_000);
    let first = server.send(sessid, Message::raw_text(text.clone())).await.unwrap();
    let second = server.send(sessid, Message::raw_text(letters.clone())).await.unwrap();
    let third = server.msg(sessid, "after the big ones").await.unwrap();
    for receipt in [first, second, third] {
        receipt.await.unwrap();
    }
    let m = output(&mut player).await;
    assert_eq!(m.text_arg(), Some(text.as_str()));
    assert_eq!(m.get("text").unwrap().get_option("raw"), Some(&Value::Bool(true)));
    assert_eq!(output(&mut player).await.text_arg(), Some(letters.as_str()));
    assert_eq!(output(&mut player).await.text_arg(), Some("after the big ones"));

    // Login: the Portal records it and tells the player's protocol.
    server.login(sessid, 42).await.unwrap().await.unwrap();
    assert_eq!(recv(&mut player).await, ToSession::LoggedIn);
    let data = player.data().expect("the session's data");
    assert!(data.logged_in());
    assert_eq!(data.uid(), Some(42));
    assert!(server.session(sessid).unwrap().logged_in());

    // Reload and reset are never sent by the Server role.
    assert_eq!(server.admin(AdminFromServer::Sreload).await.unwrap_err(), SendError::Forbidden(Operation::Sreload));
    assert_eq!(server.admin(AdminFromServer::Sreset).await.unwrap_err(), SendError::Forbidden(Operation::Sreset));

    // PCONNSYNC: the protocol learnt something (telnet negotiation); the
    // Server's copy follows.
    player.set_flags(&Kwargs::new().with("CLIENTNAME", "Mudlet"));
    player.sync();
    match next(&mut events).await {
        ServerEvent::SessionSynced(s) => {
            assert_eq!(s.sessid, sessid);
            assert_eq!(s.data.protocol_flag("CLIENTNAME").and_then(Value::as_str), Some("Mudlet"));
            assert!(s.logged_in(), "the Server's login is kept");
        }
        other => panic!("expected SessionSynced, got {other:?}"),
    }

    // SSYNC: the Server leaves its sessions' data with the Portal, whose
    // protocol gets the flags.
    server.sync_sessions().await.unwrap().await.unwrap();
    match recv(&mut player).await {
        ToSession::Flags(flags) => {
            assert_eq!(flags.get("CLIENTNAME").and_then(Value::as_str), Some("Mudlet"));
            assert_eq!(flags.get("ENCODING").and_then(Value::as_str), Some("utf-8"));
        }
        other => panic!("expected Flags, got {other:?}"),
    }
    // SSYNC that leaves a session out closes it (the Server asked for a
    // clean sync). amp-portal's behaviour: Evennia's Portal raises there
    // (its `server_disconnect` is handed a session id), see the module doc
    // of amp_portal::portal.
    let mut other = connect(&portal, "10.0.0.8", &mut events).await;
    let listed = vec![(sessid, player.data().unwrap())];
    server.admin(AdminFromServer::Ssync { sessions: listed, clean: Some(true) }).await.unwrap().await.unwrap();
    closed(&mut other, None).await;
    assert!(matches!(recv(&mut player).await, ToSession::Flags(_)), "the listed session's data is stored");
    match next(&mut events).await {
        ServerEvent::SessionDisconnected(s) => assert_eq!(s.sessid, other.sessid()),
        other => panic!("expected SessionDisconnected, got {other:?}"),
    }
    assert_eq!(portal.session_count(), 1);
    drop(other);

    // The Server disconnects a player: gone from both tables, the reason
    // shown first. The Portal's PDISCONN that follows (once: Evennia's
    // Portal sends it twice) is ignored by the Server, which knew.
    let mut third = connect(&portal, "10.0.0.9", &mut events).await;
    server.disconnect(sessid, Some("Bye")).await.unwrap().await.unwrap();
    assert_eq!(server.session_ids(), vec![third.sessid()]);
    closed(&mut player, Some("Bye")).await;
    portal_event_where(&mut seen, |e| (e == PortalEvent::SessionClosed { sessid }).then_some(())).await;
    // The third player leaves on their own: that one is reported (and is the
    // next event: the PDISCONN above produced none).
    let third_id = third.sessid();
    assert_eq!(third.text_input(b"quit\n"), InputOutcome::Sent);
    assert!(matches!(next(&mut events).await, ServerEvent::Input { sessid, .. } if sessid == third_id));
    drop(third);
    match next(&mut events).await {
        ServerEvent::SessionDisconnected(s) => assert_eq!(s.sessid, third_id),
        other => panic!("expected SessionDisconnected({third_id}), got {other:?}"),
    }
    assert_eq!((server.session_count(), portal.session_count()), (0, 0));

    // SDISCONNALL: every player sees the reason and is disconnected.
    let mut players = Vec::new();
    for address in ["10.0.1.1", "10.0.1.2"] {
        players.push(connect(&portal, address, &mut events).await);
    }
    server.disconnect_all(Some("The game is closing.")).await.unwrap().await.unwrap();
    assert_eq!(server.session_count(), 0);
    for player in &mut players {
        closed(player, Some("The game is closing.")).await;
    }
    assert_eq!(portal.session_count(), 0);

    // The Portal stops and stops the Server (SIGTERM to amp-portal):
    // PDISCONNALL, then SSHUTD, the Server's last event.
    portal.shutdown(true).await;
    assert_eq!(next(&mut events).await, ServerEvent::Shutdown { mode: ShutdownMode::Shutdown });
    assert!(tokio::time::timeout(STEP, events.recv()).await.unwrap().is_none());
    tokio::time::timeout(STEP, server.stopped()).await.unwrap();
    assert_eq!(server.msg(1, "x").await.unwrap_err(), SendError::Stopped);
    assert_eq!(tokio::time::timeout(STEP, portal.stopped()).await.unwrap(), StopReason::Requested);
    portal_event_where(&mut seen, |e| (e == PortalEvent::ShuttingDown).then_some(())).await;
    assert!(
        !common::portal_events_so_far(&mut seen).iter().any(|e| matches!(e, PortalEvent::ServerCallFailed { .. })),
        "every call to the Server was answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_function_call_and_unknown_operations() {
    let mut portal_functions = FunctionRegistry::new();
    portal_functions.register("portal.info", "uptime", |_| Ok(Value::from(1.5)));
    let portal = Portal::builder(common::settings()).functions(portal_functions).start_on("127.0.0.1:0").await.unwrap();
    let mut seen = portal.events();
    let (server, mut events) = start_server(&portal, Some("shutdown"), &[]).await;
    let peer = portal.server_peer().expect("the server's connection");

    // The Server's own status answer (Evennia's Server was written to say OK).
    let status = peer.call::<MsgStatus>(MsgStatusArguments { status: Bytes::from_static(b"hi") }).await.unwrap();
    assert_eq!(status.status, "OK");

    // FunctionCall from the Portal's side: registered functions only.
    let sum = call_function(&peer, "game.maths", "add", vec![2.into(), 40.into()], Kwargs::new()).await.unwrap();
    assert_eq!(sum, Value::from(42));
    let err = call_function(&peer, "os", "system", vec!["rm -rf /".into()], Kwargs::new()).await.unwrap_err();
    assert!(err.to_string().contains("no function os.system is registered"), "{err}");
    let err = call_function(&peer, "game.maths", "add", vec!["x".into()], Kwargs::new()).await.unwrap_err();
    assert!(err.to_string().contains("game.maths.add: ints only"), "{err}");

    // An operation Evennia's Server does not handle gets Evennia's error text.
    let raw = Kwargs::new().with("operation", "\x07").to_value();
    let packed = Value::Tuple(vec![Value::from(0), raw]);
    let args =
        AdminPortal2ServerArguments { packed_data: Bytes::from(amp_evennia::codec::pickle::encode(&packed).unwrap()) };
    match peer.call::<AdminPortal2Server>(args).await {
        Err(CallError::Declared(AdminPortal2ServerError::Exception(text))) => {
            // Evennia's exact text, its suffix included.
            assert_eq!(text, "operation \x07 not recognized. (error logged on other side)")
        }
        other => panic!("{other:?}"),
    }
    // So does a payload that is no pickle; the connection stays up.
    let args = AdminPortal2ServerArguments { packed_data: Bytes::from_static(b"junk") };
    assert!(matches!(peer.call::<AdminPortal2Server>(args).await, Err(CallError::Declared(_))));
    assert!(server.is_connected() && portal.server_connected());

    // PSTATUS, which Evennia's own Portal does not handle, gets its error text.
    let receipt = server.admin(AdminFromServer::Pstatus).await.unwrap();
    let err = tokio::time::timeout(STEP, receipt).await.unwrap().unwrap_err();
    assert!(err.to_string().contains("operation \x12 not recognized."), "{err}");
    // SCONN (a bot protocol) is refused: no Python runs in amp-portal.
    let sconn =
        AdminFromServer::Sconn { protocol_path: "evennia.server.portal.irc.IRCBotFactory".into(), config: Value::None };
    let err = tokio::time::timeout(STEP, server.admin(sconn).await.unwrap()).await.unwrap().unwrap_err();
    assert!(err.to_string().contains("cannot start the Python protocol evennia.server.portal.irc"), "{err}");

    // The Portal's functions, from the Server.
    assert_eq!(server.function_call("portal.info", "uptime", vec![], Kwargs::new()).await.unwrap(), Value::from(1.5));
    let err = server.function_call("portal", "f", vec![], Kwargs::new()).await.unwrap_err();
    assert!(err.to_string().contains("no function portal.f"), "{err}");

    // Stopped by the game: the connection closes, the Portal notices, and
    // the event stream ends.
    server.stop();
    tokio::time::timeout(STEP, server.stopped()).await.unwrap();
    assert!(!server.is_connected());
    portal_event_where(&mut seen, |e| (e == PortalEvent::ServerDisconnected).then_some(())).await;
    assert!(!portal.server_connected() && portal.server_peer().is_none());
    assert!(!common::launcher_status(&portal).await.server_running);
    loop {
        match tokio::time::timeout(STEP, events.recv()).await.expect("the stream ends") {
            None => break,
            Some(ServerEvent::Disconnected { .. }) => {}
            Some(other) => panic!("unexpected {other:?}"),
        }
    }

    // A player typing with no Server gets a message. amp-portal's
    // behaviour: Evennia's Portal drops such input without a word.
    let mut player = portal.open_session("telnet", "10.0.0.7", Kwargs::new());
    assert_eq!(player.text_input(b"look\n"), InputOutcome::NoServer);
    assert_eq!(output(&mut player).await.text_arg(), Some(NO_SERVER_TEXT));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_the_portal_restarts_and_keeps_players_while_the_server_restarts() {
    let portal = common::portal().await;
    let addr = portal.amp_addr().unwrap();
    let (server, mut events) = start_server(&portal, Some("shutdown"), &[]).await;
    let player = connect(&portal, "127.0.0.1", &mut events).await;
    let sessid = player.sessid();

    // The Portal dies: the Server notices, keeps its sessions, and retries.
    portal.close_amp().await;
    assert!(matches!(next(&mut events).await, ServerEvent::Disconnected { .. }));
    assert_eq!(server.session_ids(), vec![sessid]);
    assert_eq!(server.msg(sessid, "anyone?").await.unwrap().await.unwrap_err(), SendError::NotConnected);
    // Its players went with it (no Server to tell any more).
    drop(player);
    drop(portal);

    // A new Portal on the same port: its PSYNC drops the old session.
    let portal = Portal::builder(common::settings()).start_on(addr).await.unwrap();
    let mut seen = portal.events();
    match next(&mut events).await {
        ServerEvent::Synced { sessions, dropped, restart_mode, .. } => {
            assert!(sessions.is_empty());
            assert_eq!(dropped.iter().map(|s| s.sessid).collect::<Vec<_>>(), vec![sessid]);
            assert_eq!(restart_mode.as_deref(), Some("shutdown"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(next(&mut events).await, ServerEvent::Connected { .. }));
    assert!(matches!(portal_event(&mut seen).await, PortalEvent::ServerConnected { .. }));
    let mut player = connect(&portal, "127.0.0.1", &mut events).await;
    let sessid = player.sessid();

    // Now the Server goes (a crash, or a reload): the player stays
    // connected, is told their input went nowhere, and the next Server gets
    // the session in the Portal's PSYNC. Its restart mode was reported once
    // and is forgotten, as Evennia's Portal does.
    server.stop();
    tokio::time::timeout(STEP, server.stopped()).await.unwrap();
    portal_event_where(&mut seen, |e| (e == PortalEvent::ServerDisconnected).then_some(())).await;
    assert_eq!(player.text_input(b"hello?\n"), InputOutcome::NoServer);
    assert_eq!(output(&mut player).await.text_arg(), Some(NO_SERVER_TEXT));
    let (server, mut events) = start_server(&portal, None, &[sessid]).await;
    server.msg(sessid, "Welcome back.").await.unwrap().await.unwrap();
    assert_eq!(output(&mut player).await.text_arg(), Some("Welcome back."));
    assert_eq!(player.text_input(b"hello\n"), InputOutcome::Sent);
    assert!(matches!(next(&mut events).await, ServerEvent::Input { message, .. } if message.line() == Some("hello")));

    // The Portal stops without stopping the Server: PDISCONNALL reports
    // every session, and every player sees an empty line and goes.
    let stopping = tokio::spawn({
        let portal = portal.clone();
        async move { portal.shutdown(false).await }
    });
    assert!(matches!(next(&mut events).await, ServerEvent::SessionDisconnected(s) if s.sessid == sessid));
    assert_eq!(server.session_count(), 0);
    assert_eq!(recv(&mut player).await, ToSession::Disconnect(Some(String::new())));
    // The protocol closes the connection: the Portal need not wait for it.
    drop(player);
    tokio::time::timeout(STEP, stopping).await.unwrap().unwrap();
    assert_eq!(tokio::time::timeout(STEP, portal.stopped()).await.unwrap(), StopReason::Requested);
    assert!(server.is_connected(), "the Server was not asked to stop");
    server.stop();
    tokio::time::timeout(STEP, server.stopped()).await.unwrap();
}
