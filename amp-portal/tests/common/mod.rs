//! What the tests that run the Rust Server role
//! (`amp_evennia::role::server::EvenniaServer`) behind amp-portal's
//! [`Portal`] share: the Portal's settings, and waiting, bounded in time,
//! for the Server's events, the Portal's events and a player's output.

// Each test file uses a part of these helpers.
#![allow(dead_code)]

use std::time::Duration;

use amp_evennia::role::server::ServerEvent;
use amp_evennia::Message;
use amp_portal::portal::{Portal, PortalEvent, SessionHandle, ToSession};
use amp_portal::settings::Settings;
use tokio::sync::{broadcast, mpsc};

/// The longest any one step may take.
pub const STEP: Duration = Duration::from_secs(10);

/// Evennia's defaults, but every new session passes the connection queue at
/// once (`MAX_CONNECTION_RATE` is not under test here), and no web side
/// (not built yet: only a warning in the info table).
pub fn settings() -> Settings {
    Settings { max_connection_rate: 1e6, webserver_enabled: false, ..Settings::default() }
}

/// A Portal with [`settings`] on a free loopback port.
pub async fn portal() -> Portal {
    portal_with(settings()).await
}

/// A Portal with `settings` on a free loopback port.
pub async fn portal_with(settings: Settings) -> Portal {
    Portal::builder(settings).start_on("127.0.0.1:0").await.expect("the Portal listens")
}

/// The Portal's AMP address, as the Server role takes it.
pub fn amp(portal: &Portal) -> String {
    portal.amp_addr().expect("the Portal listens").to_string()
}

/// The Server's next event.
pub async fn next(events: &mut mpsc::Receiver<ServerEvent>) -> ServerEvent {
    tokio::time::timeout(STEP, events.recv()).await.expect("a server event in time").expect("the stream is open")
}

/// The Portal's next event (none may be missed).
pub async fn portal_event(events: &mut broadcast::Receiver<PortalEvent>) -> PortalEvent {
    tokio::time::timeout(STEP, events.recv()).await.expect("a portal event in time").expect("no portal event missed")
}

/// The Portal's next event that `pick` takes, skipping the others.
pub async fn portal_event_where<T>(
    events: &mut broadcast::Receiver<PortalEvent>,
    mut pick: impl FnMut(PortalEvent) -> Option<T>,
) -> T {
    loop {
        if let Some(found) = pick(portal_event(events).await) {
            return found;
        }
    }
}

/// The Portal events already emitted, without waiting.
pub fn portal_events_so_far(events: &mut broadcast::Receiver<PortalEvent>) -> Vec<PortalEvent> {
    let mut out = Vec::new();
    loop {
        match events.try_recv() {
            Ok(event) => out.push(event),
            Err(broadcast::error::TryRecvError::Empty) => return out,
            Err(e) => panic!("portal events: {e}"),
        }
    }
}

/// What the Portal hands the player next.
pub async fn recv(player: &mut SessionHandle) -> ToSession {
    tokio::time::timeout(STEP, player.recv()).await.expect("something for the player in time").expect("session open")
}

/// The player's next output; anything else the Portal hands it first fails.
pub async fn output(player: &mut SessionHandle) -> Message {
    match recv(player).await {
        ToSession::Output(message) => message,
        other => panic!("expected output, got {other:?}"),
    }
}

/// Waits, polling every millisecond for at most [`STEP`], until `done`.
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + STEP;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "not in time: {what}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The Portal's status as `evennia status` reads it: `MsgStatus` on the
/// AMP port, from a connection of its own, as the launcher's.
pub async fn launcher_status(portal: &Portal) -> amp_evennia::PortalStatus {
    use amp_evennia::commands::{MsgStatus, MsgStatusArguments};
    let launcher = amp_runtime::client::connect_tcp(
        portal.amp_addr().expect("the Portal listens"),
        amp_runtime::NoResponder,
        amp_runtime::ConnectionConfig::default(),
    )
    .await
    .expect("the launcher connects");
    let answer =
        tokio::time::timeout(STEP, launcher.peer().call::<MsgStatus>(MsgStatusArguments { status: "".into() }))
            .await
            .expect("an answer in time")
            .expect("the Portal answers MsgStatus");
    launcher.peer().close();
    amp_evennia::PortalStatus::from_pickle(&answer.status).expect("Evennia's status tuple")
}
