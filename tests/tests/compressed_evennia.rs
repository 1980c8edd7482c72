//! Evennia's own `Compressed` (tests/python/compressed_peer.py, Evennia 6.1)
//! against amp-evennia's, both directions, 0 bytes to 10 MB, incompressible
//! payloads included. All cases of a direction go through one Python process.

use amp_evennia::codec::compressed::{CompressedCodec, DEFAULT_SLICE_SIZE};
use amp_runtime::{AmpBox, AmpCodec};
use amp_tests::{run_checked, Peer};
use bytes::{Bytes, BytesMut};
use rand::{RngCore, SeedableRng};
use tokio_util::codec::Decoder;

const NAME: &str = "packed_data";
const EVENNIA_SLICE: usize = 65_535;

fn random(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

/// Compressible bytes shaped like pickled game output (text, small ints, every byte value now and then).
fn textlike(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut i = 0u32;
    while out.len() < len {
        out.extend_from_slice(b"\x80\x05\x95text\x94]\x94(X\x0b\x00\x00\x00You see: ");
        out.extend_from_slice(format!("a room #{} with {} exits", i % 977, i % 7).as_bytes());
        out.push((i % 256) as u8);
        i += 1;
    }
    out.truncate(len);
    out
}

/// Sends `(op, data)` requests to one Evennia process; returns each reply:
/// `Ok(data)` or `Err(text)` when Evennia raised.
fn evennia(requests: &[(u8, Vec<u8>)]) -> Vec<Result<Vec<u8>, String>> {
    let mut input = Vec::new();
    for (op, data) in requests {
        input.push(*op);
        input.extend_from_slice(&(data.len() as u32).to_be_bytes());
        input.extend_from_slice(data);
    }
    let out = run_checked(Peer::Evennia61.script("tests/python/compressed_peer.py"), &input).stdout;
    let mut replies = Vec::new();
    let mut rest = &out[..];
    while !rest.is_empty() {
        assert!(rest.len() >= 5, "truncated reply");
        let len = u32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize;
        let body = rest[5..5 + len].to_vec();
        replies.push(match rest[0] {
            b'O' => Ok(body),
            b'X' => Err(String::from_utf8_lossy(&body).into_owned()),
            other => panic!("bad reply status {other}"),
        });
        rest = &rest[5 + len..];
    }
    assert_eq!(replies.len(), requests.len(), "one reply per request");
    replies
}

fn parse_one_box(wire: &[u8]) -> AmpBox {
    let mut buf = BytesMut::from(wire);
    let b = AmpCodec::new().decode(&mut buf).expect("Evennia's box parses").expect("a whole box");
    assert!(buf.is_empty(), "one box exactly");
    b
}

fn slice_keys(b: &AmpBox) -> usize {
    b.iter().filter(|(k, _)| k.starts_with(NAME.as_bytes())).count()
}

#[test]
fn evennia_boxes_decode_in_rust() {
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("one byte", b"x".to_vec()),
        ("text 100", textlike(100)),
        ("text 65534", textlike(EVENNIA_SLICE - 1)),
        ("text 65535", textlike(EVENNIA_SLICE)),
        ("text 65536", textlike(EVENNIA_SLICE + 1)),
        ("text 2x65535", textlike(2 * EVENNIA_SLICE)),
        ("text 1 MB", textlike(1_000_000)),
        ("text 10 MB", textlike(10_000_000)),
        ("random 1000", random(1000, 1)),
        // Evennia's level-9 stored-block fallback adds about 26 bytes: the
        // largest incompressible payload Evennia can send is about 65,509 bytes.
        ("random 65000", random(65_000, 2)),
        ("random 65509", random(65_509, 3)),
    ];
    // Mixed: a compressible first slice, an incompressible tail small enough to fit.
    cases.push(("text + random tail", [textlike(EVENNIA_SLICE), random(20_000, 4)].concat()));
    let requests: Vec<(u8, Vec<u8>)> = cases.iter().map(|(_, p)| (b'E', p.clone())).collect();
    let replies = evennia(&requests);
    for ((label, payload), reply) in cases.iter().zip(replies) {
        let wire = reply.unwrap_or_else(|e| panic!("{label}: Evennia failed: {e}"));
        let b = parse_one_box(&wire);
        assert_eq!(b.get("_command").unwrap().as_ref(), b"MsgServer2Portal");
        assert_eq!(slice_keys(&b), payload.len().div_ceil(EVENNIA_SLICE).max(1), "{label}: Evennia's slice count");
        let back = CompressedCodec::DEFAULT.decode(NAME, &b).unwrap().unwrap();
        assert!(back == payload[..], "{label}: payload differs ({} vs {} bytes)", back.len(), payload.len());
    }
}

#[test]
fn evennia_cannot_send_incompressible_slices_of_65535_bytes() {
    // Documents Evennia's own limit: C zlib at level 9 adds 26 bytes to random
    // data, so 65,510 random bytes and up (a 65,535-byte slice becomes 65,561)
    // exceed one AMP value and Twisted refuses the box before sending.
    let requests = vec![(b'E', random(65_510, 5)), (b'E', random(65_535, 6)), (b'E', random(200_000, 7))];
    for reply in evennia(&requests) {
        let err = reply.expect_err("Evennia should fail");
        assert!(err.starts_with("TooLong: isKey=False isLocal=True keyName=b'packed_data"), "{err}");
    }
}

#[test]
fn rust_boxes_decode_in_evennia() {
    let level1 = CompressedCodec { level: 1, ..CompressedCodec::DEFAULT };
    let cases: Vec<(&str, CompressedCodec, Vec<u8>)> = vec![
        ("empty", CompressedCodec::DEFAULT, Vec::new()),
        ("one byte", CompressedCodec::DEFAULT, b"x".to_vec()),
        ("text slice-1", CompressedCodec::DEFAULT, textlike(DEFAULT_SLICE_SIZE - 1)),
        ("text slice+1", CompressedCodec::DEFAULT, textlike(DEFAULT_SLICE_SIZE + 1)),
        ("text 65536", CompressedCodec::DEFAULT, textlike(EVENNIA_SLICE + 1)),
        ("text 1 MB", CompressedCodec::DEFAULT, textlike(1_000_000)),
        ("text 10 MB", CompressedCodec::DEFAULT, textlike(10_000_000)),
        ("random 65535", CompressedCodec::DEFAULT, random(65_535, 8)),
        ("random 1 MB", CompressedCodec::DEFAULT, random(1_000_000, 9)),
        ("random 10 MB", CompressedCodec::DEFAULT, random(10_000_000, 10)),
        ("random 1 MB level 1", level1, random(1_000_000, 11)),
        ("text 1 MB level 1", level1, textlike(1_000_000)),
        ("tiny slices", CompressedCodec { slice_size: 100, ..CompressedCodec::DEFAULT }, textlike(5_000)),
    ];
    let mut requests = Vec::new();
    for (label, codec, payload) in &cases {
        let mut b = AmpBox::new();
        b.insert("_command", "MsgServer2Portal");
        b.insert("_ask", "1");
        codec.encode_parallel(NAME, payload, &mut b).unwrap_or_else(|e| panic!("{label}: {e}"));
        let wire = b.serialize().unwrap_or_else(|e| panic!("{label}: {e}"));
        requests.push((b'D', wire.to_vec()));
    }
    for ((label, _, payload), reply) in cases.iter().zip(evennia(&requests)) {
        let back = reply.unwrap_or_else(|e| panic!("{label}: Evennia failed: {e}"));
        assert!(back == *payload, "{label}: payload differs ({} vs {} bytes)", back.len(), payload.len());
    }
}

#[test]
fn evennia_rejects_what_rust_rejects() {
    // Corrupt slices fail on both sides (Rust's errors are in the unit tests).
    let good = {
        let mut b = AmpBox::new();
        CompressedCodec::DEFAULT.encode(NAME, &textlike(1000), &mut b).unwrap();
        b.get(NAME).unwrap().clone()
    };
    let corrupt: Vec<(&str, Bytes)> = vec![
        ("not zlib", Bytes::from_static(b"not zlib at all")),
        ("truncated", good.slice(..good.len() - 3)),
        ("empty", Bytes::new()),
    ];
    let mut requests = Vec::new();
    for (_, slice) in &corrupt {
        let mut b = AmpBox::new();
        b.insert("_command", "MsgServer2Portal");
        b.insert("_ask", "1");
        b.insert(NAME, slice.clone());
        assert!(CompressedCodec::DEFAULT.decode(NAME, &b).is_err());
        requests.push((b'D', b.serialize().unwrap().to_vec()));
    }
    for ((label, _), reply) in corrupt.iter().zip(evennia(&requests)) {
        let err = reply.expect_err(label);
        assert!(err.starts_with("error: Error -"), "{label}: {err}");
    }
}
