//! `Float` decoding (Python's `float()` grammar): no panic; the canonical
//! form (Python's `repr`) reads back to the same bits, also by Rust's parser.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes;
use amp_runtime::types;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((value, canonical)) = assert_round_trip_bytes::<types::Float>(data) else { return };
    let text = std::str::from_utf8(&canonical).expect("repr is ASCII");
    if value.is_nan() {
        assert_eq!(text, "nan");
    } else {
        let rust: f64 = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(rust.to_bits(), value.to_bits(), "{text}");
    }
});
