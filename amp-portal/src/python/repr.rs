//! Python's `repr()` and `str()` of a [`Value`], exactly for built-in values.
//!
//! Evennia's MSDP encoder formats every argument with `"%s" % value`, so a list
//! argument reaches the client as Python prints it (`['a', 1, None]`). Built-in
//! values print exactly as CPython 3.12 prints them (quote choice, escapes,
//! [`is_printable`] from CPython's tables, float digits). A [`Value::Global`]
//! prints as a class (`<class 'module.name'>`), and a [`Value::Object`] as the
//! pickle's recipe for it (amp-evennia's `Display`): the real object's own
//! `__repr__` is Python code the Portal never runs.

use std::fmt::Write;

use super::case::is_printable;
use crate::telnet::Value;

/// Why Python's `repr()` / `str()` would raise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReprError {
    /// An `int` of more than 4300 digits: CPython refuses to print it (`ValueError`).
    #[error("an int of more than 4300 digits exceeds Python's limit for integer string conversion")]
    IntTooLong,
    /// Containers nested deeper than [`MAX_DEPTH`] (Python: `RecursionError`).
    #[error("values nested deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// How deep containers may nest for [`repr`] / [`str()`](fn@str) (CPython gives up
/// somewhat below its C recursion limit of 1500).
pub const MAX_DEPTH: usize = 1000;

/// `str(value)`: a string as itself, anything else as its `repr()`.
pub fn str(value: &Value, out: &mut String) -> Result<(), ReprError> {
    match value {
        Value::Str(s) => {
            out.push_str(s);
            Ok(())
        }
        other => repr(other, out),
    }
}

/// `repr(value)`.
pub fn repr(value: &Value, out: &mut String) -> Result<(), ReprError> {
    repr_at(value, out, 0)
}

fn repr_at(value: &Value, out: &mut String, depth: usize) -> Result<(), ReprError> {
    let nested = |out: &mut String, open: &str, items: &[Value], close: &str| -> Result<(), ReprError> {
        if depth >= MAX_DEPTH {
            return Err(ReprError::TooDeep);
        }
        out.push_str(open);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            repr_at(item, out, depth + 1)?;
        }
        out.push_str(close);
        Ok(())
    };
    match value {
        Value::None => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(n) => write!(out, "{n}").expect("write to String"),
        Value::BigInt(_) => out.push_str(&int_text(value)?),
        Value::Float(x) => out.push_str(&float_repr(*x)),
        Value::Str(s) => str_repr(s, out),
        Value::Bytes(b) => bytes_repr(b, out),
        Value::ByteArray(b) => {
            out.push_str("bytearray(");
            bytes_repr(b, out);
            out.push(')');
        }
        Value::List(items) => nested(out, "[", items, "]")?,
        Value::Tuple(items) if items.len() == 1 => nested(out, "(", items, ",)")?,
        Value::Tuple(items) => nested(out, "(", items, ")")?,
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => nested(out, "{", items, "}")?,
        Value::FrozenSet(items) if items.is_empty() => out.push_str("frozenset()"),
        Value::FrozenSet(items) => nested(out, "frozenset({", items, "})")?,
        Value::Dict(pairs) => {
            if depth >= MAX_DEPTH {
                return Err(ReprError::TooDeep);
            }
            out.push('{');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_at(k, out, depth + 1)?;
                out.push_str(": ");
                repr_at(v, out, depth + 1)?;
            }
            out.push('}');
        }
        Value::Global(g) if g.module == "builtins" => write!(out, "<class '{}'>", g.name).expect("write to String"),
        Value::Global(g) => write!(out, "<class '{}.{}'>", g.module, g.name).expect("write to String"),
        Value::Object(_) => write!(out, "{value}").expect("write to String"),
    }
    Ok(())
}

/// The decimal digits of an int value, refused past CPython's 4300-digit limit.
pub(crate) fn int_text(value: &Value) -> Result<String, ReprError> {
    // amp-evennia refuses past CPython's limit too (INT_MAX_STR_DIGITS).
    value.int_text().ok_or(ReprError::IntTooLong)
}

pub use amp_runtime::python::float_repr;

/// `repr(s)` for a `str`.
pub fn str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) <= 0xff => write!(out, "\\x{:02x}", c as u32).expect("write to String"),
            c if (c as u32) <= 0xffff => write!(out, "\\u{:04x}", c as u32).expect("write to String"),
            c => write!(out, "\\U{:08x}", c as u32).expect("write to String"),
        }
    }
    out.push(quote);
}

/// `repr(b)` for a `bytes`, appended to `out` ([`amp_runtime::python::bytes_repr`]).
pub fn bytes_repr(b: &[u8], out: &mut String) {
    // Writing to a String cannot fail.
    let _ = amp_runtime::python::write_bytes_repr(out, b);
}
