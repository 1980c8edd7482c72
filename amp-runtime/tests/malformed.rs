//! Bad input gives a typed error, never a panic.

use amp_runtime::types::{self, StringArgument};
use amp_runtime::{AmpBox, ArgContext, ArgumentType, BigInt, BoxFields, DecodeError, DecodeErrorKind, EncodeError};
use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

fn dec<T: StringArgument>(raw: &[u8]) -> Result<T::Value, DecodeErrorKind> {
    T::from_string(Bytes::copy_from_slice(raw))
}

#[test]
fn bad_booleans() {
    // test_amp.py ParsingTests.test_booleanValues
    for raw in [&b"ninja"[..], b"true", b"TRUE", b"", b" True", b"True\n", b"1", b"Fals"] {
        assert!(matches!(dec::<types::Boolean>(raw), Err(DecodeErrorKind::BadBoolean(_))), "{}", raw.escape_ascii());
    }
}

#[test]
fn bad_integers() {
    for raw in [
        &b""[..],
        b" ",
        b"-",
        b"+-1",
        b"--1",
        b"_1",
        b"1_",
        b"1__0",
        b"+_1",
        b"+ 1",
        b"1 2",
        b"0x10",
        b"1e3",
        b"1.0",
        b"\x1c1",
        b"\xd9\xa1",
        b"one",
    ] {
        assert!(matches!(dec::<types::Integer>(raw), Err(DecodeErrorKind::BadInteger(_))), "{}", raw.escape_ascii());
        assert!(matches!(dec::<types::Integer<BigInt>>(raw), Err(DecodeErrorKind::BadInteger(_))));
    }
    // Out of range for the Rust type, with a reason naming it.
    let e = dec::<types::Integer<u64>>(b"-1").unwrap_err();
    assert_eq!(e.to_string(), "not an integer: -1 is out of range for u64");
    assert!(matches!(dec::<types::Integer>(b"9223372036854775808"), Err(DecodeErrorKind::BadInteger(_))));
    assert!(matches!(dec::<types::Integer<i128>>(&[b'9'; 40]), Err(DecodeErrorKind::BadInteger(_))));
    // Python's int() refuses more than 4300 digits, whatever the type.
    let e = dec::<types::Integer<BigInt>>(&[b'1'; 4301]).unwrap_err();
    assert!(e.to_string().contains("4300"), "{e}");
}

#[test]
fn bad_floats() {
    for raw in [
        &b""[..],
        b".",
        b"e5",
        b"1e",
        b"1e+",
        b"1._5",
        b"_1.5",
        b"1_e10",
        b"infinit",
        b"inf_",
        b"0x1p3",
        b"1,5",
        b"nan(1)",
        b"\xff",
    ] {
        assert!(matches!(dec::<types::Float>(raw), Err(DecodeErrorKind::BadFloat(_))), "{}", raw.escape_ascii());
    }
}

#[test]
fn bad_decimals() {
    for raw in [
        &b""[..],
        b"_",
        b".",
        b"1e",
        b"1E+",
        b"1 0",
        b"_ 1",
        b"++1",
        b"NaN1e5",
        b"NaN-1",
        b"Infinity1",
        b"1\x00",
        b"\xd9\xa1",
        b"1E1000000000000000000",
        b"1E-1999999999999999998",
        b"1.0E-1999999999999999997",
    ] {
        assert!(matches!(dec::<types::Decimal>(raw), Err(DecodeErrorKind::BadDecimal(_))), "{}", raw.escape_ascii());
    }
}

#[test]
fn bad_date_times_one_rule_each() {
    let cases: [(&[u8], &str); 14] = [
        (b"abc", "32"),
        (b"2010-12-25T00:00:00.000000-00:0", "32"),
        (b"2010-12-25T00:00:00.000000-00:000", "32"),
        (b"2010-12-25T00:00:00.00000\xc3\xa9-00:00", "ASCII"),
        (b"2010-12-25T00:00:00.000000*00:00", "sign"),
        (b"2010-1x-25T00:00:00.000000-00:00", "month"),
        (b"0000-12-25T00:00:00.000000-00:00", "year"),
        (b"2010-13-25T00:00:00.000000-00:00", "month"),
        (b"2010-02-29T00:00:00.000000-00:00", "day"),
        (b"2010-12-25T24:00:00.000000-00:00", "hour"),
        (b"2010-12-25T00:60:00.000000-00:00", "minute"),
        (b"2010-12-25T00:00:60.000000-00:00", "second"),
        (b"2010-12-25T00:00:00.-00001-00:00", "microsecond"),
        (b"2010-12-25T00:00:00.000000+24:00", "offset"),
    ];
    for (raw, rule) in cases {
        match dec::<types::DateTime>(raw) {
            Err(DecodeErrorKind::BadDateTime(why)) => assert!(why.contains(rule), "{}: {why}", raw.escape_ascii()),
            other => panic!("{}: {other:?}", raw.escape_ascii()),
        }
    }
}

#[test]
fn truncated_list_of_element_is_refused_where_twisted_drops_it() {
    // Twisted reads `00 02 '10' 00 05 'ab'` as [10]; this is a deliberate deviation.
    assert_eq!(
        dec::<types::ListOf<types::Integer>>(b"\x00\x0210\x00\x05ab"),
        Err(DecodeErrorKind::TruncatedListElement { announced: 5, available: 2 })
    );
    assert_eq!(
        dec::<types::ListOf<types::Integer>>(b"\x00\x0210\x00"),
        Err(DecodeErrorKind::TruncatedListElement { announced: 2, available: 1 })
    );
    match dec::<types::ListOf<types::Integer>>(b"\x00\x0210\x00\x02xx") {
        Err(DecodeErrorKind::BadListElement { index: 1, reason }) => {
            assert!(matches!(*reason, DecodeErrorKind::BadInteger(_)))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn list_of_encoding_limits() {
    let mut out = BytesMut::new();
    let element = Bytes::from(vec![b'x'; 65_536]);
    let e = types::ListOf::<types::String>::to_string(&vec![element], &mut out).unwrap_err();
    assert!(e.contains("element 0"), "{e}");
    // Two elements that fit alone but not together: the value is too long.
    let half = Bytes::from(vec![b'x'; 40_000]);
    let e = types::ListOf::<types::String>::to_box(
        "l",
        &vec![half.clone(), half],
        &mut AmpBox::new(),
        &mut ArgContext::new(),
    );
    assert!(matches!(e, Err(EncodeError::ValueTooLong { len: 80_004, .. })), "{e:?}");
}

#[test]
fn non_utf8_text() {
    assert_eq!(dec::<types::Unicode>(b"\xff"), Err(DecodeErrorKind::NotUtf8));
    assert_eq!(dec::<types::Unicode>(b"\xed\xa0\x80"), Err(DecodeErrorKind::NotUtf8));
    assert_eq!(dec::<types::Path>(b"/tmp/\xc3"), Err(DecodeErrorKind::NotUtf8));
    assert_eq!(
        dec::<types::ListOf<types::Unicode>>(b"\x00\x01\xff").unwrap_err().to_string(),
        "list element 0: not valid UTF-8"
    );
}

#[derive(Debug)]
struct X {
    #[allow(dead_code)] // read through Debug only
    x: i64,
}

impl BoxFields for X {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Integer::<i64>::to_box("x", &self.x, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(X { x: amp_runtime::types::required::<types::Integer>("x", input, cx)? })
    }
}

fn amp_list(raw: &[u8]) -> Result<Option<Vec<X>>, DecodeError> {
    let input: AmpBox = [("l", Bytes::copy_from_slice(raw))].into_iter().collect();
    types::AmpList::<X>::from_box("l", &input, &mut ArgContext::new())
}

#[test]
fn garbage_amp_lists() {
    for raw in [
        &b"\x00"[..],
        b"\x00\x01x\x00\x011",
        b"\x00\x01x\x00\x011\x00\x00\x00\x01x",
        b"\x01\x00",
        b"garbage",
        b"\x00\x01y\x00\x011\x00\x00",
        b"\x00\x01x\x00\x01z\x00\x00",
    ] {
        match amp_list(raw) {
            Err(DecodeError { key, kind: DecodeErrorKind::BadAmpList(_) }) => assert_eq!(key, "l"),
            other => panic!("{}: {other:?}", raw.escape_ascii()),
        }
    }
}

#[test]
fn descriptor_without_a_received_fd() {
    let input: AmpBox = [("fd", "0")].into_iter().collect();
    let e = types::Descriptor::from_box("fd", &input, &mut ArgContext::new()).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::MissingDescriptor { ordinal: 0 });
    let input: AmpBox = [("fd", "-1")].into_iter().collect();
    let e = types::Descriptor::from_box("fd", &input, &mut ArgContext::new()).unwrap_err();
    assert!(matches!(e.kind, DecodeErrorKind::BadInteger(_)));
}

fn never_panics<T: StringArgument>(raw: &[u8]) {
    let _ = T::from_string(Bytes::copy_from_slice(raw));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..80)) {
        never_panics::<types::Integer>(&raw);
        never_panics::<types::Integer<u64>>(&raw);
        never_panics::<types::Integer<i128>>(&raw);
        never_panics::<types::Integer<BigInt>>(&raw);
        never_panics::<types::Boolean>(&raw);
        never_panics::<types::Float>(&raw);
        never_panics::<types::Decimal>(&raw);
        never_panics::<types::DateTime>(&raw);
        never_panics::<types::Unicode>(&raw);
        never_panics::<types::Path>(&raw);
        never_panics::<types::ListOf<types::Integer>>(&raw);
        never_panics::<types::ListOf<types::ListOf<types::Decimal>>>(&raw);
        let _ = amp_list(&raw);
    }

    #[test]
    fn near_miss_text_never_panics(raw in "[-+ _.0-9eEinfatyINFATYsS:T\t]{0,40}") {
        never_panics::<types::Integer>(raw.as_bytes());
        never_panics::<types::Float>(raw.as_bytes());
        never_panics::<types::Decimal>(raw.as_bytes());
        never_panics::<types::DateTime>(raw.as_bytes());
    }

    #[test]
    fn date_time_shaped_text_never_panics(raw in "[-+ _0-9T:.]{32}") {
        never_panics::<types::DateTime>(raw.as_bytes());
    }
}
