//! The one-pass pickle decoder against the reference graph decoder: for any
//! bytes and limits, `pickle::decode_with` (one pass, falling back to the
//! graph decoder) gives exactly what the graph decoder alone gives, the same
//! value or the same error.

#![no_main]

use amp_evennia::codec::pickle::{self, fuzzing, DecodeOptions, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, pickle)) = data.split_first() else { return };
    // The first byte picks the caps, so that giving up near each cap is
    // exercised as well as decoding with room to spare.
    let limits = Limits {
        max_depth: [2, 8, 64, 128][usize::from(knobs & 3)],
        max_values: [3, 50, 100_000, 1 << 22][usize::from((knobs >> 2) & 3)],
        max_data_bytes: [8, 300, 1 << 20, 1 << 26][usize::from((knobs >> 4) & 3)],
        ..Limits::default()
    };
    let options = DecodeOptions { limits, allow_trailing_bytes: knobs & 0x40 != 0, ..Default::default() };
    let fast = pickle::decode_with(pickle, &options);
    let reference = fuzzing::decode_graph(pickle, &options);
    match (&fast, &reference) {
        // Debug form: a NaN is not equal to itself, but prints the same.
        (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "values differ"),
        (Err(a), Err(b)) => assert_eq!(a, b, "errors differ"),
        _ => panic!("one decoder failed: one-pass {fast:?}, graph {reference:?}"),
    }
});
