//! What Evennia's `TelnetProtocol.send_text` / `send_prompt`
//! (`server/portal/telnet.py`) write to the transport, before MCCP.
//!
//! The flag logic at the top of `send_text`, with `flags` the session's
//! `protocol_flags` and `options` the send's options:
//!
//! ```text
//! xterm256  = options.xterm256  or (flags.XTERM256  if flags.TTYPE else True)
//! truecolor = options.truecolor or (flags.TRUECOLOR if flags.TTYPE else True)
//! ansi      = options.ansi      or (flags.ANSI      if flags.TTYPE else True)
//! raw       = options.raw       or flags.RAW
//! nocolor   = options.nocolor   or (flags.NOCOLOR or not (xterm256 or ansi))
//! mxp       = options.mxp       or flags.MXP
//! screenreader = options.screenreader or flags.SCREENREADER
//! ```
//!
//! where `a or b` means "the option if the Server sent it, else the flag",
//! and a missing flag is false. So a session whose TTYPE never completed
//! gets xterm256 *and truecolor*, and the `ansi` option or flag only
//! matters by turning colour off when xterm256 is off too.
//!
//! Then, for text:
//! 1. `echo` (if sent, and not None): `IAC WONT ECHO` when true (the client
//!    echoes), `IAC WILL ECHO` when false (password entry), as its own write.
//! 2. screenreader: `strip_ansi` the text, then cut `SCREENREADER_REGEX_STRIP`.
//! 3. raw: the text goes to `sendLine` untouched. Otherwise a final `|n`
//!    (regex `\|n$`, which also matches before one final `\n`) is cut and
//!    `|n` appended (`||n` if the text ends with `|`, so a lone trailing `|`
//!    stays literal; an escaped `||` at the end then eats the `n`: `x||`
//!    sends `x||n`), then `parse_ansi(strip_ansi=nocolor, xterm256, mxp,
//!    truecolor)`, then `mxp_parse` if mxp.
//! 4. `sendLine`: `to_bytes` with the session's ENCODING (see
//!    [`crate::charset`]), every `0xFF` byte doubled (only an 8-bit codec
//!    can make one: `ÿ` in Latin-1), every `\n` to `\r\n` (so a `\r\n` in
//!    the text is sent `\r\r\n`), `\r\n` appended unless the line already ends
//!    with it and FORCEDENDLINE is false (missing = true: *always* appended by
//!    default, even after the `\r\n` of a trailing `|/`), and `IAC GA` if
//!    NOGOAHEAD is false (missing = true).
//!
//! A prompt (`send_prompt`, or the `send_prompt` option) takes no echo, no
//! line end and no FORCEDENDLINE: the same markup steps (but links are
//! stripped by `parse_ansi` before `mxp_parse` sees them, so prompts never
//! carry MXP), `to_bytes`, `0xFF` doubled, `\n` to `\r\n`, and `IAC GA`
//! unless NOPROMPTGOAHEAD is true (missing: NOGOAHEAD's value, missing:
//! true).
//!
//! Evennia writes nothing when the text is `None`; a non-`str` text makes its
//! `send_text` raise (except in raw mode, which sends `str(text)`). The
//! session layer handles those before calling here.

use std::borrow::Cow;

use amp_evennia::codec::pickle::Value;

use super::ansi::ParseOptions;
use super::mxp::mxp_parse;
use super::scan::find_byte2;
use super::settings::Settings;
use crate::charset::{self, CharsetError};
use crate::python::{get, get_bool, truthy};

/// Telnet IAC.
pub const IAC: u8 = 255;
/// Telnet GA (go ahead).
pub const GA: u8 = 249;
/// `IAC WILL ECHO`: the server echoes, so the client stops (password entry).
pub const WILL_ECHO: [u8; 3] = [IAC, 251, 1];
/// `IAC WONT ECHO`: the client echoes again.
pub const WONT_ECHO: [u8; 3] = [IAC, 252, 1];

/// The session's `protocol_flags` that shape text, field by field.
///
/// Booleans are Python truthiness of the flag, false when the flag is
/// missing, unless said otherwise. [`Flags::from_protocol_flags`] fills it
/// from the pickled dict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flags {
    /// `TTYPE`: the terminal-type negotiation finished (only then do
    /// `XTERM256`, `TRUECOLOR` and `ANSI` count).
    pub ttype: bool,
    /// `XTERM256`: the client shows 256 colours.
    pub xterm256: bool,
    /// `TRUECOLOR`: the client shows 24-bit colour.
    pub truecolor: bool,
    /// `ANSI`: the client shows 16 colours.
    pub ansi: bool,
    /// `NOCOLOR`: the player turned colour off.
    pub nocolor: bool,
    /// `RAW`: markup is sent as typed.
    pub raw: bool,
    /// `MXP`: the client negotiated MXP.
    pub mxp: bool,
    /// `SCREENREADER`: decorations are cut and colour stripped.
    pub screenreader: bool,
    /// `NOGOAHEAD` (missing = true): no `IAC GA` after lines.
    pub nogoahead: bool,
    /// `NOPROMPTGOAHEAD` (`None` when missing: then `nogoahead` decides).
    pub nopromptgoahead: Option<bool>,
    /// `FORCEDENDLINE` (missing = true): every line ends in `\r\n`.
    pub forcedendline: bool,
    /// `ENCODING`: the session's codec name.
    pub encoding: Encoding,
}

/// The `ENCODING` protocol flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoding {
    /// Not set: `to_bytes` uses UTF-8.
    Absent,
    /// A codec name (any string; [`crate::charset::lookup`] decides).
    Name(String),
    /// Set to something other than a `str`: Evennia's `str.encode` raises.
    NotAString,
}

impl Default for Flags {
    /// An empty `protocol_flags` dict.
    fn default() -> Self {
        Flags {
            ttype: false,
            xterm256: false,
            truecolor: false,
            ansi: false,
            nocolor: false,
            raw: false,
            mxp: false,
            screenreader: false,
            nogoahead: true,
            nopromptgoahead: None,
            forcedendline: true,
            encoding: Encoding::Absent,
        }
    }
}

impl Flags {
    /// The flags of a pickled `protocol_flags` dict's pairs.
    pub fn from_protocol_flags(dict: &[(Value, Value)]) -> Flags {
        let flag = |key: &str| get_bool(dict, key).unwrap_or(false);
        Flags {
            ttype: flag("TTYPE"),
            xterm256: flag("XTERM256"),
            truecolor: flag("TRUECOLOR"),
            ansi: flag("ANSI"),
            nocolor: flag("NOCOLOR"),
            raw: flag("RAW"),
            mxp: flag("MXP"),
            screenreader: flag("SCREENREADER"),
            nogoahead: get_bool(dict, "NOGOAHEAD").unwrap_or(true),
            nopromptgoahead: get_bool(dict, "NOPROMPTGOAHEAD"),
            forcedendline: get_bool(dict, "FORCEDENDLINE").unwrap_or(true),
            encoding: match get(dict, "ENCODING") {
                None => Encoding::Absent,
                Some(Value::Str(s)) => Encoding::Name(s.clone()),
                Some(_) => Encoding::NotAString,
            },
        }
    }
}

/// The send `options` `send_text` reads (`None` = not sent; else its truthiness).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// `xterm256`: force xterm256 on or off.
    pub xterm256: Option<bool>,
    /// `truecolor`: force truecolor on or off.
    pub truecolor: Option<bool>,
    /// `ansi`: force ANSI on or off.
    pub ansi: Option<bool>,
    /// `raw`: send markup as typed.
    pub raw: Option<bool>,
    /// `nocolor`: strip colour.
    pub nocolor: Option<bool>,
    /// `mxp`: force MXP links on or off.
    pub mxp: Option<bool>,
    /// `screenreader`: force screenreader mode on or off.
    pub screenreader: Option<bool>,
    /// `echo` (`None` also when sent as `None`): true = the client echoes
    /// (`IAC WONT ECHO`), false = it stops (`IAC WILL ECHO`).
    pub echo: Option<bool>,
    /// `send_prompt`: send as a prompt.
    pub send_prompt: bool,
}

impl SendOptions {
    /// The options of a pickled `options` dict's pairs.
    pub fn from_options(dict: &[(Value, Value)]) -> SendOptions {
        SendOptions {
            xterm256: get_bool(dict, "xterm256"),
            truecolor: get_bool(dict, "truecolor"),
            ansi: get_bool(dict, "ansi"),
            raw: get_bool(dict, "raw"),
            nocolor: get_bool(dict, "nocolor"),
            mxp: get_bool(dict, "mxp"),
            screenreader: get_bool(dict, "screenreader"),
            echo: match get(dict, "echo") {
                None | Some(Value::None) => None,
                Some(v) => Some(truthy(v)),
            },
            send_prompt: get_bool(dict, "send_prompt").unwrap_or(false),
        }
    }
}

/// What one `send_text` / `send_prompt` writes: each field is one
/// `transport.write` (MCCP compresses and flushes each on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The echo negotiation, written first.
    pub echo: Option<[u8; 3]>,
    /// The text, or where Evennia raises instead (then nothing more is
    /// written: the echo bytes, if any, are already out).
    pub data: Result<Vec<u8>, TelnetError>,
}

/// Where Evennia's `send_text` raises instead of writing the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelnetError {
    /// `to_bytes` failed (a NUL in a codec name, or an unknown codec with no
    /// working fallback).
    #[error(transparent)]
    Charset(#[from] CharsetError),
    /// The `ENCODING` flag is not a `str` (`TypeError` in `str.encode`).
    #[error("the session's ENCODING flag is not a str")]
    EncodingNotAString,
}

/// The flags of one send, resolved.
#[derive(Debug, Clone, Copy)]
struct Resolved {
    xterm256: bool,
    truecolor: bool,
    raw: bool,
    nocolor: bool,
    mxp: bool,
    screenreader: bool,
}

fn resolve(flags: &Flags, options: &SendOptions) -> Resolved {
    let by_ttype = |v: bool| if flags.ttype { v } else { true };
    let xterm256 = options.xterm256.unwrap_or(by_ttype(flags.xterm256));
    let truecolor = options.truecolor.unwrap_or(by_ttype(flags.truecolor));
    let ansi = options.ansi.unwrap_or(by_ttype(flags.ansi));
    Resolved {
        xterm256,
        truecolor,
        raw: options.raw.unwrap_or(flags.raw),
        nocolor: options.nocolor.unwrap_or(flags.nocolor || !(xterm256 || ansi)),
        mxp: options.mxp.unwrap_or(flags.mxp),
        screenreader: options.screenreader.unwrap_or(flags.screenreader),
    }
}

/// `_RE_N.sub("", text) + ("||n" if text.endswith("|") else "|n")`: the
/// reset Evennia closes every non-raw text with.
pub(crate) fn with_final_reset(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 3);
    // `\|n$` without MULTILINE: at the very end, or before one final "\n".
    if let Some(body) = text.strip_suffix("|n") {
        out.push_str(body);
    } else if let Some(body) = text.strip_suffix("|n\n") {
        out.push_str(body);
        out.push('\n');
    } else {
        out.push_str(text);
    }
    out.push_str(if text.ends_with('|') { "||n" } else { "|n" });
    out
}

/// `to_bytes(text, session)`.
fn encode<'a>(text: &'a str, flags: &Flags, settings: &Settings) -> Result<Cow<'a, [u8]>, TelnetError> {
    let session = match &flags.encoding {
        Encoding::Absent => None,
        Encoding::Name(name) => Some(name.as_str()),
        Encoding::NotAString => return Err(TelnetError::EncodingNotAString),
    };
    Ok(charset::to_bytes_cow(text, session, &settings.encodings)?)
}

/// Doubles every IAC and turns every `\n` into `\r\n`, in one pass (the
/// escaping of Evennia's `sendLine` and prompts); `extra` is room reserved
/// for what the caller appends.
pub fn escape_line(bytes: &[u8], extra: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + extra + 8);
    let mut at = 0;
    while let Some(j) = find_byte2(bytes, at, IAC, b'\n') {
        out.extend_from_slice(&bytes[at..j]);
        out.extend_from_slice(if bytes[j] == IAC { &[IAC, IAC] } else { b"\r\n" });
        at = j + 1;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

/// `sendLine` on bytes already encoded: [`escape_line`], then `\r\n`
/// unless it already ends so or `forcedendline` is false (Evennia:
/// `if not line.endswith(b"\r\n") and FORCEDENDLINE`), then `IAC GA` unless
/// `nogoahead`.
pub fn line_bytes(encoded: &[u8], forcedendline: bool, nogoahead: bool) -> Vec<u8> {
    let mut out = escape_line(encoded, 4);
    if !out.ends_with(b"\r\n") && forcedendline {
        out.extend_from_slice(b"\r\n");
    }
    if !nogoahead {
        out.extend_from_slice(&[IAC, GA]);
    }
    out
}

/// A prompt on bytes already encoded: [`escape_line`], no line end, `IAC GA`
/// unless `no_goahead` (NOPROMPTGOAHEAD, else NOGOAHEAD).
pub fn prompt_line_bytes(encoded: &[u8], no_goahead: bool) -> Vec<u8> {
    let mut out = escape_line(encoded, 2);
    if !no_goahead {
        out.extend_from_slice(&[IAC, GA]);
    }
    out
}

/// `TelnetProtocol.sendLine(line)`.
pub fn send_line(line: &str, flags: &Flags, settings: &Settings) -> Result<Vec<u8>, TelnetError> {
    let bytes = encode(line, flags, settings)?;
    Ok(line_bytes(&bytes, flags.forcedendline, flags.nogoahead))
}

/// `TelnetProtocol.send_text(text, options=options)`.
pub fn text(text: &str, flags: &Flags, options: &SendOptions, settings: &Settings) -> Written {
    let r = resolve(flags, options);
    let text: Cow<str> = if r.screenreader { screenreader(text, settings) } else { Cow::Borrowed(text) };
    if options.send_prompt {
        return Written { echo: None, data: prompt_bytes(&text, r, flags, settings) };
    }
    let echo = options.echo.map(|on| if on { WONT_ECHO } else { WILL_ECHO });
    let data = if r.raw {
        send_line(&text, flags, settings)
    } else {
        let parsed = settings.markup.parse_ansi(
            &with_final_reset(&text),
            ParseOptions { strip_ansi: r.nocolor, xterm256: r.xterm256, mxp: r.mxp, truecolor: r.truecolor },
        );
        if r.mxp {
            send_line(&mxp_parse(&parsed), flags, settings)
        } else {
            send_line(&parsed, flags, settings)
        }
    };
    Written { echo, data }
}

/// `TelnetProtocol.send_prompt(text, options=options)`.
pub fn prompt(text: &str, flags: &Flags, options: &SendOptions, settings: &Settings) -> Written {
    self::text(text, flags, &SendOptions { send_prompt: true, ..*options }, settings)
}

/// The screenreader step: markup stripped, then `SCREENREADER_REGEX_STRIP` cut.
fn screenreader<'a>(text: &str, settings: &Settings) -> Cow<'a, str> {
    let stripped = settings.markup.strip_ansi(text);
    Cow::Owned(settings.screenreader.strip(&stripped).into_owned())
}

fn prompt_bytes(text: &str, r: Resolved, flags: &Flags, settings: &Settings) -> Result<Vec<u8>, TelnetError> {
    let prompt: Cow<str> = if r.raw {
        Cow::Borrowed(text)
    } else {
        let parsed = settings.markup.parse_ansi(
            &with_final_reset(text),
            ParseOptions { strip_ansi: r.nocolor, xterm256: r.xterm256, mxp: false, truecolor: r.truecolor },
        );
        if r.mxp {
            Cow::Owned(mxp_parse(&parsed).into_owned())
        } else {
            Cow::Owned(parsed)
        }
    };
    let bytes = encode(&prompt, flags, settings)?;
    Ok(prompt_line_bytes(&bytes, flags.nopromptgoahead.unwrap_or(flags.nogoahead)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_line() {
        let w = text("hello |rred|n ÿ\n", &Flags::default(), &SendOptions::default(), &Settings::default());
        assert_eq!(w.data.unwrap(), b"hello \x1b[1m\x1b[31mred\x1b[0m \xc3\xbf\r\n\x1b[0m\r\n");
        assert_eq!(w.echo, None);
    }

    #[test]
    fn final_reset() {
        assert_eq!(with_final_reset("a|n"), "a|n");
        assert_eq!(with_final_reset("a|n\n"), "a\n|n");
        assert_eq!(with_final_reset("x|"), "x|||n");
        assert_eq!(with_final_reset("x||"), "x||||n");
    }
}
