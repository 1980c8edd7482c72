//! One player's telnet connection: Evennia's `TelnetProtocol` without I/O.

use std::sync::Arc;

use memchr::memchr;

use super::codes::{ECHO, GMCP, IAC, LINEMODE, MCCP, MSDP, MSSP, MXP, NAWS, NOP, SB, SE, SGA, TTYPE, WILL, WONT};
use super::config::TelnetConfig;
use super::event::{CloseReason, Event, InputError, SyncReason};
use super::flags::{truthy, ProtocolFlags};
use super::lines::{self, Lines, Outcome};
use super::mccp::Compressor;
use super::negotiation::Options;
use super::parser::{Handler, Parser};
use super::ttype::TtypeAnswer;
use super::{gmcp, msdp, Value};
use crate::python::json::JsonError;
use crate::python::repr::ReprError;
use crate::render::telnet::{line_bytes, prompt_line_bytes};

/// What Evennia writes to a client that sends an HTTP request to the telnet
/// port, byte for byte (the indentation of its source's later lines included,
/// no line end), before it closes the connection.
pub const HTTP_WARNING: &[u8] = b"This is Evennia's Telnet port and cannot be used for regular HTTP traffic.
    Use a telnet client to connect here and point your browser to the server's
    dedicated web port instead.";

/// The handshakes Evennia counts down before it syncs the session: SGA, NAWS,
/// TTYPE, MCCP, MSSP, MSDP, GMCP and MXP (counted even when MXP is not offered).
pub const HANDSHAKES: i32 = 8;

/// A telnet connection as Evennia's Portal runs it, without I/O.
///
/// The I/O layer makes one per accepted socket ([`Telnet::new`] is Evennia's
/// `connectionMade`), feeds it what the client sends ([`Telnet::receive`]) and
/// the timers' ticks ([`Telnet::handshake_timeout`] 2 s after connecting,
/// [`Telnet::nop_keepalive`] every 30 s from 30 s on), and after each call
/// writes [`Telnet::take_output`] to the socket and hands
/// [`Telnet::drain_events`] to the session layer. The session layer sends
/// through [`Telnet::send_line`], [`Telnet::send_prompt`], [`Telnet::send_echo`]
/// and [`Telnet::send_oob`], and keeps [`Telnet::flags_mut`] in step with the
/// Server's updates. Nothing here blocks, allocates per byte or panics on
/// what a client sends.
#[derive(Debug)]
pub struct Telnet {
    parser: Parser,
    core: Core,
}

/// Everything but the parser (the parser's [`Handler`]).
#[derive(Debug)]
pub(super) struct Core {
    pub(super) config: Arc<TelnetConfig>,
    pub(super) flags: ProtocolFlags,
    pub(super) options: Options,
    /// Evennia's `handshakes` countdown (goes below zero).
    pub(super) handshakes: i32,
    pub(super) ttype_step: u8,
    pub(super) lines: Lines,
    /// The client agreed to MSDP / GMCP (Evennia's `oob.MSDP` / `oob.GMCP`).
    pub(super) msdp: bool,
    pub(super) gmcp: bool,
    pub(super) mccp: Option<Compressor>,
    pub(super) output: Vec<u8>,
    pub(super) events: Vec<Event>,
    pub(super) closed: bool,
}

/// Why an OOB message could not be sent (Evennia: a traceback in the log,
/// nothing or only the MSDP part sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OobError {
    /// A keyword argument name that is not a `str`: Python cannot call
    /// `send_default(**kwargs)` with it, so nothing was sent.
    #[error("OOB keyword argument names must be str, not {0}")]
    KeywordNotStr(&'static str),
    /// MSDP's `str()` of an argument raised: nothing was sent.
    #[error("MSDP: {0}")]
    Msdp(#[from] ReprError),
    /// GMCP's `json.dumps` raised: the MSDP form, if MSDP is on, was sent.
    #[error("GMCP: {0}")]
    Gmcp(#[from] JsonError),
}

impl Telnet {
    /// A new connection: Evennia's `connectionMade`. Its output holds the
    /// option offers, in Evennia's order: `DO LINEMODE`, `WILL SGA`, `DO NAWS`,
    /// `DO TTYPE`, `WILL MCCP`, `WILL MSSP`, `WILL MSDP`, `WILL GMCP`, and
    /// `WILL MXP` when MXP is enabled; its events a [`Event::Connect`].
    pub fn new(config: Arc<TelnetConfig>) -> Telnet {
        let parser = Parser::new(config.limits.max_subnegotiation);
        let mut core = Core {
            config,
            flags: ProtocolFlags::session_defaults(),
            options: Options::default(),
            handshakes: HANDSHAKES,
            ttype_step: 0,
            lines: Lines::default(),
            msdp: false,
            gmcp: false,
            mccp: None,
            output: Vec::new(),
            events: Vec::new(),
            closed: false,
        };
        core.offer_do(LINEMODE);
        let config = Arc::clone(&core.config);
        core.flags.set("ENCODING", config.encoding.clone());
        core.events.push(Event::Connect { flags: core.flags.clone() });
        core.flags.set("NOGOAHEAD", true);
        core.flags.set("NOPROMPTGOAHEAD", true);
        core.offer_will(SGA);
        let size = |n: i64| Value::Dict(vec![(Value::Int(0), Value::Int(n))]);
        core.flags.set("SCREENWIDTH", size(config.client_default_width));
        core.flags.set("SCREENHEIGHT", size(config.client_default_height));
        core.offer_do(NAWS);
        core.flags.set("FORCEDENDLINE", true);
        core.flags.set("TTYPE", false);
        core.flags.set("ANSI", true);
        core.offer_do(TTYPE);
        core.flags.set("MCCP", false);
        core.offer_will(MCCP);
        core.offer_will(MSSP);
        core.flags.set("OOB", false);
        core.offer_will(MSDP);
        core.offer_will(GMCP);
        core.flags.set("MXP", false);
        if config.mxp_enabled {
            core.offer_will(MXP);
        }
        core.flags.set("NOPKEEPALIVE", true);
        Telnet { parser, core }
    }

    /// What the client sent: one read (Evennia's `dataReceived`). Where reads
    /// are cut matters as it does in Evennia (see the module docs). Ignored
    /// once the connection is closing.
    pub fn receive(&mut self, data: &[u8]) {
        if self.core.closed {
            return;
        }
        // Evennia's test, made before the read is parsed.
        let resize = data.len() == 9 && memchr(NAWS, data).is_some() && self.core.flags.truthy("AUTORESIZE", false);
        match self.parser.feed(data, &mut self.core) {
            Ok(()) if resize => self.core.sync(SyncReason::Resize),
            Ok(()) => {}
            Err(error) => self.core.events.push(Event::InputError(error)),
        }
    }

    /// The handshake timer ran out (Evennia: 2 s after connecting): syncs
    /// unless the countdown already reached zero.
    pub fn handshake_timeout(&mut self) {
        if self.core.handshakes > 0 {
            self.core.handshakes = 0;
            self.core.sync(SyncReason::Timeout);
        }
    }

    /// The keepalive timer ticked (Evennia: every 30 s): `IAC NOP` if the
    /// `NOPKEEPALIVE` flag is on.
    pub fn nop_keepalive(&mut self) {
        if self.core.flags.truthy("NOPKEEPALIVE", false) {
            self.core.write(&[IAC, NOP]);
        }
    }

    /// Evennia's `sendLine`: a rendered, encoded line. `IAC` is doubled, `\n`
    /// becomes `\r\n` (so `\r\n` becomes `\r\r\n`), `\r\n` is added unless the
    /// line ends with it (or `FORCEDENDLINE` is false), `IAC GA` follows when
    /// `NOGOAHEAD` is false.
    pub fn send_line(&mut self, line: &[u8]) {
        let flags = &self.core.flags;
        let out = line_bytes(line, flags.truthy("FORCEDENDLINE", true), flags.truthy("NOGOAHEAD", true));
        self.core.write_compressed(&out);
    }

    /// Evennia's prompt (`send_text` with `send_prompt`): a rendered, encoded
    /// prompt. `IAC` doubled, `\n` to `\r\n`, no line end added; `IAC GA`
    /// follows when `NOPROMPTGOAHEAD` (or, without it, `NOGOAHEAD`) is false.
    pub fn send_prompt(&mut self, prompt: &[u8]) {
        let no_ga = match self.core.flags.get("NOPROMPTGOAHEAD") {
            Some(v) => truthy(v),
            None => self.core.flags.truthy("NOGOAHEAD", true),
        };
        let out = prompt_line_bytes(prompt, no_ga);
        self.core.write_compressed(&out);
    }

    /// Bytes already rendered and escaped for the wire (a text or prompt
    /// from [`crate::render::telnet`]): written as Evennia's `send_text`
    /// writes them, `transport.write(mccp_compress(data))`, with no line-end
    /// fix.
    pub fn write_data(&mut self, data: &[u8]) {
        self.core.write_compressed(data);
    }

    /// The `echo` send option: `echo = true` asks the client to echo its own
    /// typing again (`IAC WONT ECHO`), `false` to stop, for a password (`IAC
    /// WILL ECHO`). As in Evennia, these bytes are written as they are, not
    /// negotiated: the option's state does not change, and the client's `DO
    /// ECHO` / `DONT ECHO` answer gets Twisted's usual reply. Evennia writes
    /// them before the text they come with.
    pub fn send_echo(&mut self, echo: bool) {
        self.core.write_compressed(&[IAC, if echo { WONT } else { WILL }, ECHO]);
    }

    /// Evennia's `send_default(cmdname, *args, **kwargs)`: an OOB message from
    /// the Server, sent as MSDP and/or GMCP, whichever the client agreed to
    /// (MSDP first). `cmdname == "options"` sends nothing; an `options`
    /// keyword argument is left out.
    ///
    /// Evennia's session handler picks the method by name: `send_<cmdname>`
    /// when the protocol has one, else `send_default(cmdname, ...)`. The
    /// telnet protocol has `send_text`, `send_prompt` and `send_default`, so
    /// `text` and `prompt` are rendered, everything else comes here, and (a
    /// quirk) a message named `default` calls `send_default(*args, **kwargs)`,
    /// its first argument taken as the name.
    pub fn send_oob(&mut self, cmdname: &str, args: &[Value], kwargs: &[(Value, Value)]) -> Result<(), OobError> {
        if cmdname == "options" {
            return Ok(());
        }
        let mut named = Vec::with_capacity(kwargs.len());
        for (k, v) in kwargs {
            match k {
                Value::Str(k) if k == "options" => {}
                Value::Str(k) => named.push((k.as_str(), v)),
                other => return Err(OobError::KeywordNotStr(other.type_name())),
            }
        }
        if self.core.msdp {
            let payload = msdp::encode(cmdname, args, &named)?;
            self.core.write_subnegotiation(MSDP, &payload);
        }
        if self.core.gmcp {
            let payload = gmcp::encode(cmdname, args, &named)?;
            self.core.write_subnegotiation(GMCP, payload.as_bytes());
        }
        Ok(())
    }

    /// The bytes to write to the client, taken.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.core.output)
    }

    /// The bytes to write to the client, not taken.
    pub fn output(&self) -> &[u8] {
        &self.core.output
    }

    /// The events for the session layer, in order.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, Event> {
        self.core.events.drain(..)
    }

    /// The session's `protocol_flags`.
    pub fn flags(&self) -> &ProtocolFlags {
        &self.core.flags
    }

    /// The session's `protocol_flags`, to apply the Server's updates.
    pub fn flags_mut(&mut self) -> &mut ProtocolFlags {
        &mut self.core.flags
    }

    /// Evennia's handshake countdown: 8 on connect, zero or below once done.
    pub fn handshakes(&self) -> i32 {
        self.core.handshakes
    }

    /// Bytes of input buffer this connection holds between reads (an
    /// unfinished line, an unfinished subnegotiation), bounded by its
    /// [`Limits`](super::Limits) plus a little slack.
    pub fn buffered(&self) -> usize {
        self.parser.buffered() + self.core.lines.buffered()
    }

    /// Whether the connection is closing (an HTTP request was refused).
    pub fn is_closed(&self) -> bool {
        self.core.closed
    }

    /// Whether output is MCCP-compressed now.
    pub fn compressing(&self) -> bool {
        self.core.mccp.is_some()
    }

    /// Whether the client agreed to MSDP, and to GMCP.
    pub fn oob(&self) -> (bool, bool) {
        (self.core.msdp, self.core.gmcp)
    }

    /// Whether the Portal performs `option` (Twisted's `us` side is `yes`).
    pub fn local_option(&self, option: u8) -> bool {
        self.core.options.local(option)
    }

    /// Whether the client performs `option` (Twisted's `him` side is `yes`).
    pub fn remote_option(&self, option: u8) -> bool {
        self.core.options.remote(option)
    }
}

impl Core {
    /// Evennia's `_write` (every telnet command and subnegotiation Twisted
    /// and Evennia send goes through it): `\n` becomes `\r\n` unless a `\r`
    /// precedes it (`replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")`),
    /// then MCCP.
    pub(super) fn write(&mut self, data: &[u8]) {
        let Some(first) = memchr(b'\n', data) else { return self.write_compressed(data) };
        let mut fixed = Vec::with_capacity(data.len() + 8);
        let mut at = 0;
        let mut next = Some(first);
        while let Some(j) = next {
            let j = at + j;
            fixed.extend_from_slice(&data[at..j]);
            if j == 0 || data[j - 1] != b'\r' {
                fixed.push(b'\r');
            }
            fixed.push(b'\n');
            at = j + 1;
            next = memchr(b'\n', &data[at..]);
        }
        fixed.extend_from_slice(&data[at..]);
        self.write_compressed(&fixed);
    }

    /// `transport.write(mccp_compress(data))`.
    pub(super) fn write_compressed(&mut self, data: &[u8]) {
        match &mut self.mccp {
            Some(mccp) => mccp.compress(data, &mut self.output),
            None => self.output.extend_from_slice(data),
        }
    }

    /// Twisted's `requestNegotiation`: `IAC SB option data IAC SE`, `IAC` in
    /// `data` doubled, through [`Core::write`].
    pub(super) fn request_negotiation(&mut self, option: u8, data: &[u8]) {
        let mut out = Vec::with_capacity(data.len() + 5);
        out.extend_from_slice(&[IAC, SB, option]);
        for &b in data {
            out.push(b);
            if b == IAC {
                out.push(IAC);
            }
        }
        out.extend_from_slice(&[IAC, SE]);
        self.write(&out);
    }

    /// OOB output: `IAC SB option payload IAC SE`, no `IAC` doubling, through
    /// [`Core::write`].
    pub(super) fn write_subnegotiation(&mut self, option: u8, payload: &[u8]) {
        let mut out = Vec::with_capacity(payload.len() + 5);
        out.extend_from_slice(&[IAC, SB, option]);
        out.extend_from_slice(payload);
        out.extend_from_slice(&[IAC, SE]);
        self.write(&out);
    }

    /// Evennia's `handshake_done()`.
    pub(super) fn handshake_done(&mut self) {
        self.handshakes -= 1;
        if self.handshakes <= 0 {
            self.sync(SyncReason::Handshakes);
        }
    }

    pub(super) fn sync(&mut self, reason: SyncReason) {
        self.events.push(Event::Sync { reason, flags: self.flags.clone() });
    }

    /// Naws's `negotiate_sizes`: four bytes, two big-endian 16-bit numbers.
    fn naws(&mut self, payload: &[u8]) {
        let [w1, w0, h1, h0] = payload else { return };
        for (key, value) in
            [("SCREENWIDTH", u16::from_be_bytes([*w1, *w0])), ("SCREENHEIGHT", u16::from_be_bytes([*h1, *h0]))]
        {
            match self.flags.get_mut(key) {
                Some(Value::Dict(pairs)) => set_window(pairs, i64::from(value)),
                _ => return self.events.push(Event::InputError(InputError::ScreenSizeNotDict)),
            }
        }
    }
}

/// `size[0] = value` on a Python dict (key 0, or one equal to it: `False`, `0.0`).
fn set_window(pairs: &mut Vec<(Value, Value)>, value: i64) {
    let zero = |k: &Value| match k {
        Value::Int(0) | Value::Bool(false) => true,
        Value::Float(x) => *x == 0.0,
        _ => false,
    };
    match pairs.iter_mut().find(|(k, _)| zero(k)) {
        Some((_, v)) => *v = Value::Int(value),
        None => pairs.push((Value::Int(0), Value::Int(value))),
    }
}

struct LineEvents<'a>(&'a mut Vec<Event>);

impl lines::Sink for LineEvents<'_> {
    fn line(&mut self, line: Vec<u8>) {
        self.0.push(Event::Text(line));
    }

    fn error(&mut self, error: InputError) {
        self.0.push(Event::InputError(error));
    }
}

impl Handler for Core {
    fn app_data(&mut self, data: &[u8]) {
        let idle = format!("{}\n\n", self.config.idle_command);
        let max_line = self.config.limits.max_line;
        if self.lines.receive(data, idle.as_bytes(), max_line, &mut LineEvents(&mut self.events)) == Outcome::Http {
            // `transport.write`, not `_write`: never compressed.
            self.output.extend_from_slice(HTTP_WARNING);
            self.closed = true;
            self.events.push(Event::Close(CloseReason::Http));
        }
    }

    fn negotiation(&mut self, command: u8, option: u8) {
        self.negotiate(command, option);
    }

    fn subnegotiation(&mut self, payload: &[u8]) -> Result<(), InputError> {
        let Some((&option, rest)) = payload.split_first() else {
            self.events.push(Event::InputError(InputError::EmptySubnegotiation));
            return Ok(());
        };
        match option {
            NAWS => self.naws(rest),
            TTYPE => self.ttype(TtypeAnswer::Payload(rest))?,
            MSDP => {
                let cmds = msdp::decode(rest)?;
                self.events.push(Event::Oob(cmds));
            }
            GMCP if !rest.is_empty() => {
                let (cmd, error) = gmcp::decode(rest, self.config.limits.max_json_depth);
                self.events.extend(error.map(Event::InputError));
                self.events.push(Event::Oob(vec![cmd]));
            }
            // Twisted's unhandledSubnegotiation (LINEMODE, MSSP, ...): nothing.
            _ => {}
        }
        Ok(())
    }

    fn subnegotiation_too_long(&mut self, option: u8, length: usize) {
        self.events.push(Event::InputError(InputError::SubnegotiationTooLong { option, length }));
    }
}
