//! `Decimal` decoding (Python's `Decimal()` grammar): no panic; `str()` of
//! the value reads back to the same representation (sign, digits, exponent,
//! NaN kind and payload).

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes;
use amp_runtime::types;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((value, canonical)) = assert_round_trip_bytes::<types::Decimal>(data) {
        assert_eq!(canonical, value.to_string().as_bytes());
        let parsed: amp_runtime::Decimal = value.to_string().parse().expect("Display output parses");
        assert_eq!(parsed, value);
    }
});
