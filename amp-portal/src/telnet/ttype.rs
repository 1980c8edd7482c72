//! TTYPE with MTTS, as Evennia's `ttype.py`: three rounds of `SEND`.
//!
//! Evennia's `will_ttype` serves both as the callback of `do(TTYPE)` (called
//! with `True` when the client answers `WILL TTYPE`) and as the handler of
//! every `IAC SB TTYPE ... IAC SE` (called with the payload), whether or not
//! TTYPE was agreed. It does nothing once the `TTYPE` flag is true or after
//! step 3; otherwise the payload is read as text (`IS` bytes, 0, stripped
//! from its start; not UTF-8 is a `ValueError`) and the step decides:
//! 0. send `IAC SB TTYPE SEND IAC SE` (`FF FA 18 01 FF F0`);
//! 1. the client's name, upper-cased (Python's `upper()`), or `UNKNOWN` when
//!    this step was reached by the `True` of the callback: `CLIENTNAME`;
//!    `XTERM256` when it is `MUDLET` followed by a version >= "1.1" (as
//!    strings), starts with `XTERM`, ends with `-256COLOR` or is one of
//!    ATLANTIS, CMUD, KILDCLIENT, MUDLET, MUSHCLIENT, PUTTY, BEIP, POTATO,
//!    TINYFUGUE; `TRUECOLOR` when it ends with `-TRUECOLOR` or is AXMUD or
//!    TINTIN; `ANSI` true; for Mudlet with `NOGOAHEAD` false, `NOGOAHEAD`
//!    true and `NOPROMPTGOAHEAD` false (Mudlet wants GA after prompts only);
//!    send `SEND` again;
//! 2. the terminal type: `TERM` (as sent); when its upper case ends with
//!    `-256COLOR`, or ends with `XTERM` but not `-COLOR`, `ANSI` and
//!    `XTERM256` true; send `SEND` again;
//! 3. when it starts with `MTTS`, the rest stripped: if Python's `isdigit()`,
//!    `int()` of it sets true the capabilities of its bits (2048 SSL, 1024
//!    MSLP, 512 MNES, 256 TRUECOLOR, 128 PROXY, 64 SCREENREADER, 32
//!    OSC_COLOR_PALETTE, 16 MOUSE_TRACKING, 8 XTERM256, 4 UTF-8, 2 VT100,
//!    1 ANSI; in that order, set bits only: a bit never turns a flag off);
//!    else the upper-cased rest itself becomes a flag set true (`MTTS` alone
//!    sets the flag `""`). Then `TTYPE` true and the handshake counts.
//!
//! Then the step advances. When the `True` of the callback reaches step 2 or
//! 3, Evennia's code raises (`True.upper()`), which the Deferred swallows:
//! nothing changes, the step stays. An MTTS of digits `int()` refuses is a
//! `ValueError`: the step stays too.

use super::codes::{TTYPE, TTYPE_IS, TTYPE_SEND};
use super::connection::Core;
use super::event::InputError;
use crate::python::case::{int_of_digits_mod, is_digit, strip, upper};

/// The MTTS bits, in Evennia's order.
pub const MTTS: [(u64, &str); 12] = [
    (2048, "SSL"),
    (1024, "MSLP"),
    (512, "MNES"),
    (256, "TRUECOLOR"),
    (128, "PROXY"),
    (64, "SCREENREADER"),
    (32, "OSC_COLOR_PALETTE"),
    (16, "MOUSE_TRACKING"),
    (8, "XTERM256"),
    (4, "UTF-8"),
    (2, "VT100"),
    (1, "ANSI"),
];

/// Client names Evennia knows to support xterm256 colours.
const XTERM256_CLIENTS: [&str; 9] =
    ["ATLANTIS", "CMUD", "KILDCLIENT", "MUDLET", "MUSHCLIENT", "PUTTY", "BEIP", "POTATO", "TINYFUGUE"];

/// What `will_ttype` was called with.
pub(super) enum TtypeAnswer<'a> {
    /// `True`: the callback of `do(TTYPE)`.
    Agreed,
    /// A subnegotiation's payload (after the option byte).
    Payload(&'a [u8]),
}

impl Core {
    /// Evennia's `will_ttype`. `Err` is its `ValueError` (from the SB path only).
    pub(super) fn ttype(&mut self, answer: TtypeAnswer<'_>) -> Result<(), InputError> {
        if (!self.flags.is_empty() && self.flags.truthy("TTYPE", false)) || self.ttype_step > 3 {
            return Ok(());
        }
        let text = match answer {
            TtypeAnswer::Agreed => None,
            TtypeAnswer::Payload(p) => {
                let start = p.iter().position(|&b| b != TTYPE_IS).unwrap_or(p.len());
                Some(std::str::from_utf8(&p[start..]).map_err(|_| InputError::NotUtf8 { option: TTYPE })?)
            }
        };
        match self.ttype_step {
            0 => self.request_negotiation(TTYPE, &[TTYPE_SEND]),
            1 => self.client_name(text.map_or_else(|| "UNKNOWN".to_owned(), upper)),
            2 => {
                // `True.upper()` raises inside the Deferred: nothing happens.
                let Some(term) = text else { return Ok(()) };
                let t = upper(term);
                if t.ends_with("-256COLOR") || (t.ends_with("XTERM") && !t.ends_with("-COLOR")) {
                    self.flags.set("ANSI", true);
                    self.flags.set("XTERM256", true);
                }
                self.flags.set("TERM", term.to_owned());
                self.request_negotiation(TTYPE, &[TTYPE_SEND]);
            }
            _ => {
                let Some(answer) = text else { return Ok(()) };
                if let Some(rest) = answer.strip_prefix("MTTS") {
                    let rest = strip(rest);
                    if is_digit(rest) {
                        let bits = int_of_digits_mod(rest, 4096).ok_or(InputError::MttsNumber)?;
                        for (bit, name) in MTTS {
                            if bits & bit != 0 {
                                self.flags.set(name, true);
                            }
                        }
                    } else {
                        self.flags.set(upper(rest), true);
                    }
                }
                self.flags.set("TTYPE", true);
                self.handshake_done();
            }
        }
        self.ttype_step += 1;
        Ok(())
    }

    /// Step 1: the client's name.
    fn client_name(&mut self, name: String) {
        let mut xterm256 = false;
        if let Some(version) = name.strip_prefix("MUDLET") {
            xterm256 = strip(version) >= "1.1";
            if !self.flags.truthy("NOGOAHEAD", false) {
                self.flags.set("NOGOAHEAD", true);
                self.flags.set("NOPROMPTGOAHEAD", false);
            }
        }
        if name.starts_with("XTERM") || name.ends_with("-256COLOR") || XTERM256_CLIENTS.contains(&name.as_str()) {
            xterm256 = true;
        }
        let truecolor = name.ends_with("-TRUECOLOR") || name == "AXMUD" || name == "TINTIN";
        self.flags.set("ANSI", true);
        self.flags.set("XTERM256", xterm256);
        self.flags.set("TRUECOLOR", truecolor);
        self.flags.set("CLIENTNAME", name);
        self.request_negotiation(TTYPE, &[TTYPE_SEND]);
    }
}
