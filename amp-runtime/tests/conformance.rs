//! Every encoding vector of AMP's argument types, as Twisted 26.10 writes
//! them and as Twisted's own `twisted/test/test_amp.py` checks them: exact
//! bytes, both directions.

use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use amp_runtime::testing::{self, Same};
use amp_runtime::types::{self, required, write_optional, StringArgument};
use amp_runtime::{values, AmpBox, ArgContext, ArgumentType, BigInt, BoxFields, DecodeError, EncodeError};
use bytes::Bytes;

fn enc<T: StringArgument>(value: &T::Value) -> Vec<u8> {
    testing::encode::<T>(value).unwrap().to_vec()
}

fn dec<T: StringArgument>(raw: &[u8]) -> T::Value {
    testing::decode::<T>(raw).unwrap_or_else(|e| panic!("{:?}: {e}", raw.escape_ascii().to_string()))
}

/// `value` encodes to exactly `raw`, and round-trips (`amp_runtime::testing`,
/// the property the proptests and fuzz targets check too): `raw` decodes to
/// `value` and re-encodes unchanged.
fn both<T: StringArgument>(value: T::Value, raw: &[u8])
where
    T::Value: Same,
{
    assert_eq!(enc::<T>(&value), raw, "encoding {value:?}");
    assert!(dec::<T>(raw).same(&value), "decoding {}", raw.escape_ascii());
    testing::round_trip_value::<T>(&value).unwrap();
}

fn decimal(s: &str) -> values::Decimal {
    s.parse().unwrap()
}

fn big(s: &str) -> BigInt {
    s.parse().unwrap()
}

fn utc_christmas(offset_minutes: i16) -> values::DateTime {
    values::DateTime::new(2010, 12, 25, 0, 0, 0, 0, offset_minutes).unwrap()
}

// ---- Argument types and their exact encodings (Twisted 26.10) ----

#[test]
fn integer_decimal_ascii() {
    both::<types::Integer>(123, b"123");
    both::<types::Integer>(-1, b"-1");
    both::<types::Integer<u64>>(0, b"0");
    both::<types::Integer<i128>>(-170141183460469231731687303715884105728, b"-170141183460469231731687303715884105728");
    // test_amp.py ListOfIntegersTests.huge: 58 nines squared, 116 digits.
    let nines = big(&"9".repeat(58));
    let huge = &nines * &nines;
    let text = huge.to_string();
    assert_eq!(text.len(), 116);
    both::<types::Integer<BigInt>>(huge, text.as_bytes());
}

#[test]
fn string_unicode_path_boolean() {
    both::<types::String>(Bytes::from_static(b"\x00\xff raw"), b"\x00\xff raw");
    both::<types::String>(Bytes::new(), b"");
    both::<types::Unicode>("\u{2603}".into(), b"\xe2\x98\x83");
    both::<types::Path>(PathBuf::from("/tmp/\u{e9}t\u{e9}"), "/tmp/\u{e9}t\u{e9}".as_bytes());
    // test_amp.py ParsingTests.test_booleanValues
    both::<types::Boolean>(true, b"True");
    both::<types::Boolean>(false, b"False");
}

#[test]
fn float_is_python_str() {
    // test_amp.py FloatTests.test_float
    both::<types::Float>(1.234, b"1.234");
    both::<types::Float>(10.0, b"10.0");
    both::<types::Float>(1e16, b"1e+16");
    both::<types::Float>(1e-05, b"1e-05");
    both::<types::Float>(1.5e300, b"1.5e+300");
    both::<types::Float>(5e-324, b"5e-324");
    both::<types::Float>(-0.0, b"-0.0");
    both::<types::Float>(f64::INFINITY, b"inf");
    both::<types::Float>(f64::NEG_INFINITY, b"-inf");
    assert_eq!(enc::<types::Float>(&f64::NAN), b"nan");
    assert!(dec::<types::Float>(b"nan").is_nan());
    assert_eq!(dec::<types::Float>(b"-0.0").to_bits(), (-0.0f64).to_bits());
}

#[test]
fn decimal_is_python_str_with_precision_and_specials() {
    for s in [
        "1.1",
        "Infinity",
        "-Infinity",
        "NaN",
        "-NaN",
        "sNaN",
        "-sNaN",
        "3.141E+5",
        "0.00003141",
        "3.141E-7",
        "-3.141E+5",
        "-0.00003141",
        "-3.141E-7",
        "0E+6",
        "1.5E-9",
        "-0",
        "0E-7",
        "1.000",
        "NaN123",
        "-sNaN4",
    ] {
        both::<types::Decimal>(decimal(s), s.as_bytes());
    }
    // test_amp.py ListOfDecimalTests builds its values from other spellings.
    assert_eq!(enc::<types::Decimal>(&decimal("3.141e-5")), b"0.00003141");
    assert_eq!(enc::<types::Decimal>(&decimal("-3.141e5")), b"-3.141E+5");
    assert_eq!(enc::<types::Decimal>(&decimal("0e6")), b"0E+6");
    let nan = dec::<types::Decimal>(b"-sNaN4");
    assert!(nan.is_snan() && nan.is_negative() && nan.nan_payload() == Some("4"));
}

#[test]
fn date_time_is_32_characters() {
    // test_amp.py DateTimeTests
    let t = values::DateTime::new(9876, 1, 23, 12, 34, 56, 54_321, -83).unwrap();
    both::<types::DateTime>(t, b"9876-01-23T12:34:56.054321-01:23");
    // A zero offset is written -00:00; +00:00 reads as the same value.
    both::<types::DateTime>(utc_christmas(0), b"2010-12-25T00:00:00.000000-00:00");
    assert_eq!(dec::<types::DateTime>(b"2010-12-25T00:00:00.000000+00:00"), utc_christmas(0));
}

// ---- ListOf: Twisted 26.10 and test_amp.py ListOf*Tests ----

#[test]
fn list_of_integers() {
    both::<types::ListOf<types::Integer>>(vec![], b"");
    both::<types::ListOf<types::Integer>>(vec![10], b"\x00\x0210");
    both::<types::ListOf<types::Integer>>(vec![1, 20, 500], b"\x00\x011\x00\x0220\x00\x03500");
    both::<types::ListOf<types::Integer>>(vec![-1], b"\x00\x02-1");
    let nines = big(&"9".repeat(58));
    let huge = &nines * &nines;
    let mut raw = b"\x00\x74".to_vec();
    raw.extend_from_slice(huge.to_string().as_bytes());
    both::<types::ListOf<types::Integer<BigInt>>>(vec![huge], &raw);
}

#[test]
fn list_of_strings() {
    both::<types::ListOf<types::String>>(vec![], b"");
    both::<types::ListOf<types::String>>(vec![Bytes::from_static(b"foo")], b"\x00\x03foo");
    both::<types::ListOf<types::String>>(
        vec![Bytes::from_static(b"bar"), Bytes::from_static(b"baz"), Bytes::from_static(b"quux")],
        b"\x00\x03bar\x00\x03baz\x00\x04quux",
    );
}

#[test]
fn list_of_unicode() {
    both::<types::ListOf<types::Unicode>>(vec![], b"");
    both::<types::ListOf<types::Unicode>>(vec!["foo".into()], b"\x00\x03foo");
    both::<types::ListOf<types::Unicode>>(
        vec!["\u{2603}".into(), "Hello".into(), "world".into()],
        b"\x00\x03\xe2\x98\x83\x00\x05Hello\x00\x05world",
    );
}

#[test]
fn list_of_decimals() {
    both::<types::ListOf<types::Decimal>>(vec![], b"");
    both::<types::ListOf<types::Decimal>>(vec![decimal("1.1")], b"\x00\x031.1");
    both::<types::ListOf<types::Decimal>>(
        vec![decimal("Infinity"), decimal("-Infinity")],
        b"\x00\x08Infinity\x00\x09-Infinity",
    );
    both::<types::ListOf<types::Decimal>>(
        ["3.141E5", "3.141e-5", "3.141E-7", "-3.141e5", "-3.141E-5", "-3.141e-7"].map(decimal).to_vec(),
        b"\x00\x083.141E+5\x00\x0a0.00003141\x00\x083.141E-7\x00\x09-3.141E+5\x00\x0b-0.00003141\x00\x09-3.141E-7",
    );
    // "engineer": Decimal("0e6").to_eng_string() and Decimal("1.5E-9").to_eng_string().
    both::<types::ListOf<types::Decimal>>(vec![decimal("0e6"), decimal("1.5E-9")], b"\x00\x040E+6\x00\x061.5E-9");
    // ListOfDecimalNanTests
    let nans = dec::<types::ListOf<types::Decimal>>(b"\x00\x03NaN\x00\x04-NaN\x00\x04sNaN\x00\x05-sNaN");
    let flags: Vec<(bool, bool, bool)> = nans.iter().map(|d| (d.is_nan(), d.is_snan(), d.is_negative())).collect();
    assert_eq!(flags, [(true, false, false), (true, false, true), (true, true, false), (true, true, true)]);
    assert_eq!(enc::<types::ListOf<types::Decimal>>(&nans), b"\x00\x03NaN\x00\x04-NaN\x00\x04sNaN\x00\x05-sNaN");
}

#[test]
fn list_of_date_times() {
    let at = |raw: &[u8]| {
        let mut v = b"\x00\x20".to_vec();
        v.extend_from_slice(raw);
        v
    };
    // "christmas": amp.utc and tz("+", 0, 0) both write -00:00.
    let mut christmas = at(b"2010-12-25T00:00:00.000000-00:00");
    christmas.extend(at(b"2010-12-25T00:00:00.000000-00:00"));
    both::<types::ListOf<types::DateTime>>(vec![utc_christmas(0), utc_christmas(0)], &christmas);
    both::<types::ListOf<types::DateTime>>(vec![utc_christmas(60)], &at(b"2010-12-25T00:00:00.000000+01:00"));
    both::<types::ListOf<types::DateTime>>(vec![utc_christmas(210)], &at(b"2010-12-25T00:00:00.000000+03:30"));
    both::<types::ListOf<types::DateTime>>(vec![utc_christmas(-300)], &at(b"2010-12-25T00:00:00.000000-05:00"));
    let mut previous = at(b"2010-12-25T00:00:00.000000+03:19");
    previous.extend(at(b"2010-12-25T00:00:00.000000-06:59"));
    both::<types::ListOf<types::DateTime>>(vec![utc_christmas(199), utc_christmas(-419)], &previous);
}

#[test]
fn nested_list_of() {
    both::<types::ListOf<types::ListOf<types::Integer>>>(
        vec![vec![1, 2], vec![]],
        b"\x00\x06\x00\x011\x00\x012\x00\x00",
    );
}

// ---- Optional arguments (test_amp.py ListOfOptionalTests) ----

#[test]
fn optional_list_of_absent_and_present() {
    let mut cx = ArgContext::new();
    let mut out = AmpBox::new();
    write_optional::<types::ListOf<types::Integer>>("omitted", &None, &mut out, &mut cx).unwrap();
    assert!(out.is_empty());
    assert_eq!(types::ListOf::<types::Integer>::from_box("omitted", &out, &mut cx).unwrap(), None);
    write_optional::<types::ListOf<types::Integer>>("present", &Some(vec![7]), &mut out, &mut cx).unwrap();
    assert_eq!(out.get("present").unwrap().as_ref(), b"\x00\x017");
    let err = required::<types::ListOf<types::Integer>>("omitted", &out, &mut cx).unwrap_err();
    assert_eq!(err.to_string(), "argument \"omitted\": missing");
}

// ---- AmpList: Twisted 26.10 and test_amp.py GetList / DontRejectMe ----

/// `AmpList([(b"x", amp.Integer())])`, as in test_amp.py's GetList.
#[derive(Debug, PartialEq)]
struct X {
    x: i64,
}

impl Same for X {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl BoxFields for X {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Integer::<i64>::to_box("x", &self.x, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(X { x: required::<types::Integer>("x", input, cx)? })
    }
}

/// An element whose only field is optional.
#[derive(Debug, PartialEq)]
struct MaybeName {
    name: Option<String>,
}

impl Same for MaybeName {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl BoxFields for MaybeName {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        write_optional::<types::Unicode>("name", &self.name, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(MaybeName { name: types::Unicode::from_box("name", input, cx)? })
    }
}

fn amp_list_bytes<T: BoxFields>(value: &Vec<T>) -> Vec<u8> {
    let mut out = AmpBox::new();
    types::AmpList::<T>::to_box("l", value, &mut out, &mut ArgContext::new()).unwrap();
    out.get("l").unwrap().to_vec()
}

/// `raw` as an AmpList value, which must round-trip.
fn amp_list_value<T: BoxFields + Same>(raw: &[u8]) -> Vec<T> {
    let input: AmpBox = [("l", Bytes::copy_from_slice(raw))].into_iter().collect();
    testing::round_trip_field::<types::AmpList<T>>("l", &input).unwrap().expect("decodes").0
}

#[test]
fn amp_list_of_boxes() {
    assert_eq!(amp_list_bytes(&vec![X { x: 1 }]), b"\x00\x01x\x00\x011\x00\x00");
    assert_eq!(amp_list_value::<X>(b"\x00\x01x\x00\x011\x00\x00"), vec![X { x: 1 }]);
    // GetList(length=10) answers [{"x": 1}] * 10.
    let ten: Vec<X> = (0..10).map(|_| X { x: 1 }).collect();
    let raw = b"\x00\x01x\x00\x011\x00\x00".repeat(10);
    assert_eq!(amp_list_bytes(&ten), raw);
    assert_eq!(amp_list_value::<X>(&raw), ten);
    assert_eq!(amp_list_bytes::<X>(&vec![]), b"");
    assert_eq!(amp_list_value::<X>(b""), vec![]);
}

#[test]
fn amp_list_element_with_all_optionals_absent_is_two_nuls() {
    // DontRejectMe's list=[{"name": "foo"}] and an element with nothing in it.
    let value = vec![MaybeName { name: Some("foo".into()) }, MaybeName { name: None }];
    let raw = b"\x00\x04name\x00\x03foo\x00\x00\x00\x00";
    assert_eq!(amp_list_bytes(&value), raw);
    assert_eq!(amp_list_value::<MaybeName>(raw), value);
}

// ---- Descriptor (test_amp.py DescriptorTests) ----

fn dev_null() -> OwnedFd {
    std::fs::File::open("/dev/null").unwrap().into()
}

fn inode(fd: &OwnedFd) -> (u64, u64) {
    let file = std::fs::File::from(fd.try_clone().unwrap());
    let m = file.metadata().unwrap();
    (m.dev(), m.ino())
}

#[test]
fn descriptor_ordinals_count_from_zero() {
    let mut cx = ArgContext::new();
    let mut out = AmpBox::new();
    let fds = [dev_null(), std::fs::File::open("/").unwrap().into(), dev_null()];
    for (i, fd) in fds.iter().enumerate() {
        types::Descriptor::to_box("fd", fd, &mut out, &mut cx).unwrap();
        assert_eq!(out.get("fd").unwrap().as_ref(), i.to_string().as_bytes());
    }
    assert_eq!(cx.next_fd_ordinal, 3);
    assert_eq!(cx.fds_out.len(), 3);
    for (sent, original) in cx.fds_out.iter().zip(&fds) {
        assert_eq!(inode(sent), inode(original));
    }
}

#[test]
fn descriptors_are_claimed_in_arrival_order() {
    // test_amp.py DescriptorTests.test_fromStringProto: received 5, 3, 1;
    // ordinals "0", "1", "2" give 5, 3, 1 and leave nothing behind.
    let received: Vec<OwnedFd> =
        ["/", "/dev", "/dev/null"].iter().map(|p| std::fs::File::open(p).unwrap().into()).collect();
    let expected: Vec<(u64, u64)> = received.iter().map(inode).collect();
    let mut cx = ArgContext::new();
    cx.fds_in.extend(received);
    for (ordinal, want) in expected.iter().enumerate() {
        let input: AmpBox = [("fd", ordinal.to_string())].into_iter().collect();
        let got = types::Descriptor::from_box("fd", &input, &mut cx).unwrap().unwrap();
        assert_eq!(inode(&got), *want);
    }
    assert!(cx.fds_in.is_empty());
}

#[test]
fn descriptor_round_trip_through_the_context() {
    let mut send = ArgContext::new();
    let mut boxed = AmpBox::new();
    let root: OwnedFd = std::fs::File::open("/").unwrap().into();
    types::Descriptor::to_box("alpha", &root, &mut boxed, &mut send).unwrap();
    // What SCM_RIGHTS does: the sent descriptors arrive, in order, on the other side.
    let mut receive = ArgContext::new();
    receive.fds_in.extend(send.fds_out.drain(..));
    let got = types::Descriptor::from_box("alpha", &boxed, &mut receive).unwrap().unwrap();
    assert_eq!(inode(&got), inode(&root));
    assert!(receive.fds_in.is_empty());
}

// ---- Whole boxes ----

#[test]
fn a_box_of_typed_arguments_serializes_sorted() {
    let mut cx = ArgContext::new();
    let mut b = AmpBox::new();
    b.insert("_command", "Sum");
    b.insert("_ask", "1");
    types::Integer::<i64>::to_box("b", &2, &mut b, &mut cx).unwrap();
    types::Integer::<i64>::to_box("a", &13, &mut b, &mut cx).unwrap();
    types::Boolean::to_box("ok", &true, &mut b, &mut cx).unwrap();
    assert_eq!(
        &b.serialize().unwrap()[..],
        b"\x00\x04_ask\x00\x011\x00\x08_command\x00\x03Sum\x00\x01a\x00\x0213\x00\x01b\x00\x012\x00\x02ok\x00\x04True\x00\x00"
    );
}
