//! Twisted's telnet byte parser (`twisted.conch.telnet.Telnet.dataReceived`),
//! state for state, with a bound on subnegotiations.
//!
//! Plain text between `IAC` and `CR` bytes is copied in bulk (`memchr`), so a
//! read costs one scan and one copy. What Twisted does, and this does:
//! - text is gathered per read and handed on (`applicationDataReceived`) at
//!   the end of the read and before every command or subnegotiation that
//!   ends in it, so where reads are cut decides how text is grouped;
//! - `CR LF` becomes `LF`, `CR NUL` becomes `CR`, `CR IAC` becomes `CR` then
//!   the command, `CR x` stays `CR x` (and that `x` is not looked at again,
//!   even when it is another `CR`); `IAC IAC` is a 255 data byte;
//! - `IAC` + `NOP`, `GA`, `EOR`, `DM`, `BRK`, `IP`, `AO`, `AYT`, `EC` or `EL`
//!   is a command (Evennia does nothing with any of them);
//! - `IAC` + any other byte (`SE` outside a subnegotiation, 0-238) raises
//!   `ValueError('Stumped', b)`: the rest of the read is lost, text of the read
//!   not yet handed on included, and the state stays "after IAC", so the next
//!   read's first byte is read as a command byte;
//! - inside `IAC SB ... IAC SE`, `IAC` + a byte other than `SE` is that byte
//!   (so `IAC IAC` is 255, and `IAC x` is just `x`); the first byte is the option.

use memchr::{memchr, memchr2};

use super::codes::{AO, AYT, BRK, DM, DO, DONT, EC, EL, EOR, GA, IAC, IP, NOP, SB, SE, WILL, WONT};
use super::event::InputError;

/// What the parser finds, in order.
pub(super) trait Handler {
    /// `applicationDataReceived(data)`: text, never empty.
    fn app_data(&mut self, data: &[u8]);
    /// `IAC WILL/WONT/DO/DONT option`.
    fn negotiation(&mut self, command: u8, option: u8);
    /// `IAC SB payload IAC SE` (the payload starts with the option byte, and
    /// may be empty). `Err` is Evennia's `ValueError` path: the rest of the
    /// read is dropped.
    fn subnegotiation(&mut self, payload: &[u8]) -> Result<(), InputError>;
    /// A subnegotiation over the limit ended; `length` counts all its bytes.
    fn subnegotiation_too_long(&mut self, option: u8, length: usize);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Data,
    Escaped,
    Command(u8),
    Newline,
    Subnegotiation,
    SubnegotiationEscaped,
}

/// Buffers keep at most this much capacity between reads, so that an idle
/// connection holds little after one large read.
const KEEP_CAPACITY: usize = 4096;

/// The parser's state between reads.
#[derive(Debug)]
pub(super) struct Parser {
    state: State,
    /// Text of the current read not yet handed on.
    text: Vec<u8>,
    /// The current subnegotiation, up to the limit.
    sub: Vec<u8>,
    /// The current subnegotiation's full length (past the limit too).
    sub_len: usize,
    max_sub: usize,
}

impl Parser {
    pub(super) fn new(max_subnegotiation: usize) -> Self {
        // A subnegotiation holds at least its option byte.
        let max_sub = max_subnegotiation.max(1);
        Parser { state: State::Data, text: Vec::new(), sub: Vec::new(), sub_len: 0, max_sub }
    }

    /// Whether the parser is inside a subnegotiation.
    pub(super) fn in_subnegotiation(&self) -> bool {
        matches!(self.state, State::Subnegotiation | State::SubnegotiationEscaped)
    }

    /// Bytes of buffer this parser holds (capacity).
    pub(super) fn buffered(&self) -> usize {
        self.text.capacity() + self.sub.capacity()
    }

    fn flush(&mut self, handler: &mut impl Handler) {
        if !self.text.is_empty() {
            handler.app_data(&self.text);
            self.text.clear();
        }
    }

    fn push_sub(&mut self, bytes: &[u8]) {
        self.sub_len += bytes.len();
        let room = self.max_sub.saturating_sub(self.sub.len());
        self.sub.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// One read. `Err` when Twisted (or Evennia under it) raises `ValueError`:
    /// the rest of `data` was not looked at.
    pub(super) fn feed(&mut self, data: &[u8], handler: &mut impl Handler) -> Result<(), InputError> {
        let result = self.scan(data, handler);
        if result.is_ok() {
            self.flush(handler);
        } else {
            self.text.clear();
        }
        if self.text.capacity() > KEEP_CAPACITY {
            self.text = Vec::new();
        }
        if self.sub.capacity() > KEEP_CAPACITY && !self.in_subnegotiation() {
            self.sub = Vec::new();
        }
        result
    }

    fn scan(&mut self, data: &[u8], handler: &mut impl Handler) -> Result<(), InputError> {
        let mut i = 0;
        while i < data.len() {
            match self.state {
                State::Data => {
                    let rest = &data[i..];
                    match memchr2(IAC, b'\r', rest) {
                        None => {
                            self.text.extend_from_slice(rest);
                            i = data.len();
                        }
                        Some(j) => {
                            self.text.extend_from_slice(&rest[..j]);
                            self.state = if rest[j] == IAC { State::Escaped } else { State::Newline };
                            i += j + 1;
                        }
                    }
                }
                State::Escaped => {
                    let b = data[i];
                    i += 1;
                    match b {
                        IAC => {
                            self.text.push(IAC);
                            self.state = State::Data;
                        }
                        SB => {
                            self.state = State::Subnegotiation;
                            self.sub.clear();
                            self.sub_len = 0;
                        }
                        EOR | NOP | DM | BRK | IP | AO | AYT | EC | EL | GA => {
                            self.state = State::Data;
                            self.flush(handler);
                            // Twisted's unhandledCommand: Evennia handles none of these.
                        }
                        WILL | WONT | DO | DONT => self.state = State::Command(b),
                        _ => return Err(InputError::NotACommand { byte: b }),
                    }
                }
                State::Command(command) => {
                    let option = data[i];
                    i += 1;
                    self.state = State::Data;
                    self.flush(handler);
                    handler.negotiation(command, option);
                }
                State::Newline => {
                    let b = data[i];
                    i += 1;
                    self.state = State::Data;
                    match b {
                        b'\n' => self.text.push(b'\n'),
                        0 => self.text.push(b'\r'),
                        IAC => {
                            self.text.push(b'\r');
                            self.state = State::Escaped;
                        }
                        _ => self.text.extend_from_slice(&[b'\r', b]),
                    }
                }
                State::Subnegotiation => {
                    let rest = &data[i..];
                    match memchr(IAC, rest) {
                        None => {
                            self.push_sub(rest);
                            i = data.len();
                        }
                        Some(j) => {
                            self.push_sub(&rest[..j]);
                            self.state = State::SubnegotiationEscaped;
                            i += j + 1;
                        }
                    }
                }
                State::SubnegotiationEscaped => {
                    let b = data[i];
                    i += 1;
                    if b == SE {
                        self.state = State::Data;
                        self.flush(handler);
                        if self.sub_len > self.sub.len() {
                            handler.subnegotiation_too_long(self.sub[0], self.sub_len);
                        } else {
                            handler.subnegotiation(&self.sub)?;
                        }
                    } else {
                        self.state = State::Subnegotiation;
                        self.push_sub(&[b]);
                    }
                }
            }
        }
        Ok(())
    }
}
