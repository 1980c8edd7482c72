//! `ListOf`: Twisted's `amp.ListOf`.

use std::marker::PhantomData;

use bytes::{BufMut, Bytes, BytesMut};

use super::{DecodeErrorKind, StringArgument};
use crate::wire::MAX_VALUE_LEN;

/// Twisted's `amp.ListOf(T)`: a list as one value, each element's wire form
/// behind a u16 big-endian length (`[1, 20, 500]` as `ListOf<Integer>` is
/// `00 01 '1' 00 02 '20' 00 03 '500'`; the empty list is the empty value).
///
/// `T` is any type with a plain string form ([`StringArgument`]), `ListOf`
/// itself included, so `ListOf<ListOf<Integer>>` works. `AmpList` and
/// `Descriptor` cannot be elements, as in Twisted.
///
/// Encoding fails for an element over 65,535 bytes (its length would not
/// fit) and, like every value, for a whole list over 65,535 bytes.
///
/// **Deliberate deviation from Twisted:** Twisted silently drops a truncated
/// last element (`00 02 '10' 00 05 'ab'` reads as `[10]`); this type refuses
/// it with [`DecodeErrorKind::TruncatedListElement`], since a value cut short
/// is corruption, not a shorter list.
pub struct ListOf<T>(PhantomData<fn() -> T>);

impl<T: StringArgument> StringArgument for ListOf<T> {
    type Value = Vec<T::Value>;

    fn to_string(value: &Vec<T::Value>, out: &mut BytesMut) -> Result<(), std::string::String> {
        write_elements(value, out, T::to_string)
    }

    fn from_string(input: Bytes) -> Result<Vec<T::Value>, DecodeErrorKind> {
        read_elements(&input, T::from_string)
    }
}

/// Writes each element behind its u16 length (shared with the dynamic layer,
/// so both give the same bytes and errors).
pub(crate) fn write_elements<'a, V: 'a>(
    items: impl IntoIterator<Item = &'a V>,
    out: &mut BytesMut,
    mut write: impl FnMut(&V, &mut BytesMut) -> Result<(), std::string::String>,
) -> Result<(), std::string::String> {
    for (index, element) in items.into_iter().enumerate() {
        // Write the element in place behind a length slot, then fill the slot.
        let slot = out.len();
        out.put_u16(0);
        write(element, out).map_err(|why| format!("list element {index}: {why}"))?;
        let len = out.len() - slot - 2;
        if len > MAX_VALUE_LEN {
            return Err(format!("list element {index} is {len} bytes long; at most 65535 fit its length prefix"));
        }
        out[slot..slot + 2].copy_from_slice(&(len as u16).to_be_bytes());
    }
    Ok(())
}

/// Reads every element with `read` (shared with the dynamic layer).
pub(crate) fn read_elements<V>(
    input: &Bytes,
    mut read: impl FnMut(Bytes) -> Result<V, DecodeErrorKind>,
) -> Result<Vec<V>, DecodeErrorKind> {
    split_elements(input)?
        .into_iter()
        .enumerate()
        .map(|(index, raw)| {
            read(raw).map_err(|reason| DecodeErrorKind::BadListElement { index, reason: Box::new(reason) })
        })
        .collect()
}

/// Splits a ListOf value into its elements (zero-copy slices of `input`).
///
/// A lone trailing byte, half a length prefix, is reported as an element
/// announcing 2 bytes with 1 available.
fn split_elements(input: &Bytes) -> Result<Vec<Bytes>, DecodeErrorKind> {
    let mut elements = Vec::new();
    let mut at = 0;
    while at < input.len() {
        let left = input.len() - at;
        if left < 2 {
            return Err(DecodeErrorKind::TruncatedListElement { announced: 2, available: left });
        }
        let len = usize::from(u16::from_be_bytes([input[at], input[at + 1]]));
        if left - 2 < len {
            return Err(DecodeErrorKind::TruncatedListElement { announced: len, available: left - 2 });
        }
        elements.push(input.slice(at + 2..at + 2 + len));
        at += 2 + len;
    }
    Ok(elements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Integer, String};

    #[test]
    fn elements_are_slices_of_the_value() {
        let raw = Bytes::from_static(b"\x00\x03foo\x00\x00");
        let v = ListOf::<String>::from_string(raw.clone()).unwrap();
        assert_eq!(v, vec![Bytes::from_static(b"foo"), Bytes::new()]);
        assert_eq!(v[0].as_ptr(), raw[2..].as_ptr());
    }

    #[test]
    fn truncation_is_an_error() {
        let e = ListOf::<Integer>::from_string(Bytes::from_static(b"\x00\x0210\x00\x05ab")).unwrap_err();
        assert_eq!(e, DecodeErrorKind::TruncatedListElement { announced: 5, available: 2 });
        let e = ListOf::<Integer>::from_string(Bytes::from_static(b"\x00\x0210\x00")).unwrap_err();
        assert_eq!(e, DecodeErrorKind::TruncatedListElement { announced: 2, available: 1 });
    }

    #[test]
    fn element_over_65535_is_refused() {
        let big = vec![Bytes::from(vec![b'x'; 65_536])];
        assert!(ListOf::<String>::to_string(&big, &mut BytesMut::new()).unwrap_err().contains("element 0"));
        let fits = vec![Bytes::from(vec![b'x'; 65_535])];
        let mut out = BytesMut::new();
        ListOf::<String>::to_string(&fits, &mut out).unwrap();
        assert_eq!(&out[..2], b"\xff\xff");
    }
}
