//! Generated code names everything by absolute path: it compiles under
//! `#![no_implicit_prelude]`, beside user types named like std's (`Result`,
//! `Option`, `Ok`, `Box`, `String`, `Vec`, ...), and beside local constants
//! named like the parameters it declares.

mod codec {
    /// A custom codec for the hygienic module to name.
    pub struct Reversed;

    impl amp_runtime::types::StringArgument for Reversed {
        type Value = String;
        fn to_string(value: &String, out: &mut bytes::BytesMut) -> Result<(), String> {
            out.extend_from_slice(value.chars().rev().collect::<String>().as_bytes());
            Ok(())
        }
        fn from_string(input: bytes::Bytes) -> Result<String, amp_runtime::DecodeErrorKind> {
            Ok(String::from_utf8_lossy(&input).chars().rev().collect())
        }
    }
}

#[allow(dead_code, non_camel_case_types, non_upper_case_globals, clippy::upper_case_acronyms)]
mod hygienic {
    #![no_implicit_prelude]

    // Shadow what generated code could otherwise pick up by accident.
    pub struct Result;
    pub struct Option;
    pub struct Ok;
    pub struct Err;
    pub struct Some;
    pub struct None;
    pub struct Box;
    pub struct String;
    pub struct Vec;
    pub struct Send;
    pub struct Sync;
    pub struct Future;
    pub struct Debug;
    pub struct Clone;
    pub struct PartialEq;
    pub struct Eq;
    pub struct Default;
    pub struct Hash;
    pub struct Copy;
    pub struct Sized;
    pub struct Display;
    pub struct Integer;
    pub struct Unicode;
    pub struct AmpBox;
    pub struct Context;
    pub struct Command;
    pub struct Responder;
    pub mod fmt {}
    pub mod core {}
    pub mod std {}
    pub mod types {}
    pub mod amp_runtime {}
    // Lower-case items named like the generated code's parameters: a
    // parameter pattern must not turn into a constant pattern.
    pub const cx: u8 = 0;
    pub const args: u8 = 0;
    pub const handler: u8 = 0;
    pub const command: u8 = 0;
    pub const arguments: u8 = 0;
    pub const out: u8 = 0;
    pub const input: u8 = 0;
    pub const f: u8 = 0;
    pub const d: u8 = 0;

    #[::amp_runtime::amp_command(
        arguments(a: Integer, b: Option<Unicode>, rows: AmpList(x: Integer), list: ListOf(Unicode), c: crate::codec::Reversed),
        response(total: Integer),
        errors(ZeroDivisionError = "ZERO_DIVISION"),
        fatal_errors(Fatal = "FATAL"),
    )]
    pub struct Sum;

    #[::amp_runtime::amp_command(arguments(), response())]
    pub struct Nothing;

    ::amp_runtime::amp_protocol!(pub Calc: Sum, Nothing);

    pub mod from_file {
        #![no_implicit_prelude]
        pub struct Result;
        pub struct Option;
        pub struct String;
        pub struct Vec;
        pub struct Box;
        pub struct H;
        ::amp_runtime::amp_schema!("tests/fixtures/calc.toml");
    }
}

use amp_runtime::{AmpBox, ArgContext, BoxFields, Command, CommandError, Context, Reply, Responder};

struct Handler;

impl hygienic::CalcHandler for Handler {
    async fn sum(&self, _: &Context, a: hygienic::SumArguments) -> Result<hygienic::SumResponse, hygienic::SumError> {
        Ok(hygienic::SumResponse { total: a.a })
    }
    async fn nothing(
        &self,
        _: &Context,
        _: hygienic::NothingArguments,
    ) -> Result<hygienic::NothingResponse, hygienic::NothingError> {
        Ok(hygienic::NothingResponse)
    }
}

#[test]
fn generated_code_works_in_a_hygienic_module() {
    let args = hygienic::SumArguments {
        a: 4,
        b: Some("x".into()),
        rows: vec![hygienic::SumArgumentsRows { x: 1 }],
        list: vec!["y".into()],
        c: "ab".into(),
    };
    let mut b = AmpBox::new();
    args.write_fields(&mut b, &mut ArgContext::new()).unwrap();
    assert_eq!(b.get("c").unwrap().as_ref(), b"ba");
    assert_eq!(hygienic::SumArguments::read_fields(&b, &mut ArgContext::new()).unwrap(), args);
    assert_eq!(hygienic::Sum::NAME, "Sum");
    assert!(hygienic::SumError::from_wire(b"FATAL", String::new()).unwrap().is_fatal());

    let d = hygienic::CalcDispatcher::new(Handler);
    let reply = futures::executor::block_on(d.respond(&Context::detached(), b"Sum", b));
    assert!(matches!(reply, Reply::Answer(_)), "{reply:?}");
}

#[test]
fn schema_module_works_in_a_hygienic_module() {
    use hygienic::from_file as calc;
    assert_eq!(calc::Echo::NAME, "echo");
    let e = calc::EchoArguments { text: "x".into(), times: None, dash_name: None, r#type: None };
    let mut b = AmpBox::new();
    e.write_fields(&mut b, &mut ArgContext::new()).unwrap();
    assert_eq!(calc::EchoArguments::read_fields(&b, &mut ArgContext::new()).unwrap(), e);
}
