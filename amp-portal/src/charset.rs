//! Python's text codecs as Evennia uses them: codec names, `to_bytes`,
//! `to_str`, and the decode of player input.
//!
//! Evennia keeps a session's charset in `protocol_flags["ENCODING"]`, a free
//! codec name (the client's CHARSET/MTTS answer, or the player's `options
//! encoding=...`), and falls back through `settings.ENCODINGS` (default
//! `["utf-8", "latin-1", "ISO-8859-1"]`). What follows is what CPython 3.12
//! (Evennia 6.1's interpreter) does with those names and bytes:
//!
//! - **Names.** `str.encode(name)` first normalizes the name the C way (every
//!   run of characters that are not ASCII letters, digits or `.` becomes one
//!   `_`, none leading or trailing, ASCII lower case), then the `encodings`
//!   package looks the result up in its alias table (also with `.` read as
//!   `_`), then as a module name. So `UTF8`, `utf_8`, ` Utf--8 `, `u8` and
//!   `cp65001` are all UTF-8; `latin1`, `L1`, `ISO-8859-1`, `iso_ir_100` are
//!   Latin-1. A name with a NUL character raises `ValueError`, which no
//!   Evennia caller catches. Codecs that are not text encodings (`base64`,
//!   `rot13`, `hex`, ...) raise `LookupError` from `str.encode` and
//!   `bytes.decode`.
//! - **`to_bytes`** (`evennia.utils.utils.to_bytes`, used by every telnet
//!   write): the session's codec strictly; on `LookupError` or
//!   `UnicodeEncodeError` each of ENCODINGS in order strictly; then the
//!   session's codec with `errors="replace"` (one `?` per unencodable
//!   character), which raises again if the codec does not exist. With the
//!   default ENCODINGS (UTF-8 first) the fallback always succeeds: a session
//!   set to `ascii` that is sent `é` gets UTF-8 bytes, not `?`.
//! - **`to_str`**: the same chain with `bytes.decode` (`errors="replace"`
//!   puts U+FFFD per bad sequence). `bytes.decode` returns `""` for empty
//!   bytes without looking the codec up, so `b""` decodes under any name.
//! - **Input** (`server/sessionhandler.py`'s `clean_senddata`, run by the
//!   Portal on every input): `codecs.decode(data, protocol_flags["ENCODING"])`;
//!   on `LookupError` the flag is reset to `"utf-8"` and the data decoded as
//!   UTF-8 (an error there is not caught); on `UnicodeDecodeError` the
//!   session is sent [`BAD_UTF8_MESSAGE`] with `sendLine` and the input
//!   becomes the empty string (whatever the codec was called).
//!
//! Implemented exactly: UTF-8, Latin-1, ASCII and cp1252, under every name
//! CPython gives them. [`lookup`] knows every other codec CPython 3.12 has
//! (the alias table and module list are generated from it, see
//! `tests/python/render_gen_tables.py`) and reports it as
//! [`Lookup::Unsupported`]; [`to_bytes`] and [`to_str`] then fall back as for
//! an unknown codec, which is where amp-portal differs from Evennia (Evennia
//! would use that codec). The Portal can warn when a session picks one.

mod python_tables;

use std::borrow::Cow;
use std::fmt;

/// A codec this module implements, byte for byte as CPython does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// `utf_8` (`utf-8`, `utf8`, `u8`, `cp65001`, ...).
    Utf8,
    /// `latin_1` (`latin-1`, `iso-8859-1`, `l1`, `cp819`, ...).
    Latin1,
    /// `ascii` (`us-ascii`, `646`, ...).
    Ascii,
    /// `cp1252` (`windows-1252`, `1252`).
    Cp1252,
}

/// What CPython's codec registry makes of an `encodings` module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModuleKind {
    /// A text encoding: `str.encode` and `bytes.decode` take it.
    Text,
    /// A codec that is not a text encoding (`base64_codec`, `rot_13`, ...).
    NonText,
    /// A module that is no codec here (`aliases`; `mbcs` and `oem` off Windows).
    Unavailable,
}

/// The result of looking a codec name up as CPython does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// A codec this module implements.
    Codec(Codec),
    /// A text codec CPython has that this module does not implement (the
    /// `encodings` module name, e.g. `cp437`). [`to_bytes`] and [`to_str`]
    /// treat it as unknown, where Evennia would use it.
    Unsupported(&'static str),
    /// A CPython codec that is no text encoding (`base64_codec`, `rot_13`,
    /// ...): `str.encode` and `bytes.decode` raise `LookupError` for it.
    NotText(&'static str),
    /// No codec of that name: CPython raises `LookupError`.
    Unknown,
}

/// How unencodable or undecodable input is handled (Python's `errors=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Errors {
    /// Fail (`errors="strict"`).
    Strict,
    /// Replace: `?` per character when encoding, U+FFFD when decoding.
    Replace,
}

/// Where Evennia's Python would raise instead of returning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CharsetError {
    /// The codec name holds a NUL character (Python: `ValueError: embedded
    /// null character`, which no Evennia caller catches).
    #[error("codec name {0:?} holds a NUL character")]
    NulInName(String),
    /// The session's codec is unknown and so is the last resort (Python:
    /// `LookupError: unknown encoding`).
    #[error("unknown encoding: {0}")]
    UnknownEncoding(String),
    /// The text cannot be encoded (Python: `UnicodeEncodeError`).
    #[error("{codec:?} cannot encode character {ch:?}")]
    Unencodable {
        /// The codec.
        codec: Codec,
        /// The first character it cannot encode.
        ch: char,
    },
    /// The bytes cannot be decoded (Python: `UnicodeDecodeError`).
    #[error("{codec:?} cannot decode the byte at offset {offset}")]
    Undecodable {
        /// The codec.
        codec: Codec,
        /// The offset of the first bad byte.
        offset: usize,
    },
}

/// The message Evennia sends a client whose input does not decode
/// (`_ERR_BAD_UTF8` in `server/sessionhandler.py`, untranslated).
pub const BAD_UTF8_MESSAGE: &str = "Your client sent an incorrect UTF-8 sequence.";

/// The default of Evennia's `settings.ENCODINGS`.
pub const DEFAULT_ENCODINGS: [&str; 3] = ["utf-8", "latin-1", "ISO-8859-1"];

impl Codec {
    /// The codec's module name in CPython's `encodings` package.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Utf8 => "utf_8",
            Codec::Latin1 => "latin_1",
            Codec::Ascii => "ascii",
            Codec::Cp1252 => "cp1252",
        }
    }

    fn from_module(module: &str) -> Option<Codec> {
        Some(match module {
            "utf_8" => Codec::Utf8,
            // iso8859_1 is a charmap module of the same table, reached only by
            // that exact module name (the alias table sends it to latin_1 first).
            "latin_1" | "iso8859_1" => Codec::Latin1,
            "ascii" => Codec::Ascii,
            "cp1252" => Codec::Cp1252,
            _ => return None,
        })
    }

    /// `text.encode(codec, errors)`.
    pub fn encode(self, text: &str, errors: Errors) -> Result<Vec<u8>, CharsetError> {
        self.encode_cow(text, errors).map(Cow::into_owned)
    }

    /// [`Codec::encode`], borrowing the text's own bytes where they are the
    /// encoding (UTF-8, or ASCII text in any of these codecs).
    pub fn encode_cow(self, text: &str, errors: Errors) -> Result<Cow<'_, [u8]>, CharsetError> {
        if self == Codec::Utf8 || text.is_ascii() {
            return Ok(Cow::Borrowed(text.as_bytes()));
        }
        let mut out = Vec::with_capacity(text.len());
        for ch in text.chars() {
            match self.encode_char(ch) {
                Some(b) => out.push(b),
                None if errors == Errors::Replace => out.push(b'?'),
                None => return Err(CharsetError::Unencodable { codec: self, ch }),
            }
        }
        Ok(Cow::Owned(out))
    }

    fn encode_char(self, ch: char) -> Option<u8> {
        let c = ch as u32;
        match self {
            Codec::Utf8 => None,
            Codec::Ascii => (c < 0x80).then_some(c as u8),
            Codec::Latin1 => (c < 0x100).then_some(c as u8),
            Codec::Cp1252 => {
                if c < 0x80 {
                    return Some(c as u8);
                }
                // U+FFFE marks undefined bytes in the table; CPython's
                // charmap_build leaves it unencodable too.
                if c == 0xFFFE {
                    return None;
                }
                python_tables::CP1252_HIGH.iter().position(|&u| u32::from(u) == c).map(|i| 0x80 + i as u8)
            }
        }
    }

    /// `data.decode(codec, errors)`.
    pub fn decode(self, data: &[u8], errors: Errors) -> Result<String, CharsetError> {
        match self {
            Codec::Utf8 => match std::str::from_utf8(data) {
                Ok(s) => Ok(s.to_owned()),
                // Python's UTF-8 decoder replaces each maximal invalid subpart
                // with one U+FFFD, as the Unicode standard recommends and as
                // Rust's lossy conversion does.
                Err(_) if errors == Errors::Replace => Ok(String::from_utf8_lossy(data).into_owned()),
                Err(e) => Err(CharsetError::Undecodable { codec: self, offset: e.valid_up_to() }),
            },
            _ => {
                let mut out = String::with_capacity(data.len());
                for (offset, &b) in data.iter().enumerate() {
                    match self.decode_byte(b) {
                        Some(ch) => out.push(ch),
                        None if errors == Errors::Replace => out.push('\u{FFFD}'),
                        None => return Err(CharsetError::Undecodable { codec: self, offset }),
                    }
                }
                Ok(out)
            }
        }
    }

    fn decode_byte(self, b: u8) -> Option<char> {
        match self {
            Codec::Utf8 | Codec::Ascii => (b < 0x80).then_some(char::from(b)),
            Codec::Latin1 => Some(char::from(b)),
            Codec::Cp1252 if b < 0x80 => Some(char::from(b)),
            Codec::Cp1252 => match python_tables::CP1252_HIGH[usize::from(b - 0x80)] {
                0xFFFE => None,
                u => char::from_u32(u32::from(u)),
            },
        }
    }
}

/// A codec name normalized as CPython's `codecs.lookup` does before asking
/// the `encodings` package: runs of characters other than ASCII letters,
/// digits and `.` become one `_` (none leading or trailing), ASCII lower case.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut punct = false;
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            punct = false;
            out.push(char::from(b.to_ascii_lowercase()));
        } else {
            punct = true;
        }
    }
    out
}

/// Looks a codec name up as `str.encode(name)` / `bytes.decode(name)` do in
/// CPython 3.12. Only a NUL in the name is an error (Python's `ValueError`).
pub fn lookup(name: &str) -> Result<Lookup, CharsetError> {
    // The names sessions almost always carry, without normalizing.
    if matches!(name, "utf-8" | "UTF-8" | "utf8" | "UTF8") {
        return Ok(Lookup::Codec(Codec::Utf8));
    }
    if name.contains('\0') {
        return Err(CharsetError::NulInName(name.to_owned()));
    }
    let norm = normalize(name);
    let alias =
        find_alias(&norm).or_else(|| if norm.contains('.') { find_alias(&norm.replace('.', "_")) } else { None });
    // encodings.search_function tries the aliased module, then the name itself;
    // a module name with a dot is never imported.
    let candidates = alias.into_iter().chain(std::iter::once(norm.as_str()));
    for module in candidates {
        if module.is_empty() || module.contains('.') {
            continue;
        }
        let Ok(i) = python_tables::MODULES.binary_search_by(|(m, _)| m.cmp(&module)) else { continue };
        let (module, kind) = python_tables::MODULES[i];
        return Ok(match kind {
            // An importable module that is no codec ends the search: CPython
            // breaks out of the loop on the first successful import.
            ModuleKind::Unavailable if module == "aliases" => Lookup::Unknown,
            ModuleKind::Unavailable => continue,
            ModuleKind::NonText => Lookup::NotText(module),
            ModuleKind::Text => match Codec::from_module(module) {
                Some(codec) => Lookup::Codec(codec),
                None => Lookup::Unsupported(module),
            },
        });
    }
    Ok(Lookup::Unknown)
}

fn find_alias(norm: &str) -> Option<&'static str> {
    let aliases = python_tables::ALIASES;
    aliases.binary_search_by(|(a, _)| a.cmp(&norm)).ok().map(|i| aliases[i].1)
}

/// A strict encode or decode step of Evennia's fallback chains: `Ok(None)`
/// is Python's `LookupError` or `Unicode*Error`, both caught by the chain.
fn codec_for(name: &str) -> Result<Option<Codec>, CharsetError> {
    Ok(match lookup(name)? {
        Lookup::Codec(codec) => Some(codec),
        Lookup::Unsupported(_) | Lookup::NotText(_) | Lookup::Unknown => None,
    })
}

/// `evennia.utils.utils.to_bytes(text, session)`: `session_encoding` is the
/// session's `protocol_flags["ENCODING"]` (`None` when unset: UTF-8),
/// `settings_encodings` is `settings.ENCODINGS`.
pub fn to_bytes<S: AsRef<str>>(
    text: &str,
    session_encoding: Option<&str>,
    settings_encodings: &[S],
) -> Result<Vec<u8>, CharsetError> {
    to_bytes_cow(text, session_encoding, settings_encodings).map(Cow::into_owned)
}

/// [`to_bytes`], borrowing the text's bytes where they are the encoding.
pub fn to_bytes_cow<'a, S: AsRef<str>>(
    text: &'a str,
    session_encoding: Option<&str>,
    settings_encodings: &[S],
) -> Result<Cow<'a, [u8]>, CharsetError> {
    let default = session_encoding.unwrap_or("utf-8");
    let default_codec = codec_for(default)?;
    if let Some(codec) = default_codec {
        if let Ok(bytes) = codec.encode_cow(text, Errors::Strict) {
            return Ok(bytes);
        }
    }
    for name in settings_encodings {
        if let Some(codec) = codec_for(name.as_ref())? {
            if let Ok(bytes) = codec.encode_cow(text, Errors::Strict) {
                return Ok(bytes);
            }
        }
    }
    match default_codec {
        Some(codec) => codec.encode_cow(text, Errors::Replace),
        None => Err(CharsetError::UnknownEncoding(default.to_owned())),
    }
}

/// `evennia.utils.utils.to_str(data, session)`, the decode twin of [`to_bytes`].
pub fn to_str<S: AsRef<str>>(
    data: &[u8],
    session_encoding: Option<&str>,
    settings_encodings: &[S],
) -> Result<String, CharsetError> {
    let default = session_encoding.unwrap_or("utf-8");
    let default_codec = codec_for(default)?;
    if data.is_empty() {
        // CPython's bytes.decode returns "" for empty input before it looks
        // the codec up: even an unknown codec "decodes" b"".
        return Ok(String::new());
    }
    if let Some(codec) = default_codec {
        if let Ok(text) = codec.decode(data, Errors::Strict) {
            return Ok(text);
        }
    }
    for name in settings_encodings {
        if let Some(codec) = codec_for(name.as_ref())? {
            if let Ok(text) = codec.decode(data, Errors::Strict) {
                return Ok(text);
            }
        }
    }
    match default_codec {
        Some(codec) => codec.decode(data, Errors::Replace),
        None => Err(CharsetError::UnknownEncoding(default.to_owned())),
    }
}

/// What Evennia's `clean_senddata` makes of input bytes (its `_utf8` helper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Decoded with the session's codec.
    Text(String),
    /// The codec failed (`UnicodeDecodeError`): Evennia sends the session
    /// [`BAD_UTF8_MESSAGE`] with `sendLine` and passes `""` on to the Server.
    Undecodable,
    /// The codec name is unknown (`LookupError`): Evennia sets the session's
    /// `ENCODING` flag to `"utf-8"` and decodes as UTF-8.
    ResetToUtf8(String),
    /// As [`Input::ResetToUtf8`] (the flag is reset), but the bytes are not
    /// UTF-8 either: Evennia raises inside its error handler and the input
    /// is lost, with no message to the client.
    ResetToUtf8Failed,
    /// The codec is one CPython has and this module does not implement (or
    /// not a text codec, which `codecs.decode` also runs): amp-portal cannot
    /// reproduce it.
    Unsupported(&'static str),
}

/// Decodes player input as Evennia's `clean_senddata` does, with
/// `encoding` = the session's `protocol_flags["ENCODING"]`.
///
/// `clean_senddata` drops an empty `text` before decoding anything (the
/// Server gets no `text` at all); telnet input always ends in `\n`, so that
/// only concerns callers with other sources.
pub fn decode_input(data: &[u8], encoding: &str) -> Result<Input, CharsetError> {
    let utf8_fallback = || match std::str::from_utf8(data) {
        Ok(s) => Input::ResetToUtf8(s.to_owned()),
        Err(_) => Input::ResetToUtf8Failed,
    };
    Ok(match lookup(encoding)? {
        Lookup::Codec(codec) => match codec.decode(data, Errors::Strict) {
            Ok(text) => Input::Text(text),
            Err(_) => Input::Undecodable,
        },
        Lookup::Unknown => utf8_fallback(),
        Lookup::Unsupported(module) | Lookup::NotText(module) => Input::Unsupported(module),
    })
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalize_as_cpython() {
        assert_eq!(normalize(" Utf--8 "), "utf_8");
        assert_eq!(normalize("ISO-8859-1"), "iso_8859_1");
        assert_eq!(lookup("UTF8").unwrap(), Lookup::Codec(Codec::Utf8));
        assert_eq!(lookup("latin1").unwrap(), Lookup::Codec(Codec::Latin1));
        assert_eq!(lookup("windows-1252").unwrap(), Lookup::Codec(Codec::Cp1252));
        assert_eq!(lookup("cp437").unwrap(), Lookup::Unsupported("cp437"));
        assert_eq!(lookup("base64").unwrap(), Lookup::NotText("base64_codec"));
        assert_eq!(lookup("nosuch").unwrap(), Lookup::Unknown);
        assert!(lookup("utf\08").is_err());
    }

    #[test]
    fn fallback_chain() {
        let enc = DEFAULT_ENCODINGS;
        assert_eq!(to_bytes("é", Some("ascii"), &enc).unwrap(), "é".as_bytes());
        assert_eq!(to_bytes("é€", Some("ascii"), &["ascii"]).unwrap(), b"??");
        assert!(to_bytes("é", Some("nosuch"), &["ascii"]).is_err());
        assert_eq!(to_bytes("€", Some("cp1252"), &enc).unwrap(), b"\x80");
    }
}
