//! `Boolean` decoding: exactly `True` and `False`, nothing else.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes;
use amp_runtime::types;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let expected = match data {
        b"True" => Some(true),
        b"False" => Some(false),
        _ => None,
    };
    assert_eq!(assert_round_trip_bytes::<types::Boolean>(data).map(|(v, _)| v), expected, "{data:?}");
});
