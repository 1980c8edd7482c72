//! `Integer`: Twisted's `amp.Integer`.

use std::fmt::Write as _;
use std::marker::PhantomData;

use bytes::{Bytes, BytesMut};
use num_bigint::{BigInt, Sign};

use super::error::excerpt;
use super::{DecodeErrorKind, StringArgument};
use crate::python::{parse_int, MAX_INTEGER_DIGITS};

/// Twisted's `amp.Integer`: an integer as decimal ASCII (`123`, `-1`).
///
/// `V` is the Rust type it decodes to: `i64` (the default), `u64`, `i128`
/// or [`BigInt`] for any size. Encoding writes the shortest decimal form.
/// Decoding accepts exactly what Python's `int(bytes)` accepts, as Twisted
/// calls `int()` on the value: surrounding ASCII whitespace, a `+` or `-`
/// sign, single underscores between digits and leading zeros (`" +0_12 "` is
/// 12). A value outside `V`'s range is [`DecodeErrorKind::BadInteger`].
///
/// Like CPython, both directions refuse integers of more than
/// [`MAX_INTEGER_DIGITS`] (4300) digits: a Twisted
/// peer could neither send nor read them.
pub struct Integer<V = i64>(PhantomData<fn() -> V>);

mod sealed {
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for u64 {}
    impl Sealed for i128 {}
    impl Sealed for num_bigint::BigInt {}
}

/// A Rust integer type [`Integer`] can carry: `i64`, `u64`, `i128` or
/// [`BigInt`]. Sealed: the set is fixed by this crate.
pub trait IntegerValue: sealed::Sealed + Sized {
    /// The type's name for error messages.
    const TYPE_NAME: &'static str;

    /// Appends the decimal form; `Err` if it has more than 4300 digits.
    fn write_decimal(&self, out: &mut BytesMut) -> Result<(), String>;

    /// Converts a sign and significant ASCII digits (no leading zeros, `"0"`
    /// for zero); `Err` when out of range.
    fn from_decimal_digits(negative: bool, digits: &[u8]) -> Result<Self, String>;
}

/// Accumulates digits into a `u128`, `None` on overflow.
fn magnitude_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| acc.checked_mul(10)?.checked_add(u128::from(d - b'0')))
}

fn out_of_range(negative: bool, digits: &[u8], type_name: &str) -> String {
    let sign = if negative { "-" } else { "" };
    let shown = if digits.len() > 40 {
        format!("a {}-digit integer", digits.len())
    } else {
        format!("{sign}{}", String::from_utf8_lossy(digits))
    };
    format!("{shown} is out of range for {type_name}")
}

macro_rules! fixed_width {
    ($t:ty) => {
        impl IntegerValue for $t {
            const TYPE_NAME: &'static str = stringify!($t);

            fn write_decimal(&self, out: &mut BytesMut) -> Result<(), String> {
                // A fixed-width integer never reaches the 4300-digit limit.
                write!(out, "{self}").map_err(|e| e.to_string())
            }

            fn from_decimal_digits(negative: bool, digits: &[u8]) -> Result<Self, String> {
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err("not decimal digits".to_owned());
                }
                let range = || out_of_range(negative, digits, Self::TYPE_NAME);
                let m = magnitude_u128(digits).ok_or_else(range)?;
                if negative {
                    // -m fits when m <= |MIN|; i128::MIN's magnitude is 2^127.
                    let neg = 0i128.checked_sub_unsigned(m).ok_or_else(range)?;
                    <$t>::try_from(neg).map_err(|_| range())
                } else {
                    <$t>::try_from(m).map_err(|_| range())
                }
            }
        }
    };
}

fixed_width!(i64);
fixed_width!(u64);
fixed_width!(i128);

impl IntegerValue for BigInt {
    const TYPE_NAME: &'static str = "BigInt";

    fn write_decimal(&self, out: &mut BytesMut) -> Result<(), String> {
        let text = self.to_str_radix(10);
        let digits = text.len() - usize::from(self.sign() == Sign::Minus);
        if digits > MAX_INTEGER_DIGITS {
            return Err(format!(
                "a {digits}-digit integer exceeds the {MAX_INTEGER_DIGITS}-digit limit of Python's int()"
            ));
        }
        out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    fn from_decimal_digits(negative: bool, digits: &[u8]) -> Result<Self, String> {
        let sign = if negative { Sign::Minus } else { Sign::Plus };
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return Err("not decimal digits".to_owned());
        }
        let digits: Vec<u8> = digits.iter().map(|d| d - b'0').collect();
        BigInt::from_radix_be(sign, &digits, 10).ok_or_else(|| "invalid digits".to_owned())
    }
}

impl<V: IntegerValue> StringArgument for Integer<V> {
    type Value = V;

    fn to_string(value: &V, out: &mut BytesMut) -> Result<(), std::string::String> {
        value.write_decimal(out)
    }

    fn from_string(input: Bytes) -> Result<V, DecodeErrorKind> {
        parse_integer(&input)
    }
}

/// Parses an `Integer` value into `V`.
pub(crate) fn parse_integer<V: IntegerValue>(raw: &[u8]) -> Result<V, DecodeErrorKind> {
    let n = parse_int(raw).map_err(|why| DecodeErrorKind::BadInteger(format!("{}: {why}", excerpt(raw))))?;
    V::from_decimal_digits(n.negative, n.significant()).map_err(DecodeErrorKind::BadInteger)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc<V: IntegerValue>(v: V) -> std::string::String {
        let mut out = BytesMut::new();
        Integer::<V>::to_string(&v, &mut out).unwrap();
        std::string::String::from_utf8(out.to_vec()).unwrap()
    }

    fn dec<V: IntegerValue>(s: &str) -> Result<V, DecodeErrorKind> {
        Integer::<V>::from_string(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn encodes_decimal() {
        assert_eq!(enc(123i64), "123");
        assert_eq!(enc(-1i64), "-1");
        assert_eq!(enc(i64::MIN), "-9223372036854775808");
        assert_eq!(enc(u64::MAX), "18446744073709551615");
        assert_eq!(enc(i128::MIN), "-170141183460469231731687303715884105728");
        assert_eq!(enc(BigInt::from(-7)), "-7");
    }

    #[test]
    fn range_edges() {
        assert_eq!(dec::<i64>("-9223372036854775808"), Ok(i64::MIN));
        assert!(matches!(dec::<i64>("9223372036854775808"), Err(DecodeErrorKind::BadInteger(_))));
        assert!(matches!(dec::<i64>("-9223372036854775809"), Err(DecodeErrorKind::BadInteger(_))));
        assert_eq!(dec::<u64>("-0"), Ok(0));
        assert!(matches!(dec::<u64>("-1"), Err(DecodeErrorKind::BadInteger(_))));
        assert_eq!(dec::<u64>("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(dec::<i128>("-170141183460469231731687303715884105728"), Ok(i128::MIN));
        assert!(dec::<i128>("170141183460469231731687303715884105728").is_err());
        assert!(dec::<i128>("-170141183460469231731687303715884105729").is_err());
        assert_eq!(dec::<i64>("00000000000000000000000000000000000000000000042"), Ok(42));
        let e = dec::<i64>("99999999999999999999").unwrap_err();
        assert_eq!(e.to_string(), "not an integer: 99999999999999999999 is out of range for i64");
    }

    #[test]
    fn bigint_digit_limit_both_ways() {
        let big: BigInt = "9".repeat(4300).parse().unwrap();
        assert_eq!(enc(big.clone()).len(), 4300);
        assert_eq!(enc(-big.clone()).len(), 4301);
        let mut out = BytesMut::new();
        assert!(Integer::<BigInt>::to_string(&(big + 1), &mut out).is_err());
        assert!(out.is_empty());
        assert!(dec::<BigInt>(&"1".repeat(4301)).is_err());
    }
}
