//! `amp proxy` between a real Evennia 6.1 Portal (Twisted 24.11, started
//! alone by the harness of `tests/src/evennia*`) and a Server connecting to
//! it through the proxy, while a telnet player plays:
//!
//! - the Rust Server role (`amp_evennia::role::server`, the role
//!   `amp-evennia/examples/echo_game.rs` is built on), with
//!   `--schema schema/evennia.toml`: the PSYNC, PCONN and MsgPortal2Server
//!   boxes print decoded, pickles and all; Evennia's HTTP answer to a probe
//!   of its AMP port comes back through the proxy byte for byte;
//! - the Python stand-in made of Evennia's own AMP commands
//!   (`tests/evennia/standin_server.py`), without a schema: raw pairs.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use amp_evennia::role::server::{EvenniaServer, ServerEvent};
use amp_tests::evennia::{EvenniaGame, EvenniaPorts, StandinServer, TelnetClient};
use common::{root, Proxy};
use serde_json::{json, Value};

const STEP: Duration = Duration::from_secs(30);

/// The room the player looks at.
const ROOM: &str = "You are in a small stone room, seen through amp proxy.";

/// A game on the Rust Server role: greets each player, answers `look`.
fn spawn_game(portal: SocketAddr) -> tokio::task::JoinHandle<()> {
    let (server, mut events) = EvenniaServer::builder(portal.to_string()).spawn();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                ServerEvent::SessionConnected(session) => {
                    let _ = server.msg(session.sessid, format!("Welcome, session {}.", session.sessid)).await;
                }
                ServerEvent::Input { sessid, message } => {
                    let reply = match message.line().map(str::trim) {
                        Some("look") => ROOM.to_owned(),
                        other => format!("Unknown command: {}", other.unwrap_or_default()),
                    };
                    let _ = server.msg(sessid, reply).await;
                }
                _ => {}
            }
        }
    })
}

/// The operation code of an Admin* box, as the pickle mapping shows it
/// (`packed_data` is the pickled tuple `(sessid, {"operation": ...})`).
fn operation(line: &Value) -> Option<&str> {
    line["arguments"]["packed_data"]["tuple"][1]["operation"].as_str()
}

/// Evennia's operation codes (`evennia/server/portal/amp.py`).
const PCONN: &str = "\u{1}";
const PSYNC: &str = "\u{3}";

/// Sends an HTTP request to `addr` and reads the answer to its end.
fn http_probe(addr: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect for the probe");
    s.set_read_timeout(Some(STEP)).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).expect("the Portal answers and closes");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telnet_player_plays_through_the_proxy_and_every_box_prints_decoded() {
    let game = EvenniaGame::create_with(EvenniaPorts::free(), false);
    let portal = game.start_portal();
    let schema = root().join("schema/evennia.toml");
    let amp = portal.amp_addr().to_string();
    let mut proxy = Proxy::start(&["--listen", "127.0.0.1:0", "--to", &amp, "--schema", schema.to_str().unwrap()]);
    let proxy_addr: SocketAddr = proxy.addr.parse().unwrap();
    let game_task = spawn_game(proxy_addr);

    // The handshake, through the proxy: the Server's PSYNC (it is the AMP
    // client), the Portal's PSYNC, and the answers matched to them.
    let psync = proxy.wait_for("for the Server's PSYNC", |l| {
        l["from"] == "client" && l["command"] == "AdminServer2Portal" && operation(l) == Some(PSYNC)
    });
    assert!(psync["arguments"]["packed_data"]["tuple"][1]["info_dict"].is_object(), "{psync}");
    assert!(psync["box"]["packed_data"].is_object(), "the raw pairs are printed too: {psync}");
    let portal_psync = proxy.wait_for("for the Portal's PSYNC", |l| {
        l["from"] == "target" && l["command"] == "AdminPortal2Server" && operation(l) == Some(PSYNC)
    });
    assert!(portal_psync["arguments"]["packed_data"]["tuple"][1]["sessiondata"].is_object(), "{portal_psync}");
    proxy.wait_for("for the answer to the Server's PSYNC", |l| {
        l["from"] == "target" && l["answer_to"] == "AdminServer2Portal" && l["response"].is_object()
    });

    // A player connects: PCONN from the Portal, the greeting back.
    let mut player = TelnetClient::connect(portal.telnet_addr()).await.expect("telnet connect");
    let pconn = proxy.wait_for("for PCONN", |l| {
        l["from"] == "target" && l["command"] == "AdminPortal2Server" && operation(l) == Some(PCONN)
    });
    let sessid = pconn["arguments"]["packed_data"]["tuple"][0].as_u64().expect("the session id");
    player.read_until(&format!("Welcome, session {sessid}."), STEP).await.expect("the greeting");

    // `look` goes through as MsgPortal2Server and its answer comes back.
    player.send_line("look").await.unwrap();
    player.read_until(ROOM, STEP).await.expect("the room");
    let look = proxy.wait_for("for the player's look", |l| {
        l["from"] == "target" && l["command"] == "MsgPortal2Server" && l["arguments"].to_string().contains("look")
    });
    assert_eq!(look["arguments"]["packed_data"]["tuple"][0], sessid, "{look}");
    // Evennia 6.1's Portal pickles the input as {"text": [["look\n"], {"options": {}}]}.
    assert_eq!(look["arguments"]["packed_data"]["tuple"][1], json!({ "text": [["look\n"], { "options": {} }] }));
    let reply = proxy.wait_for("for the room's text", |l| {
        l["from"] == "client" && l["command"] == "MsgServer2Portal" && l["arguments"].to_string().contains(ROOM)
    });
    assert_eq!(reply["arguments"]["packed_data"]["tuple"][0], sessid, "{reply}");

    // An HTTP probe of the AMP port through the proxy gets Evennia's own
    // answer, byte for byte as the Portal gives it directly.
    let through = http_probe(&proxy.addr);
    let direct = http_probe(&amp);
    assert_eq!(through, direct);
    assert!(through.starts_with(b"HTTP/1.1 200 OK\n"), "{}", String::from_utf8_lossy(&through));
    let probe = proxy.wait_for("for the probe", |l| l["event"] == "undecoded" && l["from"] == "client");
    assert_eq!((probe["at"].as_u64(), probe["bytes"].as_str()), (Some(0), Some("GET / HTTP/1.0\r\n\r\n")));
    let answer = proxy.wait_for("for Evennia's answer", |l| l["event"] == "undecoded" && l["from"] == "target");
    // The report shows the first 256 bytes; the close counts all of them.
    assert_eq!(answer["bytes"].as_str().map(str::as_bytes), Some(&through[..256]));
    let close = proxy.wait_for("for the probe's close", |l| l["event"] == "close" && l["conn"] == probe["conn"]);
    assert_eq!(
        (close["client_bytes"].as_u64(), close["target_bytes"].as_u64()),
        (Some(18), Some(through.len() as u64))
    );

    // The game goes on after it.
    player.send_line("look").await.unwrap();
    player.read_until(ROOM, STEP).await.expect("the room, after the probe");

    // Every box of the game's connection decoded by the schema.
    let game_conn = psync["conn"].clone();
    let boxes: Vec<&Value> = proxy.seen.iter().filter(|l| l["conn"] == game_conn && l.get("box").is_some()).collect();
    for b in &boxes {
        assert!(b.get("decode_error").is_none() && b.get("pickle_errors").is_none(), "{b}");
        assert!(b.get("command").is_some() || b.get("answer_to").is_some(), "not matched: {b}");
    }
    let status = portal.stop();
    assert!(status.code().is_some() || std::os::unix::process::ExitStatusExt::signal(&status).is_some());
    // The Portal's SSHUTD ends the game's event stream.
    tokio::time::timeout(STEP, game_task).await.expect("the game stops after SSHUTD").unwrap();
    let (code, stderr, lines) = proxy.stop();
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert!(
        lines.iter().any(|l| l["command"] == "AdminPortal2Server" && operation(l) == Some("\u{11}")),
        "no SSHUTD printed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evennias_own_amp_commands_through_the_proxy_print_as_raw_pairs() {
    let game = EvenniaGame::create_with(EvenniaPorts::free(), false);
    let portal = game.start_portal();
    let amp = portal.amp_addr().to_string();
    let mut proxy = Proxy::start(&["--listen", "127.0.0.1:0", "--to", &amp]);
    let mut standin = StandinServer::start(proxy.addr.parse().unwrap());
    standin.wait_for("psync_answered", STEP).await;

    let mut player = TelnetClient::connect(portal.telnet_addr()).await.expect("telnet connect");
    player.read_until("Welcome from the stand-in, session", STEP).await.expect("the stand-in's greeting");
    player.send_line("look").await.unwrap();
    player.read_until("echo: look", STEP).await.expect("the stand-in's echo");

    let call = |from: &'static str, command: &'static str| {
        move |l: &Value| l["from"] == from && l["box"]["_command"] == command
    };
    let psync = proxy.wait_for("for the stand-in's PSYNC", call("client", "AdminServer2Portal"));
    proxy.wait_for("for the Portal's PSYNC", call("target", "AdminPortal2Server"));
    proxy.wait_for("for the player's line", call("target", "MsgPortal2Server"));
    proxy.wait_for("for the echo", call("client", "MsgServer2Portal"));
    // Raw pairs only: Evennia's compressed pickles in the String mapping.
    assert!(psync["box"]["_ask"].is_string(), "{psync}");
    assert!(psync["box"]["packed_data"]["base64"].is_string(), "{psync}");
    assert!(proxy.seen.iter().all(|l| l.get("command").is_none() && l.get("arguments").is_none()));
    drop(player);
    standin.command("quit");
    proxy.wait_for("for the stand-in's close", |l| l["event"] == "close" && l["conn"] == psync["conn"]);
    let (code, stderr, _) = proxy.stop();
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
}
