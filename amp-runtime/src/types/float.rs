//! `Float`: Twisted's `amp.Float`, with Python's `repr(float)` and `float()`.

use bytes::{Bytes, BytesMut};

use super::error::excerpt;
use super::{DecodeErrorKind, StringArgument};
use crate::python::{float_repr, parse_float};

/// Twisted's `amp.Float`: an `f64` as Python's `repr(float)` writes it
/// ([`python::float_repr`](crate::python::float_repr)), read as Python's `float(bytes)` reads it
/// ([`python::parse_float`](crate::python::parse_float)).
pub struct Float;

impl StringArgument for Float {
    type Value = f64;

    fn to_string(value: &f64, out: &mut BytesMut) -> Result<(), std::string::String> {
        out.extend_from_slice(float_repr(*value).as_bytes());
        Ok(())
    }

    fn from_string(input: Bytes) -> Result<f64, DecodeErrorKind> {
        parse_float(&input).map_err(|why| DecodeErrorKind::BadFloat(format!("{}: {why}", excerpt(&input))))
    }
}
