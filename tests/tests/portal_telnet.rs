//! Telnet players on a real Evennia 6.1 game behind amp-portal, under
//! Evennia's own launcher: accounts, login, `look`, `say` between players,
//! `who`, NAWS and TTYPE seen by the game's `options` command, MCCP2, a GMCP
//! round trip, `evennia reload` with every socket and login kept, a Server
//! killed with SIGKILL and brought back by `evennia start` (sessions resync),
//! `evennia stop` ending both processes; and 50 players connecting at once.

use std::path::Path;
use std::time::{Duration, Instant};

use amp_tests::evennia::{
    AmpPortalGuard, ClientProfile, EvenniaGame, EvenniaPorts, ScriptedClient, TelnetClient, TelnetCommand,
};

const LAUNCHER: Duration = Duration::from_secs(120);
const STEP: Duration = Duration::from_secs(30);
const GMCP: u8 = 201;
const MCCP2: u8 = 86;

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_amp-portal-e2e"))
}

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `evennia start`, then polls `evennia status` until the Server runs with
/// a pid other than `not`.
fn start_server(game: &EvenniaGame, portal: &AmpPortalGuard, not: Option<i32>) -> i32 {
    let start = text(&game.evennia(&["start"], LAUNCHER));
    assert!(start.contains("Portal is already running"), "{start}");
    wait_for_server(game, portal, not)
}

/// A fresh game's first start: the first Server runs the initial setup and
/// has itself restarted in 'reset' mode; returns once the second one runs.
fn first_start(game: &EvenniaGame, portal: &AmpPortalGuard) -> i32 {
    start_server(game, portal, None);
    let deadline = Instant::now() + Duration::from_secs(90);
    while !game.server_log().contains("successfully restarted in 'reset' mode") {
        assert!(Instant::now() < deadline, "the first Server did not reset:\n{}", game.server_log());
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_for_server(game, portal, None)
}

fn wait_for_server(game: &EvenniaGame, portal: &AmpPortalGuard, not: Option<i32>) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let status = text(&game.evennia(&["status"], LAUNCHER));
        if status.contains("Server: RUNNING") {
            if let Some(pid) = game.server_pid().filter(|p| Some(*p) != not) {
                return pid;
            }
        }
        assert!(Instant::now() < deadline, "the Server did not come up:\n{status}\n{}", portal.log());
    }
}

/// Creates and logs in `name` on a fresh connection.
async fn player(addr: std::net::SocketAddr, name: &str) -> TelnetClient {
    let mut p = TelnetClient::connect(addr).await.expect("connect");
    p.read_until("create <username> <password>", STEP).await.expect("the connection screen");
    p.send_line(&format!("create {name} pw-{name}-4711")).await.unwrap();
    p.read_until("Is this what you intended?", STEP).await.expect("create asks");
    p.send_line("y").await.unwrap();
    p.read_until(&format!("A new account '{name}' was created"), STEP).await.expect("account created");
    p.send_line(&format!("connect {name} pw-{name}-4711")).await.unwrap();
    p.read_until(&format!("You become {name}"), STEP).await.expect("logged in");
    p.read_until("Limbo", STEP).await.expect("the room");
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telnet_players_through_reload_crash_and_stop() {
    let game = EvenniaGame::create_with(EvenniaPorts::free(), false);
    let mut portal = tokio::task::block_in_place(|| AmpPortalGuard::start(&game, binary(), &[]));
    let first = tokio::task::block_in_place(|| first_start(&game, &portal));
    let addr = portal.telnet_addr();

    let mut alice = player(addr, "alice").await;
    let mut bob = player(addr, "bob").await;
    alice.send_line("look").await.unwrap();
    alice.read_until("Limbo", STEP).await.expect("look shows the room");
    alice.send_line("say hello-4711").await.unwrap();
    alice.read_until("You say, \"hello-4711\"", STEP).await.expect("alice's say");
    bob.read_until("alice says, \"hello-4711\"", STEP).await.expect("bob hears alice");
    bob.send_line("who").await.unwrap();
    let who = bob.read_until("unique accounts logged in.", STEP).await.expect("who");
    assert!(who.contains("| alice ") && who.contains("| bob "), "{who}");

    // A MUD client: NAWS 100x40, TTYPE MUDLET / XTERM-256COLOR / MTTS, MCCP2, GMCP.
    let mut carol = ScriptedClient::connect(addr, ClientProfile::mudlet()).await.unwrap();
    carol.until(b"create <username> <password>", STEP).await.unwrap();
    carol.send_line("create carol pw-carol-4711").await.unwrap();
    carol.until(b"Is this what you intended?", STEP).await.unwrap();
    carol.send_line("y").await.unwrap();
    carol.until(b"was created", STEP).await.unwrap();
    carol.send_line("connect carol pw-carol-4711").await.unwrap();
    carol.until(b"You become", STEP).await.unwrap();
    carol.send_line("options").await.unwrap();
    let options = carol.until(b"SCREENWIDTH", STEP).await.unwrap();
    let options = format!("{options}{}", carol.until(b"XTERM256", STEP).await.unwrap());
    assert!(options.contains("MUDLET"), "the game sees TTYPE's client name: {options}");
    carol.send_line("say options-seen").await.unwrap();
    let rest = carol.until(b"options-seen", STEP).await.unwrap();
    let table = format!("{options}{rest}");
    assert!(table.contains("100"), "the game sees NAWS's width: {table}");
    let commands = &carol.transcript().commands;
    assert!(commands.contains(&TelnetCommand::Sub(MCCP2, vec![])), "MCCP2 started: {commands:?}");
    // GMCP in, GMCP out: Core.Commands.Get asks for the inputfuncs.
    carol.send_gmcp("Core.Commands.Get").await.unwrap();
    carol.send_line("say after-gmcp").await.unwrap();
    carol.until(b"after-gmcp", STEP).await.unwrap();
    let deadline = Instant::now() + STEP;
    loop {
        let gmcp_reply = carol.transcript().commands.iter().any(|c| {
            matches!(c, TelnetCommand::Sub(GMCP, payload) if payload.starts_with(b"Core.Commands.Get ") && payload.windows(4).any(|w| w == b"echo"))
        });
        if gmcp_reply {
            break;
        }
        assert!(Instant::now() < deadline, "no GMCP reply: {:?}", carol.transcript().commands);
        carol.send_line("say waiting-for-gmcp").await.unwrap();
        carol.until(b"waiting-for-gmcp", STEP).await.unwrap();
    }

    // evennia reload: every socket stays, every login stays.
    let reload = tokio::task::block_in_place(|| text(&game.evennia(&["reload"], LAUNCHER)));
    assert!(reload.contains("... Server reloaded."), "{reload}");
    let second = tokio::task::block_in_place(|| wait_for_server(&game, &portal, Some(first)));
    alice.read_until("Server restarted", STEP).await.expect("alice told of the restart");
    alice.send_line("say after-reload").await.unwrap();
    alice.read_until("You say, \"after-reload\"", STEP).await.expect("alice still logged in");
    bob.read_until("alice says, \"after-reload\"", STEP).await.expect("bob still there");
    carol.send_line("say carol-after-reload").await.unwrap();
    carol.until(b"carol-after-reload", STEP).await.unwrap();

    // The Server dies (SIGKILL): players stay connected and are told their
    // input does not reach the game; `evennia start` brings it back and the
    // sessions resync, logins included.
    // SAFETY: kill(2) on the pid just read from the game's Server pid file.
    unsafe {
        libc::kill(second, libc::SIGKILL);
    }
    let deadline = Instant::now() + STEP;
    while amp_tests::evennia::is_evennia_server(second) {
        assert!(Instant::now() < deadline, "the Server survived SIGKILL");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut told = false;
    for _ in 0..50 {
        alice.send_line("say into-the-void").await.unwrap();
        let line = alice.read_until("\n", STEP).await.expect("an answer");
        if line.contains("not running") {
            told = true;
            break;
        }
    }
    assert!(told, "input while the Server is down gets a message");
    let third = tokio::task::block_in_place(|| start_server(&game, &portal, Some(second)));
    assert_ne!(third, second);
    let deadline = Instant::now() + STEP;
    loop {
        alice.send_line("say after-crash").await.unwrap();
        let line = alice.read_until("\n", STEP).await.expect("an answer");
        if line.contains("You say, \"after-crash\"") {
            break;
        }
        assert!(Instant::now() < deadline, "alice is not back in the game: {line}");
    }
    bob.read_until("alice says, \"after-crash\"", STEP).await.expect("bob resynced");

    // evennia stop: every player gets the last empty line and is closed,
    // and both processes end.
    let stop = tokio::task::block_in_place(|| text(&game.evennia(&["stop"], LAUNCHER)));
    assert!(stop.contains("Evennia shut down."), "{stop}");
    alice.read_to_close(STEP).await.expect("alice disconnected");
    bob.read_to_close(STEP).await.expect("bob disconnected");
    carol.until_closed(STEP).await.expect("carol disconnected");
    let status = tokio::task::block_in_place(|| portal.wait_exit(Duration::from_secs(20)));
    assert!(status.is_some_and(|s| s.success()), "amp-portal exits after evennia stop: {status:?}");
    assert!(game.server_pid().is_none(), "no Server left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_players_connect_at_once() {
    let game = EvenniaGame::create_with(EvenniaPorts::free(), false);
    let portal = tokio::task::block_in_place(|| AmpPortalGuard::start(&game, binary(), &[]));
    tokio::task::block_in_place(|| first_start(&game, &portal));
    let addr = portal.telnet_addr();
    let players: Vec<_> = (0..50)
        .map(|i| {
            tokio::spawn(async move {
                let mut p = TelnetClient::connect(addr).await.expect("connect");
                p.read_until("create <username> <password>", Duration::from_secs(60)).await.expect("screen");
                p.send_line(&format!("MARK-{i}")).await.unwrap();
                p.read_until(&format!("MARK-{i}' is not available"), Duration::from_secs(60)).await.expect("answer");
                p
            })
        })
        .collect();
    let mut clients = Vec::new();
    for p in players {
        clients.push(p.await.expect("player task"));
    }
    assert_eq!(clients.len(), 50);
    drop(clients);
    drop(portal);
}
