//! `Boolean` decoding: exactly `True` and `False`, nothing else.

#![no_main]

mod types_common;

use amp_runtime::types::Boolean;
use libfuzzer_sys::fuzz_target;
use types_common::round_trip;

fuzz_target!(|data: &[u8]| {
    let expected = match data {
        b"True" => Some(true),
        b"False" => Some(false),
        _ => None,
    };
    assert_eq!(round_trip::<Boolean>(data).map(|(v, _)| v), expected, "{data:?}");
});
