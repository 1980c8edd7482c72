//! Evennia's launcher instructions (`MsgLauncher2Portal`, typed by
//! `amp_evennia::payload::admin::AdminFromLauncher`) to a real Evennia 6.1 Portal whose
//! Server is the Rust Server role: an unknown operation gets Evennia's error
//! text, and `evennia stop`'s SSHUTD stops the Server.

use std::time::Duration;

use amp_evennia::codec::pickle::{self, Value};
use amp_evennia::commands::{MsgLauncher2Portal, MsgLauncher2PortalArguments, MsgLauncher2PortalError};
use amp_evennia::payload::admin::{AdminFromLauncher, RawLauncherAdmin};
use amp_evennia::role::server::{EvenniaServer, ServerEvent, ShutdownMode};
use amp_runtime::{CallError, ConnectionConfig, NoResponder};
use amp_tests::evennia::{EvenniaGame, EvenniaPorts};
use bytes::Bytes;
use tokio::sync::mpsc;

const STEP: Duration = Duration::from_secs(30);

async fn next(events: &mut mpsc::Receiver<ServerEvent>) -> ServerEvent {
    tokio::time::timeout(STEP, events.recv()).await.expect("a server event in time").expect("the stream is open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn launcher_instructions_reach_the_real_portal() {
    let game = EvenniaGame::create_with(EvenniaPorts::free(), false);
    let portal = game.start_portal();
    let (server, mut events) = EvenniaServer::builder(portal.amp_addr().to_string()).spawn();
    assert!(matches!(next(&mut events).await, ServerEvent::Synced { .. }));
    assert!(matches!(next(&mut events).await, ServerEvent::Connected { .. }));

    // The launcher connects once the Server is up, as `evennia stop` does.
    let launcher = amp_runtime::client::connect_tcp(portal.amp_addr(), NoResponder, ConnectionConfig::default())
        .await
        .expect("connect to the Portal's AMP port");
    let call = |admin: AdminFromLauncher| {
        let peer = launcher.peer().clone();
        async move {
            let args = MsgLauncher2PortalArguments::try_from(&admin).expect("encodable");
            tokio::time::timeout(STEP, peer.call::<MsgLauncher2Portal>(args)).await.expect("an answer in time")
        }
    };

    // An operation the Portal does not handle: Evennia's text, with the
    // suffix its AMP protocol adds to every error it sends.
    let arguments = Bytes::from(pickle::encode(&Value::Dict(Vec::new())).unwrap());
    let raw = RawLauncherAdmin { operation: Bytes::from_static(b"\x07"), arguments };
    match call(AdminFromLauncher::Other(raw.clone())).await {
        Err(CallError::Declared(MsgLauncher2PortalError::Exception(text))) => {
            assert_eq!(text, format!("{} (error logged on other side)", raw.not_recognized()))
        }
        other => panic!("expected EXCEPTION, got {other:?}"),
    }

    // SSHUTD: the Portal answers, then stops its Server (this one).
    call(AdminFromLauncher::Sshutd).await.expect("SSHUTD answered");
    loop {
        match next(&mut events).await {
            ServerEvent::Shutdown { mode } => break assert_eq!(mode, ShutdownMode::Shutdown),
            ServerEvent::SessionDisconnected(_) | ServerEvent::Disconnected { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    tokio::time::timeout(STEP, server.stopped()).await.expect("the server stops");
    // Nothing asked the Portal to start Evennia's own Server.
    assert!(portal.server_start_requests().is_empty());
    portal.stop();
}
