use std::ops::Range;

use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::amp_box::AmpBox;
use super::error::{EncodeError, ProtocolError};
use super::keys::{ANSWER, ASK, COMMAND, ERROR, ERROR_CODE, ERROR_DESCRIPTION, MAX_KEY_LEN};
use super::limits::Limits;

/// Frames a byte stream into [`AmpBox`]es and back.
///
/// Decoding is incremental: each call resumes where the last one stopped, so
/// a box arriving one byte at a time is scanned once. Decoded values are
/// zero-copy slices of the received buffer.
#[derive(Debug, Default)]
pub struct AmpCodec {
    limits: Limits,
    /// Bytes of the current box already parsed.
    parsed: usize,
    /// Key and value ranges of the complete pairs parsed so far.
    pairs: Vec<(Range<usize>, Range<usize>)>,
    /// A key parsed whose value has not fully arrived.
    key: Option<Range<usize>>,
}

impl AmpCodec {
    /// A codec with the default [`Limits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A codec with the given receive limits.
    pub fn with_limits(limits: Limits) -> Self {
        AmpCodec { limits, ..Self::default() }
    }

    /// The receive limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Whether part of a box has been parsed and the rest is awaited.
    pub fn is_mid_box(&self) -> bool {
        self.parsed > 0
    }

    fn reset(&mut self) {
        self.parsed = 0;
        self.pairs.clear();
        self.key = None;
    }

    /// Checks that a box growing to `end` bytes stays within the byte limit.
    fn check_size(&self, end: usize) -> Result<(), ProtocolError> {
        if end > self.limits.max_box_bytes {
            return Err(ProtocolError::BoxTooLarge { limit: self.limits.max_box_bytes });
        }
        Ok(())
    }

    fn fail(&mut self, e: ProtocolError) -> Result<Option<AmpBox>, ProtocolError> {
        self.reset();
        Err(e)
    }

    /// The box whose pairs the careful scan recorded, as slices of `frame`.
    fn take_box(&mut self, mut frame: Bytes) -> AmpBox {
        let count = self.pairs.len();
        let mut pairs = Vec::with_capacity(count);
        for (i, (k, v)) in self.pairs.drain(..).enumerate() {
            pairs.push(pair_of(&mut frame, k, v, i + 1 == count));
        }
        AmpBox::from_pairs(pairs)
    }
}

/// A whole box at the front of `buf` that breaks no rule and no limit: its
/// length and number of pairs. `None` when it is incomplete or anything is
/// wrong; the careful scan then decides (and reports the error), so this fast
/// path never changes an outcome.
///
/// Within the byte limit as a whole means within it at every step: every
/// element of a box is followed by at least a two-byte length.
fn scan_whole_box(buf: &[u8], limits: &Limits) -> Option<(usize, usize)> {
    let mut at = 0;
    let mut pairs = 0;
    loop {
        let key_len = be_u16(buf, at)?;
        if key_len == 0 {
            let end = at + 2;
            return (end <= limits.max_box_bytes).then_some((end, pairs));
        }
        if key_len > MAX_KEY_LEN || pairs >= limits.max_pairs {
            return None;
        }
        at += 2 + key_len;
        at += 2 + be_u16(buf, at)?;
        pairs += 1;
    }
}

/// The big-endian u16 at `at`, if `buf` holds it.
#[inline]
fn be_u16(buf: &[u8], at: usize) -> Option<usize> {
    match buf.get(at..at + 2) {
        Some(&[hi, lo]) => Some(u16::from_be_bytes([hi, lo]) as usize),
        _ => None,
    }
}

/// The box `frame` holds (checked by [`scan_whole_box`]: `count` pairs).
fn box_of_frame(mut frame: Bytes, count: usize) -> AmpBox {
    let mut pairs = Vec::with_capacity(count);
    let mut at = 0;
    for i in 0..count {
        let key_len = u16::from_be_bytes([frame[at], frame[at + 1]]) as usize;
        let k = at + 2..at + 2 + key_len;
        let value_len = u16::from_be_bytes([frame[k.end], frame[k.end + 1]]) as usize;
        let v = k.end + 2..k.end + 2 + value_len;
        at = v.end;
        pairs.push(pair_of(&mut frame, k, v, i + 1 == count));
    }
    AmpBox::from_pairs(pairs)
}

/// The pair at `k`, `v` of `frame`, as zero-copy slices.
///
/// Each slice of a shared buffer costs an atomic increment now and a
/// decrement when dropped, the bulk of decoding a small box. So reserved
/// keys (on every box) become static bytes, and for the `last` pair the
/// frame's own handle becomes the value instead of being cloned and dropped.
#[inline(always)]
fn pair_of(frame: &mut Bytes, k: Range<usize>, v: Range<usize>, last: bool) -> (Bytes, Bytes) {
    let key = reserved_key(&frame[k.clone()]).unwrap_or_else(|| frame.slice(k));
    let value = if last {
        let mut whole = std::mem::take(frame);
        whole.truncate(v.end);
        whole.advance(v.start);
        whole
    } else {
        frame.slice(v)
    };
    (key, value)
}

impl Decoder for AmpCodec {
    type Item = AmpBox;
    type Error = ProtocolError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<AmpBox>, ProtocolError> {
        if self.parsed == 0 {
            // Usually the whole box is already here: take it in one tight pass.
            // (When it is not, the careful scan below records progress as soon
            // as one element is in, so a big box is not rescanned per read.)
            if let Some((end, count)) = scan_whole_box(src, &self.limits) {
                return Ok(Some(box_of_frame(src.split_to(end).freeze(), count)));
            }
        }
        // The careful scan: resumes where it stopped, checks each element as it
        // arrives. It keeps `at` and `key` in locals and saves them only when it
        // has to wait (fields of `self` made each length read wait on a store).
        let mut at = self.parsed;
        let mut key = self.key.take();
        loop {
            if src.len() < at + 2 {
                self.parsed = at;
                self.key = key;
                src.reserve(at + 2 - src.len());
                return Ok(None);
            }
            let len = u16::from_be_bytes([src[at], src[at + 1]]) as usize;
            if key.is_none() {
                if len == 0 {
                    let end = at + 2;
                    if let Err(e) = self.check_size(end) {
                        return self.fail(e);
                    }
                    let frame = src.split_to(end).freeze();
                    let b = self.take_box(frame);
                    self.reset();
                    return Ok(Some(b));
                }
                if len > MAX_KEY_LEN {
                    return self.fail(ProtocolError::KeyTooLong { len });
                }
                if self.pairs.len() >= self.limits.max_pairs {
                    return self.fail(ProtocolError::TooManyPairs { limit: self.limits.max_pairs });
                }
            }
            let end = at + 2 + len;
            // Refuse before buffering what an announced length would make too large.
            if let Err(e) = self.check_size(end + 2) {
                return self.fail(e);
            }
            if src.len() < end {
                self.parsed = at;
                self.key = key;
                src.reserve(end + 2 - src.len());
                return Ok(None);
            }
            match key.take() {
                None => key = Some(at + 2..end),
                Some(k) => self.pairs.push((k, at + 2..end)),
            }
            at = end;
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<AmpBox>, ProtocolError> {
        match self.decode(src)? {
            Some(b) => Ok(Some(b)),
            None if src.is_empty() => Ok(None),
            None => {
                let buffered = src.len();
                src.advance(buffered);
                self.fail(ProtocolError::Truncated { buffered }).map(|_| None)
            }
        }
    }
}

impl Encoder<&AmpBox> for AmpCodec {
    type Error = EncodeError;

    fn encode(&mut self, item: &AmpBox, dst: &mut BytesMut) -> Result<(), EncodeError> {
        item.serialize_into(dst)
    }
}

impl Encoder<AmpBox> for AmpCodec {
    type Error = EncodeError;

    fn encode(&mut self, item: AmpBox, dst: &mut BytesMut) -> Result<(), EncodeError> {
        item.serialize_into(dst)
    }
}

/// The keys AMP itself puts in boxes, as static bytes (no reference count).
#[inline]
fn reserved_key(key: &[u8]) -> Option<Bytes> {
    const ASK_: &[u8] = ASK.as_bytes();
    const COMMAND_: &[u8] = COMMAND.as_bytes();
    const ANSWER_: &[u8] = ANSWER.as_bytes();
    const ERROR_: &[u8] = ERROR.as_bytes();
    const ERROR_CODE_: &[u8] = ERROR_CODE.as_bytes();
    const ERROR_DESCRIPTION_: &[u8] = ERROR_DESCRIPTION.as_bytes();
    let key: &'static [u8] = match key {
        ASK_ => ASK_,
        COMMAND_ => COMMAND_,
        ANSWER_ => ANSWER_,
        ERROR_ => ERROR_,
        ERROR_CODE_ => ERROR_CODE_,
        ERROR_DESCRIPTION_ => ERROR_DESCRIPTION_,
        _ => return None,
    };
    Some(Bytes::from_static(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(codec: &mut AmpCodec, chunks: &[&[u8]]) -> Vec<AmpBox> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for c in chunks {
            buf.extend_from_slice(c);
            while let Some(b) = codec.decode(&mut buf).unwrap() {
                out.push(b);
            }
        }
        out
    }

    const TWO: &[u8] = b"\x00\x03foo\x00\x03bar\x00\x00\x00\x01a\x00\x00\x00\x00";

    #[test]
    fn decodes_whole_and_byte_by_byte() {
        let whole = decode_all(&mut AmpCodec::new(), &[TWO]);
        let bytes: Vec<&[u8]> = TWO.chunks(1).collect();
        let split = decode_all(&mut AmpCodec::new(), &bytes);
        assert_eq!(whole, split);
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].get("foo").unwrap(), "bar");
        assert_eq!(whole[1].get("a").unwrap(), "");
    }

    #[test]
    fn values_are_slices_of_the_received_buffer() {
        let mut buf = BytesMut::from(TWO);
        let base = buf.as_ptr() as usize;
        let b = AmpCodec::new().decode(&mut buf).unwrap().unwrap();
        assert_eq!(b.get("foo").unwrap().as_ptr() as usize, base + 7);
    }

    #[test]
    fn key_too_long_first_or_later() {
        for input in [&b"\x01\x00"[..], b"\x00\x01a\x00\x00\x01\x00", b"\x00\x01a\x00\x00\x00\x00\x01\x00"] {
            let mut buf = BytesMut::from(input);
            let mut c = AmpCodec::new();
            let mut result = Ok(None);
            for _ in 0..3 {
                result = c.decode(&mut buf);
                if !matches!(result, Ok(Some(_))) {
                    break;
                }
            }
            assert_eq!(result, Err(ProtocolError::KeyTooLong { len: 256 }));
        }
    }

    #[test]
    fn limits_stop_endless_boxes() {
        let mut c = AmpCodec::with_limits(Limits { max_box_bytes: 1000, max_pairs: 3 });
        let mut buf = BytesMut::from(&b"\x00\x01a\x00\x00\x00\x01b\x00\x00\x00\x01c\x00\x00\x00\x01d\x00\x00"[..]);
        assert_eq!(c.decode(&mut buf), Err(ProtocolError::TooManyPairs { limit: 3 }));
        let mut c = AmpCodec::with_limits(Limits { max_box_bytes: 1000, max_pairs: 100 });
        let mut buf = BytesMut::from(&b"\x00\x01a\x04\x00"[..]);
        assert_eq!(c.decode(&mut buf), Err(ProtocolError::BoxTooLarge { limit: 1000 }));
    }

    /// Decodes `input` whole (the one-pass path) and fed one byte at a time
    /// (the careful, resumable path): both must give the same outcome.
    fn both_paths(
        limits: Limits,
        input: &[u8],
    ) -> (Result<Vec<AmpBox>, ProtocolError>, Result<Vec<AmpBox>, ProtocolError>) {
        let run = |chunks: Vec<&[u8]>| {
            let mut codec = AmpCodec::with_limits(limits);
            let mut buf = BytesMut::new();
            let mut out = Vec::new();
            for c in chunks {
                buf.extend_from_slice(c);
                while let Some(b) = codec.decode(&mut buf)? {
                    out.push(b);
                }
            }
            Ok(out)
        };
        (run(vec![input]), run(input.chunks(1).collect()))
    }

    #[test]
    fn limits_hold_exactly_on_both_paths() {
        // 3 pairs, 17 bytes in all.
        let input = b"\x00\x01a\x00\x00\x00\x01b\x00\x00\x00\x01c\x00\x00\x00\x00";
        for (limits, expected) in [
            (Limits { max_box_bytes: 17, max_pairs: 3 }, Ok(1)),
            (Limits { max_box_bytes: 16, max_pairs: 3 }, Err(ProtocolError::BoxTooLarge { limit: 16 })),
            (Limits { max_box_bytes: 17, max_pairs: 2 }, Err(ProtocolError::TooManyPairs { limit: 2 })),
        ] {
            let (whole, split) = both_paths(limits, input);
            assert_eq!(whole.clone().map(|v| v.len()), expected, "{limits:?}");
            assert_eq!(whole, split, "{limits:?}");
        }
    }

    #[test]
    fn reserved_keys_and_last_values_decode_like_any_other() {
        let input = b"\x00\x04_ask\x00\x01a\x00\x08_command\x00\x03Sum\x00\x01x\x00\x0212\x00\x00\
                      \x00\x07_answer\x00\x01a\x00\x05total\x00\x00\x00\x00";
        let (whole, split) = both_paths(Limits::default(), input);
        let whole = whole.unwrap();
        assert_eq!(Ok(whole.clone()), split);
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].iter().map(|(k, _)| &k[..]).collect::<Vec<_>>(), [&b"_ask"[..], b"_command", b"x"]);
        assert_eq!(whole[0].get("_command").unwrap(), "Sum");
        assert_eq!(whole[0].get("x").unwrap(), "12");
        assert_eq!(whole[1].get("_answer").unwrap(), "a");
        assert_eq!(whole[1].get("total").unwrap(), "");
        assert_eq!(whole[0].serialize().unwrap(), &input[..33]);
    }

    #[test]
    fn a_large_last_value_is_a_slice_on_both_paths() {
        let mut input = b"\x00\x04_ask\x00\x011\x00\x05value\xf0\x00".to_vec();
        input.extend(vec![7u8; 0xf000]);
        input.extend_from_slice(b"\x00\x00");
        let mut buf = BytesMut::from(&input[..]);
        let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
        let b = AmpCodec::new().decode(&mut buf).unwrap().unwrap();
        assert!(range.contains(&(b.get("value").unwrap().as_ptr() as usize)));
        assert_eq!(b.get("value").unwrap().len(), 0xf000);
        let mut codec = AmpCodec::new();
        let mut buf = BytesMut::with_capacity(input.len());
        let mut got = None;
        for c in input.chunks(1000) {
            buf.extend_from_slice(c);
            if let Some(b) = codec.decode(&mut buf).unwrap() {
                got = Some(b);
            }
        }
        assert_eq!(got.unwrap(), b);
    }

    #[test]
    fn truncated_at_eof() {
        let mut c = AmpCodec::new();
        let mut buf = BytesMut::from(&b"\x00\x03foo\x00\x05ba"[..]);
        assert_eq!(c.decode(&mut buf), Ok(None));
        assert_eq!(c.decode_eof(&mut buf), Err(ProtocolError::Truncated { buffered: 9 }));
        let mut buf = BytesMut::new();
        assert_eq!(AmpCodec::new().decode_eof(&mut buf), Ok(None));
    }
}
