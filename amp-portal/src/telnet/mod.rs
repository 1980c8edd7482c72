//! The telnet protocol, without I/O: what Evennia 6.1's Portal does for a
//! telnet player (`evennia/server/portal/telnet.py` and its option modules,
//! on Twisted 24.11's `twisted.conch.telnet.Telnet`), byte for byte.
//!
//! [`Telnet`] is one connection. The I/O layer feeds it the client's reads
//! and two timer ticks and writes out what it produces; the session layer
//! gets [`Event`]s (Evennia's `sessionhandler.connect` / `sync` / `data_in`
//! calls) and sends text, prompts and OOB data through it. A differential test
//! (`amp-portal/tests/telnet_differential.rs`) runs the same scripted clients
//! against Evennia's own `TelnetProtocol` and compares every byte written, the
//! flags after each step and every session-handler call.
//!
//! Layers inside, lowest first: [`codes`] (with [`crate::python`] below, for
//! Python's `str`, `repr` and `json` semantics), the parser (Twisted's byte state machine), the line
//! splitter (Evennia's `applicationDataReceived`), negotiation (Twisted's
//! option states under Evennia's rules), the option modules ([`mssp`],
//! [`msdp`], [`gmcp`], TTYPE, MCCP), and the connection.
//!
//! # On connect
//!
//! Evennia writes, each through its `_write`, in this order:
//!
//! | bytes | offer | what Evennia does with the answer |
//! |---|---|---|
//! | `FF FD 22` | `DO LINEMODE` | agreed: `IAC SB LINEMODE MODE 3 IAC SE` (`FF FA 22 01 03 FF F0`, MODE EDIT\|TRAPSIG); refused: nothing, not counted |
//! | `FF FB 03` | `WILL SGA` | `NOGOAHEAD` true / false; counted |
//! | `FF FD 1F` | `DO NAWS` | `AUTORESIZE` true / false; counted |
//! | `FF FD 18` | `DO TTYPE` | agreed: the TTYPE rounds (below), counted when done; refused: `TTYPE` false, counted |
//! | `FF FB 56` | `WILL MCCP` | agreed: `FF FA 56 FF F0`, then compression, `MCCP` true; refused: `MCCP` false; counted |
//! | `FF FB 46` | `WILL MSSP` | agreed: the MSSP table; counted either way |
//! | `FF FB 45` | `WILL MSDP` | agreed: MSDP on, `OOB` true; counted either way |
//! | `FF FB C9` | `WILL GMCP` | agreed: GMCP on, `OOB` true; counted either way |
//! | `FF FB 5B` | `WILL MXP` (only with `MXP_ENABLED`) | agreed: `FF FA 5B FF F0`, `MXP` true; refused: `MXP` false; counted |
//!
//! and calls `sessionhandler.connect` right after `DO LINEMODE`, with
//! `protocol_flags` `{'ENCODING': ENCODINGS[0], 'SCREENREADER': False,
//! 'INPUTDEBUG': False, 'RAW': False, 'NOCOLOR': False, 'LOCALECHO': False}`.
//! The flags then get, in order: `NOGOAHEAD` True, `NOPROMPTGOAHEAD` True,
//! `SCREENWIDTH` `{0: CLIENT_DEFAULT_WIDTH}`, `SCREENHEIGHT` `{0:
//! CLIENT_DEFAULT_HEIGHT}`, `FORCEDENDLINE` True, `TTYPE` False, `ANSI` True,
//! `MCCP` False, `OOB` False, `MXP` False, `NOPKEEPALIVE` True. Later ones are
//! added where they are first set (`AUTORESIZE`, `XTERM256`, `TRUECOLOR`,
//! `CLIENTNAME`, `TERM`, MTTS capabilities); the order is the dict's, which
//! the Server receives pickled.
//!
//! # The handshake countdown
//!
//! It starts at 8 and counts each answer listed above; when a count leaves it
//! at zero *or below*, Evennia syncs ([`Event::Sync`], PCONNSYNC). So a late
//! answer after the 2-second timeout, or MCCP turned off later (`DONT MCCP`
//! counts again), syncs once more each time. With `MXP_ENABLED` off only 7
//! answers can come: the timeout always does the sync. The timeout
//! ([`Telnet::handshake_timeout`]) syncs only when the count is still above
//! zero, and sets it to zero.
//!
//! # What clients send
//!
//! Negotiation follows Twisted's table and Evennia's rules, documented in
//! `negotiation.rs`: unsolicited `WILL` of TTYPE, NAWS, MCCP, MSSP, ECHO,
//! SGA, LINEMODE is accepted (`DO`), anything else refused (`DONT`);
//! unsolicited `DO` of LINEMODE, MCCP, ECHO, SGA is accepted (`WILL`), else
//! `WONT`; a repeated request is ignored; withdrawing an option is confirmed.
//! A client refusing or withdrawing anything never loses its connection.
//!
//! Subnegotiations Evennia reads: NAWS (4 bytes: `SCREENWIDTH[0]`,
//! `SCREENHEIGHT[0]`; other lengths ignored), TTYPE (see `ttype.rs`), MSDP
//! ([`msdp`]), GMCP ([`gmcp`]); any other is ignored. They are read whether
//! or not the option was agreed. A read of exactly 9 bytes that contains
//! byte 31 anywhere, while `AUTORESIZE` is on, syncs after it is handled
//! (Evennia's test for "a NAWS update").
//!
//! Text: see `parser.rs` (Twisted: `CR LF`, `CR NUL`, `IAC IAC`, and text
//! grouped per read) and `lines.rs` (Evennia: line breaks, the line buffer,
//! the NUL keepalive, the HTTP refusal). Lines reach the session layer as
//! bytes ending in `\n` ([`Event::Text`]).
//!
//! Malformed input (`ValueError` in Evennia: `IAC` + a non-command byte,
//! TTYPE or MSDP text that is not UTF-8, a bad MSDP table, an MTTS number
//! Python's `int()` refuses) loses the rest of that read, as in Evennia, and
//! is reported ([`InputError`]). Where an exception other than `ValueError`
//! escapes Evennia's `dataReceived` and Twisted drops the connection (`IAC SB
//! IAC SE`, GMCP JSON ~1500 levels deep, a NAWS report while the game made
//! `SCREENWIDTH` no dict), this connection stays and reports it. Lines and
//! subnegotiations are bounded ([`Limits`]); Evennia's are not.
//!
//! # What the Portal sends
//!
//! Every telnet command and subnegotiation goes through Evennia's `_write`:
//! `\n` becomes `\r\n` unless it follows `\r` (also inside payloads, and for
//! option byte 10: refusing it is `FF FE 0D 0A`), then MCCP. Text lines
//! ([`Telnet::send_line`], Evennia's `sendLine`) and prompts
//! ([`Telnet::send_prompt`]) have their own escaping; the HTTP refusal goes
//! out raw, even under MCCP. `ECHO` on demand ([`Telnet::send_echo`]) writes
//! `IAC WONT ECHO` / `IAC WILL ECHO` without negotiating, as Evennia does.
//! OOB output ([`Telnet::send_oob`], Evennia's `send_default`) goes as MSDP
//! and/or GMCP, to whichever the client agreed.
//!
//! `TELNET_OOB_ENABLED` changes only the MSSP table's `GMCP` and `MSDP`
//! fields in Evennia 6.1 ([`mssp::MsspSettings`]): MSDP and GMCP are offered
//! to every client.
//!
//! # What the I/O layer does
//!
//! Evennia also turns on TCP keepalive (`setTcpKeepAlive(1)`), arms the
//! 2-second handshake timer, and sends `IAC NOP` every 30 seconds while
//! `NOPKEEPALIVE` is on (first 30 s after connecting): those are the I/O
//! layer's, through [`Telnet::handshake_timeout`] and [`Telnet::nop_keepalive`].
//!
//! # Values
//!
//! Flags and OOB arguments are Python values: [`Value`], amp-evennia's pickle
//! value, re-exported here (this `use` is the one place that names it).

pub mod codes;
mod config;
mod connection;
mod event;
mod flags;
pub mod gmcp;
mod lines;
mod mccp;
pub mod msdp;
pub mod mssp;
mod negotiation;
mod parser;
mod ttype;

pub use amp_evennia::codec::pickle::Value;

pub use config::{Limits, TelnetConfig};
pub use connection::{OobError, Telnet, HANDSHAKES, HTTP_WARNING};
pub use event::{CloseReason, EvenniaOutcome, Event, InputError, OobCommand, SyncReason};
pub use flags::{truthy, ProtocolFlags};
pub use ttype::MTTS;
