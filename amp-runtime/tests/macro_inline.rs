//! The inline form of `#[amp_command]`: every field type, optional fields,
//! mapped wire names, errors, and the generated constants.

use std::path::PathBuf;

use amp_runtime::types::StringArgument;
use amp_runtime::{amp_command, AmpBox, ArgContext, BoxFields, CallError, Command, CommandError, DecodeErrorKind};
use bytes::{Bytes, BytesMut};

/// A custom codec: text, reversed on the wire.
pub struct Reversed;

impl StringArgument for Reversed {
    type Value = String;

    fn to_string(value: &String, out: &mut BytesMut) -> Result<(), String> {
        out.extend_from_slice(value.chars().rev().collect::<String>().as_bytes());
        Ok(())
    }

    fn from_string(input: Bytes) -> Result<String, DecodeErrorKind> {
        Ok(std::str::from_utf8(&input).map_err(|_| DecodeErrorKind::NotUtf8)?.chars().rev().collect())
    }
}

#[amp_command(
    arguments(a: Integer, b: Integer),
    response(total: Integer),
    errors(ZeroDivisionError = "ZERO_DIVISION")
)]
pub struct Sum;

/// Every built-in type, a custom one, and names that are not Rust identifiers.
#[amp_command(
    name = "every-type",
    requires_answer = false,
    arguments(
        int: Integer,
        unsigned: Integer<u64>,
        wide: Integer<i128>,
        big: Integer<BigInt>,
        raw: String,
        text: Unicode,
        path: Path,
        flag: Boolean,
        ratio: Float,
        money: Decimal,
        when: DateTime,
        "dash-name": Unicode,
        r#type: Unicode,
        "self": Integer,
        maybe: Option<Integer>,
        numbers: ListOf(Integer),
        matrix: ListOf(ListOf(Float)),
        rows: AmpList(label: Unicode, count: Option<Integer>, cells: AmpList(v: Integer)),
        reversed: crate::Reversed,
        maybe_reversed: Option<self::Reversed>,
    ),
    errors(ValueError = "BAD", KeyError = "MISSING"),
    fatal_errors(Disaster = "DEAD"),
)]
pub struct Everything;

/// No arguments, no response, no errors.
#[amp_command()]
pub struct Ping;

/// A file descriptor: the struct can be neither cloned nor compared.
#[cfg(unix)]
#[amp_command(arguments(fd: Descriptor, name: Unicode))]
pub struct SendFd;

fn encode<T: BoxFields>(value: &T) -> AmpBox {
    let mut out = AmpBox::new();
    value.write_fields(&mut out, &mut ArgContext::new()).expect("encodes");
    out
}

fn decode<T: BoxFields>(b: &AmpBox) -> T {
    T::read_fields(b, &mut ArgContext::new()).expect("decodes")
}

fn everything() -> EverythingArguments {
    EverythingArguments {
        int: -5,
        unsigned: u64::MAX,
        wide: i128::MAX,
        big: amp_runtime::BigInt::from(-7).pow(40),
        raw: Bytes::from_static(b"\x00\r\n"),
        text: "snow ☃".to_string(),
        path: PathBuf::from("/etc/x"),
        flag: false,
        ratio: 1e16,
        money: amp_runtime::Decimal::from_ascii(b"-3.141E+5").unwrap(),
        when: amp_runtime::DateTime::from_ascii(b"9876-01-23T12:34:56.054321-01:23").unwrap(),
        dash_name: "d".into(),
        r#type: "t".into(),
        self_: 1,
        maybe: None,
        numbers: vec![1, 20, 500],
        matrix: vec![vec![0.5], vec![]],
        rows: vec![
            EverythingArgumentsRows {
                label: "a".into(),
                count: Some(2),
                cells: vec![EverythingArgumentsRowsCells { v: 9 }],
            },
            EverythingArgumentsRows { label: "b".into(), count: None, cells: vec![] },
        ],
        reversed: "abc".into(),
        maybe_reversed: Some("xy".into()),
    }
}

#[test]
fn sum_arguments_encode_as_twisted_does() {
    let b = encode(&SumArguments { a: 1, b: 2 });
    assert_eq!(&b.serialize().unwrap()[..], b"\x00\x01a\x00\x011\x00\x01b\x00\x012\x00\x00");
    assert_eq!(decode::<SumArguments>(&b), SumArguments { a: 1, b: 2 });
    assert_eq!(decode::<SumResponse>(&encode(&SumResponse { total: 3 })).total, 3);
}

#[test]
fn every_type_round_trips() {
    let value = everything();
    let b = encode(&value);
    assert_eq!(decode::<EverythingArguments>(&b), value);
    // Encoding the decoded value gives the same bytes again.
    assert_eq!(encode(&decode::<EverythingArguments>(&b)).serialize().unwrap(), b.serialize().unwrap());
}

#[test]
fn every_type_uses_the_wire_names_and_encodings() {
    let b = encode(&everything());
    let get = |k: &str| b.get(k).map(|v| v.to_vec());
    assert_eq!(get("int").unwrap(), b"-5");
    assert_eq!(get("unsigned").unwrap(), b"18446744073709551615");
    assert_eq!(get("raw").unwrap(), b"\x00\r\n");
    assert_eq!(get("text").unwrap(), "snow ☃".as_bytes());
    assert_eq!(get("flag").unwrap(), b"False");
    assert_eq!(get("ratio").unwrap(), b"1e+16");
    assert_eq!(get("money").unwrap(), b"-3.141E+5");
    assert_eq!(get("when").unwrap(), b"9876-01-23T12:34:56.054321-01:23");
    assert_eq!(get("dash-name").unwrap(), b"d");
    assert_eq!(get("type").unwrap(), b"t");
    assert_eq!(get("self").unwrap(), b"1");
    assert_eq!(get("numbers").unwrap(), b"\x00\x011\x00\x0220\x00\x03500");
    assert_eq!(get("reversed").unwrap(), b"cba");
    assert_eq!(get("maybe_reversed").unwrap(), b"yx");
    // An absent optional is not on the wire at all.
    assert_eq!(get("maybe"), None);
    assert_eq!(
        get("rows").unwrap(),
        b"\x00\x05cells\x00\x08\x00\x01v\x00\x019\x00\x00\x00\x05count\x00\x012\x00\x05label\x00\x01a\x00\x00\
          \x00\x05cells\x00\x00\x00\x05label\x00\x01b\x00\x00"
    );
}

#[test]
fn a_missing_required_field_is_a_typed_error_and_a_missing_optional_is_none() {
    let mut b = encode(&everything());
    b.remove("maybe_reversed");
    let back: EverythingArguments = decode(&b);
    assert_eq!(back.maybe_reversed, None);
    b.remove("dash-name");
    let e = EverythingArguments::read_fields(&b, &mut ArgContext::new()).unwrap_err();
    assert_eq!(e.key, "dash-name");
    assert_eq!(e.kind, DecodeErrorKind::Missing);
}

#[test]
fn unknown_incoming_keys_are_ignored() {
    let mut b = encode(&SumArguments { a: 1, b: 2 });
    b.insert(Bytes::from_static(b"extra"), Bytes::from_static(b"x"));
    assert_eq!(decode::<SumArguments>(&b), SumArguments { a: 1, b: 2 });
}

#[test]
fn command_constants_follow_the_declaration() {
    assert_eq!(Sum::NAME, "Sum");
    const { assert!(Sum::REQUIRES_ANSWER) };
    assert_eq!(Sum::ERRORS, &[amp_runtime::ErrorCode { exception: "ZeroDivisionError", code: "ZERO_DIVISION" }]);
    assert!(Sum::FATAL_ERRORS.is_empty());
    assert_eq!(Everything::NAME, "every-type");
    const { assert!(!Everything::REQUIRES_ANSWER) };
    assert_eq!(Everything::ERRORS.len(), 2);
    assert_eq!(Everything::FATAL_ERRORS[0].exception, "Disaster");
    assert_eq!(Everything::reverse_error(b"MISSING").unwrap().exception, "KeyError");
    assert_eq!(Everything::error_code("Disaster").unwrap().code, "DEAD");
    assert_eq!(Ping::NAME, "Ping");
}

#[test]
fn error_enum_maps_codes_descriptions_and_fatality() {
    let e = EverythingError::from_wire(b"DEAD", "the end".into()).unwrap();
    assert_eq!(e, EverythingError::Disaster("the end".into()));
    assert!(e.is_fatal());
    assert_eq!(e.code(), "DEAD");
    assert_eq!(e.description(), "the end");
    assert_eq!(e.to_string(), "Disaster: the end");
    let v = EverythingError::ValueError(String::new());
    assert!(!v.is_fatal());
    assert_eq!(v.code(), "BAD");
    assert_eq!(v.to_string(), "ValueError");
    assert_eq!(EverythingError::from_wire(b"BAD", "x".into()), Some(EverythingError::ValueError("x".into())));
    assert_eq!(EverythingError::from_wire(b"bad", "x".into()), None);
    let boxed: Box<dyn std::error::Error> = Box::new(SumError::ZeroDivisionError("1/0".into()));
    assert_eq!(boxed.to_string(), "ZeroDivisionError: 1/0");
}

#[test]
fn call_errors_reverse_declared_codes() {
    let remote = amp_runtime::RemoteError::new("ZERO_DIVISION", "division by zero");
    match CallError::<SumError>::from_remote(remote) {
        CallError::Declared(SumError::ZeroDivisionError(d)) => assert_eq!(d, "division by zero"),
        other => panic!("{other:?}"),
    }
    let undeclared = amp_runtime::RemoteError::new("OTHER", "x");
    assert!(matches!(CallError::<SumError>::from_remote(undeclared), CallError::Undeclared(_)));
}

#[test]
fn a_command_without_errors_has_an_error_enum_without_values() {
    fn never(e: PingError) -> ! {
        match e {}
    }
    let _ = never;
    assert_eq!(PingError::from_wire(b"EXCEPTION", String::new()), None);
    let b = encode(&PingArguments);
    assert!(b.is_empty());
    assert_eq!(decode::<PingResponse>(&b), PingResponse {});
}

#[cfg(unix)]
#[test]
fn a_descriptor_field_travels_in_the_context() {
    let file = std::fs::File::open("Cargo.toml").unwrap();
    let args = SendFdArguments { fd: file.into(), name: "manifest".into() };
    let mut cx = ArgContext::new();
    let mut b = AmpBox::new();
    args.write_fields(&mut b, &mut cx).unwrap();
    assert_eq!(b.get("fd").unwrap().as_ref(), b"0");
    assert_eq!(cx.fds_out.len(), 1);
    let mut rx = ArgContext::new();
    rx.fds_in.extend(cx.fds_out.drain(..));
    let back = SendFdArguments::read_fields(&b, &mut rx).unwrap();
    assert_eq!(back.name, "manifest");
    assert!(format!("{back:?}").contains("manifest"));
}
