//! Any bytes, cut into any pieces, through `AmpCodec`: decoding never panics;
//! fed whole or in pieces it gives the same boxes and the same first error;
//! every decoded box re-serializes to bytes that decode to the same lookups.
//!
//! Input layout: byte 0 picks the limits, byte 1 seeds the piece sizes, the
//! rest is the stream.

#![no_main]

use amp_runtime::{AmpBox, AmpCodec, Limits, ProtocolError};
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

/// Every box of `pieces` (fed in order) and the first error, as a connection sees them.
fn decode(limits: Limits, pieces: &[&[u8]]) -> (Vec<AmpBox>, Option<ProtocolError>) {
    let mut codec = AmpCodec::with_limits(limits);
    let mut buf = BytesMut::new();
    let mut boxes = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(b)) => boxes.push(b),
                Ok(None) => break,
                Err(e) => return (boxes, Some(e)),
            }
        }
    }
    loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(b)) => boxes.push(b),
            Ok(None) => return (boxes, None),
            Err(e) => return (boxes, Some(e)),
        }
    }
}

/// Cuts `stream` into pieces of 1 to 16 bytes chosen by a small generator seeded with `seed`.
fn pieces(stream: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut state = u32::from(seed) | 1;
    let mut out = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state as usize % 16 + 1).min(rest.len());
        let (piece, tail) = rest.split_at(n);
        out.push(piece);
        rest = tail;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let [pick, seed, stream @ ..] = data else { return };
    // Small limits half the time, so the limit paths are exercised too.
    let limits = if pick & 1 == 0 {
        Limits::default()
    } else {
        Limits { max_box_bytes: 8 + usize::from(pick >> 1) * 4, max_pairs: usize::from(pick >> 5) }
    };
    let whole = decode(limits, &[stream]);
    let split = decode(limits, &pieces(stream, *seed));
    assert_eq!(whole, split, "whole and piecewise decoding differ");

    for b in &whole.0 {
        let wire = b.serialize().expect("a received box is within AMP's limits");
        assert_eq!(wire.len(), b.encoded_len());
        let (again, error) = decode(Limits::unlimited(), &[&wire]);
        assert_eq!(error, None, "our own bytes must decode");
        let [again] = &again[..] else { panic!("one box serialized, {} decoded", again.len()) };
        // Serializing keeps one pair per key, the last, sorted: lookups agree.
        for (k, _) in b {
            assert_eq!(again.get(k), b.get(k));
        }
        for (k, _) in again {
            assert!(b.contains_key(k));
        }
        assert_eq!(again.serialize().unwrap(), wire, "serializing is not idempotent");
    }
});
