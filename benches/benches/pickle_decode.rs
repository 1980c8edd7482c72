//! The pickle decoder (`amp_evennia::codec::pickle::decode`) on Evennia-shaped
//! payloads: what the Server does with every `packed_data` in mode `pickled`
//! of the Evennia Compressed benchmark (`benches/run-compressed.sh`).
//!
//! The payload is the one `compressed_bench payload 1000000` writes:
//! `(1, {'text': [[<prose>], {'options': {}}], 'sessiondata': {1: {...}, ...}})`,
//! half prose, half telnet session dicts, about 1 MB of pickle written by
//! this project's encoder. CPython's pickler also memoizes every dict, so
//! the same value pickled by CPython (`pickle.dumps(pickle.loads(data), 5)`)
//! reads a little differently: list such files in `AMP_PICKLE_BENCH_FILES`
//! (separated by `:`) to time them too. With `AMP_BENCH_INPUTS=DIR` set, the
//! built payload is written to `DIR/pickle-evennia-1mb.pickle`, so that
//! CPython's `pickle.loads` can be timed on the very same bytes:
//!
//! ```text
//! AMP_BENCH_INPUTS=/tmp cargo bench -p amp-benches --bench pickle_decode
//! .venvs/ev61/bin/python -m timeit -s "import pickle; b = open('/tmp/pickle-evennia-1mb.pickle', 'rb').read()" "pickle.loads(b)"
//! ```

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use amp_evennia::codec::pickle;
use amp_evennia::Envelope;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The 1 MB payload of the Compressed benchmark, as `compressed_bench
/// payload 1000000` writes it.
fn payload() -> Vec<u8> {
    let envelope = amp_benches::evennia_payload(1_000_000).expect("the bench payload builds");
    envelope.to_pickle().expect("the bench payload pickles")
}

fn pickle_decode(c: &mut Criterion) {
    let mut inputs = vec![("evennia-1mb".to_owned(), payload())];
    if let Some(dir) = std::env::var_os("AMP_BENCH_INPUTS") {
        let path = PathBuf::from(dir).join("pickle-evennia-1mb.pickle");
        std::fs::write(&path, &inputs[0].1).expect("write the bench input");
    }
    if let Some(files) = std::env::var_os("AMP_PICKLE_BENCH_FILES") {
        for file in std::env::split_paths(&files) {
            let bytes = std::fs::read(&file).expect("read a file of AMP_PICKLE_BENCH_FILES");
            let name = file.file_stem().map_or_else(|| "file".to_owned(), |s| s.to_string_lossy().into_owned());
            inputs.push((name, bytes));
        }
    }

    let mut g = c.benchmark_group("pickle_decode");
    g.measurement_time(Duration::from_secs(5)).sample_size(30);
    for (name, bytes) in &inputs {
        // Every input must decode before it is timed, to the value Envelope reads.
        Envelope::from_pickle(bytes).expect("the bench input is an Evennia payload");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name.as_str(), |b| b.iter(|| black_box(pickle::decode(bytes).expect("valid"))));
    }
    g.finish();
}

/// The encoder on the same 1 MB payload: `Envelope::to_pickle`, what a sender
/// does for every call. CPython on the same value:
/// `.venvs/ev61/bin/python -m timeit -s "import pickle; v = pickle.loads(open('/tmp/pickle-evennia-1mb.pickle', 'rb').read())" "pickle.dumps(v, 5)"`
fn pickle_encode(c: &mut Criterion) {
    let envelope = amp_benches::evennia_payload(1_000_000).expect("the bench payload builds");
    let len = envelope.to_pickle().expect("the bench payload pickles").len();
    let mut g = c.benchmark_group("pickle_encode");
    g.measurement_time(Duration::from_secs(5)).sample_size(30);
    g.throughput(Throughput::Bytes(len as u64));
    g.bench_function("evennia-1mb", |b| b.iter(|| black_box(envelope.to_pickle().expect("valid"))));
    g.finish();
}

criterion_group!(benches, pickle_decode, pickle_encode);
criterion_main!(benches);
