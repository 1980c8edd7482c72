//! The whole stack in one process, over 127.0.0.1, no Evennia needed:
//! amp-portal's [`Portal`], a Rust game in Evennia's Server role
//! ([`EvenniaServer`]) and a player, talking Evennia 6.1's AMP commands
//! byte for byte: the PSYNC handshake, the status `evennia status` reads, a
//! player connecting, input and output, a login, the Portal's input limit,
//! MsgStatus, FunctionCall both ways, 1 MB Compressed payloads both ways, a
//! disconnection and the shutdown.
//!
//! The player is in-process (a [`SessionHandle`], as a telnet connection
//! holds one): everything it does is in [`player`].
//!
//! ```text
//! cargo run --release -p amp-portal --example demo
//! ```

use std::time::{Duration, Instant};

use amp_evennia::codec::pickle::Value;
use amp_evennia::commands::{MsgStatus, MsgStatusArguments};
use amp_evennia::payload::admin::ServerInfo;
use amp_evennia::role::function_call::{call_function, FunctionError, FunctionRegistry};
use amp_evennia::role::server::{EvenniaServer, ServerEvent, ServerHandle};
use amp_evennia::sample_text::{prose, Vocabulary};
use amp_evennia::{Kwargs, Message, PackedDataCodec, PortalStatus};
use amp_portal::portal::{InputOutcome, Portal, PortalEvent, SessionHandle, ToSession};
use amp_portal::settings::Settings;
use amp_runtime::{ConnectionConfig, NoResponder};

type Error = Box<dyn std::error::Error + Send + Sync>;

const LIMIT: Duration = Duration::from_secs(30);
const MB: usize = 1_000_000;
const ROUNDS: usize = 5;

/// The game: greets and logs in each new player, answers `look`, `upload`
/// (any line over 1,000 bytes: reports its size), `big` (1 MB of text
/// back), `quit`.
async fn game(
    server: ServerHandle,
    mut events: tokio::sync::mpsc::Receiver<ServerEvent>,
    connected: tokio::sync::oneshot::Sender<()>,
) {
    let mut connected = Some(connected);
    while let Some(event) = events.recv().await {
        match event {
            ServerEvent::Synced { restart_mode, sessions, .. } => println!(
                "server  <- AdminPortal2Server PSYNC: restart mode {}, {} session(s)",
                restart_mode.as_deref().unwrap_or("-"),
                sessions.len()
            ),
            ServerEvent::Connected { portal } => {
                println!("server  connected to the Portal at {portal}");
                if let Some(tx) = connected.take() {
                    let _ = tx.send(());
                }
            }
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
            ServerEvent::SessionDisconnected(s) => println!("server  <- PDISCONN: session {}", s.sessid),
            ServerEvent::Input { sessid, message } => {
                let line = message.line().unwrap_or_default();
                // The 1 MB rounds are not printed one by one.
                if line.len() <= 1000 && line != "big" {
                    println!("server  <- MsgPortal2Server: {}", message.to_envelope(sessid).to_value());
                }
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

/// What the Portal hands the player next.
async fn recv(session: &mut SessionHandle) -> Result<ToSession, Error> {
    match tokio::time::timeout(LIMIT, session.recv()).await {
        Ok(Some(item)) => Ok(item),
        Ok(None) => Err("the Portal closed the session".into()),
        Err(_) => Err("nothing from the game in time".into()),
    }
}

/// The player's next output.
async fn output(session: &mut SessionHandle) -> Result<Message, Error> {
    match recv(session).await? {
        ToSession::Output(message) => Ok(message),
        other => Err(format!("expected output, got {other:?}").into()),
    }
}

/// Types a line and waits for the answer.
async fn ask(session: &mut SessionHandle, line: &str) -> Result<Message, Error> {
    match session.text_input(format!("{line}\n").as_bytes()) {
        InputOutcome::Sent => output(session).await,
        other => Err(format!("the Portal did not send {:?}: {other:?}", short(line)).into()),
    }
}

/// A player's whole visit, through the Portal: connects, is welcomed and
/// logged in, looks around, sends and receives 1 MB, and quits.
async fn player(portal: &Portal) -> Result<(), Error> {
    println!("player  connects (telnet, from 127.0.0.1)");
    let mut session = portal.open_session("telnet", "127.0.0.1", Kwargs::new());
    let sessid = session.sessid();
    let welcome = output(&mut session).await?;
    println!("player  <- {}", welcome.to_envelope(sessid).to_value());
    match recv(&mut session).await? {
        ToSession::LoggedIn => {
            let data = session.data().ok_or("no session data")?;
            println!("player  logged in (SLOGIN): uid {:?}, logged_in {}", data.uid(), data.logged_in());
        }
        other => return Err(format!("expected SLOGIN, got {other:?}").into()),
    }
    println!("player  -> look");
    println!("player  <- {}", short(ask(&mut session, "look").await?.text_arg().unwrap_or_default()));

    let too_long = "x".repeat(2 * MB);
    let outcome = session.text_input(too_long.as_bytes());
    let warning = output(&mut session).await?;
    println!(
        "player  -> a 2 MB line: {outcome:?} (MAX_CHAR_LIMIT is {} here), the Portal answers {}",
        portal.settings().max_char_limit,
        short(warning.text_arg().unwrap_or_default())
    );

    println!("-- 1 MB Compressed payloads (pickled, zlib level 9 in slices), {ROUNDS} rounds --");
    let upload = prose(MB, 3, Vocabulary::Plain);
    let mut up = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let ack = ask(&mut session, &upload).await?;
        up.push(t.elapsed());
        let expected = format!("received {MB} bytes");
        if ack.text_arg() != Some(expected.as_str()) {
            return Err(format!("the game answered {:?}", ack.text_arg()).into());
        }
    }
    let took = median(up);
    println!(
        "player  -> server: 1 MB of input, {:.1} ms a round trip (median), {:.0} MB/s",
        took.as_secs_f64() * 1e3,
        mb_per_s(MB, took)
    );
    let mut down = Vec::new();
    let mut last = Message::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        last = ask(&mut session, "big").await?;
        down.push(t.elapsed());
        if last.text_arg().map(str::len) != Some(MB) {
            return Err("the big text did not arrive whole".into());
        }
    }
    let took = median(down);
    // What the Server put on the wire: the same codec, the same bytes.
    let wire = PackedDataCodec::default().encode(last.to_envelope(sessid), last.approx_len(usize::MAX)).await?;
    println!(
        "server  -> player: 1 MB of text in {} slices, {} KB on the wire ({:.1}x smaller), {:.1} ms (median), {:.0} MB/s",
        wire.len(),
        wire.compressed_len() / 1000,
        MB as f64 / wire.compressed_len() as f64,
        took.as_secs_f64() * 1e3,
        mb_per_s(MB, took)
    );

    println!("player  -> quit");
    println!("player  <- {}", short(ask(&mut session, "quit").await?.text_arg().unwrap_or_default()));
    match recv(&mut session).await? {
        ToSession::Disconnect(reason) => println!("player  disconnected by the game (SDISCONN, reason {reason:?})"),
        other => return Err(format!("expected SDISCONN, got {other:?}").into()),
    }
    Ok(())
}

/// What `evennia status` reads: MsgStatus on the Portal's AMP port.
async fn launcher_status(portal: &Portal) -> Result<PortalStatus, Error> {
    let addr = portal.amp_addr().ok_or("the Portal does not listen")?;
    let launcher = amp_runtime::client::connect_tcp(addr, NoResponder, ConnectionConfig::default()).await?;
    let answer = launcher.peer().call::<MsgStatus>(MsgStatusArguments { status: "".into() }).await?;
    launcher.peer().close();
    Ok(PortalStatus::from_pickle(&answer.status)?)
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
    println!("== amp-portal demo: a Portal and a game in Evennia's Server role, both in Rust, over 127.0.0.1 ==");
    // Evennia's defaults, but lines up to 1.5 MB (Evennia's MAX_CHAR_LIMIT,
    // 6,000, would refuse the 1 MB uploads) and no web side (not built).
    let settings = Settings { max_char_limit: 1_500_000, webserver_enabled: false, ..Settings::default() };
    let mut portal_functions = FunctionRegistry::new();
    portal_functions.register("portal.info", "uptime", |_| Ok(Value::from(1.5)));
    let portal = Portal::builder(settings).functions(portal_functions).start_on("127.0.0.1:0").await?;
    let amp = portal.amp_addr().ok_or("the Portal does not listen")?;
    let mut events = portal.events();
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
    let (server, server_events) = EvenniaServer::builder(amp.to_string())
        .info(ServerInfo::new("demo game", env!("CARGO_PKG_VERSION"), amp.port()))
        .functions(functions)
        .spawn();
    let (connected_tx, connected) = tokio::sync::oneshot::channel();
    let game_task = tokio::spawn(game(server.clone(), server_events, connected_tx));

    // The handshake: the Server's PSYNC, the Portal's PSYNC back, its answer.
    match tokio::time::timeout(LIMIT, events.recv()).await {
        Ok(Ok(PortalEvent::ServerConnected { spid })) => {
            println!("portal  <- AdminServer2Portal PSYNC from spid {spid:?}: its own PSYNC goes back")
        }
        other => return Err(format!("expected the Server's PSYNC, got {other:?}").into()),
    }
    tokio::time::timeout(LIMIT, connected).await.map_err(|_| "the Server did not connect")??;
    let status = launcher_status(&portal).await?;
    println!(
        "launcher -> MsgStatus (evennia status): Portal running {} (pid {:?}), Server running {} (pid {:?}, {:?})",
        status.portal_running,
        status.portal_pid,
        status.server_running,
        status.server_pid,
        status.server_info.get("servername").and_then(Value::as_str).unwrap_or("?")
    );

    player(&portal).await?;

    let peer = portal.server_peer().ok_or("no Server connection")?;
    let status = peer.call::<MsgStatus>(MsgStatusArguments { status: "".into() }).await?;
    println!("portal  -> MsgStatus to the Server: {:?}", String::from_utf8_lossy(&status.status));
    let sum = call_function(&peer, "demo.maths", "add", vec![2.into(), 40.into()], Kwargs::new()).await?;
    println!("portal  -> FunctionCall demo.maths.add(2, 40) = {sum}");
    match call_function(&peer, "os", "system", vec!["rm -rf /".into()], Kwargs::new()).await {
        Err(e) => println!("portal  -> FunctionCall os.system(...): refused ({e})"),
        Ok(v) => return Err(format!("os.system answered {v}").into()),
    }
    let uptime = server.function_call("portal.info", "uptime", vec![], Kwargs::new()).await?;
    println!("server  -> FunctionCall portal.info.uptime() = {uptime}");

    // As on SIGTERM to amp-portal: the Portal stops, and stops the Server.
    println!("portal  stopping: PDISCONNALL, every player told, then SSHUTD");
    portal.shutdown(true).await;
    tokio::time::timeout(LIMIT, server.stopped()).await?;
    game_task.await?;
    println!(
        "server  stopped; Portal stopped ({:?}), {} session(s) left",
        portal.stopped().await,
        portal.session_count()
    );
    println!("== done ==");
    Ok(())
}
