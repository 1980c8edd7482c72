//! Python's `repr()` of a `bytes` value, as Twisted puts it in error texts
//! (`Unhandled Command: b'NAME'`).

use std::fmt::{self, Write};

/// Python's `repr(b)` for a `bytes` value: `b'abc'`, `b"it's"`, `b'\x00\n'`.
///
/// Same rules as CPython's `bytes.__repr__`: single quotes unless the value
/// holds a `'` and no `"`; `\\`, `\t`, `\n`, `\r` and the chosen quote are
/// escaped; other bytes below 0x20 or from 0x7f up are written `\xhh`
/// (lowercase hex).
pub fn bytes_repr(value: &[u8]) -> String {
    let mut out = String::with_capacity(value.len() + 3);
    // Writing to a String cannot fail.
    let _ = write_bytes_repr(&mut out, value);
    out
}

/// [`bytes_repr`] written into `out` (a `String`, a `Formatter`).
pub fn write_bytes_repr<W: Write + ?Sized>(out: &mut W, value: &[u8]) -> fmt::Result {
    let quote = if value.contains(&b'\'') && !value.contains(&b'"') { '"' } else { '\'' };
    out.write_char('b')?;
    out.write_char(quote)?;
    for &b in value {
        match b {
            b'\\' => out.write_str("\\\\")?,
            b'\t' => out.write_str("\\t")?,
            b'\n' => out.write_str("\\n")?,
            b'\r' => out.write_str("\\r")?,
            _ if b as char == quote => {
                out.write_char('\\')?;
                out.write_char(quote)?;
            }
            0x20..=0x7e => out.write_char(b as char)?,
            _ => write!(out, "\\x{b:02x}")?,
        }
    }
    out.write_char(quote)
}

#[cfg(test)]
mod tests {
    use super::bytes_repr as r;

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
