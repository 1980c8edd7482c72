//! The constructors CPython itself uses to pickle built-in values at
//! protocols 0 to 3 (`builtins.set`, `_codecs.encode`, ...): a call to one
//! of them is built as data, never run (see `graph/calls.rs`).

use super::super::value::Global;

/// The constructors REDUCE may call that are built here as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Builtin {
    Set,
    FrozenSet,
    Bytes,
    ByteArray,
    Encode,
    GetAttr,
    NewObjEx,
}

impl Builtin {
    /// The constructor `g` names, if it is one.
    pub(super) fn of(g: &Global) -> Option<Builtin> {
        Some(match (g.module.as_str(), g.name.as_str()) {
            ("builtins", "set") => Builtin::Set,
            ("builtins", "frozenset") => Builtin::FrozenSet,
            ("builtins", "bytes") => Builtin::Bytes,
            ("builtins", "bytearray") => Builtin::ByteArray,
            ("_codecs", "encode") => Builtin::Encode,
            ("builtins", "getattr") => Builtin::GetAttr,
            ("copyreg", "__newobj_ex__") => Builtin::NewObjEx,
            _ => return None,
        })
    }
}

/// `_codecs.encode(text, encoding)` for the encodings CPython's bytes pickling
/// uses (`latin1`) and two common others; `None` for anything else.
pub(super) fn encode_text(s: &str, encoding: &str) -> Option<Vec<u8>> {
    let normalized: String =
        encoding.chars().map(|c| if c == '-' || c == ' ' { '_' } else { c.to_ascii_lowercase() }).collect();
    match normalized.as_str() {
        "latin1" | "latin_1" | "iso_8859_1" | "iso8859_1" | "l1" => {
            s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
        }
        "ascii" | "us_ascii" => s.is_ascii().then(|| s.as_bytes().to_vec()),
        "utf_8" | "utf8" => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}
