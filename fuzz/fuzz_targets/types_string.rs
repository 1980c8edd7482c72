//! `String` decoding: every byte string is a value, unchanged and not copied.

#![no_main]

mod types_common;

use amp_runtime::types::String;
use amp_runtime::StringArgument;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use types_common::round_trip;

fuzz_target!(|data: &[u8]| {
    let (value, canonical) = round_trip::<String>(data).expect("every byte string is a String");
    assert_eq!(&value[..], data);
    assert_eq!(&canonical[..], data);
    let input = Bytes::copy_from_slice(data);
    let zero_copy = String::from_string(input.clone()).unwrap();
    assert_eq!(zero_copy.as_ptr(), input.as_ptr());
});
