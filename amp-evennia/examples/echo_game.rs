//! A tiny game served through a real Evennia Portal, in the place of
//! Evennia's Python Server.
//!
//! ```text
//! cargo run --release -p amp-evennia --example echo_game -- --amp 127.0.0.1:4006
//! ```
//!
//! Start an Evennia 6.1 Portal alone (see the README), run this with the
//! Portal's AMP address, then `telnet 127.0.0.1 4000`. Commands: `look`,
//! `say <text>`, `echo <text>`, `who`, `big <n>`, `quit`. Every player is
//! `Player#<sessid>`. It prints `connected to portal at ADDR` each time it
//! (re)connects, and exits when the Portal sends SSHUTD (`evennia stop`, or
//! the Portal stopping). `RUST_LOG=info` shows the AMP side on stderr.

use std::collections::HashSet;
use std::io::Write;
use std::process::ExitCode;

use amp_evennia::payload::admin::ServerInfo;
use amp_evennia::role::server::{EvenniaServer, ServerEvent, ServerHandle, Session};
use amp_evennia::{Message, SessId};

/// Largest `big <n>`: 10 million characters.
const BIG_MAX: usize = 10_000_000;
/// Characters per line of `big`.
const BIG_LINE: usize = 79;

fn usage() -> &'static str {
    "usage: echo_game [--amp HOST:PORT]   (default 127.0.0.1:4006, Evennia's AMP_PORT)"
}

fn parse_args() -> Result<String, String> {
    let mut amp = "127.0.0.1:4006".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--amp" => amp = args.next().ok_or("--amp needs HOST:PORT")?,
            "-h" | "--help" => return Err(usage().to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{}", usage())),
        }
    }
    Ok(amp)
}

fn name(sessid: SessId) -> String {
    format!("Player#{sessid}")
}

/// `n` `x` characters in lines of at most 79.
fn big_text(n: usize) -> String {
    let mut text = String::with_capacity(n + n / BIG_LINE + 1);
    let mut left = n;
    while left > 0 {
        let line = left.min(BIG_LINE);
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&"x".repeat(line));
        left -= line;
    }
    text
}

struct Game {
    server: ServerHandle,
    /// Players greeted by this process (a restart greets nobody twice:
    /// players the Portal lists as logged in were greeted before).
    welcomed: HashSet<SessId>,
}

impl Game {
    /// Sends `text` unchanged (the `raw` option: a `|` in a player's text
    /// stays a `|`, not Evennia colour markup). A failed send (the Portal is
    /// gone) is only logged: the Portal resyncs when it is back.
    async fn tell(&self, sessid: SessId, text: impl Into<String>) {
        if let Err(e) = self.server.send(sessid, Message::raw_text(text)).await {
            tracing::debug!(sessid, error = %e, "send failed");
        }
    }

    async fn welcome(&mut self, session: &Session) {
        if !self.welcomed.insert(session.sessid) {
            return;
        }
        let sessid = session.sessid;
        self.tell(sessid, format!("Welcome to the Rust echo game, {}.", name(sessid))).await;
        // Marks the session logged in on the Portal (it keeps this across restarts).
        if let Err(e) = self.server.login(sessid, sessid as i64).await {
            tracing::debug!(sessid, error = %e, "login failed");
        }
    }

    async fn on_event(&mut self, event: ServerEvent) {
        match event {
            ServerEvent::Connected { portal } => {
                println!("connected to portal at {portal}");
                let _ = std::io::stdout().flush();
            }
            ServerEvent::Synced { sessions, dropped, .. } => {
                for gone in dropped {
                    self.welcomed.remove(&gone.sessid);
                }
                for session in sessions {
                    if session.logged_in() {
                        // Served by an earlier run: carry on silently.
                        self.welcomed.insert(session.sessid);
                    } else {
                        // Connected while no server was there.
                        self.welcome(&session).await;
                    }
                }
            }
            ServerEvent::SessionConnected(session) => self.welcome(&session).await,
            ServerEvent::SessionDisconnected(session) => {
                self.welcomed.remove(&session.sessid);
            }
            ServerEvent::Input { sessid, message } => {
                if let Some(line) = message.line() {
                    let line = line.to_owned();
                    self.command(sessid, &line).await;
                }
            }
            ServerEvent::Disconnected { reason } => {
                eprintln!("lost the portal ({reason}); reconnecting");
            }
            ServerEvent::Shutdown { mode } => {
                eprintln!("the portal asked the server to stop ({}); exiting", mode.as_str());
            }
            _ => {}
        }
    }

    async fn command(&mut self, sessid: SessId, line: &str) {
        let line = line.trim_start();
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match word.to_lowercase().as_str() {
            "" => {}
            "look" => self.tell(sessid, "You are in a small stone room. Exits: none.").await,
            "say" => {
                self.tell(sessid, format!("You say, \"{rest}\"")).await;
                let heard = Message::raw_text(format!("{} says, \"{rest}\"", name(sessid)));
                let others = self.server.session_ids().into_iter().filter(|s| *s != sessid);
                if let Err(e) = self.server.send_many(others, &heard).await {
                    tracing::debug!(error = %e, "say failed");
                }
            }
            "echo" => self.tell(sessid, rest).await,
            "who" => {
                let ids = self.server.session_ids();
                let mut text = format!("Players online: {}", ids.len());
                for id in ids {
                    text.push('\n');
                    text.push_str(&name(id));
                }
                self.tell(sessid, text).await;
            }
            "big" => match rest.trim().parse::<usize>() {
                Ok(n) if n <= BIG_MAX => {
                    self.tell(sessid, big_text(n)).await;
                    self.tell(sessid, format!("END-OF-BIG {n}")).await;
                }
                _ => self.tell(sessid, format!("Usage: big <n>, n from 0 to {BIG_MAX}")).await,
            },
            "quit" => {
                self.tell(sessid, "Goodbye.").await;
                self.welcomed.remove(&sessid);
                if let Err(e) = self.server.disconnect(sessid, None).await {
                    tracing::debug!(sessid, error = %e, "disconnect failed");
                }
            }
            _ => self.tell(sessid, format!("Unknown command: {word}")).await,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let amp = match parse_args() {
        Ok(amp) => amp,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();

    let port = amp.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).unwrap_or(0);
    let info = ServerInfo::new("Rust echo game", env!("CARGO_PKG_VERSION"), port);
    let (server, mut events) = EvenniaServer::builder(amp).info(info).spawn();
    let mut game = Game { server: server.clone(), welcomed: HashSet::new() };
    // The stream ends after the Portal's SSHUTD.
    while let Some(event) = events.recv().await {
        game.on_event(event).await;
    }
    server.stopped().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::big_text;

    #[test]
    fn big_text_has_lines_of_79() {
        assert_eq!(big_text(0), "");
        assert_eq!(big_text(79), "x".repeat(79));
        let t = big_text(300_000);
        assert_eq!(t.chars().filter(|c| *c == 'x').count(), 300_000);
        assert!(t.lines().all(|l| l.len() <= 79 && !l.is_empty()));
        assert_eq!(t.lines().count(), 300_000usize.div_ceil(79));
    }
}
