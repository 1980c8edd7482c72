//! A minimal telnet player: refuses every option, strips ANSI, reads text.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';

/// Why [`TelnetClient::read_until`] gave up.
#[derive(Debug)]
pub enum TelnetError {
    /// The text did not appear in time.
    Timeout {
        /// What was awaited.
        needle: String,
        /// How long.
        waited: Duration,
        /// The unconsumed text received.
        received: String,
    },
    /// The server closed the connection first.
    Closed {
        /// What was awaited.
        needle: String,
        /// The unconsumed text received.
        received: String,
    },
    /// A socket error.
    Io(std::io::Error),
}

impl std::fmt::Display for TelnetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TelnetError::Timeout { needle, waited, received } => {
                write!(f, "{needle:?} did not arrive within {waited:?}; text so far: {received:?}")
            }
            TelnetError::Closed { needle, received } => {
                write!(f, "connection closed before {needle:?} arrived; text so far: {received:?}")
            }
            TelnetError::Io(e) => write!(f, "i/o: {e}"),
        }
    }
}

impl std::error::Error for TelnetError {}

impl From<std::io::Error> for TelnetError {
    fn from(e: std::io::Error) -> Self {
        TelnetError::Io(e)
    }
}

/// Turns a server's telnet byte stream into plain text and refusals.
///
/// `IAC WILL x` is answered `IAC DONT x`, `IAC DO x` with `IAC WONT x`
/// (Evennia then skips MCCP, MXP, GMCP, NAWS, TTYPE ... and counts each
/// refusal as a finished handshake); `WONT`/`DONT` need no answer;
/// subnegotiations and other commands are dropped; `IAC IAC` is a 0xFF data
/// byte. Text is UTF-8 (invalid bytes become U+FFFD), without `\r`, NUL or
/// ANSI escape sequences (CSI, OSC, `ESC (` style and two-byte escapes). All of it survives
/// any split of the stream into reads.
#[derive(Debug, Default)]
pub struct TelnetParser {
    state: State,
    ansi: Ansi,
    utf8: Vec<u8>,
    /// Every `(verb, option)` the server sent, in order.
    pub negotiations: Vec<(u8, u8)>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Data,
    Iac,
    Verb(u8),
    Sub,
    SubIac,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Ansi {
    #[default]
    Text,
    Esc,
    EscIntermediate,
    Csi,
    Osc,
    OscEsc,
}

impl TelnetParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds received bytes: plain text is appended to `text`, answers to
    /// the server's negotiation to `replies`.
    pub fn feed(&mut self, input: &[u8], text: &mut String, replies: &mut Vec<u8>) {
        for &byte in input {
            self.state = match (self.state, byte) {
                (State::Data, IAC) => State::Iac,
                (State::Data, b) => {
                    self.utf8.push(b);
                    State::Data
                }
                (State::Iac, IAC) => {
                    self.utf8.push(IAC);
                    State::Data
                }
                (State::Iac, verb @ (WILL | WONT | DO | DONT)) => State::Verb(verb),
                (State::Iac, SB) => State::Sub,
                (State::Iac, _) => State::Data, // NOP, GA, ...: no payload
                (State::Verb(verb), option) => {
                    self.negotiations.push((verb, option));
                    match verb {
                        WILL => replies.extend_from_slice(&[IAC, DONT, option]),
                        DO => replies.extend_from_slice(&[IAC, WONT, option]),
                        _ => {}
                    }
                    State::Data
                }
                (State::Sub, IAC) => State::SubIac,
                (State::Sub, _) => State::Sub,
                (State::SubIac, SE) => State::Data,
                (State::SubIac, _) => State::Sub, // IAC IAC inside a subnegotiation
            };
            if self.state != State::Data {
                self.flush_utf8(text, false);
            }
        }
        self.flush_utf8(text, false);
    }

    /// Decodes the buffered data bytes; keeps an unfinished UTF-8 sequence
    /// at the end for the next read unless `all`.
    fn flush_utf8(&mut self, text: &mut String, all: bool) {
        if self.utf8.is_empty() {
            return;
        }
        let mut bytes = std::mem::take(&mut self.utf8);
        let keep = match std::str::from_utf8(&bytes) {
            Err(e) if !all && e.error_len().is_none() => bytes.len() - e.valid_up_to(),
            _ => 0,
        };
        let rest = bytes.split_off(bytes.len() - keep);
        let decoded = String::from_utf8_lossy(&bytes).into_owned();
        self.utf8 = rest;
        for c in decoded.chars() {
            self.push_char(c, text);
        }
    }

    fn push_char(&mut self, c: char, text: &mut String) {
        self.ansi = match (self.ansi, c) {
            (Ansi::Text, ESC) => Ansi::Esc,
            (Ansi::Text, '\r' | '\0') => Ansi::Text,
            (Ansi::Text, c) => {
                text.push(c);
                Ansi::Text
            }
            (Ansi::Esc, '[') => Ansi::Csi,
            (Ansi::Esc, ']') => Ansi::Osc,
            (Ansi::Esc, '\u{20}'..='\u{2f}') => Ansi::EscIntermediate, // e.g. ESC ( B
            (Ansi::Esc, _) => Ansi::Text,                              // two-byte escape
            (Ansi::EscIntermediate, '\u{20}'..='\u{2f}') => Ansi::EscIntermediate,
            (Ansi::EscIntermediate, _) => Ansi::Text,
            (Ansi::Csi, '\u{40}'..='\u{7e}') => Ansi::Text,
            (Ansi::Csi, _) => Ansi::Csi,
            (Ansi::Osc, BEL) => Ansi::Text,
            (Ansi::Osc, ESC) => Ansi::OscEsc,
            (Ansi::Osc, _) => Ansi::Osc,
            (Ansi::OscEsc, '\\') => Ansi::Text,
            (Ansi::OscEsc, _) => Ansi::Osc,
        };
    }
}

/// A telnet player connected to the Portal (tokio).
pub struct TelnetClient {
    stream: TcpStream,
    parser: TelnetParser,
    text: String,
    closed: bool,
}

impl TelnetClient {
    /// Connects to `addr` (fails after 10 s).
    pub async fn connect(addr: SocketAddr) -> std::io::Result<TelnetClient> {
        let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, format!("connect to {addr}")))??;
        stream.set_nodelay(true)?;
        Ok(TelnetClient { stream, parser: TelnetParser::new(), text: String::new(), closed: false })
    }

    /// Reads until `needle` appears in the text; returns the text up to and
    /// including it and keeps what follows for the next call.
    pub async fn read_until(&mut self, needle: &str, timeout: Duration) -> Result<String, TelnetError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(at) = self.text.find(needle) {
                let rest = self.text.split_off(at + needle.len());
                return Ok(std::mem::replace(&mut self.text, rest));
            }
            if self.closed {
                return Err(TelnetError::Closed { needle: needle.into(), received: self.text.clone() });
            }
            match tokio::time::timeout_at(deadline, self.read_some()).await {
                Ok(result) => result?,
                Err(_) => {
                    return Err(TelnetError::Timeout {
                        needle: needle.into(),
                        waited: timeout,
                        received: self.text.clone(),
                    })
                }
            }
        }
    }

    /// Reads until the server closes the connection; returns the remaining text.
    pub async fn read_to_close(&mut self, timeout: Duration) -> Result<String, TelnetError> {
        let deadline = tokio::time::Instant::now() + timeout;
        while !self.closed {
            match tokio::time::timeout_at(deadline, self.read_some()).await {
                Ok(result) => result?,
                Err(_) => {
                    let received = self.text.clone();
                    return Err(TelnetError::Timeout { needle: "<close>".into(), waited: timeout, received });
                }
            }
        }
        Ok(std::mem::take(&mut self.text))
    }

    /// Reads until the server has sent at least one telnet negotiation (for
    /// Evennia: the session exists on the Portal, which negotiates right
    /// after registering it).
    pub async fn wait_negotiation(&mut self, timeout: Duration) -> Result<(), TelnetError> {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.parser.negotiations.is_empty() {
            if self.closed {
                return Err(TelnetError::Closed { needle: "<negotiation>".into(), received: self.text.clone() });
            }
            if tokio::time::timeout_at(deadline, self.read_some()).await.is_err() {
                let received = self.text.clone();
                return Err(TelnetError::Timeout { needle: "<negotiation>".into(), waited: timeout, received });
            }
        }
        Ok(())
    }

    /// Sends `line` followed by `\r\n`.
    pub async fn send_line(&mut self, line: &str) -> std::io::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 2);
        for &b in line.as_bytes() {
            bytes.push(b);
            if b == IAC {
                bytes.push(IAC); // a data 0xFF is doubled on the wire
            }
        }
        bytes.extend_from_slice(b"\r\n");
        self.stream.write_all(&bytes).await
    }

    /// Text received and not yet returned by `read_until`.
    pub fn pending_text(&self) -> &str {
        &self.text
    }

    /// Every `(verb, option)` the server negotiated, in order (251 WILL,
    /// 252 WONT, 253 DO, 254 DONT).
    pub fn negotiations(&self) -> &[(u8, u8)] {
        &self.parser.negotiations
    }

    /// Closes the connection (the Portal then sends PDISCONN).
    pub async fn close(mut self) -> std::io::Result<()> {
        self.stream.shutdown().await
    }

    async fn read_some(&mut self) -> Result<(), TelnetError> {
        let mut buf = [0u8; 8192];
        let n = self.stream.read(&mut buf).await?;
        if n == 0 {
            self.closed = true;
            self.parser.flush_utf8(&mut self.text, true);
            return Ok(());
        }
        let mut replies = Vec::new();
        self.parser.feed(&buf[..n], &mut self.text, &mut replies);
        if !replies.is_empty() {
            self.stream.write_all(&replies).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> (String, Vec<u8>, TelnetParser) {
        let mut p = TelnetParser::new();
        let (mut text, mut replies) = (String::new(), Vec::new());
        for c in chunks {
            p.feed(c, &mut text, &mut replies);
        }
        (text, replies, p)
    }

    #[test]
    fn refuses_options_and_keeps_text() {
        let stream = b"\xff\xfd\x22\xff\xfb\x56hello\xff\xfc\x01\xff\xfe\x03 world\r\n";
        let (text, replies, p) = run(&[stream]);
        assert_eq!(text, "hello world\n");
        assert_eq!(replies, b"\xff\xfc\x22\xff\xfe\x56");
        assert_eq!(p.negotiations, [(DO, 0x22), (WILL, 0x56), (WONT, 1), (DONT, 3)]);
    }

    #[test]
    fn skips_subnegotiation_and_commands_and_unescapes_iac() {
        let stream = b"a\xff\xfa\x18\x01\xff\xff\x00\xff\xf0b\xff\xf1c\xff\xff";
        let (text, replies, _) = run(&[stream]);
        assert!(replies.is_empty());
        assert_eq!(text, "abc\u{fffd}");
    }

    #[test]
    fn strips_ansi() {
        let (text, _, _) = run(&[b"\x1b[1m\x1b[31mred\x1b[0m \x1b]0;title\x07plain \x1b(Bok"]);
        assert_eq!(text, "red plain ok");
    }

    #[test]
    fn every_split_gives_the_same_result() {
        let stream: &[u8] = "\u{1b}[32mgr\u{e9}en \u{2603}\r\n".as_bytes();
        let stream = [b"\xff\xfb\x01", stream, b"\xff\xfa\x1f\x00\x50\xff\xf0end"].concat();
        let (whole, whole_replies, _) = run(&[&stream]);
        assert_eq!(whole, "gr\u{e9}en \u{2603}\nend");
        for cut in 0..stream.len() {
            let (text, replies, _) = run(&[&stream[..cut], &stream[cut..]]);
            assert_eq!((&text, &replies), (&whole, &whole_replies), "cut at {cut}");
        }
    }
}
