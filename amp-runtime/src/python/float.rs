//! Python's `repr(float)` and `float()`.

use super::int::trim_space;
use super::ParseError;

/// Python's `repr(x)` (and `str(x)`) of a float: the shortest digits that read
/// back to the same `f64`, in plain form for decimal exponents -4 to 15
/// (`0.0001`, `10.0`, `1000000000000000.0`) and exponent form otherwise
/// (`1e-05`, `1e+16`, `1.5e+300`, `5e-324`); `inf`, `-inf`, `nan` (the sign
/// of a NaN is not written, as in Python) and `-0.0`. Where two shortest
/// candidates read back alike, the one nearest `x` is taken, ties to an even
/// digit, as CPython's `dtoa` does.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    let (digits, exp) = shortest_digits(x.abs());
    let n = digits.len() as i32;
    // Python (float_repr_style "short", mode 'r') switches at these bounds.
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
    } else if point >= n {
        format!("{sign}{digits}{}.0", "0".repeat((point - n) as usize))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{sign}{int}.{frac}")
    }
}

/// The shortest decimal digits that read back as `x` (positive, finite,
/// non-zero) and the decimal exponent of the first digit, chosen as Python's
/// `repr` (David Gay's `dtoa` mode 0) chooses them.
fn shortest_digits(x: f64) -> (String, i32) {
    let split = |sci: &str| {
        let (mantissa, exp) = sci.split_once('e').expect("LowerExp always writes an exponent");
        let exp: i32 = exp.parse().expect("LowerExp writes a decimal exponent");
        let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
        (digits, exp)
    };
    // LowerExp without a precision prints the shortest round-trip digits.
    let shortest = split(&format!("{x:e}"));
    let n = shortest.0.len();
    // When two candidates of that length read back as `x`, Rust may pick
    // either; Python picks the one nearest `x`, ties to an even last digit.
    // That is the correctly rounded n-digit form whenever it reads back.
    let nearest_text = format!("{x:.*e}", n - 1);
    if nearest_text.parse::<f64>() == Ok(x) {
        return split(&nearest_text);
    }
    shortest
}

/// Python's `float(raw)` for bytes: surrounding whitespace, a sign,
/// `inf`/`infinity`/`nan` in any case, `.5`, `5.`, exponents, single
/// underscores between digits; out-of-range values become infinity or zero,
/// as in Python.
pub fn parse_float(raw: &[u8]) -> Result<f64, ParseError> {
    let body = trim_space(raw);
    if body.is_empty() {
        return Err(ParseError("empty"));
    }
    let (negative, unsigned) = match body {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, body),
    };
    let signed = |v: f64| if negative { -v } else { v };
    if unsigned.eq_ignore_ascii_case(b"inf") || unsigned.eq_ignore_ascii_case(b"infinity") {
        return Ok(signed(f64::INFINITY));
    }
    if unsigned.eq_ignore_ascii_case(b"nan") {
        return Ok(signed(f64::NAN));
    }
    // Python checks underscores over the whole (stripped) text: each must sit
    // between two digits. Then the rest must be a plain decimal literal.
    let mut clean = Vec::with_capacity(unsigned.len());
    let mut prev = 0u8;
    for &c in unsigned {
        if c == b'_' {
            if !prev.is_ascii_digit() {
                return Err(ParseError("underscore not between digits"));
            }
        } else {
            if prev == b'_' && !c.is_ascii_digit() {
                return Err(ParseError("underscore not between digits"));
            }
            clean.push(c);
        }
        prev = c;
    }
    if prev == b'_' {
        return Err(ParseError("underscore not between digits"));
    }
    check_decimal_literal(&clean)?;
    // The grammar is checked; Rust's parser is correctly rounded like Python's.
    let text = std::str::from_utf8(&clean).map_err(|_| ParseError("not ASCII"))?;
    let v: f64 = text.parse().map_err(|_| ParseError("not a number"))?;
    Ok(signed(v))
}

/// `digits [. [digits]] | . digits`, then an optional `e [sign] digits`.
fn check_decimal_literal(s: &[u8]) -> Result<(), ParseError> {
    let mut i = 0;
    let int_digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return Err(ParseError("no digits"));
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits == 0 {
            return Err(ParseError("exponent without digits"));
        }
        i += exp_digits;
    }
    if i != s.len() {
        return Err(ParseError("not a decimal number"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        let cases: &[(f64, &str)] = &[
            (1.234, "1.234"),
            (10.0, "10.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (2.5e-5, "2.5e-05"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.3333333333333333"),
            (9999999999999998.0, "9999999999999998.0"),
            (-1.5e300, "-1.5e+300"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "nan"),
            // These doubles are exactly ...8.25 and ...0.25: the two 16-digit
            // candidates are equally near, and Python takes the even digit.
            (-801345722803028.2, "-801345722803028.2"),
            (907329505824550.2, "907329505824550.2"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(*x), *want, "{x:e}");
        }
    }

    #[test]
    fn parses_what_python_float_parses() {
        let cases: &[(&str, f64)] = &[
            ("1_0.5", 10.5),
            ("1e1_0", 1e10),
            ("-INFINITY", f64::NEG_INFINITY),
            (" \t.5\n", 0.5),
            ("5.", 5.0),
            ("1.e5", 1e5),
            ("1e999", f64::INFINITY),
            ("-1e-999", -0.0),
            ("1.0_0", 1.0),
        ];
        for (s, want) in cases {
            assert_eq!(parse_float(s.as_bytes()).unwrap().to_bits(), want.to_bits(), "{s}");
        }
        assert!(parse_float(b"nAn").unwrap().is_nan());
        assert!(parse_float(b"-nan").unwrap().is_sign_negative());
    }

    #[test]
    fn refuses_what_python_float_refuses() {
        for s in [
            "",
            " ",
            ".",
            "e5",
            "1e",
            "1e+",
            ".e5",
            "1._5",
            "1.5_",
            "_1.5",
            "1_e10",
            "1_.5",
            "infinit",
            "infinity_",
            "i_nf",
            "0x1p3",
            "1 0",
            "+-1",
            "nan1",
            "1e1.5",
            "\x1c1",
        ] {
            assert!(parse_float(s.as_bytes()).is_err(), "{s:?}");
        }
    }
}
