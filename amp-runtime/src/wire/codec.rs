use std::ops::Range;

use bytes::{Buf, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::amp_box::AmpBox;
use super::error::{EncodeError, ProtocolError};
use super::limits::{Limits, MAX_KEY_LEN};

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
}

impl Decoder for AmpCodec {
    type Item = AmpBox;
    type Error = ProtocolError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<AmpBox>, ProtocolError> {
        loop {
            let at = self.parsed;
            if src.len() < at + 2 {
                src.reserve(at + 2 - src.len());
                return Ok(None);
            }
            let len = u16::from_be_bytes([src[at], src[at + 1]]) as usize;
            if self.key.is_none() {
                if len == 0 {
                    let end = at + 2;
                    if let Err(e) = self.check_size(end) {
                        return self.fail(e);
                    }
                    let frame = src.split_to(end).freeze();
                    let pairs = self.pairs.drain(..).map(|(k, v)| (frame.slice(k), frame.slice(v))).collect();
                    self.reset();
                    return Ok(Some(AmpBox::from_pairs(pairs)));
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
                src.reserve(end + 2 - src.len());
                return Ok(None);
            }
            match self.key.take() {
                None => self.key = Some(at + 2..end),
                Some(key) => self.pairs.push((key, at + 2..end)),
            }
            self.parsed = end;
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
