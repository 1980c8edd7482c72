//! amp-portal's telnet listener over loopback, with the Rust Server role
//! (`amp_evennia::role::server::EvenniaServer`) as the game: the limits and
//! the bad input a Portal must survive without losing anyone else's session.
//! A client that never reads is disconnected once its output passes the
//! bound while another player goes on playing; the connection queue's
//! message has Evennia's exact text; `MAX_CHAR_LIMIT` and `MAX_COMMAND_RATE`
//! answer with Evennia's warnings; HTTP on the telnet port gets Evennia's
//! refusal; input while no Server is connected gets a message; an endless
//! subnegotiation is held in bounded memory and the player stays.
//! (Evennia's real Server behind amp-portal: tests/tests/portal_telnet.rs.)

mod common;

use std::net::SocketAddr;

use amp_evennia::role::server::{EvenniaServer, ServerEvent, ServerHandle};
use amp_portal::portal::{PortalEvent, NO_SERVER_TEXT};
use amp_portal::service::{self, Services, TelnetLimits};
use amp_portal::settings::Settings;
use amp_portal::telnet::HTTP_WARNING;
use common::{next, STEP};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Telnet and AMP on free loopback ports.
fn settings() -> Settings {
    Settings {
        amp_interface: "127.0.0.1".into(),
        amp_port: 0,
        telnet_interfaces: vec!["127.0.0.1".into()],
        telnet_ports: vec![0],
        max_connection_rate: 1e6,
        webserver_enabled: false,
        ..Settings::default()
    }
}

async fn start(settings: Settings, limits: TelnetLimits) -> (Services, ServerHandle, mpsc::Receiver<ServerEvent>) {
    let services = service::start(settings, limits).await.expect("the services start");
    let (server, mut events) = EvenniaServer::builder(common::amp(&services.portal)).spawn();
    assert!(matches!(next(&mut events).await, ServerEvent::Synced { .. }));
    assert!(matches!(next(&mut events).await, ServerEvent::Connected { .. }));
    (services, server, events)
}

/// Connects a player; returns its socket and session id once the Server
/// has the session.
async fn connect(addr: SocketAddr, events: &mut mpsc::Receiver<ServerEvent>) -> (TcpStream, u64) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    loop {
        if let ServerEvent::SessionConnected(s) = next(events).await {
            return (stream, s.sessid);
        }
    }
}

/// Reads until `needle` is in what arrived (bounded by [`STEP`]).
async fn read_until(stream: &mut TcpStream, needle: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(STEP, async {
        while !got.windows(needle.len()).any(|w| w == needle) {
            let n = stream.read(&mut buf).await.expect("read");
            assert!(n > 0, "closed before {:?}: {:?}", String::from_utf8_lossy(needle), String::from_utf8_lossy(&got));
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!("{:?} did not arrive: {:?}", String::from_utf8_lossy(needle), String::from_utf8_lossy(&got))
    });
    got
}

/// Reads until the Portal closes the connection; returns what arrived.
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    tokio::time::timeout(STEP, async {
        let mut buf = [0u8; 65536];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the Portal closes the connection");
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_disconnected_and_the_others_play_on() {
    let limits = TelnetLimits { max_pending_output: 64 * 1024, ..TelnetLimits::default() };
    let (services, server, mut events) = start(settings(), limits).await;
    let addr = services.telnet[0];
    let mut portal_events = services.portal.events();
    // A small receive buffer, so the kernel holds little of what is sent.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.expect("connect");
    let (mut stuck, stuck_id) = loop {
        if let ServerEvent::SessionConnected(s) = next(&mut events).await {
            break (stream, s.sessid);
        }
    };
    let (mut player, player_id) = connect(addr, &mut events).await;
    // The stuck client never reads: the kernel's buffers fill (the Portal's
    // send buffer grows to a few MB on loopback), then the Portal's bound.
    // 24 MB of output is far past both.
    let line = "x".repeat(4000);
    for _ in 0..6000 {
        if server.msg(stuck_id, line.clone()).await.is_err() {
            break;
        }
    }
    let closed = tokio::time::timeout(STEP, async {
        loop {
            match portal_events.recv().await {
                Ok(PortalEvent::SessionClosed { sessid }) if sessid == stuck_id => return,
                Ok(_) => {}
                Err(e) => panic!("portal events: {e}"),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the stuck session was not closed");
    // Its socket is closed: what is buffered drains, then EOF or a reset.
    read_to_close(&mut stuck).await;
    // The other player is unaffected.
    server.msg(player_id, "still-here-4711").await.unwrap().await.unwrap();
    read_until(&mut player, b"still-here-4711").await;
    player.write_all(b"look\r\n").await.unwrap();
    loop {
        if let ServerEvent::Input { sessid, message } = next(&mut events).await {
            assert_eq!((sessid, message.line()), (player_id, Some("look")));
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_queue_speaks_evennias_text() {
    let settings = Settings { max_connection_rate: 2.0, servername: "Testgame".into(), ..settings() };
    let (services, _server, _events) = start(settings, TelnetLimits::default()).await;
    let addr = services.telnet[0];
    let _first = TcpStream::connect(addr).await.unwrap();
    let _second = TcpStream::connect(addr).await.unwrap();
    let mut third = TcpStream::connect(addr).await.unwrap();
    // Joining a queue of two (or three, when the first is still in it):
    // Evennia's text with the queue length times 0.5 s.
    let text = read_until(&mut third, b"seconds ...").await;
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("Testgame DoS protection is active.You are queued to connect in 1.0 seconds ...")
            || text.contains("Testgame DoS protection is active.You are queued to connect in 1.5 seconds ..."),
        "{text:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_limits_answer_with_evennias_warnings() {
    let settings = Settings { max_char_limit: 20, max_command_rate: 5.0, ..settings() };
    let (services, _server, mut events) = start(settings.clone(), TelnetLimits::default()).await;
    let (mut player, _) = connect(services.telnet[0], &mut events).await;
    // 20 bytes with the `\n`: Evennia counts the line end, so 19 characters
    // plus it pass and 20 plus it do not.
    player.write_all(format!("{}\r\n", "a".repeat(20)).as_bytes()).await.unwrap();
    read_until(&mut player, settings.max_char_limit_warning.as_bytes()).await;
    // Ten lines in one go at five a second: the extra ones are warned.
    player.write_all("ok\r\n".repeat(10).as_bytes()).await.unwrap();
    read_until(&mut player, settings.command_rate_warning.as_bytes()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_on_the_telnet_port_is_refused_as_evennia_refuses_it() {
    let (services, _server, mut events) = start(settings(), TelnetLimits::default()).await;
    let (mut browser, _) = connect(services.telnet[0], &mut events).await;
    browser.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    let got = read_to_close(&mut browser).await;
    assert!(got.ends_with(HTTP_WARNING), "{:?}", String::from_utf8_lossy(&got));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_without_a_server_gets_a_message_and_the_player_stays() {
    let services = service::start(settings(), TelnetLimits::default()).await.unwrap();
    let mut player = TcpStream::connect(services.telnet[0]).await.unwrap();
    player.write_all(b"look\r\n").await.unwrap();
    read_until(&mut player, NO_SERVER_TEXT.as_bytes()).await;
    // A Server arrives: the session is in its PSYNC and input flows.
    let (_server, mut events) = EvenniaServer::builder(common::amp(&services.portal)).spawn();
    match next(&mut events).await {
        ServerEvent::Synced { sessions, .. } => assert_eq!(sessions.len(), 1),
        other => panic!("{other:?}"),
    }
    player.write_all(b"look again\r\n").await.unwrap();
    loop {
        if let ServerEvent::Input { message, .. } = next(&mut events).await {
            assert_eq!(message.line(), Some("look again"));
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_subnegotiation_is_bounded_and_the_other_players_stay() {
    let (services, server, mut events) = start(settings(), TelnetLimits::default()).await;
    let addr = services.telnet[0];
    let (mut endless, _) = connect(addr, &mut events).await;
    let (mut player, player_id) = connect(addr, &mut events).await;
    // IAC SB GMCP, then 8 MB that never end the subnegotiation.
    endless.write_all(&[255, 250, 201]).await.unwrap();
    let chunk = vec![b'z'; 64 * 1024];
    for _ in 0..128 {
        if endless.write_all(&chunk).await.is_err() {
            break;
        }
    }
    server.msg(player_id, "unbothered-4711").await.unwrap().await.unwrap();
    read_until(&mut player, b"unbothered-4711").await;
}
