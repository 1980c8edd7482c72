//! `DateTime` decoding: no panic; the canonical form is the 32-character
//! wire form and reads back to the same fields.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes as round_trip;
use amp_runtime::types::DateTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((value, canonical)) = round_trip::<DateTime>(data) {
        assert_eq!(canonical.len(), 32, "{value:?}");
        assert!(!canonical.ends_with(b"+00:00"), "a zero offset is written -00:00");
    }
});
