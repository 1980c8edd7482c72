//! Differential end to end: the same scripted telnet sessions against
//! Evennia's own Portal and against amp-portal, each in front of Evennia's
//! real Server (6.1) on its own copy of the same game, started by Evennia's
//! real launcher; every step's bytes must be the same.
//!
//! Game A runs Evennia's Portal and Server (`evennia start` with no Portal
//! running; stopped by `evennia stop`, and by pid on a panic:
//! `StockGameGuard`), game B runs amp-portal and then `evennia start`. Both
//! are copies of one template (same migrated database, same superuser), on
//! their own ports; both start in parallel and the script runs on both at
//! once. A step ends on content (mostly the `MARK-n` sentinel, see
//! `amp_tests::evennia::script`), so each step's data is cut at the same
//! place in both runs; a step's input goes in one write.
//!
//! Every Evennia process of both games skips typeguard's import-time
//! instrumentation of `inflect` (`EvenniaGame::fast_imports`): about 5 s of
//! CPU per process, and this test starts 24 of them; Evennia's own code is
//! unchanged.
//!
//! The sessions (`sessions_are_byte_identical`, 7 clients, about 130 steps):
//! - (a) a bare client (refusing every option, so Evennia sends `IAC GA`
//!   after every line): the connection screen, an unknown command before
//!   login, `create` / `y` / `connect`, `options`, `look`, `say` with colour
//!   markup typed by the player (every kind of code, broken codes), `pose`,
//!   `emote`, an unknown command, non-ASCII text, invalid UTF-8, an empty
//!   line, lines of 5,999 and 6,000 bytes around MAX_CHAR_LIMIT (and 6,000
//!   bytes of two-byte characters: Evennia counts bytes), `help`, `quit`;
//! - (b) a MUD client (NAWS 100x40, TTYPE MUDLET / XTERM-256COLOR /
//!   MTTS 2825, SGA, MCCP2, GMCP): the same, plus `options` (the negotiated
//!   flags as the game sees them), GMCP input (`Core.Commands.Get`, and
//!   `Core.Echo` with a string, a list, an object, a non-JSON payload,
//!   nothing), and `options NAME=value` changing the flags the Portal
//!   renders with (XTERM256, TRUECOLOR, NOCOLOR, SCREENREADER, RAW,
//!   LOCALECHO, ENCODING latin-1 with latin-1 input);
//! - (c) two players seeing each other's `say`, `pose`, `emote` and
//!   `whisper`, and `who`;
//! - (e) the superuser on a MUD client: prompts (`py self.msg(prompt=...)`)
//!   without and with `IAC GA` (`options NOPROMPTGOAHEAD=False`), text and
//!   prompt together, GMCP output of an OOB command the game sends, the
//!   `raw` and `nocolor` send options;
//! - (f) a MUD client with ANSI colour only (MTTS 1) and (g) one reporting a
//!   screen reader (MTTS 65): `options`, colour, `look`.
//!
//! And in games of their own with MAX_COMMAND_RATE 5
//! (`command_rate_warnings_are_evennias`): a burst of ten lines in one
//! write gets five answers and five warnings, with Evennia's text, in
//! Evennia's order (the warnings first: they are written while the burst
//! is read, the answers come back from the Server).
//!
//! # Normalizations (all in [`normalize`]; `normalizations_touch_only_times`)
//! The data and the telnet commands are compared separately (the
//! `ScriptedClient` records them apart): how a Portal's negotiation
//! interleaves with the game's text depends on when each reply arrives.
//! Within a step, both are compared byte for byte, in order. Besides that:
//! 1. `IAC NOP` is dropped from the commands: Evennia sends one every 30 s
//!    of wall clock per connection (its NOP keepalive), so how many fall in
//!    a session depends on how long the session took.
//! 2. In `who`'s table, the "On for" and "Idle" cells (time since the
//!    session connected / last typed: `00:00`, `0s` ...) become `<time>`:
//!    wall-clock times.
//! 3. The MudInfo channel's timestamp (`[MudInfo] [2026-12-08(02:00)]: admin
//!    connected`, seen by the superuser) becomes `[MudInfo] [<time>]`: the
//!    wall clock's minute.
//! 4. The first connection screen of the screen-reader client (g) is left
//!    out (its telnet commands are kept): the Server sends it on connect,
//!    and whether a Portal renders it before or after TTYPE's last answer
//!    (which turns SCREENREADER on) is a race in any Portal. The unlogged
//!    `look` right after shows the screen again, compared.
//! 5. `IAC GA` is dropped from a bare client's connect step (which ends with
//!    the connection screen): whether the screen gets one depends on
//!    whether the client's refusal of SGA (NOGOAHEAD false) reached the
//!    Portal before the Server's screen did, a race in any Portal. Every
//!    later line's `IAC GA` is compared.
//!
//! Nothing else: dbrefs come out the same (same database, same order of
//! creation), pids and ports never reach a player's screen here.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use amp_tests::evennia::{
    run_script, template_cache, Action, AmpPortalGuard, ClientProfile, EvenniaGame, EvenniaPorts, Script, ScriptRun,
    Step, StepRecord, StockGameGuard, TelnetCommand, Until, SUPERUSER,
};

const LAUNCHER: Duration = Duration::from_secs(180);
const FIRST_RESET: Duration = Duration::from_secs(180);
const STEP: Duration = Duration::from_secs(30);
const NOP: u8 = 241;
const GA: u8 = 249;
const TTYPE: u8 = 24;
/// In the connection screen, a few lines before its end.
const SCREEN: &[u8] = b"create <username> <password>";
/// The connection screen's last words (a line before its end).
const SCREEN_LAST_WORDS: &[u8] = b"will re-show this screen.";
/// The name of a bare client's connect step, whose `IAC GA` [`normalize`]
/// leaves out.
const BARE_CONNECT: &str = "connect (bare client)";
/// The name of the connect step whose data [`normalize`] leaves out.
const SCREEN_READER_CONNECT: &str = "connect (screen reader: the screen may be rendered before TTYPE ends)";

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_amp-portal-e2e"))
}

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The two games, running: A behind Evennia's Portal, B behind amp-portal.
struct Pair {
    stock: StockGameGuard,
    amp: AmpPortalGuard,
    game_a: EvenniaGame,
    game_b: EvenniaGame,
}

impl Pair {
    /// Makes both games (with `settings` appended to each) and starts them
    /// in parallel, each through its first reset.
    fn start(settings: &str) -> Pair {
        let game_a = EvenniaGame::create_with(EvenniaPorts::free(), false);
        let game_b = EvenniaGame::create_with(EvenniaPorts::free(), false);
        for game in [&game_a, &game_b] {
            game.fast_imports();
            if !settings.is_empty() {
                game.append_settings(settings);
            }
        }
        let started = Instant::now();
        let (stock, amp) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                let stock = StockGameGuard::start(&game_a);
                game_a.wait_first_reset(FIRST_RESET);
                stock
            });
            let b = s.spawn(|| {
                let amp = AmpPortalGuard::start(&game_b, binary(), &[]);
                let out = text(&game_b.evennia(&["start"], LAUNCHER));
                assert!(out.contains("Portal is already running"), "evennia start behind amp-portal:\n{out}");
                game_b.wait_first_reset(FIRST_RESET);
                amp
            });
            (a.join().expect("game A starts"), b.join().expect("game B starts"))
        });
        eprintln!("both games up in {:?}", started.elapsed());
        Pair { stock, amp, game_a, game_b }
    }

    /// Runs `script` on both at once.
    async fn run(&self, script: &Script) -> (ScriptRun, ScriptRun) {
        let a: SocketAddr = self.stock.telnet_addr();
        let b: SocketAddr = self.amp.telnet_addr();
        tokio::join!(run_script(script, a, STEP), run_script(script, b, STEP))
    }

    /// Copies both games' `server/logs` (the games are temporary) to
    /// `<target>/amp-tests/portal-differential/<what>/`, for a failure.
    fn keep_logs(&self, what: &str) -> std::path::PathBuf {
        let root = template_cache().parent().map(Path::to_path_buf).unwrap_or_default();
        let dest = root.join("portal-differential").join(what.replace(' ', "-"));
        for (name, game) in [("evennia-portal", &self.game_a), ("amp-portal", &self.game_b)] {
            let to = dest.join(name);
            let _ = std::fs::remove_dir_all(&to);
            let _ = std::fs::create_dir_all(&to);
            if let Ok(entries) = std::fs::read_dir(game.dir().join("server/logs")) {
                for entry in entries.flatten() {
                    let _ = std::fs::copy(entry.path(), to.join(entry.file_name()));
                }
            }
        }
        dest
    }

    /// `evennia stop` on both (in parallel); each Portal and Server ends.
    fn stop(self) {
        let Pair { stock, mut amp, game_a, game_b } = self;
        std::thread::scope(|s| {
            s.spawn(move || {
                let out = stock.stop();
                assert!(out.contains("Evennia shut down."), "evennia stop (Evennia's Portal):\n{out}");
                assert!(game_a.server_pid().is_none(), "game A's Server is gone");
            });
            s.spawn(move || {
                let out = text(&game_b.evennia(&["stop"], LAUNCHER));
                assert!(out.contains("Evennia shut down."), "evennia stop (amp-portal):\n{out}");
                let status = amp.wait_exit(Duration::from_secs(20));
                assert!(status.is_some_and(|s| s.success()), "amp-portal exits after evennia stop: {status:?}");
                assert!(game_b.server_pid().is_none(), "game B's Server is gone");
            });
        });
    }
}

// ---------------------------------------------------------------- scripts

fn marker_step(client: usize, name: &str, actions: Vec<Action>) -> Step {
    Step { client, name: name.to_owned(), actions, until: Until::Marker }
}

/// Connects a bare client and reads the whole connection screen (to the
/// end of the line after its last words).
fn connect(client: usize) -> Step {
    Step {
        client,
        name: BARE_CONNECT.into(),
        actions: vec![],
        until: Until::Texts(vec![SCREEN_LAST_WORDS.to_vec(), b"\r\n".to_vec(), b"\r\n".to_vec()]),
    }
}

/// Connects a MUD client: the connection screen's first lines, and TTYPE's
/// last `SEND` (answered at once), so the Portal has every flag before the
/// next step.
fn connect_mud(client: usize, name: &str) -> Step {
    Step {
        client,
        name: name.into(),
        actions: vec![],
        until: Until::TextAndCommand { text: SCREEN.to_vec(), command: TelnetCommand::Sub(TTYPE, vec![1]), count: 3 },
    }
}

/// `create`, `y`, `connect` for `name`. These end on their own text, not
/// on the sentinel: the Server creates the account and checks the password
/// with deferred calls, so a sentinel sent with them can be answered first.
fn account(steps: &mut Vec<Step>, client: usize, name: &str) {
    let password = format!("pw-{name}-4711");
    steps.push(Step::line_until(client, &format!("create {name} {password}"), "Is this what you intended?"));
    steps.push(Step::line_until(client, "y", "<your password>'."));
    login(steps, client, name, &password);
}

/// `connect`, to "You become", then the sentinel for the rest (the room,
/// sent by the same call).
fn login(steps: &mut Vec<Step>, client: usize, name: &str, password: &str) {
    steps.push(Step::line_until(client, &format!("connect {name} {password}"), "You become"));
    steps.push(marker_step(client, "after login", vec![]));
}

/// What a player types, logged in, on either client.
fn common_commands(steps: &mut Vec<Step>, client: usize) {
    steps.push(Step::line(client, "look"));
    steps.push(Step::line(
        client,
        "say Hello |rred|n |[b|ywhite on blue|n |555xterm|n |=kgrey|n |#ff8000truecolor|n ||pipe |/new line |-tab |_space |*inverse|n |hhilite|n |uunder|n |x",
    ));
    steps.push(Step::line(client, "say broken |[ |#12 |9 |=z | |nafter"));
    steps.push(Step::line(client, "pose waves |gcheerfully|n."));
    steps.push(Step::line(client, "emote nods."));
    steps.push(Step::line(client, "xyzzy-unknown"));
    steps.push(Step::line(client, "say café ☃ naïve 日本語"));
    steps.push(marker_step(client, "invalid UTF-8", vec![Action::Raw(b"say bad-\xc3\x28-utf8 \xe2\x82\r\n".to_vec())]));
    steps.push(Step::line(client, ""));
    // MAX_CHAR_LIMIT is 6000, checked on the line with its "\n".
    steps.push(marker_step(client, "5,999 bytes", vec![Action::Line(format!("say {}", "y".repeat(5995)))]));
    steps.push(marker_step(client, "6,000 bytes", vec![Action::Line(format!("say {}", "x".repeat(5996)))]));
    steps.push(marker_step(
        client,
        "6,000 bytes, 3,002 characters",
        vec![Action::Line(format!("say {}", "é".repeat(2998)))],
    ));
    steps.push(Step::line(client, "help"));
}

fn quit(client: usize) -> Step {
    Step { client, name: "quit".into(), actions: vec![Action::Line("quit".into())], until: Until::Closed }
}

/// (a) a bare client, (b) a MUD client, (c) two players, (e) the superuser.
fn sessions_script() -> Script {
    let mut steps = Vec::new();
    // (a) a bare telnet: refuses every option.
    steps.push(connect(0));
    steps.push(Step::line(0, "xyzzy-before-login"));
    account(&mut steps, 0, "alice");
    steps.push(Step::line(0, "options"));
    common_commands(&mut steps, 0);
    steps.push(quit(0));

    // (b) a MUD client.
    steps.push(connect_mud(1, "connect"));
    account(&mut steps, 1, "carol");
    common_commands(&mut steps, 1);
    steps.push(Step::line(1, "options"));
    for gmcp in [
        "Core.Commands.Get",
        "Core.Echo \"hi\"",
        "Core.Echo [1, \"café\", null]",
        "Core.Echo {\"key\": \"value\", \"n\": 2}",
        "Core.Echo not json",
        "Core.Echo",
    ] {
        steps.push(marker_step(1, &format!("GMCP {gmcp}"), vec![Action::Gmcp(gmcp.into())]));
    }
    let colour = "say |rred|n |555xterm|n |#ff8000truecolor|n |*inverse|n";
    for (option, back) in [
        ("XTERM256=False", "XTERM256=True"),
        ("TRUECOLOR=False", "TRUECOLOR=True"),
        ("NOCOLOR=True", "NOCOLOR=False"),
        ("SCREENREADER=True", "SCREENREADER=False"),
        ("RAW=True", "RAW=False"),
        ("LOCALECHO=True", "LOCALECHO=False"),
    ] {
        steps.push(Step::line(1, &format!("options {option}")));
        steps.push(Step::line(1, colour));
        steps.push(Step::line(1, &format!("options {back}")));
    }
    steps.push(Step::line(1, "options ENCODING=latin-1"));
    steps.push(marker_step(1, "say in latin-1", vec![Action::Raw(b"say caf\xe9 na\xefve\r\n".to_vec())]));
    steps.push(Step::line(1, "options ENCODING=utf-8"));
    steps.push(Step::line(1, "options"));
    steps.push(quit(1));

    // (c) two players in the same room.
    steps.push(connect(2));
    account(&mut steps, 2, "bob");
    steps.push(connect(3));
    account(&mut steps, 3, "dave");
    steps.push(Step::line(2, "look"));
    steps.push(Step::line(2, "say hello |cdave|n"));
    steps.push(Step::line(3, "say hi bob, café"));
    steps.push(Step::line(2, "pose grins."));
    steps.push(Step::line(3, "emote bows."));
    steps.push(Step::line(2, "whisper dave = psst"));
    steps.push(Step::line(3, "look"));
    steps.push(Step::line(2, "who"));
    steps.push(Step::line(3, "xyzzy"));
    steps.push(quit(2));
    steps.push(Step::line(3, "look"));
    steps.push(quit(3));

    // (e) the superuser on a MUD client: prompts and OOB output.
    steps.push(connect_mud(4, "connect"));
    login(&mut steps, 4, SUPERUSER.0, SUPERUSER.1);
    steps.push(Step::line(4, "look"));
    steps.push(Step::line(4, "py self.msg(prompt='HP 10 |g>|n ')"));
    steps.push(Step::line(4, "options NOPROMPTGOAHEAD=False"));
    steps.push(Step::line(4, "py self.msg(prompt='HP 9 |r>|n ')"));
    steps.push(Step::line(4, "py self.msg(text='text and', prompt='prompt> ')"));
    steps.push(Step::line(4, "py self.msg(custom_event=([1, 'two'], {'three': 3}))"));
    steps.push(Step::line(4, "py self.msg(text=('|rraw|n', {'raw': True}))"));
    steps.push(Step::line(4, "py self.msg(text=('|rnocolor|n', {'nocolor': True}))"));
    steps.push(quit(4));

    // (f) a MUD client with ANSI colour only (MTTS 1), (g) one that reports
    // a screen reader (MTTS 64 + 1): what the Portal renders follows TTYPE.
    steps.push(connect_mud(5, "connect"));
    steps.push(connect_mud(6, SCREEN_READER_CONNECT));
    // The unlogged `look` shows the screen again, once TTYPE is over.
    steps.push(Step::line(6, "look"));
    for (client, name) in [(5, "erin"), (6, "gwen")] {
        account(&mut steps, client, name);
        steps.push(Step::line(client, "options"));
        steps.push(Step::line(client, colour));
        steps.push(Step::line(client, "look"));
        steps.push(quit(client));
    }

    let mud = |names: [&str; 3]| ClientProfile::MudClient {
        width: 120,
        height: 50,
        names: names.iter().map(|n| n.to_string()).collect(),
    };
    Script {
        clients: vec![
            ClientProfile::RefuseAll,
            ClientProfile::mudlet(),
            ClientProfile::RefuseAll,
            ClientProfile::RefuseAll,
            ClientProfile::mudlet(),
            mud(["PLAINMUD", "ANSI", "MTTS 1"]),
            mud(["READERMUD", "VT100", "MTTS 65"]),
        ],
        steps,
    }
}

/// (d) a burst of ten lines, in one write, on a fresh connection.
fn rate_script() -> Script {
    let burst: Vec<u8> = (1..=10).flat_map(|i| format!("burst-{i}\r\n").into_bytes()).collect();
    Script {
        clients: vec![ClientProfile::RefuseAll],
        steps: vec![
            connect(0),
            Step {
                client: 0,
                name: "ten lines in one write".into(),
                actions: vec![Action::Raw(burst)],
                until: Until::Counts(vec![
                    (b"is not available".to_vec(), 5),
                    (b"You entered commands too fast".to_vec(), 5),
                ]),
            },
        ],
    }
}

// ---------------------------------------------------------- normalization

/// Every normalization (the crate docs say why each one is needed).
fn normalize(record: &StepRecord) -> StepRecord {
    let mut r = record.clone();
    // 1. NOP keepalives: wall-clock timed.
    r.commands.retain(|c| *c != TelnetCommand::Other(NOP));
    // 2. who's "On for" and "Idle" columns.
    if r.name == "who" {
        r.data = normalize_who(&r.data);
    }
    // 3. The MudInfo channel's timestamps.
    r.data = normalize_mudinfo(&r.data);
    // 4. The screen reader client's first connection screen.
    if r.name == SCREEN_READER_CONNECT {
        r.data.clear();
    }
    // 5. The GA after a bare client's first connection screen.
    if r.name == BARE_CONNECT {
        r.commands.retain(|c| *c != TelnetCommand::Other(GA));
    }
    r
}

/// `who`'s rows are `|name|on for|idle|`, each cell with its colour codes:
/// the second and third cells, when they hold a time (`00:00`, `1d 02:03`,
/// `0s`, `5m` ...), become `<time>`.
fn normalize_who(data: &[u8]) -> Vec<u8> {
    let visible = |cell: &[u8]| -> String {
        let mut out = String::new();
        let mut escape = false;
        for &b in cell {
            match (escape, b) {
                (false, 0x1b) => escape = true,
                (true, b'm') => escape = false,
                (true, _) => {}
                (false, b) => out.push(b as char),
            }
        }
        out.trim().to_owned()
    };
    let is_time = |text: &str| {
        text.chars().any(|c| c.is_ascii_digit()) && text.chars().all(|c| c.is_ascii_digit() || ":smhdwy ".contains(c))
    };
    let mut out = Vec::with_capacity(data.len());
    for line in data.split_inclusive(|&b| b == b'\n') {
        let cells: Vec<&[u8]> = line.split(|&b| b == b'|').collect();
        if cells.len() >= 5 && is_time(&visible(cells[2])) && is_time(&visible(cells[3])) {
            let mut cells: Vec<Vec<u8>> = cells.iter().map(|c| c.to_vec()).collect();
            cells[2] = b"<time>".to_vec();
            cells[3] = b"<time>".to_vec();
            out.extend_from_slice(&cells.join(&b'|'));
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// `[MudInfo] [2026-12-08(02:00)]: ...` becomes `[MudInfo] [<time>]: ...`.
fn normalize_mudinfo(data: &[u8]) -> Vec<u8> {
    const PREFIX: &[u8] = b"[MudInfo] [";
    // `dddd-dd-dd(dd:dd)`: d a digit, the rest as is.
    const SHAPE: &[u8] = b"dddd-dd-dd(dd:dd)";
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(PREFIX) {
            let at = i + PREFIX.len();
            let stamp = data.get(at..at + SHAPE.len());
            let matches = stamp.is_some_and(|s| {
                s.iter().zip(SHAPE).all(|(&b, &want)| if want == b'd' { b.is_ascii_digit() } else { b == want })
            });
            if matches {
                out.extend_from_slice(PREFIX);
                out.extend_from_slice(b"<time>");
                i = at + SHAPE.len();
                continue;
            }
        }
        out.push(data[i]);
        i += 1;
    }
    out
}

// ------------------------------------------------------------- comparison

/// Bytes as a readable string: printable ASCII as is, the rest escaped.
fn escape(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n\n    "),
            0x1b => s.push_str("\\e"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

/// Around the first difference (bytes are long for `help` and the 6,000-byte lines).
fn excerpt(bytes: &[u8], at: usize) -> String {
    let from = at.saturating_sub(300);
    let to = (at + 300).min(bytes.len());
    format!(
        "({} bytes; from byte {from}{})\n    {}",
        bytes.len(),
        if to < bytes.len() { format!(", to {to}") } else { String::new() },
        escape(&bytes[from..to])
    )
}

fn commands_text(commands: &[TelnetCommand]) -> String {
    commands
        .iter()
        .map(|c| match c {
            TelnetCommand::Negotiate(v, o) => {
                let verb = match v {
                    251 => "WILL",
                    252 => "WONT",
                    253 => "DO",
                    254 => "DONT",
                    _ => "?",
                };
                format!("{verb} {o}")
            }
            TelnetCommand::Sub(o, p) => format!("SB {o} {:?}", escape(p)),
            TelnetCommand::Other(b) => format!("IAC {b}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every difference between the two runs, step by step, readable.
fn differences(stock: &ScriptRun, amp: &ScriptRun) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = &stock.error {
        out.push(format!("the script failed against Evennia's Portal (the script is wrong): {e}"));
    }
    if let Some(e) = &amp.error {
        out.push(format!("the script failed against amp-portal: {e}"));
    }
    let key = |r: &StepRecord| (r.step, r.client);
    let mut keys: Vec<_> = stock.records.iter().chain(&amp.records).map(key).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let a = stock.records.iter().find(|r| key(r) == k).map(normalize);
        let b = amp.records.iter().find(|r| key(r) == k).map(normalize);
        let label = |r: &StepRecord| {
            format!("step {} (client {}) {:?}", r.step.map_or("-".into(), |s| s.to_string()), r.client, r.name)
        };
        match (a, b) {
            (Some(a), Some(b)) => {
                if a.data != b.data {
                    let at =
                        a.data.iter().zip(&b.data).position(|(x, y)| x != y).unwrap_or(a.data.len().min(b.data.len()));
                    out.push(format!(
                        "{}: data differ at byte {at}\n  Evennia's Portal {}\n  amp-portal       {}",
                        label(&a),
                        excerpt(&a.data, at),
                        excerpt(&b.data, at)
                    ));
                }
                if a.commands != b.commands {
                    out.push(format!(
                        "{}: telnet commands differ\n  Evennia's Portal [{}]\n  amp-portal       [{}]",
                        label(&a),
                        commands_text(&a.commands),
                        commands_text(&b.commands)
                    ));
                }
            }
            (Some(a), None) => out.push(format!("{}: only Evennia's Portal got here", label(&a))),
            (None, Some(b)) => out.push(format!("{}: only amp-portal got here", label(&b))),
            (None, None) => {}
        }
    }
    out
}

fn assert_same(what: &str, pair: &Pair, stock: &ScriptRun, amp: &ScriptRun) {
    let diffs = differences(stock, amp);
    let steps = stock.records.len();
    if !diffs.is_empty() {
        let kept = pair.keep_logs(what);
        panic!(
            "{what}: {} difference(s) over {steps} recorded steps (both games' logs copied to {}):\n\n{}",
            diffs.len(),
            kept.display(),
            diffs.join("\n\n")
        );
    }
    eprintln!("{what}: {steps} steps, byte-identical");
}

/// With `AMP_DIFF_DUMP` set, prints every step of `run` (to look at
/// Evennia's bytes when writing a script).
fn dump(run: &ScriptRun) {
    if std::env::var_os("AMP_DIFF_DUMP").is_some() {
        for r in &run.records {
            eprintln!(
                "=== {:?} {} {:?}\n    {}\n    [{}]",
                r.step,
                r.client,
                r.name,
                escape(&r.data),
                commands_text(&r.commands)
            );
        }
    }
}

// ------------------------------------------------------------------ tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_byte_identical() {
    let pair = tokio::task::block_in_place(|| Pair::start(""));
    let started = Instant::now();
    let (stock, amp) = pair.run(&sessions_script()).await;
    eprintln!("the scripts took {:?}", started.elapsed());
    dump(&stock);
    assert_same("sessions", &pair, &stock, &amp);
    tokio::task::block_in_place(|| pair.stop());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_rate_warnings_are_evennias() {
    let pair = tokio::task::block_in_place(|| Pair::start("MAX_COMMAND_RATE = 5"));
    let (stock, amp) = pair.run(&rate_script()).await;
    dump(&stock);
    let burst = stock.records.iter().find(|r| r.step == Some(1)).expect("the burst step");
    let warnings = burst.data.windows(29).filter(|w| w == b"You entered commands too fast").count();
    assert_eq!(warnings, 5, "Evennia's Portal drops the lines over MAX_COMMAND_RATE 5 with a warning each");
    assert_same("command rate", &pair, &stock, &amp);
    tokio::task::block_in_place(|| pair.stop());
}

/// The normalizations change the times they are for and nothing else
/// (bytes as Evennia 6.1 sent them in this test).
#[test]
fn normalizations_touch_only_times() {
    let row = |on: &str, idle: &str| {
        format!(
            "\x1b[0m|\x1b[0m\x1b[0m \x1b[1m\x1b[36mbob\x1b[0m          \x1b[0m\x1b[0m|\x1b[0m\x1b[0m {on}  \x1b[0m\x1b[0m|\x1b[0m\x1b[0m {idle}   \x1b[0m\x1b[0m|\x1b[0m\r\n"
        )
    };
    let header = "\x1b[0m|\x1b[0m\x1b[0m \x1b[1m\x1b[37mAccount name\x1b[0m \x1b[0m\x1b[0m|\x1b[0m\x1b[0m \x1b[1m\x1b[37mOn for\x1b[0m \x1b[0m\x1b[0m|\x1b[0m\x1b[0m \x1b[1m\x1b[37mIdle\x1b[0m \x1b[0m\x1b[0m|\x1b[0m\r\n";
    let who = |on: &str, idle: &str| format!("{header}{}2 unique accounts logged in.\x1b[0m\r\n", row(on, idle));
    let record = |name: &str, data: String| StepRecord {
        step: Some(1),
        client: 0,
        name: name.into(),
        data: data.into_bytes(),
        commands: vec![TelnetCommand::Other(NOP), TelnetCommand::Other(249)],
    };
    let a = normalize(&record("who", who("00:00", "0s")));
    assert_eq!(a, normalize(&record("who", who("00:01", "59s"))));
    assert_ne!(a, normalize(&record("who", who("00:00", "0s").replace("bob", "rob"))));
    assert!(String::from_utf8_lossy(&a.data).starts_with(header), "the header stays");
    assert_eq!(a.commands, vec![TelnetCommand::Other(249)], "only NOP goes");
    // Outside `who`, a row of times stays.
    assert_eq!(normalize(&record("look", row("00:00", "0s"))).data, row("00:00", "0s").into_bytes());

    let info = |stamp: &str| format!("x\r\n[MudInfo] [{stamp}]: \x1b[22m\x1b[32madmin connected\x1b[0m\r\n");
    let b = normalize(&record("connect", info("2026-12-08(02:00)")));
    assert_eq!(b, normalize(&record("connect", info("2027-01-31(23:59)"))));
    assert_eq!(b.data, info("<time>").into_bytes());
    assert_eq!(normalize(&record("say", info("not a time"))).data, info("not a time").into_bytes());

    let c = normalize(&record(SCREEN_READER_CONNECT, "screen".into()));
    assert!(c.data.is_empty());
    assert_eq!(c.commands, vec![TelnetCommand::Other(249)]);
    let d = normalize(&record(BARE_CONNECT, "screen".into()));
    assert_eq!((d.data, d.commands), (b"screen".to_vec(), vec![]));
}
