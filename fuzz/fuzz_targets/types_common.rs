//! Shared by the `types_*` targets: the round-trip property every argument
//! type's decoder must keep.

use std::fmt::Debug;

use amp_runtime::StringArgument;
use bytes::{Bytes, BytesMut};

/// How two decoded values compare: `==`, except for floats (bits, any NaN equal).
pub trait Same {
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
    amp_runtime::BigInt,
    Bytes,
    std::string::String,
    std::path::PathBuf,
    amp_runtime::Decimal,
    amp_runtime::DateTime
);

impl Same for f64 {
    // Python writes every NaN as `nan`: the payload and sign are not kept.
    fn same(&self, other: &Self) -> bool {
        (self.is_nan() && other.is_nan()) || self.to_bits() == other.to_bits()
    }
}

impl<T: Same> Same for Vec<T> {
    fn same(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same(b))
    }
}

/// The wire form of `value`; a decoded value must always encode.
pub fn encode<T: StringArgument>(value: &T::Value) -> Bytes
where
    T::Value: Debug,
{
    let mut out = BytesMut::new();
    T::to_string(value, &mut out).unwrap_or_else(|e| panic!("decoded value {value:?} does not encode: {e}"));
    out.freeze()
}

/// Decodes `data` as `T`: must not panic. Where it decodes, the value's
/// encoding is canonical: it decodes to the same value and encodes to the
/// same bytes again. Returns the value and its canonical bytes.
pub fn round_trip<T: StringArgument>(data: &[u8]) -> Option<(T::Value, Bytes)>
where
    T::Value: Same + Debug,
{
    let value = T::from_string(Bytes::copy_from_slice(data)).ok()?;
    let canonical = encode::<T>(&value);
    let again = T::from_string(canonical.clone())
        .unwrap_or_else(|e| panic!("canonical form {canonical:?} of {value:?} does not decode: {e}"));
    assert!(value.same(&again), "{data:?} -> {value:?} -> {canonical:?} -> {again:?}");
    assert_eq!(encode::<T>(&again), canonical, "encoding of {value:?} is not stable");
    Some((value, canonical))
}
