//! End to end: the Rust echo game (`amp-evennia/examples/echo_game.rs`) in
//! the place of Evennia's Server, behind a real Evennia 6.1 Portal, played
//! through the Portal's telnet port.
//!
//! The Portal runs alone on private loopback ports (tests/src/evennia.rs);
//! the game is the example's code built as this package's `echo_game` binary.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use amp_tests::evennia::{EvenniaGame, PortalGuard, TelnetClient};

const STEP: Duration = Duration::from_secs(30);

/// The echo game: `amp-evennia/examples/echo_game.rs`, which this package
/// also builds as its binary `echo_game` (see tests/Cargo.toml), so cargo
/// hands it to this test up to date.
fn echo_game_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_echo_game"))
}

/// The echo game process; killed when dropped.
struct EchoGame {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl EchoGame {
    /// Starts the game against the Portal's AMP port. Spawned from the test's
    /// own thread, tied to it: it cannot outlive the test.
    fn start(amp: SocketAddr) -> EchoGame {
        let mut cmd = Command::new(echo_game_binary());
        cmd.args(["--amp", &amp.to_string()]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        tie_to_this_thread(&mut cmd);
        let mut child = cmd.spawn().expect("start echo_game");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        EchoGame { child, lines, seen: Vec::new() }
    }

    /// Waits for the `n`-th `connected to portal at ADDR` line.
    fn wait_connected(&mut self, amp: SocketAddr, n: usize) {
        let want = format!("connected to portal at {amp}");
        let deadline = Instant::now() + STEP;
        while self.seen.iter().filter(|l| **l == want).count() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("echo_game did not print {want:?} {n} time(s); stdout so far: {:?}", self.seen),
            }
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself.
    fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll echo_game") {
                return status;
            }
            assert!(Instant::now() < deadline, "echo_game did not exit within {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills it at once (SIGKILL), like a crash.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for EchoGame {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// SIGKILL to the child when the spawning thread (this test's) ends.
fn tie_to_this_thread(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: runs between fork and exec; calls only async-signal-safe
    // functions (prctl, getppid, _exit).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// A telnet player, with the session id from its greeting.
struct Player {
    telnet: TelnetClient,
    sessid: u64,
}

impl Player {
    async fn join(portal: &PortalGuard) -> Player {
        let mut telnet = TelnetClient::connect(portal.telnet_addr()).await.expect("telnet connect");
        telnet.read_until("Welcome to the Rust echo game, Player#", STEP).await.expect("greeting");
        let rest = telnet.read_until(".", STEP).await.expect("greeting's end");
        let sessid = rest.trim_end_matches('.').parse().unwrap_or_else(|_| panic!("a session id in {rest:?}"));
        Player { telnet, sessid }
    }

    fn name(&self) -> String {
        format!("Player#{}", self.sessid)
    }

    async fn send(&mut self, line: &str) {
        self.telnet.send_line(line).await.expect("send a line");
    }

    /// Reads up to and including `text`; returns what came before it.
    async fn expect(&mut self, text: &str) -> String {
        let got = self.telnet.read_until(text, STEP).await.unwrap_or_else(|e| panic!("{}: {e}", self.name()));
        got[..got.len() - text.len()].to_owned()
    }

    /// Sends `line` and waits for `reply`.
    async fn ask(&mut self, line: &str, reply: &str) -> String {
        self.send(line).await;
        self.expect(reply).await
    }

    /// `who`: the names listed.
    async fn who(&mut self) -> Vec<String> {
        self.send("who").await;
        self.expect("Players online: ").await;
        let count = self.expect("\n").await;
        let n: usize = count.trim().parse().unwrap_or_else(|_| panic!("a count in {count:?}"));
        let mut names = Vec::new();
        for _ in 0..n {
            names.push(self.expect("\n").await.trim().to_owned());
        }
        names
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_game_serves_telnet_players_through_the_real_portal() {
    let started = Instant::now();
    let game = EvenniaGame::create_with(amp_tests::evennia::EvenniaPorts::free(), false);
    let portal = game.start_portal();
    let mut echo = EchoGame::start(portal.amp_addr());
    echo.wait_connected(portal.amp_addr(), 1);

    let mut alice = Player::join(&portal).await;
    alice.ask("look", "You are in a small stone room. Exits: none.").await;
    let mut bob = Player::join(&portal).await;
    assert_ne!(alice.sessid, bob.sessid);

    alice.ask("say hello bob", "You say, \"hello bob\"").await;
    bob.expect(&format!("{} says, \"hello bob\"", alice.name())).await;
    bob.ask("say hi", "You say, \"hi\"").await;
    alice.expect(&format!("{} says, \"hi\"", bob.name())).await;

    // Non-ASCII text, and Evennia colour markup, come back exactly.
    let text = "Grüße, 世界 ☃ – |rnot red|n {braces}";
    alice.send(&format!("echo {text}")).await;
    alice.expect(text).await;
    alice.ask("dance wildly", "Unknown command: dance").await;

    // 300,000 characters in one message, whole and in order.
    let big = alice.ask("big 300000", "END-OF-BIG 300000").await;
    let xs: usize = big.chars().filter(|c| *c == 'x').count();
    assert_eq!(xs, 300_000);
    let lines: Vec<&str> = big.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect();
    assert!(lines.iter().all(|l| l.len() <= 79 && l.chars().all(|c| c == 'x')), "a line is not 79 x's at most");
    assert_eq!(lines.len(), 300_000usize.div_ceil(79));

    // 50 players at once, each served.
    let crowd = futures::future::join_all((0..50).map(|_| Player::join(&portal))).await;
    let crowd = futures::future::join_all(crowd.into_iter().enumerate().map(|(i, mut p)| async move {
        p.ask(&format!("echo crowd member {i}"), &format!("crowd member {i}")).await;
        p
    }))
    .await;
    let names = alice.who().await;
    assert_eq!(names.len(), 52, "{names:?}");
    for p in crowd.iter().chain([&alice, &bob]) {
        assert!(names.contains(&p.name()), "{} missing from {names:?}", p.name());
    }

    // Everyone in the crowd quits: "Goodbye.", then the Portal closes them.
    futures::future::join_all(crowd.into_iter().map(|mut p| async move {
        p.ask("quit", "Goodbye.").await;
        p.telnet.read_to_close(STEP).await.expect("the Portal closes a player who quit");
    }))
    .await;
    let names = bob.who().await;
    assert_eq!(names, {
        let mut v = vec![alice.name(), bob.name()];
        v.sort_by_key(|n| n[7..].parse::<u64>().unwrap());
        v
    });
    // Nothing the game never sends: the Portal was not asked to start Evennia's Server.
    assert!(portal.server_start_requests().is_empty());
    drop(echo);
    eprintln!("gameplay e2e: {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_game_survives_its_own_restart_and_the_portals() {
    let started = Instant::now();
    let game = EvenniaGame::create_with(amp_tests::evennia::EvenniaPorts::free(), false);
    let amp = amp_tests::evennia::EvenniaPorts::loopback(game.ports().amp);
    let portal = game.start_portal();
    let mut first = EchoGame::start(amp);
    first.wait_connected(amp, 1);
    let mut p1 = Player::join(&portal).await;
    let mut p2 = Player::join(&portal).await;
    p1.ask("look", "Exits: none.").await;

    // The game crashes; the players stay connected to the Portal.
    let old_pid = first.pid();
    first.kill();
    let mut second = EchoGame::start(amp);
    assert_ne!(second.pid(), old_pid);
    second.wait_connected(amp, 1);
    // After the Portal's PSYNC the new process knows them (and greets nobody again).
    let names = p1.who().await;
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&p1.name()) && names.contains(&p2.name()), "{names:?}");
    let before = p2.ask("look", "You are in a small stone room. Exits: none.").await;
    assert!(!before.contains("Welcome"), "greeted again: {before:?}");
    p2.ask("say still here", "You say, \"still here\"").await;
    p1.expect(&format!("{} says, \"still here\"", p2.name())).await;

    // The Portal crashes: players are cut off; the game keeps retrying and
    // serves new players once a Portal is back on the same port.
    portal.kill();
    p1.telnet.read_to_close(STEP).await.expect("the killed Portal's players are disconnected");
    let portal = game.start_portal();
    second.wait_connected(amp, 2);
    let mut p3 = Player::join(&portal).await;
    assert_eq!(p3.sessid, 1, "a new Portal numbers sessions from 1");
    p3.ask("look", "You are in a small stone room. Exits: none.").await;
    assert_eq!(p3.who().await, vec![p3.name()]);

    // A Portal stopping cleanly sends SSHUTD: the game exits by itself.
    let status = portal.stop();
    assert!(status.code().is_some() || status.signal_is_term(), "{status}");
    let exit = second.wait_exit(STEP);
    assert!(exit.success(), "echo_game exited with {exit}");
    eprintln!("restart e2e: {:?}", started.elapsed());
}

trait SignalIsTerm {
    fn signal_is_term(&self) -> bool;
}

impl SignalIsTerm for ExitStatus {
    fn signal_is_term(&self) -> bool {
        std::os::unix::process::ExitStatusExt::signal(self) == Some(libc::SIGTERM)
    }
}
