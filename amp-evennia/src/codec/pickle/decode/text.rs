//! The text arguments of protocol 0 opcodes: numbers, quoted strings, escapes.
//!
//! Each parser follows what CPython's C unpickler accepts for what CPython
//! writes, and refuses (with a reason) the odd forms it would read differently
//! from a plain decimal reading, instead of guessing.

use num_bigint::BigInt;

use super::super::value::Value;

/// CPython refuses to convert text of more digits than this to an int
/// (`sys.get_int_max_str_digits()`, default 4300, since 3.11); it also keeps
/// the quadratic decimal conversion cheap.
pub(crate) const MAX_INT_DIGITS: usize = 4300;

/// The argument of INT: a decimal int, or `00` / `01` for False / True.
pub(crate) fn parse_int(line: &[u8]) -> Result<Value, String> {
    match line {
        b"00" => Ok(Value::Bool(false)),
        b"01" => Ok(Value::Bool(true)),
        _ => parse_decimal(line),
    }
}

/// The argument of LONG: a decimal int, with Python 2's trailing `L`.
pub(crate) fn parse_long(line: &[u8]) -> Result<Value, String> {
    parse_decimal(line.strip_suffix(b"L").unwrap_or(line))
}

/// A decimal int with an optional sign. Leading zeros are refused because
/// CPython reads INT's `010` as octal and refuses LONG's outright.
fn parse_decimal(text: &[u8]) -> Result<Value, String> {
    let digits = text.strip_prefix(b"-").or_else(|| text.strip_prefix(b"+")).unwrap_or(text);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(format!("{} is not a decimal int", show(text)));
    }
    if digits.len() > 1 && digits[0] == b'0' && digits.iter().any(|&d| d != b'0') {
        return Err(format!("{} has leading zeros (CPython would read it as octal or refuse it)", show(text)));
    }
    if digits.len() > MAX_INT_DIGITS {
        return Err(format!("an int of {} digits exceeds CPython's limit of {MAX_INT_DIGITS}", digits.len()));
    }
    let negative = text[0] == b'-';
    // Up to 18 digits always fit in an i64.
    if digits.len() <= 18 {
        let n = digits.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
        return Ok(Value::Int(if negative { -n } else { n }));
    }
    let n = BigInt::parse_bytes(digits, 10).ok_or_else(|| format!("{} is not a decimal int", show(text)))?;
    Ok(Value::from_bigint(if negative { -n } else { n }))
}

/// The argument of FLOAT: Python's float text (`1.5`, `1e+300`, `inf`, `-nan`).
pub(crate) fn parse_float(line: &[u8]) -> Result<f64, String> {
    let text = std::str::from_utf8(line).map_err(|_| format!("{} is not a float", show(line)))?;
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let special = body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity");
    let special = special || body.eq_ignore_ascii_case("nan");
    // Rust's parser takes Python's syntax, plus nothing Python refuses except
    // that it spells no `_` and no spaces, which CPython's loader refuses too.
    let ok_chars = body.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'));
    if !special && (!ok_chars || body.is_empty()) {
        return Err(format!("{} is not a float", show(line)));
    }
    let x: f64 = text.parse().map_err(|_| format!("{} is not a float", show(line)))?;
    if x.is_infinite() && !special {
        // CPython raises OverflowError rather than read 1e400 as inf.
        return Err(format!("{} is out of the float range", show(line)));
    }
    Ok(x)
}

/// A memo index written as text (PUT, GET): a non-negative decimal.
pub(crate) fn parse_index(line: &[u8]) -> Result<u64, String> {
    let digits = line.strip_prefix(b"+").unwrap_or(line);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(format!("{} is not a memo index", show(line)));
    }
    Ok(digits.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0')))
}

/// The argument of STRING: a quoted Python 2 `repr` of a byte string. CPython
/// takes off the quotes and applies `codecs.escape_decode`.
pub(crate) fn parse_quoted(line: &[u8]) -> Result<Vec<u8>, String> {
    let inner = match line {
        [q @ (b'\'' | b'"'), inner @ .., last] if last == q => inner,
        _ => return Err("the STRING argument must be quoted".into()),
    };
    escape_decode(inner)
}

/// Python's bytes escape decoding: `\\ \' \" \a \b \f \n \r \t \v`, octal
/// `\ooo`, `\xhh`, backslash-newline as a continuation; unknown escapes kept.
fn escape_decode(s: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = s.get(i) else {
            return Err("trailing \\ in the STRING argument".into());
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut n = u32::from(e - b'0');
                for _ in 0..2 {
                    match s.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            n = n * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                // CPython keeps the low byte of an octal escape above \377.
                out.push((n & 0xff) as u8);
            }
            b'x' => {
                let hex = s.get(i..i + 2).and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                match byte {
                    Some(b) if hex.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) => {
                        out.push(b);
                        i += 2;
                    }
                    _ => return Err(format!("invalid \\x escape at position {}", i - 2)),
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// The argument of UNICODE: `raw-unicode-escape` text. Bytes are Latin-1
/// characters except `\uXXXX` and `\UXXXXXXXX`; any other backslash is literal.
pub(crate) fn raw_unicode_escape_decode(s: &[u8]) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c != b'\\' || i == s.len() {
            out.push(char::from(c));
            continue;
        }
        let count = match s[i] {
            b'u' => 4,
            b'U' => 8,
            other => {
                out.push('\\');
                out.push(char::from(other));
                i += 1;
                continue;
            }
        };
        i += 1;
        let hex = s.get(i..i + count).ok_or_else(|| format!("truncated \\{} escape", char::from(s[i - 1])))?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return Err(format!("bad \\{} escape", char::from(s[i - 1])));
        }
        let code = hex.iter().fold(0u32, |acc, &h| acc * 16 + char::from(h).to_digit(16).unwrap_or(0));
        let ch = char::from_u32(code).ok_or_else(|| {
            if (0xd800..0xe000).contains(&code) {
                format!("\\u{code:04x} is a lone surrogate, which a Rust string cannot hold")
            } else {
                format!("\\U{code:08x} is out of the Unicode range")
            }
        })?;
        out.push(ch);
        i += count;
    }
    Ok(out)
}

/// UTF-8 text (BINUNICODE and friends, GLOBAL names).
pub(crate) fn utf8(bytes: &[u8]) -> Result<String, String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => Err(format!(
            "invalid UTF-8 at byte {} of the text (a lone surrogate, which Python allows, cannot be held in a Rust string)",
            e.valid_up_to()
        )),
    }
}

/// A short, printable quote of some input bytes for error messages.
fn show(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(40)];
    let mut s = format!("{:?}", String::from_utf8_lossy(cut));
    if bytes.len() > cut.len() {
        s.push_str("...");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_and_bools() {
        assert_eq!(parse_int(b"01").unwrap(), Value::Bool(true));
        assert_eq!(parse_int(b"00").unwrap(), Value::Bool(false));
        assert_eq!(parse_int(b"1").unwrap(), Value::Int(1));
        assert_eq!(parse_int(b"-2147483648").unwrap(), Value::Int(-2147483648));
        assert_eq!(parse_int(b"0").unwrap(), Value::Int(0));
        assert_eq!(parse_int(b"000").unwrap(), Value::Int(0));
        assert!(parse_int(b"010").is_err());
        assert!(parse_int(b"0x10").is_err());
        assert!(parse_int(b"").is_err());
        assert!(parse_int(b"-").is_err());
        assert_eq!(parse_long(b"18446744073709551616L").unwrap().to_string(), "18446744073709551616");
        assert_eq!(parse_long(b"-9223372036854775808L").unwrap(), Value::Int(i64::MIN));
        assert_eq!(parse_long(b"9223372036854775807").unwrap(), Value::Int(i64::MAX));
        assert!(matches!(parse_long(b"9223372036854775808L").unwrap(), Value::BigInt(_)));
        assert!(parse_long(&vec![b'1'; MAX_INT_DIGITS + 1]).is_err());
        assert!(parse_long(&vec![b'1'; MAX_INT_DIGITS]).is_ok());
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float(b"1.5").unwrap(), 1.5);
        assert_eq!(parse_float(b"1e+300").unwrap(), 1e300);
        assert_eq!(parse_float(b"-0.0").unwrap().to_bits(), (-0.0f64).to_bits());
        assert_eq!(parse_float(b"inf").unwrap(), f64::INFINITY);
        assert_eq!(parse_float(b"-inf").unwrap(), f64::NEG_INFINITY);
        assert!(parse_float(b"nan").unwrap().is_nan());
        assert!(parse_float(b"1e400").is_err());
        assert!(parse_float(b"1.5x").is_err());
        assert!(parse_float(b" 1").is_err());
        assert!(parse_float(b"").is_err());
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(parse_quoted(b"'abc'").unwrap(), b"abc");
        assert_eq!(parse_quoted(br"'a\'b\\c\n\x41\101\0'").unwrap(), b"a'b\\c\nAA\0");
        assert_eq!(parse_quoted(br#""it's""#).unwrap(), b"it's");
        assert_eq!(parse_quoted(br"'\q'").unwrap(), b"\\q");
        assert!(parse_quoted(b"'abc").is_err());
        assert!(parse_quoted(b"abc").is_err());
        assert!(parse_quoted(b"'").is_err());
        assert!(parse_quoted(br"'\x4'").is_err());
        assert!(parse_quoted(br"'\'").is_err());
    }

    #[test]
    fn raw_unicode_escape() {
        assert_eq!(raw_unicode_escape_decode(br"a\u005cb\u20ac\U0001f600").unwrap(), "a\\b\u{20ac}\u{1f600}");
        assert_eq!(raw_unicode_escape_decode(b"\xe4").unwrap(), "\u{e4}");
        assert_eq!(raw_unicode_escape_decode(br"\x\\").unwrap(), "\\x\\\\");
        assert_eq!(raw_unicode_escape_decode(b"end\\").unwrap(), "end\\");
        assert!(raw_unicode_escape_decode(br"\ud800").is_err());
        assert!(raw_unicode_escape_decode(br"\u12").is_err());
        assert!(raw_unicode_escape_decode(br"\U00110000").is_err());
    }
}
