//! The Server role against the Rust Portal side (`PortalAmp`), over
//! loopback: handshake, session table, input, output order, logins,
//! disconnections, status, FunctionCall, reconnection and shutdown.
//! (The same Server against a real Evennia Portal: tests/tests/evennia_e2e.rs.)

use std::time::Duration;

use amp_evennia::codec::pickle::Value;
use amp_evennia::commands::{
    AdminPortal2Server, AdminPortal2ServerArguments, AdminPortal2ServerError, MsgStatus, MsgStatusArguments,
};
use amp_evennia::payload::admin::{AdminFromPortal, AdminFromServer};
use amp_evennia::role::function_call::{call_function, FunctionError, FunctionRegistry};
use amp_evennia::role::portal::{PortalAmp, PortalEvent};
use amp_evennia::role::server::{EvenniaServer, SendError, ServerEvent, ServerHandle};
use amp_evennia::{Kwargs, Message, Operation};
use amp_runtime::client::ReconnectConfig;
use amp_runtime::CallError;
use bytes::Bytes;
use tokio::sync::mpsc;

const STEP: Duration = Duration::from_secs(10);

async fn next(events: &mut mpsc::Receiver<ServerEvent>) -> ServerEvent {
    tokio::time::timeout(STEP, events.recv()).await.expect("a server event in time").expect("the stream is open")
}

async fn portal_event(portal: &mut PortalAmp) -> PortalEvent {
    portal.next_event_within(STEP).await.expect("a portal event in time")
}

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

async fn start(portal: &PortalAmp) -> (ServerHandle, mpsc::Receiver<ServerEvent>) {
    let (server, mut events) = EvenniaServer::builder(portal.local_addr().to_string())
        .reconnect(ReconnectConfig::fast(Duration::from_millis(50), Duration::from_millis(200)))
        .functions(functions())
        .spawn();
    match next(&mut events).await {
        ServerEvent::Synced { sessions, dropped, restart_mode, portal_start_time } => {
            assert!(sessions.is_empty() && dropped.is_empty());
            assert_eq!(restart_mode.as_deref(), Some("shutdown"));
            assert!(portal_start_time.is_some_and(|t| t > 0.0));
        }
        other => panic!("expected Synced, got {other:?}"),
    }
    assert_eq!(next(&mut events).await, ServerEvent::Connected { portal: portal.local_addr().to_string() });
    (server, events)
}

async fn output(portal: &mut PortalAmp) -> (u64, Message) {
    loop {
        if let PortalEvent::Output { sessid, message, .. } = portal_event(portal).await {
            return (sessid, message);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_sessions_input_output_and_shutdown() {
    let mut portal = PortalAmp::bind("127.0.0.1:0").await.unwrap();
    let (server, mut events) = start(&portal).await;
    match portal_event(&mut portal).await {
        PortalEvent::ServerConnected { spid, info } => {
            assert_eq!(spid, i64::from(std::process::id()));
            assert_eq!(info.servername(), Some("amp-evennia"));
        }
        other => panic!("{other:?}"),
    }
    assert!(server.is_connected());

    // A player connects: the session is in the table, with its telnet data.
    let sessid = portal.connect_session("10.0.0.7").await.unwrap();
    let ServerEvent::SessionConnected(session) = next(&mut events).await else { panic!("expected SessionConnected") };
    assert_eq!((session.sessid, session.protocol_key(), session.address()), (sessid, Some("telnet"), Some("10.0.0.7")));
    assert_eq!(server.session_ids(), vec![sessid]);

    // Output has Evennia's shape.
    server.msg(sessid, "Hello there.").await.unwrap().await.unwrap();
    let (to, message) = output(&mut portal).await;
    assert_eq!(to, sessid);
    assert_eq!(
        message.to_envelope(to).to_value().to_string(),
        format!("({sessid}, {{'text': [['Hello there.'], {{'options': {{}}}}]}})")
    );

    // Input arrives with its line.
    portal.input(sessid, "look at the \u{2603}\n").await.unwrap();
    match next(&mut events).await {
        ServerEvent::Input { sessid: from, message } => {
            assert_eq!(from, sessid);
            assert_eq!(message.line(), Some("look at the \u{2603}"));
        }
        other => panic!("{other:?}"),
    }

    // A large payload and the small ones after it arrive in order.
    let big = "y".repeat(1_000_000);
    let first = server.send(sessid, Message::raw_text(big.clone())).await.unwrap();
    let second = server.msg(sessid, "after the big one").await.unwrap();
    first.await.unwrap();
    second.await.unwrap();
    let (_, m) = output(&mut portal).await;
    assert_eq!(m.text_arg(), Some(big.as_str()));
    assert_eq!(m.get("text").unwrap().get_option("raw"), Some(&Value::Bool(true)));
    assert_eq!(output(&mut portal).await.1.text_arg(), Some("after the big one"));

    // Login: the Portal records it.
    server.login(sessid, 42).await.unwrap().await.unwrap();
    match portal_event(&mut portal).await {
        PortalEvent::Login { sessid: s, sessiondata } => {
            assert_eq!(s, sessid);
            assert_eq!(sessiondata.to_value().to_string(), "{'logged_in': True, 'uid': 42}");
        }
        other => panic!("{other:?}"),
    }
    assert!(server.session(sessid).unwrap().logged_in());
    assert!(portal.sessions()[0].1.logged_in());

    // Reload and reset are never sent.
    assert_eq!(server.admin(AdminFromServer::Sreload).await.unwrap_err(), SendError::Forbidden(Operation::Sreload));
    assert_eq!(server.admin(AdminFromServer::Sreset).await.unwrap_err(), SendError::Forbidden(Operation::Sreset));

    // The server disconnects a player: gone from both tables; the Portal's
    // PDISCONN that follows is ignored.
    let second_player = portal.connect_session("10.0.0.8").await.unwrap();
    assert!(matches!(next(&mut events).await, ServerEvent::SessionConnected(s) if s.sessid == second_player));
    server.disconnect(sessid, Some("Bye")).await.unwrap().await.unwrap();
    assert_eq!(server.session_ids(), vec![second_player]);
    assert_eq!(portal_event(&mut portal).await, PortalEvent::Disconnected { sessid, reason: Some("Bye".into()) });
    // The other player leaves on their own: that one is reported.
    portal.disconnect_session(second_player).await.unwrap();
    match next(&mut events).await {
        ServerEvent::SessionDisconnected(s) => assert_eq!(s.sessid, second_player),
        other => panic!("expected SessionDisconnected({second_player}), got {other:?}"),
    }
    assert_eq!(server.session_count(), 0);

    // SSHUTD: the last event, then the stream ends and the server stops.
    portal.shutdown_server().await.unwrap();
    assert!(matches!(next(&mut events).await, ServerEvent::Shutdown { .. }));
    assert!(tokio::time::timeout(STEP, events.recv()).await.unwrap().is_none());
    tokio::time::timeout(STEP, server.stopped()).await.unwrap();
    assert_eq!(server.msg(1, "x").await.unwrap_err(), SendError::Stopped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_function_call_and_unknown_operations() {
    let portal = PortalAmp::bind("127.0.0.1:0").await.unwrap();
    let (server, mut events) = start(&portal).await;
    let peer = portal.server().expect("the server's connection");

    let status = peer.call::<MsgStatus>(MsgStatusArguments { status: Bytes::from_static(b"hi") }).await.unwrap();
    assert_eq!(status.status, "OK");

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
    assert!(server.is_connected());

    // PSTATUS, which Evennia's own Portal does not handle, gets its error text.
    let receipt = server.admin(AdminFromServer::Pstatus).await.unwrap();
    let err = tokio::time::timeout(STEP, receipt).await.unwrap().unwrap_err();
    assert!(err.to_string().contains("operation \x12 not recognized."), "{err}");

    // And the Portal's functions are reachable from the server (none here).
    let err = server.function_call("portal", "f", vec![], Kwargs::new()).await.unwrap_err();
    assert!(err.to_string().contains("no function portal.f"), "{err}");

    // Stopped by the game: the connection closes and the event stream ends.
    server.stop();
    tokio::time::timeout(STEP, server.stopped()).await.unwrap();
    assert!(!server.is_connected());
    loop {
        match tokio::time::timeout(STEP, events.recv()).await.expect("the stream ends") {
            None => break,
            Some(ServerEvent::Disconnected { .. }) => {}
            Some(other) => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_the_portal_dies_and_resyncs() {
    let mut portal = PortalAmp::bind("127.0.0.1:0").await.unwrap();
    let addr = portal.local_addr();
    let (server, mut events) = start(&portal).await;
    let _ = portal_event(&mut portal).await; // ServerConnected
    let sessid = portal.connect_session("127.0.0.1").await.unwrap();
    assert!(matches!(next(&mut events).await, ServerEvent::SessionConnected(_)));

    // The Portal dies: the server notices, keeps its sessions, and retries.
    portal.close().await;
    assert!(matches!(next(&mut events).await, ServerEvent::Disconnected { .. }));
    assert_eq!(server.session_ids(), vec![sessid]);
    assert_eq!(server.msg(sessid, "anyone?").await.unwrap().await.unwrap_err(), SendError::NotConnected);

    // A new Portal on the same port: the PSYNC drops the old session.
    let mut portal = PortalAmp::bind(addr).await.unwrap();
    match next(&mut events).await {
        ServerEvent::Synced { sessions, dropped, .. } => {
            assert!(sessions.is_empty());
            assert_eq!(dropped.iter().map(|s| s.sessid).collect::<Vec<_>>(), vec![sessid]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(next(&mut events).await, ServerEvent::Connected { .. }));
    assert!(matches!(portal_event(&mut portal).await, PortalEvent::ServerConnected { .. }));
    let sessid = portal.connect_session("127.0.0.1").await.unwrap();
    assert!(matches!(next(&mut events).await, ServerEvent::SessionConnected(s) if s.sessid == sessid));

    // PDISCONNALL reports every session.
    let peer = portal.server().unwrap();
    let args = AdminPortal2ServerArguments {
        packed_data: Bytes::from(AdminFromPortal::Pdisconnall.to_envelope().to_pickle().unwrap()),
    };
    peer.call::<AdminPortal2Server>(args).await.unwrap();
    assert!(matches!(next(&mut events).await, ServerEvent::SessionDisconnected(s) if s.sessid == sessid));
    assert_eq!(server.session_count(), 0);
    server.stop();
}
