//! Round-trip checks for argument types: one helper for this crate's
//! property and conformance tests and for the cargo-fuzz targets in `fuzz/`,
//! so that all three hold every type to the same property.
//!
//! Hidden from the documentation (`#[doc(hidden)]`): an aid for this
//! repository's tests, not a stable API. It is always compiled, as the fuzz
//! crate (outside the workspace) depends on this crate by path; it is small
//! and generic, so nothing of it reaches a program that does not call it.
//!
//! The property, for a value: it encodes; the bytes decode to the same value
//! ([`Same`](crate::testing::Same): floats by their bits, any NaN alike); that value encodes to the
//! very same bytes. For bytes: where they decode at all, the value keeps the
//! property above (its encoding is canonical).

use std::fmt::Debug;

use bytes::{Bytes, BytesMut};

use crate::types::{ArgContext, ArgumentType, DecodeErrorKind, StringArgument};
use crate::wire::AmpBox;

/// How two decoded values compare: `==`, except for floats (bits; any NaN is
/// like any other, as Python writes every NaN `nan`).
pub trait Same: Debug {
    /// Whether `self` and `other` are the same value.
    fn same(&self, other: &Self) -> bool;
}

macro_rules! same_by_eq {
    ($($t:ty),*) => {$(
        impl Same for $t {
            fn same(&self, other: &Self) -> bool {
                self == other
            }
        }
    )*};
}

same_by_eq!(
    i64,
    u64,
    i128,
    bool,
    num_bigint::BigInt,
    Bytes,
    String,
    std::path::PathBuf,
    crate::values::Decimal,
    crate::values::DateTime
);

impl Same for f64 {
    fn same(&self, other: &Self) -> bool {
        (self.is_nan() && other.is_nan()) || self.to_bits() == other.to_bits()
    }
}

impl<T: Same> Same for Vec<T> {
    fn same(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same(b))
    }
}

impl<T: Same> Same for Option<T> {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.same(b),
            (None, None) => true,
            _ => false,
        }
    }
}

/// The wire form of `value`.
pub fn encode<T: StringArgument>(value: &T::Value) -> Result<Bytes, String> {
    let mut out = BytesMut::new();
    T::to_string(value, &mut out)?;
    Ok(out.freeze())
}

/// `raw` decoded as `T`.
pub fn decode<T: StringArgument>(raw: &[u8]) -> Result<T::Value, DecodeErrorKind> {
    T::from_string(Bytes::copy_from_slice(raw))
}

/// Checks that `value` round-trips (see the module docs) and returns its
/// wire form; `Err` says how it failed.
pub fn round_trip_value<T: StringArgument>(value: &T::Value) -> Result<Bytes, String>
where
    T::Value: Same,
{
    let wire = encode::<T>(value).map_err(|e| format!("{value:?} does not encode: {e}"))?;
    let back = decode::<T>(&wire).map_err(|e| format!("{value:?} -> {wire:?} does not decode: {e}"))?;
    if !back.same(value) {
        return Err(format!("{value:?} -> {wire:?} -> {back:?}"));
    }
    let again = encode::<T>(&back).map_err(|e| format!("{back:?} (decoded) does not encode: {e}"))?;
    if again != wire {
        return Err(format!("{value:?} -> {wire:?} -> {back:?} -> {again:?}: not the same bytes"));
    }
    Ok(wire)
}

/// Checks that where `raw` decodes as `T`, its value round-trips: `Ok(None)`
/// when it does not decode, else the value and its canonical bytes.
pub fn round_trip_bytes<T: StringArgument>(raw: &[u8]) -> Result<Option<(T::Value, Bytes)>, String>
where
    T::Value: Same,
{
    let Ok(value) = decode::<T>(raw) else { return Ok(None) };
    let canonical = round_trip_value::<T>(&value).map_err(|e| format!("{raw:?} decodes, but: {e}"))?;
    Ok(Some((value, canonical)))
}

/// [`round_trip_bytes`] for a fuzz target: panics where the property fails.
pub fn assert_round_trip_bytes<T: StringArgument>(raw: &[u8]) -> Option<(T::Value, Bytes)>
where
    T::Value: Same,
{
    round_trip_bytes::<T>(raw).unwrap_or_else(|e| panic!("{e}"))
}

/// The same property for any argument type, read from and written to a box
/// under `name` (an `AmpList`, a type owning several keys): where `input`
/// holds a value that decodes, it encodes into a box, that box decodes to
/// the same value, and encoding that again gives the same bytes. Returns the
/// value and the box it encoded to.
pub fn round_trip_field<T: ArgumentType>(name: &str, input: &AmpBox) -> Result<Option<(T::Value, AmpBox)>, String>
where
    T::Value: Same,
{
    let cx = &mut ArgContext::new();
    let Ok(Some(value)) = T::from_box(name, input, cx) else { return Ok(None) };
    let mut out = AmpBox::new();
    T::to_box(name, &value, &mut out, cx).map_err(|e| format!("decoded {value:?} does not encode: {e}"))?;
    let back = match T::from_box(name, &out, cx) {
        Ok(Some(back)) => back,
        Ok(None) => return Err(format!("the encoding of {value:?} holds no `{name}`")),
        Err(e) => return Err(format!("the encoding of {value:?} does not decode: {e}")),
    };
    if !back.same(&value) {
        return Err(format!("{value:?} -> {out:?} -> {back:?}"));
    }
    let mut twice = AmpBox::new();
    T::to_box(name, &back, &mut twice, cx).map_err(|e| format!("{back:?} (decoded) does not encode: {e}"))?;
    let (a, b) = (out.serialize().map_err(|e| e.to_string())?, twice.serialize().map_err(|e| e.to_string())?);
    if a != b {
        return Err(format!("the encoding of {value:?} is not stable: {a:?} then {b:?}"));
    }
    Ok(Some((value, out)))
}
