//! `Decimal`: Twisted's `amp.Decimal`.

use bytes::{Bytes, BytesMut};

use super::error::excerpt;
use super::{DecodeErrorKind, StringArgument};
use crate::values;

/// Twisted's `amp.Decimal`: a [`values::Decimal`] as Python's `str(Decimal)`.
///
/// Encoding writes `str(Decimal)` (`1.1`, `3.141E+5`, `0.00003141`, `-0`,
/// `Infinity`, `-NaN`, `sNaN42`); decoding accepts what Twisted's
/// `Decimal(bytes.decode("ascii"))` accepts (see [`values::Decimal::from_ascii`]).
/// Precision, sign, NaN kind and payload survive a round trip.
pub struct Decimal;

impl StringArgument for Decimal {
    type Value = values::Decimal;

    fn to_string(value: &values::Decimal, out: &mut BytesMut) -> Result<(), std::string::String> {
        use std::fmt::Write as _;
        write!(out, "{value}").map_err(|e| e.to_string())
    }

    fn from_string(input: Bytes) -> Result<values::Decimal, DecodeErrorKind> {
        values::Decimal::from_ascii(&input)
            .map_err(|e| DecodeErrorKind::BadDecimal(format!("{}: {}", excerpt(&input), e.reason())))
    }
}
