//! Evennia's `Compressed` argument: round trips, slice keys, the slice-size
//! bound with incompressible data, the decompression cap, corrupt input.

use amp_evennia::codec::compressed::{
    slice_key, zlib_bound, CompressError, CompressedCodec, CompressedSlices, DecompressError, PreCompressed,
    DEFAULT_SLICE_SIZE, MAX_SLICE_SIZE,
};
use amp_evennia::Compressed;
use amp_runtime::types::{optional, required};
use amp_runtime::wire::MAX_VALUE_LEN;
use amp_runtime::{AmpBox, ArgContext, ArgumentType, DecodeErrorKind, EncodeError};
use bytes::Bytes;
use rand::{RngCore, SeedableRng};
use std::io::Write;

const NAME: &str = "packed_data";

fn random(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut v);
    v
}

/// Text that compresses well but not trivially, like a pickle of game text.
fn textlike(len: usize) -> Vec<u8> {
    let words = ["look", "north", "You see", "a rusty sword", "\u{1b}[31m", "Limbo", "exits:", "sessid", "{}"];
    let mut out = Vec::with_capacity(len + 32);
    let mut i = 0usize;
    while out.len() < len {
        out.extend_from_slice(words[i % words.len()].as_bytes());
        out.extend_from_slice(format!(" {} ", i * 7919 % 1000).as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

fn zlib(data: &[u8], level: u32) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn encode(codec: &CompressedCodec, payload: &[u8]) -> AmpBox {
    let mut b = AmpBox::new();
    codec.encode(NAME, payload, &mut b).unwrap();
    b
}

fn keys(b: &AmpBox) -> Vec<String> {
    b.iter().map(|(k, _)| String::from_utf8(k.to_vec()).unwrap()).collect()
}

fn custom_message(b: &AmpBox, codec: &CompressedCodec) -> String {
    let err = codec.decode(NAME, b).unwrap_err();
    assert_eq!(err.key, NAME);
    match err.kind {
        DecodeErrorKind::Custom(m) => m,
        other => panic!("expected a custom error, got {other:?}"),
    }
}

#[test]
fn round_trips_across_sizes_and_kinds() {
    let codec = CompressedCodec::DEFAULT;
    let s = DEFAULT_SLICE_SIZE;
    for len in [0, 1, 100, s - 1, s, s + 1, 2 * s, 3 * s + 17, 1_000_000] {
        for (kind, payload) in [("text", textlike(len)), ("random", random(len, len as u64))] {
            let b = encode(&codec, &payload);
            assert_eq!(b.len(), len.div_ceil(s).max(1), "{kind} {len}: slice count");
            b.validate().unwrap();
            let back = codec.decode(NAME, &b).unwrap().unwrap();
            assert_eq!(back, payload, "{kind} {len}");
            // Through the box's wire form too.
            assert!(b.serialize().is_ok());
        }
    }
}

#[test]
fn every_level_round_trips() {
    let payload = [textlike(70_000), random(70_000, 7)].concat();
    for level in 0..=9 {
        let codec = CompressedCodec { level, ..CompressedCodec::DEFAULT };
        let b = encode(&codec, &payload);
        assert_eq!(CompressedCodec::DEFAULT.decode(NAME, &b).unwrap().unwrap(), payload, "level {level}");
    }
}

#[test]
fn slices_go_under_name_then_name_dot_n() {
    let codec = CompressedCodec::DEFAULT;
    let b = encode(&codec, &random(2 * DEFAULT_SLICE_SIZE + 5, 1));
    assert_eq!(keys(&b), ["packed_data", "packed_data.2", "packed_data.3"]);
    // Each key holds exactly its own slice, compressed on its own.
    let payload = random(2 * DEFAULT_SLICE_SIZE + 5, 1);
    for (i, chunk) in payload.chunks(DEFAULT_SLICE_SIZE).enumerate() {
        let slice = b.get(slice_key(NAME, i + 1)).unwrap();
        let mut d = flate2::read::ZlibDecoder::new(&slice[..]);
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut d, &mut plain).unwrap();
        assert_eq!(plain, chunk);
    }
    // An empty payload is one slice: the zlib stream of nothing (as Evennia sends).
    let b = encode(&codec, b"");
    assert_eq!(keys(&b), ["packed_data"]);
    assert_eq!(b.get(NAME).unwrap().as_ref(), zlib(b"", 9).as_slice());
    assert_eq!(codec.decode(NAME, &b).unwrap().unwrap(), Bytes::new());
    // The slice size is configurable.
    let small = CompressedCodec { slice_size: 10, ..codec };
    let b = encode(&small, &textlike(95));
    assert_eq!(b.len(), 10);
    assert!(b.contains_key("packed_data.10") && !b.contains_key("packed_data.11"));
}

#[test]
fn incompressible_slices_stay_within_one_value_at_every_level() {
    // The largest allowed slice of random data, at every level: level 1
    // (zlib-ng's deflate_quick) is the one that grows random data most.
    let data = random(MAX_SLICE_SIZE, 99);
    let mut largest = 0;
    for level in 0..=9 {
        let codec = CompressedCodec { level, slice_size: MAX_SLICE_SIZE, ..CompressedCodec::DEFAULT };
        let slices = codec.compress_slices(&data).unwrap();
        assert_eq!(slices.len(), 1);
        let len = slices.slices()[0].len();
        assert!(len <= zlib_bound(MAX_SLICE_SIZE) && len <= MAX_VALUE_LEN, "level {level}: {len} bytes");
        largest = largest.max(len);
    }
    assert!(largest > MAX_SLICE_SIZE + 1000, "level 1 should expand random data noticeably, got {largest}");
    // Evennia's 65,535-byte slices do not fit once compressed: the reason for smaller slices.
    let evennia_slice = random(MAX_VALUE_LEN, 5);
    assert!(zlib(&evennia_slice, 9).len() > MAX_VALUE_LEN);
    assert!(zlib(&evennia_slice, 1).len() > MAX_VALUE_LEN);
    // Many random slices at the default size, serialized for real.
    for level in [1, 9] {
        let codec = CompressedCodec { level, ..CompressedCodec::DEFAULT };
        let payload = random(10 * DEFAULT_SLICE_SIZE + 3, level as u64);
        let b = encode(&codec, &payload);
        assert!(b.serialize().is_ok(), "level {level}");
        assert_eq!(codec.decode(NAME, &b).unwrap().unwrap(), payload);
    }
}

#[test]
fn bad_settings_are_errors_not_panics() {
    let cases = [
        (CompressedCodec { slice_size: 0, ..CompressedCodec::DEFAULT }, CompressError::BadSliceSize(0)),
        (
            CompressedCodec { slice_size: MAX_SLICE_SIZE + 1, ..CompressedCodec::DEFAULT },
            CompressError::BadSliceSize(MAX_SLICE_SIZE + 1),
        ),
        (CompressedCodec { level: 10, ..CompressedCodec::DEFAULT }, CompressError::BadLevel(10)),
    ];
    for (codec, expected) in cases {
        assert_eq!(codec.compress_slices(b"x").unwrap_err(), expected);
        assert_eq!(codec.compress_slices_parallel(&[0; 1 << 20]).unwrap_err(), expected);
        let mut b = AmpBox::new();
        let err = codec.encode(NAME, b"x", &mut b).unwrap_err();
        assert!(matches!(&err, EncodeError::Invalid { key, .. } if key.as_bytes() == NAME.as_bytes()), "{err}");
        assert!(b.is_empty());
    }
    assert!(CompressedCodec { slice_size: MAX_SLICE_SIZE, level: 0, ..CompressedCodec::DEFAULT }.check().is_ok());
}

#[test]
fn parallel_output_equals_serial_output() {
    for payload in [textlike(1_500_000), random(CompressedCodec::PARALLEL_MIN_BYTES + 1, 3), random(100, 4)] {
        let codec = CompressedCodec::DEFAULT;
        let serial = codec.compress_slices(&payload).unwrap();
        for threads in [2, 3, 7, 64] {
            assert_eq!(codec.compress_slices_threads(&payload, threads).unwrap(), serial, "{threads} threads");
        }
        assert_eq!(codec.compress_slices_parallel(&payload).unwrap(), serial);
        let mut a = AmpBox::new();
        codec.encode_parallel(NAME, &payload, &mut a).unwrap();
        assert_eq!(a, encode(&codec, &payload));
    }
}

#[test]
fn absent_is_none_and_reading_stops_at_the_first_gap() {
    let codec = CompressedCodec::DEFAULT;
    let mut b: AmpBox = [("other", "x")].into_iter().collect();
    assert_eq!(codec.decode(NAME, &b).unwrap(), None);
    // Slices without the first one: still absent (Evennia fails on these).
    b.insert("packed_data.2", zlib(b"two", 9));
    assert_eq!(codec.decode(NAME, &b).unwrap(), None);
    let mut cx = ArgContext::new();
    assert_eq!(required::<Compressed>(NAME, &b, &mut cx).unwrap_err().kind, DecodeErrorKind::Missing);
    assert_eq!(optional::<Compressed>(NAME, &b, &mut cx).unwrap(), None);

    b.insert("packed_data", zlib(b"one ", 9));
    b.insert("packed_data.4", zlib(b"four", 9)); // after a gap: ignored
    b.insert("packed_data.03", zlib(b"zero-padded", 9)); // not a %d key: ignored
    assert_eq!(codec.decode(NAME, &b).unwrap().unwrap(), &b"one two"[..]);
    b.insert("packed_data.3", zlib(b" three", 9));
    assert_eq!(codec.decode(NAME, &b).unwrap().unwrap(), &b"one two threefour"[..]);
}

#[test]
fn repeated_keys_count_with_their_last_value() {
    let b = AmpBox::from_pairs(vec![
        (Bytes::from_static(b"packed_data"), Bytes::from(zlib(b"old", 9))),
        (Bytes::from_static(b"packed_data.2"), Bytes::from(zlib(b"OLD", 9))),
        (Bytes::from_static(b"packed_data"), Bytes::from(zlib(b"new", 9))),
        (Bytes::from_static(b"packed_data.2"), Bytes::from(zlib(b"NEW", 9))),
    ]);
    assert_eq!(CompressedCodec::DEFAULT.decode(NAME, &b).unwrap().unwrap(), &b"newNEW"[..]);
}

#[test]
fn encoding_replaces_a_longer_previous_value() {
    let codec = CompressedCodec { slice_size: 4, ..CompressedCodec::DEFAULT };
    let mut b = AmpBox::new();
    codec.encode(NAME, b"0123456789abcdef", &mut b).unwrap();
    assert_eq!(b.len(), 4);
    codec.encode(NAME, b"xy", &mut b).unwrap();
    assert_eq!(keys(&b), ["packed_data"]);
    assert_eq!(codec.decode(NAME, &b).unwrap().unwrap(), &b"xy"[..]);
}

#[test]
fn the_cap_stops_a_zlib_bomb() {
    // 2 MiB of zeros is about 2 KiB compressed: over a 1 MiB cap.
    let bomb = zlib(&vec![0u8; 2 << 20], 9);
    assert!(bomb.len() < 4096);
    let codec = CompressedCodec { max_decompressed: 1 << 20, ..CompressedCodec::DEFAULT };
    let b: AmpBox = [(NAME, bomb)].into_iter().collect();
    let msg = custom_message(&b, &codec);
    assert_eq!(msg, "decompressed payload exceeds the cap of 1048576 bytes (CompressedCodec::max_decompressed)");
    // The cap counts all slices together, and exactly cap bytes pass.
    let half = zlib(&vec![7u8; 512 * 1024], 9);
    let mut b: AmpBox = [(NAME, half.clone())].into_iter().collect();
    b.insert("packed_data.2", half.clone());
    assert_eq!(codec.decode(NAME, &b).unwrap().unwrap().len(), 1 << 20);
    b.insert("packed_data.3", zlib(b"!", 9));
    assert!(custom_message(&b, &codec).contains("cap of 1048576 bytes"));
    // The default cap is 64 MiB: 65 MiB of zeros in two slices fails on the second.
    let part = zlib(&vec![0u8; 33 << 20], 9);
    assert!(part.len() <= MAX_VALUE_LEN, "{}", part.len());
    let mut b: AmpBox = [(NAME, part.clone())].into_iter().collect();
    b.insert("packed_data.2", part);
    let msg = custom_message(&b, &CompressedCodec::DEFAULT);
    assert_eq!(msg, "decompressed payload exceeds the cap of 67108864 bytes (CompressedCodec::max_decompressed)");
}

#[test]
fn corrupt_data_is_a_clear_error() {
    let codec = CompressedCodec::DEFAULT;
    let good = zlib(&textlike(5000), 9);
    let with_second = |second: Vec<u8>| -> AmpBox {
        let mut b: AmpBox = [(NAME, good.clone())].into_iter().collect();
        b.insert("packed_data.2", second);
        b
    };
    // Not zlib at all.
    let msg = custom_message(&with_second(b"this is not zlib".to_vec()), &codec);
    assert!(msg.starts_with("slice \"packed_data.2\": corrupt zlib data"), "{msg}");
    // Random bytes.
    let msg = custom_message(&[(NAME, random(300, 11))].into_iter().collect(), &codec);
    assert!(msg.starts_with("slice \"packed_data\": corrupt zlib data"), "{msg}");
    // A wrong Adler-32 checksum.
    let mut bad_sum = good.clone();
    *bad_sum.last_mut().unwrap() ^= 1;
    let msg = custom_message(&with_second(bad_sum), &codec);
    assert!(msg.starts_with("slice \"packed_data.2\": corrupt zlib data"), "{msg}");
    // Cut short, or empty.
    let msg = custom_message(&with_second(good[..good.len() - 3].to_vec()), &codec);
    assert_eq!(msg, "slice \"packed_data.2\": incomplete or truncated zlib stream");
    let msg = custom_message(&with_second(Vec::new()), &codec);
    assert_eq!(msg, "slice \"packed_data.2\": incomplete or truncated zlib stream");
    // Bytes after the stream's end.
    let msg = custom_message(&with_second([good.clone(), b"xyz".to_vec()].concat()), &codec);
    assert_eq!(msg, "slice \"packed_data.2\": 3 bytes follow the end of the zlib stream");
    // Every truncation of a valid stream fails cleanly (no panic, no success).
    for cut in 0..good.len() {
        assert!(codec.decompress(&CompressedSlices::from_vec(vec![Bytes::copy_from_slice(&good[..cut])])).is_err());
    }
    assert_eq!(codec.decompress(&CompressedSlices::default()).unwrap_err(), DecompressError::NoSlices);
}

#[test]
fn key_lengths_are_checked() {
    let codec = CompressedCodec { slice_size: 1, ..CompressedCodec::DEFAULT };
    let long = "k".repeat(253);
    let mut b = AmpBox::new();
    codec.encode(&long, b"ab", &mut b).unwrap(); // "k...k.2" is 255 bytes
    let err = codec.encode(&long, b"a".repeat(10).as_slice(), &mut AmpBox::new()).unwrap_err();
    assert!(matches!(err, EncodeError::KeyLength { len: 256, .. }), "{err}");
    assert!(matches!(codec.encode("", b"a", &mut AmpBox::new()), Err(EncodeError::KeyLength { .. })));
}

#[test]
fn argument_types_compressed_and_precompressed() {
    let payload = Bytes::from(textlike(300_000));
    let mut cx = ArgContext::new();
    let mut b = AmpBox::new();
    Compressed::to_box(NAME, &payload, &mut b, &mut cx).unwrap();
    assert_eq!(b.len(), 300_000usize.div_ceil(DEFAULT_SLICE_SIZE));
    assert_eq!(required::<Compressed>(NAME, &b, &mut cx).unwrap(), payload);

    // Compressed ahead of time, sent as is, read back without decompressing.
    let slices = CompressedCodec::DEFAULT.compress_slices_parallel(&payload).unwrap();
    let mut b2 = AmpBox::new();
    PreCompressed::to_box(NAME, &slices, &mut b2, &mut cx).unwrap();
    assert_eq!(b2, b);
    let read = required::<PreCompressed>(NAME, &b2, &mut cx).unwrap();
    assert_eq!(read, slices);
    assert_eq!(CompressedCodec::DEFAULT.decompress(&read).unwrap(), payload);
    // An oversize hand-made slice is refused before anything is written.
    let big = CompressedSlices::from_vec(vec![Bytes::from(vec![0u8; MAX_VALUE_LEN + 1])]);
    let err = PreCompressed::to_box(NAME, &big, &mut AmpBox::new(), &mut cx).unwrap_err();
    assert!(matches!(err, EncodeError::ValueTooLong { len: 65_536, .. }), "{err}");
    let err = PreCompressed::to_box(NAME, &CompressedSlices::default(), &mut AmpBox::new(), &mut cx).unwrap_err();
    assert!(matches!(err, EncodeError::Invalid { .. }), "{err}");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_payload_round_trips_with_any_settings(
            payload in proptest::collection::vec(any::<u8>(), 0..4000),
            slice_size in 1usize..700,
            level in 0u32..=9,
        ) {
            let codec = CompressedCodec { level, slice_size, ..CompressedCodec::DEFAULT };
            let b = encode(&codec, &payload);
            prop_assert_eq!(b.len(), payload.len().div_ceil(slice_size).max(1));
            prop_assert_eq!(CompressedCodec::DEFAULT.decode(NAME, &b).unwrap().unwrap(), payload);
        }

        #[test]
        fn arbitrary_slices_never_panic(
            slices in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..5),
            keep_header in any::<bool>(),
        ) {
            let mut b = AmpBox::new();
            for (i, mut s) in slices.into_iter().enumerate() {
                if keep_header && s.len() >= 2 {
                    // A valid zlib header makes the deflate data itself the fuzzed part.
                    s[0] = 0x78;
                    s[1] = 0xda;
                }
                b.insert(slice_key(NAME, i + 1), s);
            }
            let _ = CompressedCodec { max_decompressed: 1 << 16, ..CompressedCodec::DEFAULT }.decode(NAME, &b);
        }
    }
}
