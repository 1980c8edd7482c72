//! A scripted telnet player that records exactly what a Portal sent it, for
//! comparing two Portals byte for byte.
//!
//! The client answers the Portal's option offers as a [`ClientProfile`]
//! says (a bare client refusing everything, or a MUD client taking NAWS,
//! TTYPE, SGA, MCCP2 and GMCP), decompresses MCCP2, and keeps two records
//! of what arrived, in order:
//! - [`Transcript::data`]: the data bytes (text, colour codes, `\r\n`, with
//!   `IAC IAC` as one 0xFF), as the player's screen gets them;
//! - [`Transcript::commands`]: every telnet command and subnegotiation,
//!   with `IAC GA` and `IAC NOP` among them, in order.
//!
//! Keeping them apart is the one normalization of timing: how a Portal's
//! negotiation interleaves with the game's text depends on when each reply
//! arrives, in Evennia's Portal as in any other; within each record the
//! order is the Portal's.

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
// Evennia offers these too; a MudClient refuses LINEMODE (34), MSDP (69),
// MSSP (70) and MXP (91).
const ECHO: u8 = 1;
const SGA: u8 = 3;
const TTYPE: u8 = 24;
const NAWS: u8 = 31;
const MCCP2: u8 = 86;
const GMCP: u8 = 201;

/// How the client answers option offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientProfile {
    /// `DONT` to every `WILL`, `WONT` to every `DO` (a bare telnet).
    RefuseAll,
    /// A MUD client: NAWS (`width` x `height`), TTYPE (`names`, one per
    /// SEND, the last repeated), SGA, ECHO, MCCP2 and GMCP taken; LINEMODE,
    /// MSDP, MSSP and MXP refused.
    MudClient {
        /// NAWS width.
        width: u16,
        /// NAWS height.
        height: u16,
        /// TTYPE answers in order (`"MUDLET"`, `"XTERM-256COLOR"`, `"MTTS 2825"`).
        names: Vec<String>,
    },
}

impl ClientProfile {
    /// A Mudlet-like client, 100 x 40.
    pub fn mudlet() -> Self {
        ClientProfile::MudClient {
            width: 100,
            height: 40,
            names: vec!["MUDLET".into(), "XTERM-256COLOR".into(), "MTTS 2825".into()],
        }
    }
}

/// One telnet command or subnegotiation the Portal sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TelnetCommand {
    /// `IAC WILL/WONT/DO/DONT option` (the verb byte and the option).
    Negotiate(u8, u8),
    /// `IAC SB option ... IAC SE`: the option and the (unescaped) payload.
    Sub(u8, Vec<u8>),
    /// Any other `IAC x` (`GA` 249, `NOP` 241 ...).
    Other(u8),
}

/// What a Portal sent, as recorded by [`ScriptedClient`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Data bytes, in order.
    pub data: Vec<u8>,
    /// Telnet commands, in order.
    pub commands: Vec<TelnetCommand>,
    /// For each of `commands`, how many `data` bytes had arrived before it
    /// (where it fell in the stream), to tell which step of a script it
    /// belongs to.
    pub command_at: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Data,
    Iac,
    Verb(u8),
    Sub,
    SubIac,
}

/// A scripted player (tokio).
pub struct ScriptedClient {
    stream: TcpStream,
    profile: ClientProfile,
    state: State,
    sub: Vec<u8>,
    ttype_round: usize,
    zlib: Option<flate2::Decompress>,
    transcript: Transcript,
    /// Bytes of `data` already returned by [`until`](Self::until).
    consumed: usize,
    closed: bool,
}

impl ScriptedClient {
    /// Connects to `addr` with `profile`.
    pub async fn connect(addr: SocketAddr, profile: ClientProfile) -> std::io::Result<ScriptedClient> {
        let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, format!("connect to {addr}")))??;
        stream.set_nodelay(true)?;
        Ok(ScriptedClient {
            stream,
            profile,
            state: State::Data,
            sub: Vec::new(),
            ttype_round: 0,
            zlib: None,
            transcript: Transcript::default(),
            consumed: 0,
            closed: false,
        })
    }

    /// Everything received so far.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// How many bytes of [`Transcript::data`] [`until`](Self::until) has
    /// returned so far (where the last step of a script ended).
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// Reads until `marker` appears in the data after what earlier calls
    /// consumed; returns the data up to and including it (lossy UTF-8, for
    /// messages). Fails after `limit` or when the connection closes first.
    pub async fn until(&mut self, marker: &[u8], limit: Duration) -> Result<String, String> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let rest = &self.transcript.data[self.consumed..];
            if let Some(at) = rest.windows(marker.len().max(1)).position(|w| w == marker) {
                let end = self.consumed + at + marker.len();
                let text = String::from_utf8_lossy(&self.transcript.data[self.consumed..end]).into_owned();
                self.consumed = end;
                return Ok(text);
            }
            if self.closed {
                return Err(format!(
                    "closed before {:?}; data so far: {:?}",
                    String::from_utf8_lossy(marker),
                    String::from_utf8_lossy(rest)
                ));
            }
            match tokio::time::timeout_at(deadline, self.read_some()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(format!("read: {e}")),
                Err(_) => {
                    return Err(format!(
                        "{:?} did not arrive within {limit:?}; data so far: {:?}",
                        String::from_utf8_lossy(marker),
                        String::from_utf8_lossy(&self.transcript.data[self.consumed..])
                    ))
                }
            }
        }
    }

    /// Reads until `command` has arrived `count` times in all (consuming no
    /// data). Fails after `limit` or when the connection closes first.
    pub async fn until_command(
        &mut self,
        command: &TelnetCommand,
        count: usize,
        limit: Duration,
    ) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + limit;
        while self.transcript.commands.iter().filter(|c| *c == command).count() < count {
            if self.closed {
                return Err(format!("closed before {count} x {command:?}"));
            }
            match tokio::time::timeout_at(deadline, self.read_some()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(format!("read: {e}")),
                Err(_) => return Err(format!("{count} x {command:?} did not arrive within {limit:?}")),
            }
        }
        Ok(())
    }

    /// Reads until the Portal closes the connection.
    pub async fn until_closed(&mut self, limit: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + limit;
        while !self.closed {
            match tokio::time::timeout_at(deadline, self.read_some()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => self.closed = true,
                Ok(Err(e)) => return Err(format!("read: {e}")),
                Err(_) => return Err(format!("still open after {limit:?}")),
            }
        }
        Ok(())
    }

    /// Sends `line` and `\r\n` (0xFF doubled).
    pub async fn send_line(&mut self, line: &str) -> std::io::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 2);
        for &b in line.as_bytes() {
            bytes.push(b);
            if b == IAC {
                bytes.push(IAC);
            }
        }
        bytes.extend_from_slice(b"\r\n");
        self.stream.write_all(&bytes).await
    }

    /// Sends raw bytes (a subnegotiation, garbage ...).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Sends a GMCP message: `IAC SB GMCP <package> <json> IAC SE`.
    pub async fn send_gmcp(&mut self, message: &str) -> std::io::Result<()> {
        let mut bytes = vec![IAC, SB, GMCP];
        bytes.extend_from_slice(message.as_bytes());
        bytes.extend_from_slice(&[IAC, SE]);
        self.stream.write_all(&bytes).await
    }

    /// Closes the connection.
    pub async fn close(mut self) -> std::io::Result<()> {
        self.stream.shutdown().await
    }

    async fn read_some(&mut self) -> std::io::Result<()> {
        let mut buf = vec![0u8; 16384];
        let n = self.stream.read(&mut buf).await?;
        if n == 0 {
            self.closed = true;
            return Ok(());
        }
        let mut replies = Vec::new();
        let mut input = buf[..n].to_vec();
        while !input.is_empty() {
            match self.zlib.as_mut() {
                Some(z) => {
                    let (plain, after_end) = inflate(z, &input)?;
                    self.feed(&plain, &mut replies, &mut Vec::new());
                    match after_end {
                        Some(rest) => {
                            self.zlib = None;
                            input = rest;
                        }
                        None => input.clear(),
                    }
                }
                None => {
                    let mut after_mccp = Vec::new();
                    self.feed(&input, &mut replies, &mut after_mccp);
                    input = after_mccp;
                }
            }
        }
        if !replies.is_empty() {
            self.stream.write_all(&replies).await?;
        }
        Ok(())
    }

    /// Parses plain (decompressed) bytes. When MCCP2 starts, the bytes after
    /// its `IAC SE` go to `rest` (they are compressed).
    fn feed(&mut self, bytes: &[u8], replies: &mut Vec<u8>, rest: &mut Vec<u8>) {
        for (i, &b) in bytes.iter().enumerate() {
            self.state = match (self.state, b) {
                (State::Data, IAC) => State::Iac,
                (State::Data, b) => {
                    self.transcript.data.push(b);
                    State::Data
                }
                (State::Iac, IAC) => {
                    self.transcript.data.push(IAC);
                    State::Data
                }
                (State::Iac, v @ (WILL | WONT | DO | DONT)) => State::Verb(v),
                (State::Iac, SB) => {
                    self.sub.clear();
                    State::Sub
                }
                (State::Iac, other) => {
                    self.push_command(TelnetCommand::Other(other));
                    State::Data
                }
                (State::Verb(v), option) => {
                    self.push_command(TelnetCommand::Negotiate(v, option));
                    self.answer(v, option, replies);
                    State::Data
                }
                (State::Sub, IAC) => State::SubIac,
                (State::Sub, b) => {
                    self.sub.push(b);
                    State::Sub
                }
                (State::SubIac, IAC) => {
                    self.sub.push(IAC);
                    State::Sub
                }
                (State::SubIac, SE) => {
                    let (option, payload) = match self.sub.split_first() {
                        Some((o, p)) => (*o, p.to_vec()),
                        None => (0, Vec::new()),
                    };
                    self.push_command(TelnetCommand::Sub(option, payload.clone()));
                    self.subnegotiation(option, &payload, replies);
                    if option == MCCP2 && self.zlib.is_none() {
                        self.zlib = Some(flate2::Decompress::new(true));
                        self.state = State::Data;
                        rest.extend_from_slice(&bytes[i + 1..]);
                        return;
                    }
                    State::Data
                }
                (State::SubIac, _) => State::Sub,
            };
        }
    }

    fn push_command(&mut self, command: TelnetCommand) {
        self.transcript.commands.push(command);
        self.transcript.command_at.push(self.transcript.data.len());
    }

    fn answer(&mut self, verb: u8, option: u8, replies: &mut Vec<u8>) {
        let take = match &self.profile {
            ClientProfile::RefuseAll => false,
            ClientProfile::MudClient { .. } => matches!(option, NAWS | TTYPE | SGA | ECHO | MCCP2 | GMCP),
        };
        let answer = match (verb, take) {
            (WILL, true) => DO,
            (WILL, false) => DONT,
            (DO, true) => WILL,
            (DO, false) => WONT,
            _ => return,
        };
        replies.extend_from_slice(&[IAC, answer, option]);
        if let (DO, true, ClientProfile::MudClient { width, height, .. }) = (verb, take, &self.profile) {
            if option == NAWS {
                let [w1, w0] = width.to_be_bytes();
                let [h1, h0] = height.to_be_bytes();
                replies.extend_from_slice(&[IAC, SB, NAWS, w1, w0, h1, h0, IAC, SE]);
            }
        }
    }

    fn subnegotiation(&mut self, option: u8, payload: &[u8], replies: &mut Vec<u8>) {
        if let (TTYPE, [1], ClientProfile::MudClient { names, .. }) = (option, payload, &self.profile) {
            let name = names.get(self.ttype_round).or(names.last()).cloned().unwrap_or_default();
            self.ttype_round += 1;
            replies.extend_from_slice(&[IAC, SB, TTYPE, 0]);
            replies.extend_from_slice(name.as_bytes());
            replies.extend_from_slice(&[IAC, SE]);
        }
    }
}

/// Inflates what `input` holds of the stream: the plain bytes, and the
/// bytes after the stream's end (MCCP2 turned off), which are not compressed.
fn inflate(z: &mut flate2::Decompress, input: &[u8]) -> std::io::Result<(Vec<u8>, Option<Vec<u8>>)> {
    let mut out = Vec::with_capacity(input.len() * 4 + 256);
    let mut pos = 0usize;
    loop {
        if out.capacity() - out.len() < 4096 {
            out.reserve(16384);
        }
        let before = z.total_in();
        let status = z
            .decompress_vec(&input[pos..], &mut out, flate2::FlushDecompress::Sync)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("MCCP2 stream: {e}")))?;
        pos += usize::try_from(z.total_in() - before).unwrap_or(0);
        match status {
            flate2::Status::StreamEnd => return Ok((out, Some(input[pos..].to_vec()))),
            _ if pos >= input.len() && out.capacity() > out.len() => return Ok((out, None)),
            _ => {}
        }
    }
}
