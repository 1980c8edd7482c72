//! What a telnet connection tells the session layer.

use super::flags::ProtocolFlags;
use super::Value;

/// Something the session layer must act on, in the order Evennia's Portal
/// would have called its session handler.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `sessionhandler.connect(session)`: a new session (PCONN to the Server),
    /// with the flags as they were at that moment (before any negotiation).
    Connect {
        /// `protocol_flags` when Evennia called `connect`.
        flags: ProtocolFlags,
    },
    /// `sessionhandler.sync(session)`: send the session's data again
    /// (PCONNSYNC), with the flags as they were at that moment.
    Sync {
        /// Why Evennia synced.
        reason: SyncReason,
        /// `protocol_flags` when Evennia called `sync`.
        flags: ProtocolFlags,
    },
    /// `data_in(text=line)`: one input line as bytes, with `b"\n"` appended
    /// (not yet decoded: the session layer decodes with the `ENCODING` flag).
    Text(Vec<u8>),
    /// `data_in(**cmds)`: decoded MSDP or GMCP input, one entry per inputfunc
    /// call. May be empty: Evennia then calls `data_in()` with no arguments.
    Oob(Vec<OobCommand>),
    /// `transport.loseConnection()`: close once the output is written.
    Close(CloseReason),
    /// Input Evennia's Portal cannot read (see [`InputError`]).
    InputError(InputError),
}

impl Event {
    /// The keyword arguments of this event's `data_in` call, as the Python dict
    /// the Portal pickles to the Server: `{'text': b'look\n'}` or
    /// `{cmdname: [args, kwargs], ...}`. `None` for the other events.
    pub fn data_in_kwargs(&self) -> Option<Value> {
        match self {
            Event::Text(line) => Some(Value::Dict(vec![(Value::from("text"), Value::Bytes(line.clone()))])),
            Event::Oob(cmds) => Some(Value::Dict(cmds.iter().map(OobCommand::to_pair).collect())),
            _ => None,
        }
    }
}

/// Why Evennia called `sessionhandler.sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncReason {
    /// `handshake_done()` found the countdown at zero or below. Evennia syncs
    /// again on every later handshake (a late reply, MCCP turned off).
    Handshakes,
    /// The handshake timer (2 s in Evennia) ran out with handshakes pending.
    Timeout,
    /// A read of exactly 9 bytes containing byte 31 (NAWS) while `AUTORESIZE`
    /// was on. Evennia syncs `sessionhandler.get(sessid)` here: when the
    /// session is not registered (still queued, or no Server yet) that is
    /// `None` and Evennia's Portal raises `AttributeError` and drops the
    /// connection; the session layer should just skip the sync.
    Resize,
}

/// Why the connection closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// An HTTP request line on the telnet port: Evennia's warning was written
    /// (uncompressed, even under MCCP, as Evennia writes it) and the
    /// connection closes. Later input is ignored, as Twisted stops reading.
    Http,
}

/// One inputfunc call decoded from MSDP or GMCP: Evennia's
/// `cmdname=[args, kwargs]` keyword argument of `data_in`.
#[derive(Debug, Clone, PartialEq)]
pub struct OobCommand {
    /// The inputfunc name (`"get_value"`, `"msdp_list"`, ...).
    pub name: String,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments, in order.
    pub kwargs: Vec<(String, Value)>,
}

impl OobCommand {
    /// `(cmdname, [args, kwargs])` as Python values.
    pub fn to_pair(&self) -> (Value, Value) {
        let kwargs = self.kwargs.iter().map(|(k, v)| (Value::from(k.as_str()), v.clone())).collect();
        (Value::from(self.name.as_str()), Value::List(vec![Value::List(self.args.clone()), Value::Dict(kwargs)]))
    }
}

/// Input that Evennia's Portal cannot read, and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// `IAC` followed by a byte that is no telnet command. Twisted raises
    /// `ValueError('Stumped', byte)`, which Evennia logs as "Malformed telnet
    /// input"; the rest of that read is lost, text of that read not yet
    /// delivered included, and the parser stays after the `IAC` (the next
    /// read's first byte is taken as a command).
    #[error("IAC followed by byte {byte}, which is no telnet command (the rest of the read is dropped)")]
    NotACommand {
        /// The byte after `IAC`.
        byte: u8,
    },
    /// A TTYPE or MSDP subnegotiation that is not UTF-8 (Python's
    /// `UnicodeDecodeError`, a `ValueError`): ignored, the rest of the read lost.
    #[error("option {option} subnegotiation is not UTF-8 (ignored, the rest of the read is dropped)")]
    NotUtf8 {
        /// The option.
        option: u8,
    },
    /// An MSDP table entry without `MSDP_VAL` (Python's unpacking
    /// `ValueError`): the whole MSDP message is ignored, the rest of the read lost.
    #[error("MSDP table entry without a value (ignored, the rest of the read is dropped)")]
    MsdpTableEntry,
    /// An MTTS answer of digits Python's `int()` refuses (a superscript digit,
    /// more than 4300 digits): TTYPE stays unfinished, the rest of the read lost.
    #[error("MTTS value is not a number Python reads (ignored, the rest of the read is dropped)")]
    MttsNumber,
    /// `IAC SB IAC SE`, a subnegotiation without an option: Evennia's Portal
    /// raises `IndexError` and drops the connection. Here it is ignored.
    #[error("empty subnegotiation (ignored)")]
    EmptySubnegotiation,
    /// A NAWS report while `SCREENWIDTH` or `SCREENHEIGHT` is not a dict (the
    /// game set it so): Evennia's Portal raises `TypeError` and drops the
    /// connection. Here the report is ignored.
    #[error("NAWS report while SCREENWIDTH/SCREENHEIGHT is not a dict (ignored)")]
    ScreenSizeNotDict,
    /// GMCP JSON nested deeper than [`Limits::max_json_depth`](super::Limits):
    /// handed on as a plain string, as Evennia does with text that is not
    /// JSON. Evennia's Portal raises `RecursionError` somewhere between 900
    /// and 1500 levels (pickling it, or reading it) and drops the connection.
    #[error("GMCP JSON nested deeper than the limit (passed on as a plain string)")]
    JsonTooDeep,
    /// A line longer than [`Limits::max_line`](super::Limits): dropped whole.
    /// (Evennia has no such limit.)
    #[error("input line of {length} bytes exceeds the limit (dropped)")]
    LineTooLong {
        /// The line's length without its line break.
        length: usize,
    },
    /// A subnegotiation longer than [`Limits::max_subnegotiation`](super::Limits):
    /// dropped. (Evennia has no such limit.)
    #[error("option {option} subnegotiation of {length} bytes exceeds the limit (dropped)")]
    SubnegotiationTooLong {
        /// The option.
        option: u8,
        /// The payload's length.
        length: usize,
    },
}

impl InputError {
    /// What Evennia's Portal does with the same input.
    pub fn evennia(&self) -> EvenniaOutcome {
        match self {
            InputError::NotACommand { .. }
            | InputError::NotUtf8 { .. }
            | InputError::MsdpTableEntry
            | InputError::MttsNumber => EvenniaOutcome::Logged,
            InputError::EmptySubnegotiation | InputError::ScreenSizeNotDict | InputError::JsonTooDeep => {
                EvenniaOutcome::Dropped
            }
            InputError::LineTooLong { .. } | InputError::SubnegotiationTooLong { .. } => EvenniaOutcome::Unbounded,
        }
    }
}

/// What Evennia's Portal does with input behind an [`InputError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvenniaOutcome {
    /// Logs "Malformed telnet input: ..." (`logger.log_err`) and drops the
    /// rest of the read, as this connection does.
    Logged,
    /// An exception escapes `dataReceived` and Twisted drops the connection;
    /// this connection stays (the difference is documented on each variant).
    Dropped,
    /// Evennia keeps it all in memory, without bound.
    Unbounded,
}
