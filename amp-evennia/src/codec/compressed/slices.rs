//! The compressed slices of one argument, how they are named in a box, and
//! the argument type that sends slices compressed ahead of time.

use std::collections::HashMap;

use amp_runtime::wire::{AmpBox, EncodeError, MAX_KEY_LEN, MAX_VALUE_LEN};
use amp_runtime::{ArgContext, ArgumentType, DecodeError};
use bytes::Bytes;

/// The key of slice `index` (1-based) of argument `name`: `name` for the
/// first, `name.2`, `name.3`, ... after it (Evennia's `b"%s.%d"`).
pub fn slice_key(name: &str, index: usize) -> String {
    if index <= 1 {
        name.to_owned()
    } else {
        format!("{name}.{index}")
    }
}

/// The zlib-compressed slices of one payload, in order, as they travel.
///
/// Made by [`CompressedCodec::compress_slices`](super::CompressedCodec::compress_slices)
/// (or its parallel form) and turned back into the payload by
/// [`CompressedCodec::decompress`](super::CompressedCodec::decompress).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompressedSlices(Vec<Bytes>);

impl CompressedSlices {
    /// Slices as given; [`write_into`](Self::write_into) checks their size.
    pub fn from_vec(slices: Vec<Bytes>) -> Self {
        CompressedSlices(slices)
    }

    /// The slices.
    pub fn slices(&self) -> &[Bytes] {
        &self.0
    }

    /// The slices, consuming `self`.
    pub fn into_vec(self) -> Vec<Bytes> {
        self.0
    }

    /// Number of slices.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no slices (not a valid argument: an empty payload
    /// still has one slice).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Compressed bytes, all slices together.
    pub fn compressed_len(&self) -> usize {
        self.0.iter().map(Bytes::len).sum()
    }

    /// Writes the slices under `name`, `name.2`, ... and removes any further
    /// `name.n` keys a previous value left in `out`, which a reader would
    /// otherwise take as part of this payload.
    pub fn write_into(&self, name: &str, out: &mut AmpBox) -> Result<(), EncodeError> {
        if self.0.is_empty() {
            return Err(EncodeError::Invalid {
                key: name.into(),
                reason: "a Compressed value needs at least one slice".into(),
            });
        }
        let last_key = slice_key(name, self.0.len());
        if name.is_empty() || last_key.len() > MAX_KEY_LEN {
            return Err(EncodeError::KeyLength { key: last_key.as_str().into(), len: last_key.len() });
        }
        for (i, slice) in self.0.iter().enumerate() {
            if slice.len() > MAX_VALUE_LEN {
                let key = slice_key(name, i + 1);
                return Err(EncodeError::ValueTooLong { key: key.as_str().into(), len: slice.len() });
            }
        }
        for (i, slice) in self.0.iter().enumerate() {
            out.insert(slice_key(name, i + 1), slice.clone());
        }
        // Bounded by the box's size: each pass removes a key.
        let mut next = self.0.len() + 1;
        while out.remove(slice_key(name, next)).is_some() {
            next += 1;
        }
        Ok(())
    }

    /// Reads the slices of `name` as Evennia's `fromBox` does: `name`, then
    /// `name.2`, `name.3`, ... up to the first one missing (later ones are
    /// ignored). `None` when `name` itself is absent. A key repeated in the
    /// box counts with its last value, as for every AMP lookup.
    pub fn read(name: &str, input: &AmpBox) -> Option<CompressedSlices> {
        let first = input.get(name)?.clone();
        // One pass over the box, so a box with many keys costs linear time
        // (looking each `name.n` up in turn would be quadratic).
        let mut rest: Option<HashMap<usize, Bytes>> = None;
        for (key, value) in input.iter() {
            if let Some(n) = slice_number(name, key) {
                rest.get_or_insert_with(HashMap::new).insert(n, value.clone());
            }
        }
        let mut slices = vec![first];
        if let Some(mut rest) = rest {
            let mut n = 2;
            while let Some(slice) = rest.remove(&n) {
                slices.push(slice);
                n += 1;
            }
        }
        Some(CompressedSlices(slices))
    }
}

impl From<Vec<Bytes>> for CompressedSlices {
    fn from(slices: Vec<Bytes>) -> Self {
        CompressedSlices(slices)
    }
}

/// `n` when `key` is exactly `name.n` with `n` ≥ 2 written as `%d` writes it
/// (no sign, no leading zero): the only keys Evennia's reader looks up.
fn slice_number(name: &str, key: &[u8]) -> Option<usize> {
    let digits = key.strip_prefix(name.as_bytes())?.strip_prefix(b".")?;
    if digits.is_empty() || digits[0] == b'0' || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Keys are at most 255 bytes; an overflowing number cannot be reached anyway.
    let n = std::str::from_utf8(digits).ok()?.parse::<usize>().ok()?;
    (n >= 2).then_some(n)
}

/// A `Compressed` argument whose value is already compressed
/// ([`CompressedSlices`]): compress a large payload off the async runtime
/// (for example with [`CompressedCodec::compress_slices_parallel`](super::CompressedCodec::compress_slices_parallel)
/// under `spawn_blocking`), then send it with no further work. On receive it
/// reads the slices without decompressing them. Same wire form as
/// [`Compressed`](super::Compressed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreCompressed;

impl ArgumentType for PreCompressed {
    type Value = CompressedSlices;

    fn to_box(name: &str, value: &CompressedSlices, out: &mut AmpBox, _cx: &mut ArgContext) -> Result<(), EncodeError> {
        value.write_into(name, out)
    }

    fn from_box(name: &str, input: &AmpBox, _cx: &mut ArgContext) -> Result<Option<CompressedSlices>, DecodeError> {
        Ok(CompressedSlices::read(name, input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_numbers_follow_percent_d() {
        assert_eq!(slice_number("p", b"p.2"), Some(2));
        assert_eq!(slice_number("p", b"p.170"), Some(170));
        assert_eq!(slice_number("p", b"p.1"), None);
        assert_eq!(slice_number("p", b"p.0"), None);
        assert_eq!(slice_number("p", b"p.02"), None);
        assert_eq!(slice_number("p", b"p.+2"), None);
        assert_eq!(slice_number("p", b"p."), None);
        assert_eq!(slice_number("p", b"p"), None);
        assert_eq!(slice_number("p", b"q.2"), None);
        assert_eq!(slice_number("p", b"p.2x"), None);
        assert_eq!(slice_number("p", b"p.99999999999999999999999999"), None);
    }

    #[test]
    fn keys() {
        assert_eq!(slice_key("packed_data", 1), "packed_data");
        assert_eq!(slice_key("packed_data", 2), "packed_data.2");
        assert_eq!(slice_key("packed_data", 12), "packed_data.12");
    }
}
