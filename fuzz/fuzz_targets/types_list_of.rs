//! `ListOf` decoding with several element types, nested lists included:
//! no panic, canonical re-encoding; a list decodes only if every element does.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes;
use amp_runtime::types::{self};
use amp_runtime::BigInt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let raw = assert_round_trip_bytes::<types::ListOf<types::String>>(data);
    // Framing decides for every element type alike: elements that frame as
    // `String`s are the only candidates, and their count is the list's length.
    let framed = raw.as_ref().map(|(v, _)| v.len());
    let lens = [
        assert_round_trip_bytes::<types::ListOf<types::Integer>>(data).map(|(v, _)| v.len()),
        assert_round_trip_bytes::<types::ListOf<types::Integer<BigInt>>>(data).map(|(v, _)| v.len()),
        assert_round_trip_bytes::<types::ListOf<types::Unicode>>(data).map(|(v, _)| v.len()),
        assert_round_trip_bytes::<types::ListOf<types::Boolean>>(data).map(|(v, _)| v.len()),
        assert_round_trip_bytes::<types::ListOf<types::Float>>(data).map(|(v, _)| v.len()),
        assert_round_trip_bytes::<types::ListOf<types::Decimal>>(data).map(|(v, _)| v.len()),
        assert_round_trip_bytes::<types::ListOf<types::DateTime>>(data).map(|(v, _)| v.len()),
        assert_round_trip_bytes::<types::ListOf<types::ListOf<types::Integer>>>(data).map(|(v, _)| v.len()),
        assert_round_trip_bytes::<types::ListOf<types::ListOf<types::ListOf<types::Unicode>>>>(data)
            .map(|(v, _)| v.len()),
    ];
    for len in lens.into_iter().flatten() {
        assert_eq!(Some(len), framed, "{data:?}");
    }
    if let Some((_, canonical)) = raw {
        assert_eq!(&canonical[..], data, "a framed list of raw strings re-encodes unchanged");
    }
});
