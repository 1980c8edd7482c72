//! `Integer` decoding at every width: no panic, canonical re-encoding, and
//! the widths agree (a value decodes as `i64` exactly when it fits one).

#![no_main]

use amp_runtime::testing::assert_round_trip_bytes;
use amp_runtime::types;
use amp_runtime::BigInt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let big = assert_round_trip_bytes::<types::Integer<BigInt>>(data);
    let i64_ = assert_round_trip_bytes::<types::Integer<i64>>(data);
    let u64_ = assert_round_trip_bytes::<types::Integer<u64>>(data);
    let i128_ = assert_round_trip_bytes::<types::Integer<i128>>(data);
    match &big {
        None => assert!(i64_.is_none() && u64_.is_none() && i128_.is_none(), "{data:?}: only a fixed width decodes"),
        Some((v, canonical)) => {
            assert_eq!(i64_.map(|(x, _)| BigInt::from(x)), i64::try_from(v).ok().map(BigInt::from));
            assert_eq!(u64_.map(|(x, _)| BigInt::from(x)), u64::try_from(v).ok().map(BigInt::from));
            assert_eq!(i128_.map(|(x, _)| BigInt::from(x)), i128::try_from(v).ok().map(BigInt::from));
            // The canonical form is Python's repr(int): plain decimal digits.
            assert_eq!(&canonical[..], v.to_string().as_bytes());
        }
    }
});
