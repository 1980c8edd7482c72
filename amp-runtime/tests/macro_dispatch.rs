//! Handler traits and dispatchers, driven through `Responder::respond` with
//! a detached context: the schema form (`[protocols.X]`) and the inline form
//! (`amp_protocol!`).

use std::sync::atomic::{AtomicUsize, Ordering};

use amp_runtime::{amp_command, AmpBox, ArgContext, BoxFields, Context, Reply, Responder};
use bytes::Bytes;
use futures::executor::block_on;

mod codec {
    use amp_runtime::types::StringArgument;
    use bytes::{Bytes, BytesMut};

    /// Text reversed on the wire (the fixture's custom type).
    pub struct Reversed;

    impl StringArgument for Reversed {
        type Value = String;
        fn to_string(value: &String, out: &mut BytesMut) -> Result<(), String> {
            out.extend_from_slice(value.chars().rev().collect::<String>().as_bytes());
            Ok(())
        }
        fn from_string(input: Bytes) -> Result<String, amp_runtime::DecodeErrorKind> {
            Ok(String::from_utf8_lossy(&input).chars().rev().collect())
        }
    }
}

mod calc {
    amp_runtime::amp_schema!("tests/fixtures/calc.toml");
}

use calc::*;

/// Answers the fixture's Calculator protocol.
#[derive(Default)]
struct Calculator {
    calls: AtomicUsize,
}

/// Per-connection state a handler reads from its context.
struct Greeting(&'static str);

impl CalculatorHandler for Calculator {
    async fn sum(&self, _cx: &Context, args: SumArguments) -> Result<SumResponse, SumError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(SumResponse { total: args.a + args.b })
    }

    async fn divide(&self, _cx: &Context, args: DivideArguments) -> Result<DivideResponse, DivideError> {
        if args.denominator == 0 {
            return Err(DivideError::ZeroDivisionError("division by zero".into()));
        }
        Ok(DivideResponse { result: args.numerator as f64 / args.denominator as f64 })
    }

    async fn echo(&self, cx: &Context, args: EchoArguments) -> Result<EchoResponse, EchoError> {
        let prefix = cx.state::<Greeting>().map_or("", |g| g.0);
        let times = args.times.unwrap_or(1) as usize;
        Ok(EchoResponse { text: format!("{prefix}{}", args.text.repeat(times)) })
    }

    async fn stats(&self, _cx: &Context, args: StatsArguments) -> Result<StatsResponse, StatsError> {
        if args.samples.is_empty() {
            return Err(StatsError::Disaster("no samples".into()));
        }
        Err(StatsError::ValueError(format!("{} samples", args.samples.len())))
    }
}

fn call<R: Responder>(r: &R, cx: &Context, command: &[u8], args: &impl BoxFields) -> Reply {
    let mut b = AmpBox::new();
    args.write_fields(&mut b, &mut ArgContext::new()).unwrap();
    // A received box also carries `_command` and `_ask`.
    b.insert(Bytes::from_static(b"_command"), Bytes::copy_from_slice(command));
    b.insert(Bytes::from_static(b"_ask"), Bytes::from_static(b"1"));
    block_on(r.respond(cx, command, b))
}

fn answer<T: BoxFields>(reply: Reply) -> T {
    match reply {
        Reply::Answer(b) => T::read_fields(&b, &mut ArgContext::new()).unwrap(),
        other => panic!("expected an answer, got {other:?}"),
    }
}

#[test]
fn dispatcher_answers_with_the_handler_result() {
    let d = CalculatorDispatcher::new(Calculator::default());
    let cx = Context::detached();
    let r: SumResponse = answer(call(&d, &cx, b"Sum", &SumArguments { a: 2, b: 40 }));
    assert_eq!(r.total, 42);
    assert_eq!(d.handler().calls.load(Ordering::Relaxed), 1);
}

#[test]
fn dispatcher_matches_the_wire_name_not_the_table_key() {
    let d = CalculatorDispatcher::new(Calculator::default());
    let cx = Context::detached();
    let args = EchoArguments { text: "ab".into(), times: Some(2), dash_name: None, r#type: None };
    let r: EchoResponse = answer(call(&d, &cx, b"echo", &args));
    assert_eq!(r.text, "abab");
    assert!(matches!(call(&d, &cx, b"Echo", &args), Reply::Unhandled));
}

#[test]
fn handlers_see_the_connection_context() {
    let d = CalculatorDispatcher::new(Calculator::default());
    let cx = Context::detached();
    cx.set_state(Greeting("> "));
    let args = EchoArguments { text: "x".into(), times: None, dash_name: None, r#type: None };
    assert_eq!(answer::<EchoResponse>(call(&d, &cx, b"echo", &args)).text, "> x");
}

#[test]
fn declared_errors_become_error_replies() {
    let d = CalculatorDispatcher::new(Calculator::default());
    let cx = Context::detached();
    match call(&d, &cx, b"Divide", &DivideArguments { numerator: 1, denominator: 0 }) {
        Reply::Error(e) => {
            assert_eq!(e.code, "ZERO_DIVISION");
            assert_eq!(e.description, "division by zero");
            assert!(!e.fatal);
        }
        other => panic!("{other:?}"),
    }
    let stats = StatsArguments { samples: vec![], matrix: vec![], tags: None, wide: 0, packed: String::new() };
    match call(&d, &cx, b"Stats", &stats) {
        Reply::Error(e) => {
            assert_eq!(e.code, "DEAD");
            assert!(e.fatal, "a fatal error closes the connection");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_commands_are_unhandled_not_a_panic() {
    let d = CalculatorDispatcher::new(Calculator::default());
    let cx = Context::detached();
    for name in [&b"WTF"[..], b"", b"sum", b"Sum\0", &[0xff, 0xfe]] {
        assert!(matches!(block_on(d.respond(&cx, name, AmpBox::new())), Reply::Unhandled), "{name:?}");
    }
    // Log belongs to the Console protocol, not the Calculator.
    let log = LogArguments { line: "x".into() };
    assert!(matches!(call(&d, &cx, b"Log", &log), Reply::Unhandled));
}

#[test]
fn bad_arguments_fail_without_calling_the_handler() {
    let d = CalculatorDispatcher::new(Calculator::default());
    let cx = Context::detached();
    let mut b = AmpBox::new();
    b.insert(Bytes::from_static(b"a"), Bytes::from_static(b"one"));
    b.insert(Bytes::from_static(b"b"), Bytes::from_static(b"2"));
    match block_on(d.respond(&cx, b"Sum", b)) {
        Reply::Failed(why) => assert!(why.contains("\"a\""), "{why}"),
        other => panic!("{other:?}"),
    }
    let mut missing = AmpBox::new();
    missing.insert(Bytes::from_static(b"a"), Bytes::from_static(b"1"));
    assert!(matches!(block_on(d.respond(&cx, b"Sum", missing)), Reply::Failed(_)));
    assert_eq!(d.into_handler().calls.load(Ordering::Relaxed), 0);
}

#[test]
fn dispatchers_are_responders_behind_an_arc() {
    let d: std::sync::Arc<dyn Responder> = std::sync::Arc::new(CalculatorDispatcher::new(Calculator::default()));
    let cx = Context::detached();
    assert_eq!(answer::<SumResponse>(call(&d, &cx, b"Sum", &SumArguments { a: 1, b: 1 })).total, 2);
}

// The inline form: commands declared with #[amp_command], a protocol with
// amp_protocol!.

mod ops {
    use super::*;

    #[amp_command(arguments(a: Integer, b: Integer), response(total: Integer))]
    pub struct Add;

    #[amp_command(name = "neg", arguments(x: Integer<i128>), response(x: Integer<i128>), errors(Overflow = "OVERFLOW"))]
    pub struct Negate;
}

#[amp_command(arguments(), response(pong: Boolean))]
pub struct Ping;

amp_runtime::amp_protocol! {
    /// What the inline calculator answers.
    pub Ops: ops::Add, ops::Negate as negate_it, Ping;
    /// A protocol answering nothing.
    Silent:
}

struct Inline;

impl OpsHandler for Inline {
    async fn add(&self, _: &Context, args: ops::AddArguments) -> Result<ops::AddResponse, ops::AddError> {
        Ok(ops::AddResponse { total: args.a + args.b })
    }

    fn negate_it(
        &self,
        _: &Context,
        args: ops::NegateArguments,
    ) -> impl std::future::Future<Output = Result<ops::NegateResponse, ops::NegateError>> + Send {
        // A plain fn returning a future works as well as an `async fn`.
        let result = args
            .x
            .checked_neg()
            .map(|x| ops::NegateResponse { x })
            .ok_or_else(|| ops::NegateError::Overflow(format!("-({})", args.x)));
        std::future::ready(result)
    }

    async fn ping(&self, _: &Context, _: PingArguments) -> Result<PingResponse, PingError> {
        Ok(PingResponse { pong: true })
    }
}

struct Nothing;
impl SilentHandler for Nothing {}

#[test]
fn inline_protocol_dispatches_by_wire_name() {
    let d = OpsDispatcher::new(Inline);
    let cx = Context::detached();
    assert_eq!(answer::<ops::AddResponse>(call(&d, &cx, b"Add", &ops::AddArguments { a: 1, b: 2 })).total, 3);
    assert_eq!(answer::<ops::NegateResponse>(call(&d, &cx, b"neg", &ops::NegateArguments { x: 5 })).x, -5);
    assert!(answer::<PingResponse>(call(&d, &cx, b"Ping", &PingArguments)).pong);
    match call(&d, &cx, b"neg", &ops::NegateArguments { x: i128::MIN }) {
        Reply::Error(e) => assert_eq!((e.code.as_ref(), e.fatal), (&b"OVERFLOW"[..], false)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(call(&d, &cx, b"Negate", &ops::NegateArguments { x: 1 }), Reply::Unhandled));
}

#[test]
fn a_protocol_without_commands_answers_everything_unhandled() {
    let d = SilentDispatcher::new(Nothing);
    assert!(matches!(block_on(d.respond(&Context::detached(), b"Ping", AmpBox::new())), Reply::Unhandled));
}

#[cfg(unix)]
mod fds {
    use super::*;

    #[amp_command(arguments(fd: Descriptor), response(ok: Boolean))]
    pub struct TakeFd;

    amp_runtime::amp_protocol!(pub Fds: TakeFd);

    pub struct Taker;

    impl FdsHandler for Taker {
        async fn take_fd(&self, _: &Context, _args: TakeFdArguments) -> Result<TakeFdResponse, TakeFdError> {
            Ok(TakeFdResponse { ok: true })
        }
    }

    #[test]
    fn a_descriptor_argument_without_a_received_descriptor_fails_cleanly() {
        let d = FdsDispatcher::new(Taker);
        let mut b = AmpBox::new();
        b.insert(Bytes::from_static(b"fd"), Bytes::from_static(b"0"));
        match block_on(d.respond(&Context::detached(), b"TakeFd", b)) {
            Reply::Failed(why) => assert!(why.contains("\"fd\""), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
