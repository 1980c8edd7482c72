//! `Path` decoding: UTF-8 text becomes a path that encodes back unchanged.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes;
use amp_runtime::types;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = assert_round_trip_bytes::<types::Path>(data);
    if let Some((_, canonical)) = &decoded {
        assert_eq!(&canonical[..], data);
    }
    if std::str::from_utf8(data).is_err() {
        assert!(decoded.is_none(), "{data:?} is not UTF-8");
    }
});
