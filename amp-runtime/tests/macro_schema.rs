//! The schema-file forms: `amp_schema!` (a module of every command and
//! protocol of a file) and `#[amp_command(schema = "...")]`, against the same
//! commands declared inline: same constants, same wire bytes.

use amp_runtime::types::StringArgument;
use amp_runtime::{amp_command, ArgContext, BoxFields, Command, CommandError, DateTime, Decimal};
use bytes::{Bytes, BytesMut};

/// A custom argument type for the tests: the text, reversed on the wire.
mod codec {
    use super::*;

    pub struct Reversed;

    impl StringArgument for Reversed {
        type Value = String;

        fn to_string(value: &String, out: &mut BytesMut) -> Result<(), String> {
            out.extend_from_slice(value.chars().rev().collect::<String>().as_bytes());
            Ok(())
        }

        fn from_string(input: Bytes) -> Result<String, amp_runtime::DecodeErrorKind> {
            let text = std::str::from_utf8(&input).map_err(|_| amp_runtime::DecodeErrorKind::NotUtf8)?;
            Ok(text.chars().rev().collect())
        }
    }
}

/// Every command and protocol of the fixture.
mod calc {
    amp_runtime::amp_schema!("tests/fixtures/calc.toml");
}

/// Single commands picked from the file by the struct's name, or by `command`.
mod picked {
    use super::*;

    #[amp_command(schema = "tests/fixtures/calc.toml")]
    pub struct Stats;

    #[amp_command(schema = "tests/fixtures/calc.toml", command = "Echo")]
    pub struct Shout;
}

/// The same commands, declared inline.
mod inline {
    use super::*;

    #[amp_command(arguments(a: Integer, b: Integer), response(total: Integer))]
    pub struct Sum;

    #[amp_command(
        arguments(numerator: Integer, denominator: Integer),
        response(result: Float),
        errors(ZeroDivisionError = "ZERO_DIVISION")
    )]
    pub struct Divide;

    #[amp_command(
        name = "echo",
        arguments(text: Unicode, times: Option<Integer<u64>>, "dash-name": Option<Unicode>, r#type: Option<Unicode>),
        response(text: Unicode)
    )]
    pub struct Echo;

    #[amp_command(
        arguments(
            samples: ListOf(Integer<BigInt>),
            matrix: ListOf(ListOf(Float)),
            tags: Option<ListOf(Unicode)>,
            wide: Integer<i128>,
            packed: crate::codec::Reversed,
        ),
        response(
            rows: AmpList(label: Unicode, count: Integer, when: Option<DateTime>, cells: AmpList(v: Decimal)),
            mean: Decimal,
            raw: String,
            ok: Boolean,
            r#where: Path,
        ),
        errors(ValueError = "BAD_SAMPLES"),
        fatal_errors(Disaster = "DEAD"),
    )]
    pub struct Stats;

    #[amp_command(arguments(line: Unicode), requires_answer = false)]
    pub struct Log;
}

/// The bytes `value` serializes to.
fn wire<T: BoxFields>(value: &T) -> Vec<u8> {
    let mut out = amp_runtime::AmpBox::new();
    value.write_fields(&mut out, &mut ArgContext::new()).expect("encodes");
    out.serialize().expect("serializes").to_vec()
}

/// Decodes `bytes` (one serialized box) as `T`.
fn read<T: BoxFields>(bytes: &[u8]) -> T {
    use tokio_util::codec::Decoder;
    let mut buf = BytesMut::from(bytes);
    let b = amp_runtime::AmpCodec::new().decode(&mut buf).expect("frames").expect("a whole box");
    T::read_fields(&b, &mut ArgContext::new()).expect("decodes")
}

fn same_command<A: Command, B: Command>() {
    assert_eq!(A::NAME, B::NAME);
    assert_eq!(A::REQUIRES_ANSWER, B::REQUIRES_ANSWER);
    assert_eq!(A::ERRORS, B::ERRORS);
    assert_eq!(A::FATAL_ERRORS, B::FATAL_ERRORS);
}

#[test]
fn schema_and_inline_commands_have_the_same_constants() {
    same_command::<calc::Sum, inline::Sum>();
    same_command::<calc::Divide, inline::Divide>();
    same_command::<calc::Echo, inline::Echo>();
    same_command::<calc::Stats, inline::Stats>();
    same_command::<calc::Log, inline::Log>();
    same_command::<picked::Stats, inline::Stats>();
    same_command::<picked::Shout, inline::Echo>();
    assert_eq!(calc::Echo::NAME, "echo");
    const { assert!(!calc::Log::REQUIRES_ANSWER) };
    assert_eq!(calc::Stats::FATAL_ERRORS[0].code, "DEAD");
}

#[test]
fn sum_gives_the_same_bytes_in_both_forms() {
    let schema = wire(&calc::SumArguments { a: 7, b: -3 });
    let inline = wire(&inline::SumArguments { a: 7, b: -3 });
    assert_eq!(schema, inline);
    assert_eq!(schema, b"\x00\x01a\x00\x017\x00\x01b\x00\x02-3\x00\x00");
    assert_eq!(read::<inline::SumArguments>(&schema), inline::SumArguments { a: 7, b: -3 });
}

#[test]
fn echo_optionals_and_mapped_names_give_the_same_bytes_in_both_forms() {
    let schema = calc::EchoArguments { text: "hi".into(), times: Some(3), dash_name: Some("d".into()), r#type: None };
    let inline = inline::EchoArguments { text: "hi".into(), times: Some(3), dash_name: Some("d".into()), r#type: None };
    let bytes = wire(&schema);
    assert_eq!(bytes, wire(&inline));
    // The wire keys are the schema's names; the absent optional is not sent.
    assert_eq!(bytes, b"\x00\x09dash-name\x00\x01d\x00\x04text\x00\x02hi\x00\x05times\x00\x013\x00\x00");
    let back: calc::EchoArguments = read(&bytes);
    assert_eq!(back, schema);
    let shout: picked::ShoutArguments = read(&bytes);
    assert_eq!(shout.dash_name.as_deref(), Some("d"));
}

fn stats_values() -> (calc::StatsArguments, inline::StatsArguments) {
    let samples = vec![num_bigint::BigInt::from(10).pow(30), (-1).into()];
    let matrix = vec![vec![1.5, -0.25], vec![]];
    let schema = calc::StatsArguments {
        samples: samples.clone(),
        matrix: matrix.clone(),
        tags: Some(vec!["x".into(), "☃".into()]),
        wide: i128::MIN,
        packed: "abc".into(),
    };
    let inline = inline::StatsArguments {
        samples,
        matrix,
        tags: Some(vec!["x".into(), "☃".into()]),
        wide: i128::MIN,
        packed: "abc".into(),
    };
    (schema, inline)
}

#[test]
fn stats_arguments_give_the_same_bytes_in_both_forms() {
    let (schema, inline) = stats_values();
    let bytes = wire(&schema);
    assert_eq!(bytes, wire(&inline));
    assert_eq!(bytes, wire(&picked::StatsArguments { ..read(&bytes) }));
    // The custom codec is the one the schema names: the text is reversed.
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("\x06packed\x00\x03cba"), "{text:?}");
    assert_eq!(read::<calc::StatsArguments>(&bytes), schema);
    assert_eq!(read::<inline::StatsArguments>(&bytes), inline);
}

#[test]
fn stats_response_with_nested_amp_lists_gives_the_same_bytes_in_both_forms() {
    let when = DateTime::from_ascii(b"2010-12-25T00:00:00.000000-00:00").unwrap();
    let mean = Decimal::from_ascii(b"1.50").unwrap();
    let schema = calc::StatsResponse {
        rows: vec![
            calc::StatsResponseRows {
                label: "a".into(),
                count: 1,
                when: Some(when),
                cells: vec![calc::StatsResponseRowsCells { v: mean.clone() }],
            },
            calc::StatsResponseRows { label: "b".into(), count: 2, when: None, cells: vec![] },
        ],
        mean: mean.clone(),
        raw: Bytes::from_static(b"\x00\xff"),
        ok: true,
        r#where: "/tmp/x".into(),
    };
    let inline = inline::StatsResponse {
        rows: vec![
            inline::StatsResponseRows {
                label: "a".into(),
                count: 1,
                when: Some(when),
                cells: vec![inline::StatsResponseRowsCells { v: mean.clone() }],
            },
            inline::StatsResponseRows { label: "b".into(), count: 2, when: None, cells: vec![] },
        ],
        mean,
        raw: Bytes::from_static(b"\x00\xff"),
        ok: true,
        r#where: "/tmp/x".into(),
    };
    let bytes = wire(&schema);
    assert_eq!(bytes, wire(&inline));
    assert_eq!(read::<calc::StatsResponse>(&bytes), schema);
    assert_eq!(read::<inline::StatsResponse>(&bytes), inline);
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("\x00\x05where\x00\x06/tmp/x"), "{text:?}");
    assert!(text.contains("\x00\x02okTrue") || text.contains("\x00\x02ok\x00\x04True"), "{text:?}");
}

#[test]
fn schema_and_inline_errors_map_codes_the_same_way() {
    let a = calc::StatsError::from_wire(b"DEAD", "gone".into()).unwrap();
    let b = inline::StatsError::from_wire(b"DEAD", "gone".into()).unwrap();
    assert_eq!(a.to_string(), b.to_string());
    assert_eq!((a.code(), a.is_fatal()), (b.code(), b.is_fatal()));
    assert!(a.is_fatal());
    assert!(calc::StatsError::from_wire(b"ZERO_DIVISION", String::new()).is_none());
}

/// The real Evennia schema: `amp_evennia::Compressed` is resolved where the
/// macro is called, so a stand-in named that way is enough here.
mod amp_evennia {
    pub use crate::codec::Reversed as Compressed;
}

mod evennia {
    use crate::amp_evennia;
    amp_runtime::amp_schema!("../schema/evennia.toml");
}

#[test]
fn evennia_schema_generates_every_command_and_both_protocols() {
    same_command::<evennia::MsgStatus, evennia::MsgStatus>();
    assert_eq!(evennia::MsgPortal2Server::NAME, "MsgPortal2Server");
    assert_eq!(evennia::FunctionCall::ERRORS, &[amp_runtime::ErrorCode { exception: "Exception", code: "EXCEPTION" }]);
    let args = evennia::MsgStatusArguments { status: Bytes::from_static(b"ping") };
    assert_eq!(wire(&args), b"\x00\x06status\x00\x04ping\x00\x00");
    let packed = evennia::AdminServer2PortalArguments { packed_data: "xy".into() };
    assert_eq!(wire(&packed), b"\x00\x0bpacked_data\x00\x02yx\x00\x00");
    fn portal<H: evennia::PortalHandler>(h: H) -> evennia::PortalDispatcher<H> {
        evennia::PortalDispatcher::new(h)
    }
    fn server<H: evennia::ServerHandler>(h: H) -> evennia::ServerDispatcher<H> {
        evennia::ServerDispatcher::new(h)
    }
    let _ = (portal::<NullPortal>, server::<NullServer>);
}

struct NullPortal;
struct NullServer;

macro_rules! refuse {
    ($($m:ident: $args:ident -> $resp:ident / $err:ident),* $(,)?) => {
        $(async fn $m(&self, _: &amp_runtime::Context, _: evennia::$args) -> Result<evennia::$resp, evennia::$err> {
            Err(evennia::$err::Exception("not here".into()))
        })*
    };
}

impl evennia::PortalHandler for NullPortal {
    refuse!(
        msg_launcher2_portal: MsgLauncher2PortalArguments -> MsgLauncher2PortalResponse / MsgLauncher2PortalError,
        msg_server2_portal: MsgServer2PortalArguments -> MsgServer2PortalResponse / MsgServer2PortalError,
        admin_server2_portal: AdminServer2PortalArguments -> AdminServer2PortalResponse / AdminServer2PortalError,
        msg_status: MsgStatusArguments -> MsgStatusResponse / MsgStatusError,
        function_call: FunctionCallArguments -> FunctionCallResponse / FunctionCallError,
    );
}

impl evennia::ServerHandler for NullServer {
    refuse!(
        msg_portal2_server: MsgPortal2ServerArguments -> MsgPortal2ServerResponse / MsgPortal2ServerError,
        admin_portal2_server: AdminPortal2ServerArguments -> AdminPortal2ServerResponse / AdminPortal2ServerError,
        msg_status: MsgStatusArguments -> MsgStatusResponse / MsgStatusError,
        function_call: FunctionCallArguments -> FunctionCallResponse / FunctionCallError,
    );
}
