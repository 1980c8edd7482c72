//! Box encode/decode: amp-runtime beside the `amp-protocol` crate (0.3) on the
//! same bytes. `benches/run-codec.sh` runs this, then Twisted on the same
//! inputs, and writes the table in BENCHMARKS.md.
//!
//! Inputs (built in `amp_benches`): a stream of 100,000 boxes of 50 bytes
//! (`_ask`, `_command`, one small argument) and one box with a 60 KiB value.
//! With `AMP_BENCH_INPUTS=DIR` set, the exact bytes are written to `DIR` for
//! the Twisted script.
//!
//! Every decode drops each box right after use, as a handler would, so the
//! cost of freeing is measured too; the copy of the input into a fresh
//! receive buffer is set-up, outside the timing, for both crates alike
//! (amp-protocol reads the same bytes from a slice).

use std::hint::black_box;
use std::time::Duration;

use amp_benches::{large_box, small_box, stream_of, write_codec_inputs, LARGE_VALUE_BYTES, SMALL_BOX_COUNT};
use amp_runtime::{AmpBox, AmpCodec};
use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tokio_util::codec::{Decoder, Encoder};

/// Every box of `buf` through one amp-runtime codec; returns the count.
fn runtime_decode_all(mut buf: BytesMut) -> usize {
    let mut codec = AmpCodec::new();
    let mut n = 0;
    while let Some(b) = codec.decode(&mut buf).expect("bench input is valid") {
        black_box(&b);
        n += 1;
    }
    n
}

/// Every box of `wire` through amp-protocol's owned `AmpBox::decode`; returns the count.
fn protocol_decode_all(wire: &[u8]) -> usize {
    let mut at = 0;
    let mut n = 0;
    while at < wire.len() {
        let (b, used) = amp_protocol::AmpBox::decode(&wire[at..]).expect("bench input is valid");
        black_box(&b);
        at += used;
        n += 1;
    }
    n
}

/// Same with amp-protocol's borrowed `decode_borrowed` (pairs as slices, no box).
fn protocol_decode_borrowed_all(wire: &[u8]) -> usize {
    let mut at = 0;
    let mut n = 0;
    while at < wire.len() {
        let (pairs, used) = amp_protocol::AmpBox::decode_borrowed(&wire[at..]).expect("bench input is valid");
        black_box(&pairs);
        at += used;
        n += 1;
    }
    n
}

/// The same box as amp-protocol holds it, keys inserted in the same order.
fn to_protocol_box(b: &AmpBox) -> amp_protocol::AmpBox {
    let mut out = amp_protocol::AmpBox::new();
    for (k, v) in b {
        out.insert(k.to_vec(), v.to_vec()).expect("bench boxes are within AMP's limits");
    }
    out
}

/// Both crates must read the inputs as the same pairs before anything is timed.
fn check_inputs(small: &[AmpBox], small_wire: &Bytes, large_wire: &Bytes) {
    assert_eq!(runtime_decode_all(BytesMut::from(&small_wire[..])), SMALL_BOX_COUNT);
    assert_eq!(protocol_decode_all(small_wire), SMALL_BOX_COUNT);
    let mut buf = BytesMut::from(&small_wire[..]);
    let mut codec = AmpCodec::new();
    let mut at = 0;
    for expected in small.iter().take(1000) {
        let ours = codec.decode(&mut buf).unwrap().unwrap();
        let (theirs, used) = amp_protocol::AmpBox::decode(&small_wire[at..]).unwrap();
        at += used;
        assert_eq!(ours.serialize().unwrap(), expected.serialize().unwrap());
        let ours: Vec<(&[u8], &[u8])> = ours.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        assert_eq!(ours, theirs.iter().collect::<Vec<_>>());
    }

    // Zero copy: the decoded 60 KiB value is a slice of the receive buffer.
    let mut buf = BytesMut::from(&large_wire[..]);
    let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
    let decoded = AmpCodec::new().decode(&mut buf).unwrap().expect("one whole box");
    let value = decoded.get("value").expect("the value");
    assert_eq!(value.len(), LARGE_VALUE_BYTES);
    assert!(range.contains(&(value.as_ptr() as usize)), "the 60 KiB value was copied out of the receive buffer");
    assert!(range.contains(&(value.as_ptr() as usize + value.len() - 1)));
}

fn codec(c: &mut Criterion) {
    let small: Vec<AmpBox> = (0..SMALL_BOX_COUNT).map(small_box).collect();
    let small_wire = stream_of(&small);
    let large = large_box();
    let large_wire = stream_of(std::slice::from_ref(&large));
    if let Some(dir) = std::env::var_os("AMP_BENCH_INPUTS") {
        write_codec_inputs(dir.as_ref()).expect("write the bench inputs");
    }
    check_inputs(&small, &small_wire, &large_wire);
    let small_protocol: Vec<amp_protocol::AmpBox> = small.iter().map(to_protocol_box).collect();
    let large_protocol = to_protocol_box(&large);

    let mut g = c.benchmark_group("decode_small");
    g.throughput(Throughput::Elements(SMALL_BOX_COUNT as u64)).sample_size(30);
    g.bench_function("amp-runtime", |b| {
        b.iter_batched(|| BytesMut::from(&small_wire[..]), runtime_decode_all, BatchSize::PerIteration)
    });
    g.bench_function("amp-protocol", |b| b.iter(|| protocol_decode_all(&small_wire)));
    g.bench_function("amp-protocol-borrowed", |b| b.iter(|| protocol_decode_borrowed_all(&small_wire)));
    g.finish();

    let mut g = c.benchmark_group("encode_small");
    g.throughput(Throughput::Elements(SMALL_BOX_COUNT as u64)).sample_size(30);
    g.bench_function("amp-runtime", |b| {
        b.iter(|| {
            for x in &small {
                black_box(x.serialize().expect("within limits"));
            }
        })
    });
    g.bench_function("amp-runtime-reused-buffer", |b| {
        let mut codec = AmpCodec::new();
        let mut out = BytesMut::with_capacity(64);
        b.iter(|| {
            for x in &small {
                out.clear();
                codec.encode(x, &mut out).expect("within limits");
                black_box(&out);
            }
        })
    });
    g.bench_function("amp-protocol", |b| {
        b.iter(|| {
            for x in &small_protocol {
                black_box(x.encode());
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("decode_large");
    g.throughput(Throughput::Bytes(large_wire.len() as u64)).measurement_time(Duration::from_secs(3));
    g.bench_function("amp-runtime", |b| {
        b.iter_batched(|| BytesMut::from(&large_wire[..]), runtime_decode_all, BatchSize::SmallInput)
    });
    g.bench_function("amp-protocol", |b| b.iter(|| protocol_decode_all(&large_wire)));
    g.finish();

    let mut g = c.benchmark_group("encode_large");
    g.throughput(Throughput::Bytes(large_wire.len() as u64)).measurement_time(Duration::from_secs(3));
    g.bench_function("amp-runtime", |b| b.iter(|| black_box(large.serialize().expect("within limits"))));
    g.bench_function("amp-protocol", |b| b.iter(|| black_box(large_protocol.encode())));
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
