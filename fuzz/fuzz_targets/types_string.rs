//! `String` decoding: every byte string is a value, unchanged and not copied.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes;
use amp_runtime::types;
use amp_runtime::StringArgument;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (value, canonical) = assert_round_trip_bytes::<types::String>(data).expect("every byte string is a String");
    assert_eq!(&value[..], data);
    assert_eq!(&canonical[..], data);
    let input = Bytes::copy_from_slice(data);
    let zero_copy = types::String::from_string(input.clone()).unwrap();
    assert_eq!(zero_copy.as_ptr(), input.as_ptr());
});
