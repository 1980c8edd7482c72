//! `Path` decoding: UTF-8 text becomes a path that encodes back unchanged.

#![no_main]

mod types_common;

use amp_runtime::types::Path;
use libfuzzer_sys::fuzz_target;
use types_common::round_trip;

fuzz_target!(|data: &[u8]| {
    let decoded = round_trip::<Path>(data);
    if let Some((_, canonical)) = &decoded {
        assert_eq!(&canonical[..], data);
    }
    if std::str::from_utf8(data).is_err() {
        assert!(decoded.is_none(), "{data:?} is not UTF-8");
    }
});
