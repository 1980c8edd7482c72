//! Python's `repr()` of a `bytes` value, as Twisted puts it in error texts
//! (`Unhandled Command: b'NAME'`).

use std::fmt::Write;

/// Python's `repr(b)` for a `bytes` value: `b'abc'`, `b"it's"`, `b'\x00\n'`.
///
/// Same rules as CPython's `bytes.__repr__`: single quotes unless the value
/// holds a `'` and no `"`; `\\`, `\t`, `\n`, `\r` and the chosen quote are
/// escaped; other bytes below 0x20 or from 0x7f up are written `\xhh`
/// (lowercase hex).
pub fn python_bytes_repr(value: &[u8]) -> String {
    let quote = if value.contains(&b'\'') && !value.contains(&b'"') { '"' } else { '\'' };
    let mut out = String::with_capacity(value.len() + 3);
    out.push('b');
    out.push(quote);
    for &b in value {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(quote);
    out
}

/// The `_error_description` Twisted sends for a command nobody handles.
pub(crate) fn unhandled_description(command: &[u8]) -> String {
    format!("Unhandled Command: {}", python_bytes_repr(command))
}

#[cfg(test)]
mod tests {
    use super::python_bytes_repr as r;

    #[test]
    fn matches_cpython() {
        // Expected values are CPython 3.11's repr() of the same bytes.
        assert_eq!(r(b"WTF"), "b'WTF'");
        assert_eq!(r(b""), "b''");
        assert_eq!(r(b"it's"), "b\"it's\"");
        assert_eq!(r(b"'\""), "b'\\'\"'");
        assert_eq!(r(b"say \"hi\""), "b'say \"hi\"'");
        assert_eq!(r(b"\\"), "b'\\\\'");
        assert_eq!(r(b"\t\n\r\x00\x1f\x7f\x80\xff"), "b'\\t\\n\\r\\x00\\x1f\\x7f\\x80\\xff'");
        assert_eq!(r(" é".as_bytes()), "b' \\xc3\\xa9'");
        assert_eq!(r(b"~ !"), "b'~ !'");
    }
}
