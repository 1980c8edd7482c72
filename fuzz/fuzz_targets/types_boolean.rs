//! `Boolean` decoding: exactly `True` and `False`, nothing else.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes as round_trip;
use amp_runtime::types::Boolean;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let expected = match data {
        b"True" => Some(true),
        b"False" => Some(false),
        _ => None,
    };
    assert_eq!(round_trip::<Boolean>(data).map(|(v, _)| v), expected, "{data:?}");
});
