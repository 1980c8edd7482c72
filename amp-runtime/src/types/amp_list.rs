//! `AmpList`: Twisted's `amp.AmpList`.

use std::marker::PhantomData;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

use super::{ArgContext, ArgumentType, BoxFields, DecodeError, DecodeErrorKind};
use crate::wire::{AmpBox, AmpCodec, EncodeError, Limits, MAX_VALUE_LEN};

/// Twisted's `amp.AmpList(schema)`: a list of boxes as one value, each
/// element's serialized box (with its own `00 00` terminator) concatenated.
/// `[{x: 1}]` is `00 01 'x' 00 01 '1' 00 00`; an element whose fields are
/// all absent optionals is `00 00` and reads back as such.
///
/// `T` is the element struct ([`BoxFields`], as `#[amp_command]` generates
/// for `fields = [...]`). The whole must fit one value (65,535 bytes). Like
/// Twisted's `AmpList`, which overrides the protocol-aware hooks, it passes
/// the [`ArgContext`] to its elements, so an element may hold a `Descriptor`;
/// and it has no plain string form, so it cannot be a `ListOf` element.
///
/// Decoding frames the value with [`AmpCodec`]. **Deviation from Twisted:**
/// a value that does not frame as whole boxes (a truncated last box, a key
/// over 255 bytes) is [`DecodeErrorKind::BadAmpList`], where Twisted drops a
/// truncated tail silently.
pub struct AmpList<T>(PhantomData<fn() -> T>);

impl<T: BoxFields> ArgumentType for AmpList<T> {
    type Value = Vec<T>;

    fn to_box(name: &str, value: &Vec<T>, out: &mut AmpBox, acx: &mut ArgContext) -> Result<(), EncodeError> {
        write_boxes(name, value, out, acx, T::write_fields)
    }

    fn from_box(name: &str, input: &AmpBox, acx: &mut ArgContext) -> Result<Option<Vec<T>>, DecodeError> {
        let Some(raw) = input.get(name) else { return Ok(None) };
        read_boxes(name, raw, acx, T::read_fields).map(Some)
    }
}

/// Writes each element as a serialized box, all under `name` (shared with
/// the dynamic layer, so both give the same bytes and errors).
pub(crate) fn write_boxes<'a, V: 'a>(
    name: &str,
    items: impl IntoIterator<Item = &'a V>,
    out: &mut AmpBox,
    acx: &mut ArgContext,
    mut write: impl FnMut(&V, &mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let mut buf = BytesMut::new();
    for (index, element) in items.into_iter().enumerate() {
        let invalid =
            |e: EncodeError| EncodeError::Invalid { key: name.into(), reason: format!("AmpList element {index}: {e}") };
        let mut fields = AmpBox::new();
        write(element, &mut fields, acx).map_err(invalid)?;
        fields.serialize_into(&mut buf).map_err(invalid)?;
    }
    if buf.len() > MAX_VALUE_LEN {
        return Err(EncodeError::ValueTooLong { key: name.into(), len: buf.len() });
    }
    out.insert(Bytes::copy_from_slice(name.as_bytes()), buf.freeze());
    Ok(())
}

/// Reads every element box of the value `raw` of `name` with `read`.
pub(crate) fn read_boxes<V>(
    name: &str,
    raw: &Bytes,
    acx: &mut ArgContext,
    mut read: impl FnMut(&AmpBox, &mut ArgContext) -> Result<V, DecodeError>,
) -> Result<Vec<V>, DecodeError> {
    let boxes = split_boxes(raw).map_err(|kind| DecodeError::new(name, kind))?;
    boxes
        .iter()
        .enumerate()
        .map(|(index, element)| {
            read(element, acx)
                .map_err(|e| DecodeError::new(name, DecodeErrorKind::BadAmpList(format!("element {index}: {e}"))))
        })
        .collect()
}

/// Frames an AmpList value into its boxes; anything but whole boxes is an error.
fn split_boxes(raw: &Bytes) -> Result<Vec<AmpBox>, DecodeErrorKind> {
    // The value is at most 65,535 bytes, which bounds the boxes in it; the
    // connection's pair cap is for unbounded streams.
    let mut codec = AmpCodec::with_limits(Limits::unlimited());
    let mut buf = BytesMut::from(raw.clone());
    let mut boxes = Vec::new();
    loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(b)) => boxes.push(b),
            Ok(None) => return Ok(boxes),
            Err(e) => return Err(DecodeErrorKind::BadAmpList(format!("after {} whole boxes: {e}", boxes.len()))),
        }
    }
}
