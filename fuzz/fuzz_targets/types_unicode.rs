//! `Unicode` decoding: exactly the valid UTF-8 decodes (Python's strict
//! `bytes.decode("utf-8")`: no surrogates, no overlong forms), unchanged.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes;
use amp_runtime::types;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = assert_round_trip_bytes::<types::Unicode>(data);
    assert_eq!(decoded.is_some(), std::str::from_utf8(data).is_ok(), "{data:?}");
    if let Some((text, canonical)) = decoded {
        assert_eq!(text.as_bytes(), data);
        assert_eq!(&canonical[..], data);
    }
});
