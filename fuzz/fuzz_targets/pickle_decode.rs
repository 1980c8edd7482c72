//! Any bytes: decoding never panics, and whatever decodes survives an
//! encode/decode round trip unchanged at every protocol.

#![no_main]

use amp_evennia::codec::pickle::{self, DecodeOptions, EncodeError, EncodeOptions, Limits, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small caps keep each run fast; the caps themselves are under test too.
    let limits = Limits { max_depth: 64, max_values: 100_000, max_data_bytes: 1 << 20, ..Limits::default() };
    let options = DecodeOptions { limits, allow_trailing_bytes: data.first() == Some(&b'T'), ..Default::default() };
    let Ok(value) = pickle::decode_with(data, &options) else { return };
    let _ = value.to_string();
    let reread = DecodeOptions::with_limits(Limits { max_depth: 64, ..Limits::default() });
    for protocol in 2..=5 {
        let bytes = match pickle::encode_with(&value, &EncodeOptions::protocol(protocol)) {
            Ok(bytes) => bytes,
            // Names with a newline, or Python 2 names, have no GLOBAL spelling
            // before protocol 4 (or 3): a typed refusal is the right answer.
            Err(EncodeError::GlobalName { .. }) if protocol < 4 => continue,
            Err(e) => panic!("a decoded value must encode at protocol {protocol}: {e}"),
        };
        let back = pickle::decode_with(&bytes, &reread)
            .unwrap_or_else(|e| panic!("our own protocol {protocol} pickle must decode: {e}"));
        assert_eq!(back, value, "protocol {protocol} round trip");
    }
    let typed: Value = pickle::from_value(value.clone()).expect("a Value deserializes as a Value");
    assert_eq!(typed, value);
    assert_eq!(pickle::to_value(&value).expect("a Value serializes"), value);
});
