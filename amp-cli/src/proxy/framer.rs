//! Finding the boxes in one direction of a proxied connection, from a copy
//! of the bytes forwarded (the forwarded bytes themselves are never touched).
//!
//! Bytes that break AMP's framing (including a stream that is not AMP at
//! all, such as an HTTP request to Evennia's AMP port, whose first bytes
//! read as a key length over 255) stop the search for that direction: one
//! [`Framed::Undecoded`] says where and why, and later bytes are forwarded
//! without being looked at.

use amp_runtime::{AmpBox, AmpCodec, Limits};
use bytes::{Bytes, BytesMut};
use tokio_util::codec::Decoder;

/// How many bytes of undecodable data a report shows.
pub const PREVIEW: usize = 256;

/// What the framer found in the bytes fed to it.
#[derive(Debug, PartialEq)]
pub enum Framed {
    /// One whole box.
    Box(AmpBox),
    /// The framing broke (or the stream ended inside a box): nothing more is
    /// decoded in this direction.
    Undecoded {
        /// Offset in the direction's stream of the first byte not decoded.
        at: u64,
        /// Why.
        error: String,
        /// The first bytes from `at` that had arrived (at most [`PREVIEW`]).
        preview: Bytes,
        /// How many bytes from `at` had arrived.
        buffered: usize,
    },
}

/// The framing state of one direction.
#[derive(Debug)]
pub struct Framer {
    codec: AmpCodec,
    buf: BytesMut,
    /// Bytes fed so far.
    fed: u64,
    /// False once the framing broke.
    decoding: bool,
}

impl Framer {
    /// A framer refusing boxes over `limits` (which then count as broken framing).
    pub fn new(limits: Limits) -> Framer {
        Framer { codec: AmpCodec::with_limits(limits), buf: BytesMut::new(), fed: 0, decoding: true }
    }

    /// Feeds the next bytes of the stream; what they complete goes to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<Framed>) {
        self.fed += chunk.len() as u64;
        if !self.decoding {
            return;
        }
        self.buf.extend_from_slice(chunk);
        loop {
            match self.codec.decode(&mut self.buf) {
                Ok(Some(b)) => out.push(Framed::Box(b)),
                Ok(None) => return,
                Err(e) => return self.stop(e.to_string(), out),
            }
        }
    }

    /// The end of the stream: a box left unfinished is reported.
    pub fn finish(&mut self, out: &mut Vec<Framed>) {
        if self.decoding && !self.buf.is_empty() {
            let error = format!("the stream ended inside a box ({} bytes of it received)", self.buf.len());
            self.stop(error, out);
        }
    }

    fn stop(&mut self, error: String, out: &mut Vec<Framed>) {
        // The buffer starts at the first byte of the box that failed.
        let buffered = self.buf.len();
        let at = self.fed - buffered as u64;
        let preview = Bytes::copy_from_slice(&self.buf[..buffered.min(PREVIEW)]);
        out.push(Framed::Undecoded { at, error, preview, buffered });
        self.decoding = false;
        self.buf = BytesMut::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(pairs: &[(&str, &str)]) -> Vec<u8> {
        let b = AmpBox::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (Bytes::copy_from_slice(k.as_bytes()), Bytes::copy_from_slice(v.as_bytes())))
                .collect(),
        );
        b.serialize().unwrap().to_vec()
    }

    fn feed_in(chunks: &[&[u8]]) -> Vec<Framed> {
        let mut f = Framer::new(Limits::default());
        let mut out = Vec::new();
        for c in chunks {
            f.feed(c, &mut out);
        }
        f.finish(&mut out);
        out
    }

    #[test]
    fn boxes_split_anywhere_come_out_whole() {
        let mut stream = wire(&[("_command", "Sum"), ("_ask", "1"), ("a", "13")]);
        stream.extend(wire(&[("_answer", "1"), ("total", "94")]));
        let whole = feed_in(&[&stream]);
        assert_eq!(whole.len(), 2);
        for cut in 0..stream.len() {
            assert_eq!(feed_in(&[&stream[..cut], &stream[cut..]]), whole, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(feed_in(&bytes), whole);
    }

    #[test]
    fn http_is_reported_at_byte_zero() {
        let out = feed_in(&[b"GET / HTTP/1.1\r\n\r\n"]);
        let [Framed::Undecoded { at, error, preview, buffered }] = &out[..] else { panic!("{out:?}") };
        assert_eq!((*at, *buffered), (0, 18));
        assert!(error.contains("key length of 18245"), "{error}");
        assert_eq!(&preview[..], b"GET / HTTP/1.1\r\n\r\n");
    }

    #[test]
    fn broken_framing_after_boxes_names_its_offset_and_stops() {
        let good = wire(&[("_command", "A")]);
        let mut stream = good.clone();
        stream.extend([0x01, 0x00, b'x']);
        let mut f = Framer::new(Limits::default());
        let mut out = Vec::new();
        f.feed(&stream, &mut out);
        f.feed(&good, &mut out);
        f.finish(&mut out);
        assert_eq!(out.len(), 2, "{out:?}");
        assert!(matches!(&out[0], Framed::Box(_)));
        let Framed::Undecoded { at, preview, .. } = &out[1] else { panic!("{out:?}") };
        assert_eq!(*at, good.len() as u64);
        assert_eq!(&preview[..], &[0x01, 0x00, b'x']);
    }

    #[test]
    fn an_unfinished_box_is_reported_at_the_end() {
        let stream = wire(&[("_command", "A"), ("k", "value")]);
        let out = feed_in(&[&stream[..stream.len() - 3]]);
        let [Framed::Undecoded { at: 0, error, buffered, .. }] = &out[..] else { panic!("{out:?}") };
        assert_eq!(*buffered, stream.len() - 3);
        assert!(error.contains("ended inside a box"), "{error}");
    }

    proptest::proptest! {
        /// Any boxes, cut anywhere: the same boxes as fed whole, all of them, nothing undecoded.
        #[test]
        fn any_boxes_cut_anywhere(
            boxes in proptest::collection::vec(
                proptest::collection::vec(("[a-z_]{1,8}", proptest::collection::vec(proptest::num::u8::ANY, 0..40)), 0..5),
                0..6,
            ),
            cuts in proptest::collection::vec(0usize..400, 0..8),
        ) {
            let mut stream = Vec::new();
            for pairs in &boxes {
                let b = AmpBox::from_pairs(
                    pairs.iter().map(|(k, v)| (Bytes::copy_from_slice(k.as_bytes()), Bytes::copy_from_slice(v))).collect(),
                );
                stream.extend_from_slice(&b.serialize().unwrap());
            }
            let expected = feed_in(&[&stream]);
            proptest::prop_assert_eq!(expected.len(), boxes.len());
            proptest::prop_assert!(expected.iter().all(|f| matches!(f, Framed::Box(_))));
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(stream.len())).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut from = 0;
            for c in cuts.into_iter().chain([stream.len()]) {
                chunks.push(&stream[from..c]);
                from = c;
            }
            proptest::prop_assert_eq!(feed_in(&chunks), expected);
        }

        /// Any bytes: no panic; at most one report, at an offset inside the
        /// stream, whose preview is the stream's bytes from there.
        #[test]
        fn any_bytes_any_cuts(stream in proptest::collection::vec(proptest::num::u8::ANY, 0..300), cut in 0usize..300) {
            let cut = cut.min(stream.len());
            let out = feed_in(&[&stream[..cut], &stream[cut..]]);
            let reports: Vec<&Framed> = out.iter().filter(|f| matches!(f, Framed::Undecoded { .. })).collect();
            proptest::prop_assert!(reports.len() <= 1);
            if let Some(Framed::Undecoded { at, preview, buffered, .. }) = reports.first() {
                let at = *at as usize;
                proptest::prop_assert!(at + buffered <= stream.len());
                proptest::prop_assert_eq!(&preview[..], &stream[at..at + preview.len()]);
                proptest::prop_assert!(matches!(out.last(), Some(Framed::Undecoded { .. })), "a report is last");
            }
        }
    }

    #[test]
    fn a_box_over_the_limit_is_broken_framing() {
        let limits = Limits { max_box_bytes: 64, max_pairs: 4 };
        let mut f = Framer::new(limits);
        let mut out = Vec::new();
        f.feed(&wire(&[("_command", "A"), ("k", &"v".repeat(100))]), &mut out);
        let [Framed::Undecoded { at: 0, error, .. }] = &out[..] else { panic!("{out:?}") };
        assert!(error.contains("more than 64 bytes"), "{error}");
    }
}
