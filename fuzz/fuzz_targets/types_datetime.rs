//! `DateTime` decoding: no panic; the canonical form is the 32-character
//! wire form and reads back to the same fields.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes;
use amp_runtime::types;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((value, canonical)) = assert_round_trip_bytes::<types::DateTime>(data) {
        assert_eq!(canonical.len(), 32, "{value:?}");
        assert!(!canonical.ends_with(b"+00:00"), "a zero offset is written -00:00");
    }
});
