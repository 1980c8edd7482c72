//! Python's `int()` grammar for base 10, used by `Integer`, `DateTime` (whose
//! fields Twisted reads with `int()`) and `Descriptor` ordinals.

use std::borrow::Cow;

use super::ParseError;

/// Most digits Python's `int()` converts from or to text: CPython's default
/// `sys.int_info.default_max_str_digits`. Twisted's `Integer` inherits it on
/// both ends (`int(b"...")` and `b"%d" % n` raise `ValueError` beyond it),
/// so longer integers can be neither sent to nor received from Twisted.
/// Leading zeros count; signs, whitespace and underscores do not.
pub const MAX_INTEGER_DIGITS: usize = 4300;

/// Whether Python's `int()` and `float()` strip `b` from bytes: `\t\n\v\f\r`
/// and space.
pub fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Trims the bytes [`is_space`] accepts from both ends.
pub fn trim_space(mut raw: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = raw {
        if !is_space(*first) {
            break;
        }
        raw = rest;
    }
    while let [rest @ .., last] = raw {
        if !is_space(*last) {
            break;
        }
        raw = rest;
    }
    raw
}

/// A base-10 integer as Python's `int()` reads it: sign and digits, the
/// underscores removed (leading zeros kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Int<'a> {
    /// A `-` sign was given (also for zero).
    pub negative: bool,
    /// The ASCII digits, at least one.
    pub digits: Cow<'a, [u8]>,
}

impl Int<'_> {
    /// The digits without leading zeros (`"0"` for zero).
    pub fn significant(&self) -> &[u8] {
        let d: &[u8] = &self.digits;
        let start = d.iter().position(|&c| c != b'0').unwrap_or(d.len() - 1);
        &d[start..]
    }
}

/// Parses what Python's `int(raw)` accepts in base 10: surrounding
/// whitespace, an optional sign, ASCII digits with single underscores only
/// between digits, leading zeros allowed, at most [`MAX_INTEGER_DIGITS`] digits.
pub fn parse_int(raw: &[u8]) -> Result<Int<'_>, ParseError> {
    let body = trim_space(raw);
    let (negative, body) = match body {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, body),
    };
    if body.is_empty() {
        return Err(ParseError("no digits"));
    }
    let mut underscores = 0usize;
    let mut prev = b'_'; // so that a leading underscore is refused
    for &c in body {
        match c {
            b'0'..=b'9' => {}
            b'_' if prev.is_ascii_digit() => underscores += 1,
            b'_' => return Err(ParseError("underscore not between digits")),
            _ => return Err(ParseError("not a decimal digit")),
        }
        prev = c;
    }
    if prev == b'_' {
        return Err(ParseError("underscore not between digits"));
    }
    if body.len() - underscores > MAX_INTEGER_DIGITS {
        return Err(ParseError("more than 4300 digits (Python's int() limit)"));
    }
    let digits = if underscores == 0 {
        Cow::Borrowed(body)
    } else {
        Cow::Owned(body.iter().copied().filter(|&c| c != b'_').collect())
    };
    Ok(Int { negative, digits })
}

/// Parses a short Python integer ([`parse_int`]'s grammar) into an `i64`
/// (`DateTime` fields, descriptor ordinals).
pub fn parse_i64(raw: &[u8]) -> Result<i64, ParseError> {
    let n = parse_int(raw)?;
    let mut v: i64 = 0;
    for &d in n.significant() {
        v = v.checked_mul(10).and_then(|v| v.checked_add(i64::from(d - b'0'))).ok_or(ParseError("too large"))?;
    }
    Ok(if n.negative { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> (bool, String) {
        let n = parse_int(raw.as_bytes()).unwrap();
        (n.negative, String::from_utf8(n.significant().to_vec()).unwrap())
    }

    #[test]
    fn accepts_what_python_int_accepts() {
        assert_eq!(ok("123"), (false, "123".into()));
        assert_eq!(ok(" \t-0012\n\x0b\x0c\r"), (true, "12".into()));
        assert_eq!(ok("+1_000_0"), (false, "10000".into()));
        assert_eq!(ok("0_0"), (false, "0".into()));
        assert_eq!(ok("-0"), (true, "0".into()));
    }

    #[test]
    fn refuses_what_python_int_refuses() {
        for bad in ["", " ", "-", "+-1", "_1", "1_", "1__0", "+_1", "+ 1", "1 2", "0x10", "1e3", "1.0", "\x1c1", "١"] {
            assert!(parse_int(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn digit_limit_counts_leading_zeros_not_underscores() {
        assert!(parse_int("1".repeat(4300).as_bytes()).is_ok());
        assert!(parse_int("1".repeat(4301).as_bytes()).is_err());
        assert!(parse_int(format!("{}{}", "0".repeat(10), "1".repeat(4300)).as_bytes()).is_err());
        assert!(parse_int(format!("-{}", "1".repeat(4300)).as_bytes()).is_ok());
        assert!(parse_int(format!("{}1", "1_".repeat(4299)).as_bytes()).is_ok());
    }

    #[test]
    fn short_integers() {
        assert_eq!(parse_i64(b" +0_7"), Ok(7));
        assert_eq!(parse_i64(b"-12"), Ok(-12));
        assert_eq!(parse_i64(b"99999999999999999999"), Err(ParseError("too large")));
    }
}
