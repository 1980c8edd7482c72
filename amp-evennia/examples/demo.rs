//! The whole stack in one process, over 127.0.0.1, no Evennia needed: a Rust
//! Portal side ([`PortalAmp`]) and a Rust game in Evennia's Server role
//! ([`EvenniaServer`]) talk Evennia's AMP commands, byte-compatible with
//! Evennia 6.1: the PSYNC handshake, a player connecting, input and output,
//! a login, MsgStatus, FunctionCall, 1 MB Compressed payloads both ways,
//! a disconnection and the shutdown.
//!
//! ```text
//! cargo run --release -p amp-evennia --example demo
//! ```

use std::time::{Duration, Instant};

use amp_evennia::codec::pickle::Value;
use amp_evennia::commands::{MsgStatus, MsgStatusArguments};
use amp_evennia::payload::admin::ServerInfo;
use amp_evennia::role::function_call::{call_function, FunctionError, FunctionRegistry};
use amp_evennia::role::portal::{PortalAmp, PortalEvent};
use amp_evennia::role::server::{EvenniaServer, ServerEvent, ServerHandle};
use amp_evennia::sample_text::{prose, Vocabulary};
use amp_evennia::{Kwargs, Message};

type Error = Box<dyn std::error::Error + Send + Sync>;

const LIMIT: Duration = Duration::from_secs(30);
const MB: usize = 1_000_000;
const ROUNDS: usize = 5;

/// The game: greets, answers `look`, `upload` (reports the size of its
/// input), `big` (1 MB of text back), `quit`.
async fn game(server: ServerHandle, mut events: tokio::sync::mpsc::Receiver<ServerEvent>) {
    while let Some(event) = events.recv().await {
        match event {
            ServerEvent::Synced { restart_mode, sessions, .. } => println!(
                "server  <- AdminPortal2Server PSYNC: restart mode {}, {} session(s)",
                restart_mode.as_deref().unwrap_or("-"),
                sessions.len()
            ),
            ServerEvent::Connected { portal } => println!("server  connected to portal at {portal}"),
            ServerEvent::SessionConnected(s) => {
                println!(
                    "server  <- PCONN: session {} ({}, {})",
                    s.sessid,
                    s.protocol_key().unwrap_or("?"),
                    s.address().unwrap_or("?")
                );
                let _ = server.msg(s.sessid, format!("Welcome, Player#{}!", s.sessid)).await;
                let _ = server.login(s.sessid, s.sessid as i64).await;
            }
            ServerEvent::Input { sessid, message } => {
                let line = message.line().unwrap_or_default();
                let reply = match line.split_whitespace().next().unwrap_or("") {
                    "look" => "You see a small stone room.".to_owned(),
                    "big" => prose(MB, 7, Vocabulary::Plain),
                    "quit" => {
                        let _ = server.msg(sessid, "Goodbye.").await;
                        let _ = server.disconnect(sessid, None).await;
                        continue;
                    }
                    _ if line.len() > 1000 => format!("received {} bytes", line.len()),
                    other => format!("Unknown command: {other}"),
                };
                let _ = server.msg(sessid, reply).await;
            }
            ServerEvent::Shutdown { mode } => println!("server  <- SSHUTD ({}): stopping", mode.as_str()),
            _ => {}
        }
    }
}

/// The next output for a session (other Portal events are printed).
async fn output(portal: &mut PortalAmp) -> Result<(Message, usize, usize), Error> {
    loop {
        match portal.next_event_within(LIMIT).await.ok_or("no event from the server in time")? {
            PortalEvent::Output { message, compressed_bytes, slices, .. } => {
                return Ok((message, compressed_bytes, slices))
            }
            PortalEvent::ServerConnected { spid, info } => println!(
                "portal  <- AdminServer2Portal PSYNC: spid {spid}, servername {:?}",
                info.servername().unwrap_or("?")
            ),
            PortalEvent::Login { sessid, sessiondata } => {
                println!("portal  <- SLOGIN: session {sessid} {}", sessiondata.to_value())
            }
            PortalEvent::Disconnected { sessid, reason } => {
                println!("portal  <- SDISCONN: session {sessid} (reason {reason:?})")
            }
            other => println!("portal  <- {other:?}"),
        }
    }
}

fn short(text: &str) -> String {
    if text.len() <= 60 {
        format!("{text:?}")
    } else {
        format!("{:?}... ({} bytes)", &text[..40], text.len())
    }
}

fn mb_per_s(bytes: usize, took: Duration) -> f64 {
    bytes as f64 / 1e6 / took.as_secs_f64()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    println!("== amp-evennia demo: Evennia's Portal and Server roles, both in Rust, over 127.0.0.1 ==");
    let mut portal_functions = FunctionRegistry::new();
    portal_functions.register("portal.info", "uptime", |_| Ok(Value::from(1.5)));
    let mut portal = PortalAmp::bind_with("127.0.0.1:0", portal_functions).await?;
    let amp = portal.local_addr();
    println!("portal  listening for AMP on {amp}");

    let mut functions = FunctionRegistry::new();
    functions.register("demo.maths", "add", |call| {
        let sum = call
            .args
            .iter()
            .map(|v| v.as_i64().ok_or_else(|| FunctionError::new("ints only")))
            .sum::<Result<i64, _>>()?;
        Ok(Value::from(sum))
    });
    let (server, events) = EvenniaServer::builder(amp.to_string())
        .info(ServerInfo::new("demo game", env!("CARGO_PKG_VERSION"), amp.port()))
        .functions(functions)
        .spawn();
    let game_task = tokio::spawn(game(server.clone(), events));

    // The handshake: the server's PSYNC, the portal's PSYNC back.
    match portal.next_event_within(LIMIT).await {
        Some(PortalEvent::ServerConnected { spid, info }) => println!(
            "portal  <- AdminServer2Portal PSYNC: spid {spid}, servername {:?}; its own PSYNC goes back",
            info.servername().unwrap_or("?")
        ),
        other => return Err(format!("expected the server's PSYNC, got {other:?}").into()),
    }
    let deadline = Instant::now() + LIMIT;
    while !server.is_connected() {
        if Instant::now() > deadline {
            return Err("the server did not connect".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;

    println!("portal  -> PCONN: a telnet player connects");
    let sessid = portal.connect_session("127.0.0.1").await?;
    let (welcome, _, _) = output(&mut portal).await?;
    println!("portal  <- MsgServer2Portal: {}", welcome.to_envelope(sessid).to_value());
    match portal.next_event_within(LIMIT).await {
        Some(PortalEvent::Login { sessid, sessiondata }) => {
            println!("portal  <- SLOGIN: session {sessid} {}", sessiondata.to_value())
        }
        other => return Err(format!("expected SLOGIN, got {other:?}").into()),
    }

    println!("portal  -> MsgPortal2Server: {}", Message::text("look\n").to_envelope(sessid).to_value());
    portal.input(sessid, "look\n").await?;
    let (reply, _, _) = output(&mut portal).await?;
    println!("portal  <- MsgServer2Portal: {}", short(reply.text_arg().unwrap_or_default()));

    let peer = portal.server().ok_or("no server connection")?;
    let status = peer.call::<MsgStatus>(MsgStatusArguments { status: "".into() }).await?;
    println!("portal  -> MsgStatus: {:?}", String::from_utf8_lossy(&status.status));
    let sum = call_function(&peer, "demo.maths", "add", vec![2.into(), 40.into()], Kwargs::new()).await?;
    println!("portal  -> FunctionCall demo.maths.add(2, 40) = {sum}");
    match call_function(&peer, "os", "system", vec!["rm -rf /".into()], Kwargs::new()).await {
        Err(e) => println!("portal  -> FunctionCall os.system(...): refused ({e})"),
        Ok(v) => return Err(format!("os.system answered {v}").into()),
    }
    let uptime = server.function_call("portal.info", "uptime", vec![], Kwargs::new()).await?;
    println!("server  -> FunctionCall portal.info.uptime() = {uptime}");

    println!(
        "-- 1 MB Compressed payloads (pickled, zlib level 9 in slices, off the async executor), {ROUNDS} rounds --"
    );
    let upload = format!("{}\n", prose(MB, 3, Vocabulary::Plain));
    let mut up = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        portal.input(sessid, &upload).await?;
        let (ack, _, _) = output(&mut portal).await?;
        up.push(t.elapsed());
        assert_eq!(ack.text_arg(), Some(format!("received {} bytes", MB).as_str()));
    }
    let took = median(up);
    println!(
        "portal  -> server: 1 MB of input, {:.1} ms a round trip (median), {:.0} MB/s",
        took.as_secs_f64() * 1e3,
        mb_per_s(MB, took)
    );
    let mut down = Vec::new();
    let mut wire = (0, 0);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        portal.input(sessid, "big\n").await?;
        let (big, compressed, slices) = output(&mut portal).await?;
        down.push(t.elapsed());
        assert_eq!(big.text_arg().map(str::len), Some(MB));
        wire = (compressed, slices);
    }
    let took = median(down);
    println!(
        "server  -> portal: 1 MB of text in {} slices, {} KB on the wire ({:.1}x smaller), {:.1} ms (median), {:.0} MB/s",
        wire.1,
        wire.0 / 1000,
        MB as f64 / wire.0 as f64,
        took.as_secs_f64() * 1e3,
        mb_per_s(MB, took)
    );

    portal.input(sessid, "quit\n").await?;
    let (bye, _, _) = output(&mut portal).await?;
    println!("portal  <- MsgServer2Portal: {}", short(bye.text_arg().unwrap_or_default()));
    match portal.next_event_within(LIMIT).await {
        Some(PortalEvent::Disconnected { sessid, reason }) => {
            println!("portal  <- SDISCONN: session {sessid} (reason {reason:?}); PDISCONN sent back")
        }
        other => return Err(format!("expected SDISCONN, got {other:?}").into()),
    }

    println!("portal  -> SSHUTD");
    portal.shutdown_server().await?;
    tokio::time::timeout(LIMIT, server.stopped()).await?;
    game_task.await?;
    println!("server  stopped; sessions left on the portal: {}", portal.sessions().len());
    portal.close().await;
    println!("== done ==");
    Ok(())
}
