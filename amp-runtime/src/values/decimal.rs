//! [`Decimal`]: a decimal number exactly as Python's `decimal.Decimal` holds it.

use std::fmt;
use std::str::FromStr;

/// A decimal number as Python's `decimal.Decimal` represents it: a sign, a
/// coefficient of any number of digits and a decimal exponent, or one of the
/// specials `Infinity`, `NaN` and `sNaN` (the NaNs with an optional digit payload).
///
/// It carries Twisted's `amp.Decimal` (the codec is
/// [`types::Decimal`](crate::types::Decimal)); it does no arithmetic. Its
/// text form ([`Display`](fmt::Display) / [`FromStr`]) is Python's: `Display`
/// writes `str(Decimal)` (the General Decimal Arithmetic *to-scientific-string*)
/// and `FromStr` accepts what `Decimal(str)` accepts, ASCII only (Twisted
/// decodes the bytes as ASCII first).
///
/// Equality is on the representation, not the value: `1.0 != 1.00`,
/// `0 != -0`, `1E+2 != 100`, and `NaN == NaN`. Precision is what Decimal
/// keeps, so this is what a round trip must preserve.
///
/// The exponent obeys the bounds of Python's `decimal` module (libmpdec, 64-bit):
/// `exponent >= MIN_ETINY` and `exponent + digits - 1 <= MAX_EMAX`.
///
/// ```
/// use amp_runtime::Decimal;
/// let d: Decimal = "3.141e5".parse().unwrap();
/// assert_eq!(d.to_string(), "3.141E+5");
/// assert_eq!((d.coefficient(), d.exponent()), (Some("3141"), Some(2)));
/// assert_eq!("-sNaN0042".parse::<Decimal>().unwrap().to_string(), "-sNaN42");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    negative: bool,
    form: Form,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Form {
    /// Coefficient digits without leading zeros (`"0"` for zero).
    Finite {
        coefficient: Box<str>,
        exponent: i64,
    },
    Infinity,
    /// Payload digits without leading zeros, empty for none.
    NaN {
        signaling: bool,
        payload: Box<str>,
    },
}

/// Why a [`Decimal`] cannot be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DecimalError {
    reason: String,
}

impl DecimalError {
    fn new(reason: impl Into<String>) -> Self {
        DecimalError { reason: reason.into() }
    }

    /// What is wrong.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Whitespace `Decimal(str)` strips: Python's `str.isspace()` within ASCII.
fn is_decimal_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ')
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn strip_leading_zeros(digits: &str) -> &str {
    let t = digits.trim_start_matches('0');
    if t.is_empty() && !digits.is_empty() {
        "0"
    } else {
        t
    }
}

impl Decimal {
    /// Largest adjusted exponent (`exponent + digits - 1`): Python's `decimal.MAX_EMAX`.
    pub const MAX_EMAX: i64 = 999_999_999_999_999_999;
    /// Smallest exponent: Python's `decimal.MIN_ETINY`.
    pub const MIN_ETINY: i64 = -1_999_999_999_999_999_997;

    /// A finite number `(-1)^negative * coefficient * 10^exponent`.
    ///
    /// `coefficient` is one or more ASCII digits; leading zeros are dropped
    /// (they carry no precision). Errors when the exponent is out of bounds.
    pub fn new(negative: bool, coefficient: &str, exponent: i64) -> Result<Decimal, DecimalError> {
        if coefficient.is_empty() || !all_digits(coefficient) {
            return Err(DecimalError::new(format!("coefficient {coefficient:?} is not a string of digits")));
        }
        let coefficient = strip_leading_zeros(coefficient);
        Self::check_bounds(coefficient.len(), i128::from(exponent))?;
        Ok(Decimal { negative, form: Form::Finite { coefficient: coefficient.into(), exponent } })
    }

    fn check_bounds(digits: usize, exponent: i128) -> Result<i64, DecimalError> {
        if exponent < i128::from(Self::MIN_ETINY) {
            return Err(DecimalError::new(format!("exponent {exponent} is below {}", Self::MIN_ETINY)));
        }
        let adjusted = exponent + digits as i128 - 1;
        if adjusted > i128::from(Self::MAX_EMAX) {
            return Err(DecimalError::new(format!("adjusted exponent {adjusted} is above {}", Self::MAX_EMAX)));
        }
        Ok(exponent as i64)
    }

    /// Positive or negative infinity.
    pub fn infinity(negative: bool) -> Decimal {
        Decimal { negative, form: Form::Infinity }
    }

    /// A quiet NaN; `payload` is ASCII digits, possibly empty (leading zeros
    /// are dropped, so `"0"` is no payload, as in Python).
    pub fn nan(negative: bool, payload: &str) -> Result<Decimal, DecimalError> {
        Self::make_nan(negative, false, payload)
    }

    /// A signalling NaN (`sNaN`), with a payload as for [`nan`](Decimal::nan).
    pub fn snan(negative: bool, payload: &str) -> Result<Decimal, DecimalError> {
        Self::make_nan(negative, true, payload)
    }

    fn make_nan(negative: bool, signaling: bool, payload: &str) -> Result<Decimal, DecimalError> {
        if !all_digits(payload) {
            return Err(DecimalError::new(format!("NaN payload {payload:?} is not a string of digits")));
        }
        let payload = payload.trim_start_matches('0');
        Ok(Decimal { negative, form: Form::NaN { signaling, payload: payload.into() } })
    }

    /// Whether the sign is negative (also for `-0`, `-Infinity`, `-NaN`).
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Whether it is a finite number.
    pub fn is_finite(&self) -> bool {
        matches!(self.form, Form::Finite { .. })
    }

    /// Whether it is `Infinity` or `-Infinity`.
    pub fn is_infinite(&self) -> bool {
        matches!(self.form, Form::Infinity)
    }

    /// Whether it is a NaN, quiet or signalling.
    pub fn is_nan(&self) -> bool {
        matches!(self.form, Form::NaN { .. })
    }

    /// Whether it is a signalling NaN.
    pub fn is_snan(&self) -> bool {
        matches!(self.form, Form::NaN { signaling: true, .. })
    }

    /// Whether it is a finite zero (any sign, any exponent).
    pub fn is_zero(&self) -> bool {
        matches!(&self.form, Form::Finite { coefficient, .. } if &**coefficient == "0")
    }

    /// The coefficient's digits (no leading zeros; `"0"` for zero), for a finite number.
    pub fn coefficient(&self) -> Option<&str> {
        match &self.form {
            Form::Finite { coefficient, .. } => Some(coefficient),
            _ => None,
        }
    }

    /// The exponent, for a finite number.
    pub fn exponent(&self) -> Option<i64> {
        match &self.form {
            Form::Finite { exponent, .. } => Some(*exponent),
            _ => None,
        }
    }

    /// The exponent of the leading digit (`exponent + digits - 1`), for a finite number.
    pub fn adjusted_exponent(&self) -> Option<i64> {
        match &self.form {
            Form::Finite { coefficient, exponent } => Some(exponent + coefficient.len() as i64 - 1),
            _ => None,
        }
    }

    /// The payload digits of a NaN (empty when it has none).
    pub fn nan_payload(&self) -> Option<&str> {
        match &self.form {
            Form::NaN { payload, .. } => Some(payload),
            _ => None,
        }
    }

    /// Parses what Python's `Decimal(bytes.decode("ascii"))` accepts, as
    /// Twisted's `amp.Decimal` does.
    pub fn from_ascii(raw: &[u8]) -> Result<Decimal, DecimalError> {
        if !raw.is_ascii() {
            return Err(DecimalError::new("not ASCII"));
        }
        let mut s = raw;
        while let [first, rest @ ..] = s {
            if !is_decimal_space(*first) {
                break;
            }
            s = rest;
        }
        while let [rest @ .., last] = s {
            if !is_decimal_space(*last) {
                break;
            }
            s = rest;
        }
        // Python's C decimal drops every underscore (after stripping spaces),
        // wherever it is: "_1_", "1__0" and "n_a_n" are accepted.
        let clean: Vec<u8> = s.iter().copied().filter(|&c| c != b'_').collect();
        parse_clean(&clean)
    }
}

/// Parses the libmpdec grammar (after stripping and underscore removal).
fn parse_clean(s: &[u8]) -> Result<Decimal, DecimalError> {
    let (negative, s) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    let text = std::str::from_utf8(s).map_err(|_| DecimalError::new("not ASCII"))?;
    if text.eq_ignore_ascii_case("inf") || text.eq_ignore_ascii_case("infinity") {
        return Ok(Decimal::infinity(negative));
    }
    for (prefix, signaling) in [("snan", true), ("nan", false)] {
        if text.len() >= prefix.len() && text.is_char_boundary(prefix.len()) {
            let (head, payload) = text.split_at(prefix.len());
            if head.eq_ignore_ascii_case(prefix) {
                return Decimal::make_nan(negative, signaling, payload)
                    .map_err(|_| DecimalError::new("NaN payload is not digits"));
            }
        }
    }
    let (mantissa, exp_text) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    if !all_digits(int_part) || !all_digits(frac_part) || int_part.len() + frac_part.len() == 0 {
        return Err(DecimalError::new("not a decimal number"));
    }
    let exponent: i128 = match exp_text {
        None => 0,
        Some(e) => parse_exponent(e)?,
    };
    let mut digits = String::with_capacity(int_part.len() + frac_part.len());
    digits.push_str(int_part);
    digits.push_str(frac_part);
    let coefficient = strip_leading_zeros(&digits);
    let exponent = exponent - frac_part.len() as i128;
    let exponent = Decimal::check_bounds(coefficient.len(), exponent)?;
    Ok(Decimal { negative, form: Form::Finite { coefficient: coefficient.into(), exponent } })
}

/// An exponent: optional sign, one or more digits. Saturates far beyond the
/// bounds (as libmpdec does) so that huge exponents fail the bounds check.
fn parse_exponent(e: &str) -> Result<i128, DecimalError> {
    let (neg, digits) = match e.as_bytes() {
        [b'-', ..] => (true, &e[1..]),
        [b'+', ..] => (false, &e[1..]),
        _ => (false, e),
    };
    if digits.is_empty() || !all_digits(digits) {
        return Err(DecimalError::new("exponent is not digits"));
    }
    const CAP: i128 = 10_000_000_000_000_000_000_000; // 1e22: past any bound
    let mut v: i128 = 0;
    for d in digits.bytes() {
        v = (v * 10 + i128::from(d - b'0')).min(CAP);
    }
    Ok(if neg { -v } else { v })
}

impl FromStr for Decimal {
    type Err = DecimalError;

    /// Python's `Decimal(s)` for ASCII `s` (see [`Decimal::from_ascii`]).
    fn from_str(s: &str) -> Result<Decimal, DecimalError> {
        Decimal::from_ascii(s.as_bytes())
    }
}

impl fmt::Display for Decimal {
    /// Python's `str(Decimal)`: to-scientific-string with a capital `E`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        let (coefficient, exponent) = match &self.form {
            Form::Infinity => return f.write_str("Infinity"),
            Form::NaN { signaling, payload } => {
                return write!(f, "{}NaN{payload}", if *signaling { "s" } else { "" });
            }
            Form::Finite { coefficient, exponent } => (&**coefficient, i128::from(*exponent)),
        };
        let n = coefficient.len() as i128;
        let left_digits = exponent + n;
        // Plain notation when the exponent is not positive and the number is
        // not too small; otherwise one digit before the point and an exponent.
        let dot_place = if exponent <= 0 && left_digits > -6 { left_digits } else { 1 };
        if dot_place <= 0 {
            f.write_str("0.")?;
            for _ in 0..-dot_place {
                f.write_str("0")?;
            }
            f.write_str(coefficient)?;
        } else if dot_place >= n {
            f.write_str(coefficient)?;
            for _ in 0..dot_place - n {
                f.write_str("0")?;
            }
        } else {
            let (int, frac) = coefficient.split_at(dot_place as usize);
            write!(f, "{int}.{frac}")?;
        }
        if left_digits != dot_place {
            write!(f, "E{:+}", left_digits - dot_place)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal(\"{self}\")")
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Decimal {
            /// The integer with exponent 0 (`Decimal(n)` in Python).
            fn from(v: $t) -> Decimal {
                let digits = v.unsigned_abs().to_string();
                Decimal { negative: v < 0, form: Form::Finite { coefficient: digits.into(), exponent: 0 } }
            }
        }
    )*};
}

from_int!(i32, i64, i128);

impl From<u64> for Decimal {
    /// The integer with exponent 0 (`Decimal(n)` in Python).
    fn from(v: u64) -> Decimal {
        Decimal { negative: false, form: Form::Finite { coefficient: v.to_string().into(), exponent: 0 } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(s: &str) -> String {
        s.parse::<Decimal>().unwrap_or_else(|e| panic!("{s:?}: {e}")).to_string()
    }

    #[test]
    fn str_matches_python() {
        let cases = [
            ("1.1", "1.1"),
            ("3.141E5", "3.141E+5"),
            ("3.141e-5", "0.00003141"),
            ("3.141E-7", "3.141E-7"),
            ("-3.141e5", "-3.141E+5"),
            ("0e6", "0E+6"),
            ("1.5E-9", "1.5E-9"),
            ("-0", "-0"),
            ("0E-7", "0E-7"),
            ("1.000", "1.000"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1E-7"),
            ("123E+1", "1.23E+3"),
            ("-1.23E-8", "-1.23E-8"),
            ("-0E+3", "-0E+3"),
            ("-0.000", "-0.000"),
            ("0.000E-3", "0.000000"),
            ("1_000.000_1", "1000.0001"),
            ("_1_", "1"),
            ("1.", "1"),
            (".1", "0.1"),
            ("0.E5", "0E+5"),
            ("1e-00", "1"),
            ("0.1E1000000000000000000", "1E+999999999999999999"),
            ("Inf", "Infinity"),
            ("-iNfInItY", "-Infinity"),
            ("n_a_n", "NaN"),
            ("NaN0012", "NaN12"),
            ("-NaN0", "-NaN"),
            ("SNAN", "sNaN"),
            ("sNaN12_3", "sNaN123"),
            ("\x1c 1\t\x1f", "1"),
            ("0.0E-1999999999999999996", "0E-1999999999999999997"),
        ];
        for (input, want) in cases {
            assert_eq!(round(input), want, "{input:?}");
        }
    }

    #[test]
    fn refuses_what_python_refuses() {
        for s in [
            "",
            "_",
            "_ 1",
            "1 _ ",
            "1_ 2",
            ".",
            ".e1",
            "1e",
            "1E+",
            "1e1.5",
            "1e0x",
            "1 0",
            "+ 1",
            "++1",
            "NaN1e5",
            "NaN-1",
            "Infinity1",
            "infinite",
            "1\0",
            "1E1000000000000000000",
            "12E999999999999999999",
            "0E1000000000000000000",
            "1E-1999999999999999998",
            "10E-1999999999999999998",
            "1.0E-1999999999999999997",
            "0E-99999999999999999999999",
            "\u{661}",
            "1e+-5",
            "0x1",
        ] {
            assert!(s.parse::<Decimal>().is_err(), "{s:?}");
        }
    }

    #[test]
    fn representation_equality() {
        let p = |s: &str| s.parse::<Decimal>().unwrap();
        assert_ne!(p("1.0"), p("1.00"));
        assert_ne!(p("0"), p("-0"));
        assert_eq!(p("NaN"), p("nan"));
        assert_eq!(p("100"), Decimal::new(false, "00100", 0).unwrap());
        assert_eq!(Decimal::from(-42i64).to_string(), "-42");
        assert_eq!(Decimal::from(i128::MIN).to_string(), i128::MIN.to_string());
    }

    #[test]
    fn constructors_validate() {
        assert!(Decimal::new(false, "", 0).is_err());
        assert!(Decimal::new(false, "1a", 0).is_err());
        assert!(Decimal::new(false, "1", Decimal::MIN_ETINY - 1).is_err());
        assert!(Decimal::new(false, "12", Decimal::MAX_EMAX).is_err());
        assert!(Decimal::new(true, "5", i64::MIN).unwrap_err().reason().contains("below"));
        assert!(Decimal::nan(false, "x").is_err());
        assert_eq!(Decimal::snan(true, "007").unwrap().to_string(), "-sNaN7");
    }
}
