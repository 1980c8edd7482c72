//! Argument types: how values become box entries and back, as Twisted's
//! `amp.Argument` subclasses do.
//!
//! A type is a zero-sized codec implementing [`ArgumentType`]. Types with a
//! plain string form implement [`StringArgument`] instead and get
//! [`ArgumentType`] for free; only they can be elements of [`ListOf`]. A type
//! that owns several keys (Evennia's `Compressed` writes `name`, `name.2`, ...)
//! implements [`ArgumentType`] directly.
//!
//! Twisted's types, one marker each, named as in `twisted.protocols.amp`:
//!
//! | Twisted            | Codec                 | Rust value                          |
//! |--------------------|-----------------------|-------------------------------------|
//! | `Integer()`        | [`Integer<V>`]        | `i64` (default), `u64`, `i128`, [`BigInt`](num_bigint::BigInt) |
//! | `String()`         | [`String`]            | [`bytes::Bytes`] (zero-copy)        |
//! | `Unicode()`        | [`Unicode`]           | [`std::string::String`]             |
//! | `Path()`           | [`Path`]              | [`std::path::PathBuf`]              |
//! | `Boolean()`        | [`Boolean`]           | `bool`                              |
//! | `Float()`          | [`Float`]             | `f64`                               |
//! | `Decimal()`        | [`Decimal`]           | [`values::Decimal`](crate::values::Decimal) |
//! | `DateTime()`       | [`DateTime`]          | [`values::DateTime`](crate::values::DateTime) |
//! | `ListOf(T)`        | [`ListOf<T>`]         | `Vec<T::Value>`                     |
//! | `AmpList([...])`   | [`AmpList<T>`]        | `Vec<T>` (`T: BoxFields`)           |
//! | `Descriptor()`     | [`Descriptor`]        | [`std::os::fd::OwnedFd`]            |
//!
//! A codec has the name of the Twisted type it mirrors (the name the macros
//! and schemas take), so this module's [`String`] is Twisted's `String()`,
//! not `std::string::String`: outside this module, codecs are written through
//! it (`types::String`), never imported bare (see the crate's naming
//! conventions).

mod amp_list;
mod context;
mod date_time;
mod decimal;
mod descriptor;
mod error;
mod float;
mod integer;
mod list_of;
mod text;

pub use crate::python::MAX_INTEGER_DIGITS;
pub use amp_list::AmpList;
pub use context::ArgContext;
pub use date_time::DateTime;
pub use decimal::Decimal;
pub use descriptor::Descriptor;
pub use error::{DecodeError, DecodeErrorKind};
pub use float::Float;
pub use integer::{Integer, IntegerValue};
pub use list_of::ListOf;
pub use text::{Boolean, Path, String, Unicode};

pub(crate) use amp_list::{read_boxes, write_boxes};
pub(crate) use list_of::{read_elements, write_elements};

use bytes::{Bytes, BytesMut};

use crate::wire::{AmpBox, EncodeError, MAX_VALUE_LEN};

/// Twisted's `Argument`: writes one named argument into a box and reads it back.
pub trait ArgumentType {
    /// The Rust value the argument carries.
    type Value;

    /// Writes `value` under `name` (and any keys the type derives from it).
    fn to_box(name: &str, value: &Self::Value, out: &mut AmpBox, acx: &mut ArgContext) -> Result<(), EncodeError>;

    /// [`to_box`](ArgumentType::to_box) under a name fixed at compile time,
    /// as generated code writes fields: the key can go into the box without
    /// a copy. The default calls `to_box`.
    fn to_box_static(
        name: &'static str,
        value: &Self::Value,
        out: &mut AmpBox,
        acx: &mut ArgContext,
    ) -> Result<(), EncodeError> {
        Self::to_box(name, value, out, acx)
    }

    /// Reads the argument stored under `name`: `Ok(None)` when it is absent.
    fn from_box(name: &str, input: &AmpBox, acx: &mut ArgContext) -> Result<Option<Self::Value>, DecodeError>;
}

/// An argument with a plain string form (Twisted's `toString` / `fromString`).
pub trait StringArgument {
    /// The Rust value the argument carries.
    type Value;

    /// Appends the wire form of `value` to `out`; `Err` holds the reason.
    fn to_string(value: &Self::Value, out: &mut BytesMut) -> Result<(), std::string::String>;

    /// The wire form of `value` as one buffer. The default writes
    /// [`to_string`](StringArgument::to_string) into a new one; a type whose
    /// value already is its wire form returns it without a copy.
    fn to_bytes(value: &Self::Value) -> Result<Bytes, std::string::String> {
        let mut buf = BytesMut::new();
        Self::to_string(value, &mut buf)?;
        Ok(buf.freeze())
    }

    /// Parses the wire form.
    fn from_string(input: Bytes) -> Result<Self::Value, DecodeErrorKind>;
}

impl<T: StringArgument> ArgumentType for T {
    type Value = T::Value;

    fn to_box(name: &str, value: &T::Value, out: &mut AmpBox, _acx: &mut ArgContext) -> Result<(), EncodeError> {
        let wire = string_value::<T>(name, value)?;
        out.insert(Bytes::copy_from_slice(name.as_bytes()), wire);
        Ok(())
    }

    fn to_box_static(
        name: &'static str,
        value: &T::Value,
        out: &mut AmpBox,
        _acx: &mut ArgContext,
    ) -> Result<(), EncodeError> {
        let wire = string_value::<T>(name, value)?;
        out.insert(Bytes::from_static(name.as_bytes()), wire);
        Ok(())
    }

    fn from_box(name: &str, input: &AmpBox, _acx: &mut ArgContext) -> Result<Option<T::Value>, DecodeError> {
        match input.get(name) {
            None => Ok(None),
            Some(raw) => T::from_string(raw.clone()).map(Some).map_err(|kind| DecodeError::new(name, kind)),
        }
    }
}

/// The checked wire form of a string argument's value.
fn string_value<T: StringArgument>(name: &str, value: &T::Value) -> Result<Bytes, EncodeError> {
    let wire = T::to_bytes(value).map_err(|reason| EncodeError::Invalid { key: name.into(), reason })?;
    if wire.len() > MAX_VALUE_LEN {
        return Err(EncodeError::ValueTooLong { key: name.into(), len: wire.len() });
    }
    Ok(wire)
}

/// A struct whose fields are the arguments of a box: a command's arguments or
/// response, or an element of an [`AmpList`]. Generated by `#[amp_command]`.
pub trait BoxFields: Sized {
    /// Writes every field into `out`; absent optionals write nothing.
    fn write_fields(&self, out: &mut AmpBox, acx: &mut ArgContext) -> Result<(), EncodeError>;
    /// Reads every field; unknown keys are ignored, a missing required one is an error.
    fn read_fields(input: &AmpBox, acx: &mut ArgContext) -> Result<Self, DecodeError>;
}

/// Reads a required argument: absent is [`DecodeErrorKind::Missing`].
pub fn required<T: ArgumentType>(name: &str, input: &AmpBox, acx: &mut ArgContext) -> Result<T::Value, DecodeError> {
    T::from_box(name, input, acx)?.ok_or_else(|| DecodeError::new(name, DecodeErrorKind::Missing))
}

/// Reads an optional argument: absent is `None`.
pub fn optional<T: ArgumentType>(
    name: &str,
    input: &AmpBox,
    acx: &mut ArgContext,
) -> Result<Option<T::Value>, DecodeError> {
    T::from_box(name, input, acx)
}

/// Writes an optional argument: `None` writes nothing.
pub fn write_optional<T: ArgumentType>(
    name: &str,
    value: &Option<T::Value>,
    out: &mut AmpBox,
    acx: &mut ArgContext,
) -> Result<(), EncodeError> {
    match value {
        Some(v) => T::to_box(name, v, out, acx),
        None => Ok(()),
    }
}
