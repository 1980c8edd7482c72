//! `ListOf` decoding with several element types, nested lists included:
//! no panic, canonical re-encoding; a list decodes only if every element does.

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes as round_trip;
use amp_runtime::types::{Boolean, DateTime, Decimal, Float, Integer, ListOf, String, Unicode};
use amp_runtime::BigInt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let raw = round_trip::<ListOf<String>>(data);
    // Framing decides for every element type alike: elements that frame as
    // `String`s are the only candidates, and their count is the list's length.
    let framed = raw.as_ref().map(|(v, _)| v.len());
    let lens = [
        round_trip::<ListOf<Integer>>(data).map(|(v, _)| v.len()),
        round_trip::<ListOf<Integer<BigInt>>>(data).map(|(v, _)| v.len()),
        round_trip::<ListOf<Unicode>>(data).map(|(v, _)| v.len()),
        round_trip::<ListOf<Boolean>>(data).map(|(v, _)| v.len()),
        round_trip::<ListOf<Float>>(data).map(|(v, _)| v.len()),
        round_trip::<ListOf<Decimal>>(data).map(|(v, _)| v.len()),
        round_trip::<ListOf<DateTime>>(data).map(|(v, _)| v.len()),
        round_trip::<ListOf<ListOf<Integer>>>(data).map(|(v, _)| v.len()),
        round_trip::<ListOf<ListOf<ListOf<Unicode>>>>(data).map(|(v, _)| v.len()),
    ];
    for len in lens.into_iter().flatten() {
        assert_eq!(Some(len), framed, "{data:?}");
    }
    if let Some((_, canonical)) = raw {
        assert_eq!(&canonical[..], data, "a framed list of raw strings re-encodes unchanged");
    }
});
