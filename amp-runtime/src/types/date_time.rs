//! `DateTime`: Twisted's `amp.DateTime`.

use bytes::{Bytes, BytesMut};

use super::error::excerpt;
use super::{DecodeErrorKind, StringArgument};
use crate::values;

/// Twisted's `amp.DateTime`: a [`values::DateTime`] as exactly 32 ASCII
/// characters, `YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM`, a zero offset written
/// `-00:00` (`9876-01-23T12:34:56.054321-01:23`).
///
/// Decoding is exactly as lenient as Twisted's parser, which reads each field
/// with Python's `int()` and checks no separator (see
/// [`values::DateTime::from_ascii`]); a naive date-time cannot exist, so
/// encoding never fails.
pub struct DateTime;

impl StringArgument for DateTime {
    type Value = values::DateTime;

    fn to_string(value: &values::DateTime, out: &mut BytesMut) -> Result<(), std::string::String> {
        use std::fmt::Write as _;
        write!(out, "{value}").map_err(|e| e.to_string())
    }

    fn from_string(input: Bytes) -> Result<values::DateTime, DecodeErrorKind> {
        values::DateTime::from_ascii(&input)
            .map_err(|e| DecodeErrorKind::BadDateTime(format!("{}: {}", excerpt(&input), e.reason())))
    }
}
