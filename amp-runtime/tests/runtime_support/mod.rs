//! Shared by the `runtime_*` tests: commands written by hand (as the macro
//! would generate them), a router answering them, and a raw wire peer.
#![allow(dead_code)] // each test file uses a different part of this module

use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amp_runtime::command::ErrorCode;
use amp_runtime::connection::{Connection, ConnectionConfig};
use amp_runtime::types::{self, optional, required, write_optional};
use amp_runtime::{
    AmpBox, AmpCodec, ArgContext, ArgumentType, BoxFields, Command, CommandError, Context, DecodeError, EncodeError,
    NoError, Responder, Router,
};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_util::codec::Decoder;

/// Bound on every wait in the tests: a hang fails instead of blocking CI.
pub const LIMIT: Duration = Duration::from_secs(10);

/// Awaits `fut`, failing the test if it takes longer than [`LIMIT`].
pub async fn within<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, fut).await.expect("timed out")
}

/// A response or argument struct without fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Empty;

impl BoxFields for Empty {
    fn write_fields(&self, _: &mut AmpBox, _: &mut ArgContext) -> Result<(), EncodeError> {
        Ok(())
    }
    fn read_fields(_: &AmpBox, _: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Empty)
    }
}

macro_rules! command {
    ($name:ident, $wire:expr, $answer:expr, $args:ty, $resp:ty, $err:ty, $errors:expr, $fatal:expr) => {
        pub struct $name;
        impl Command for $name {
            const NAME: &'static str = $wire;
            const REQUIRES_ANSWER: bool = $answer;
            const ERRORS: &'static [ErrorCode] = $errors;
            const FATAL_ERRORS: &'static [ErrorCode] = $fatal;
            type Arguments = $args;
            type Response = $resp;
            type Error = $err;
        }
    };
}

// Sum(a: Integer, b: Integer) -> (total: Integer)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumArgs {
    pub a: i64,
    pub b: i64,
}
impl BoxFields for SumArgs {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Integer::<i64>::to_box("a", &self.a, out, cx)?;
        types::Integer::<i64>::to_box("b", &self.b, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(SumArgs { a: required::<types::Integer>("a", input, cx)?, b: required::<types::Integer>("b", input, cx)? })
    }
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Total {
    pub total: i64,
}
impl BoxFields for Total {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Integer::<i64>::to_box("total", &self.total, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Total { total: required::<types::Integer>("total", input, cx)? })
    }
}
command!(Sum, "Sum", true, SumArgs, Total, NoError, &[], &[]);

// Divide(numerator, denominator) -> (result); ZeroDivisionError: ZERO_DIVISION; fatal ValueError: BAD_VALUE
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivideArgs {
    pub numerator: i64,
    pub denominator: i64,
}
impl BoxFields for DivideArgs {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Integer::<i64>::to_box("numerator", &self.numerator, out, cx)?;
        types::Integer::<i64>::to_box("denominator", &self.denominator, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(DivideArgs {
            numerator: required::<types::Integer>("numerator", input, cx)?,
            denominator: required::<types::Integer>("denominator", input, cx)?,
        })
    }
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotient {
    pub result: i64,
}
impl BoxFields for Quotient {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Integer::<i64>::to_box("result", &self.result, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Quotient { result: required::<types::Integer>("result", input, cx)? })
    }
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DivideError {
    ZeroDivision(String),
    BadValue(String),
}
impl std::fmt::Display for DivideError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}
impl CommandError for DivideError {
    fn from_wire(code: &[u8], description: String) -> Option<Self> {
        match code {
            b"ZERO_DIVISION" => Some(DivideError::ZeroDivision(description)),
            b"BAD_VALUE" => Some(DivideError::BadValue(description)),
            _ => None,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            DivideError::ZeroDivision(_) => "ZERO_DIVISION",
            DivideError::BadValue(_) => "BAD_VALUE",
        }
    }
    fn description(&self) -> &str {
        match self {
            DivideError::ZeroDivision(d) | DivideError::BadValue(d) => d,
        }
    }
    fn is_fatal(&self) -> bool {
        matches!(self, DivideError::BadValue(_))
    }
}
command!(
    Divide,
    "Divide",
    true,
    DivideArgs,
    Quotient,
    DivideError,
    &[ErrorCode { exception: "ZeroDivisionError", code: "ZERO_DIVISION" }],
    &[ErrorCode { exception: "ValueError", code: "BAD_VALUE" }]
);

// Echo(text: String) -> (text: String); Notify(text) without answer; Wait(key) waits for a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub text: Bytes,
}
impl Text {
    pub fn new(text: impl Into<Bytes>) -> Self {
        Text { text: text.into() }
    }
}
impl BoxFields for Text {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::String::to_box("text", &self.text, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Text { text: required::<types::String>("text", input, cx)? })
    }
}
command!(Echo, "Echo", true, Text, Text, NoError, &[], &[]);
command!(Notify, "Notify", false, Text, Empty, NoError, &[], &[]);
// Waits until the test releases it (see [`Gate`]), then answers its text.
command!(Wait, "Wait", true, Text, Text, NoError, &[], &[]);
// Panics at once (inside the connection task).
command!(Boom, "Boom", true, Empty, Empty, NoError, &[], &[]);
// Panics after waiting once (inside its own task).
command!(LateBoom, "LateBoom", true, Empty, Empty, NoError, &[], &[]);
// A command nobody handles.
command!(Nope, "Nope", true, Empty, Empty, NoError, &[], &[]);
// Calls the caller's Echo back before answering.
command!(CallBack, "CallBack", true, Text, Text, NoError, &[], &[]);
// Answers the connection's `Label` state.
command!(WhoAmI, "WhoAmI", true, Empty, Text, NoError, &[], &[]);
// A switch to a raw echo protocol.
command!(
    Switch,
    "Switch",
    true,
    Empty,
    Empty,
    DivideError,
    &[ErrorCode { exception: "ZeroDivisionError", code: "ZERO_DIVISION" }],
    &[]
);

// PassFd(fd: Descriptor, note: String optional) -> (fd: Descriptor)
#[derive(Debug)]
pub struct FdArgs {
    pub fd: OwnedFd,
    pub second: Option<OwnedFd>,
}
impl BoxFields for FdArgs {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Descriptor::to_box("fd", &self.fd, out, cx)?;
        write_optional::<types::Descriptor>("second", &self.second, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(FdArgs {
            fd: required::<types::Descriptor>("fd", input, cx)?,
            second: optional::<types::Descriptor>("second", input, cx)?,
        })
    }
}
#[derive(Debug)]
pub struct FdResponse {
    pub fd: OwnedFd,
}
impl BoxFields for FdResponse {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Descriptor::to_box("fd", &self.fd, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(FdResponse { fd: required::<types::Descriptor>("fd", input, cx)? })
    }
}
// Writes to the passed descriptor(s); answers a new pipe's read end
// holding `from-server`.
command!(PassFd, "PassFd", true, FdArgs, FdResponse, NoError, &[], &[]);

/// Per-connection state the tests set with `init`.
#[derive(Debug)]
pub struct Label(pub String);

/// Lets tests hold `Wait` handlers and release them.
#[derive(Default)]
pub struct Gate {
    pub released: tokio::sync::Notify,
    pub started: std::sync::atomic::AtomicUsize,
    /// Notified each time a `Wait` handler starts.
    pub start_signal: tokio::sync::Notify,
    pub log: Mutex<Vec<String>>,
}

impl Gate {
    /// Waits until `n` `Wait` handlers have started (an explicit signal, no polling).
    pub async fn wait_started(&self, n: usize) {
        loop {
            let notified = self.start_signal.notified();
            tokio::pin!(notified);
            // Registered before the check, so a start in between is not missed.
            notified.as_mut().enable();
            if self.started.load(std::sync::atomic::Ordering::SeqCst) >= n {
                return;
            }
            notified.await;
        }
    }

    pub fn log(&self, event: impl Into<String>) {
        self.log.lock().unwrap().push(event.into());
    }
    pub fn events(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// What a test router saw.
#[derive(Default)]
pub struct Seen {
    pub notes: Mutex<Vec<Bytes>>,
}

/// Creates a pipe: (read end, write end).
pub fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe writes two fresh descriptors into the array.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2 failed");
    use std::os::fd::FromRawFd;
    // SAFETY: both descriptors are fresh and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

pub fn write_fd(fd: &OwnedFd, data: &[u8]) {
    let mut f = std::fs::File::from(fd.try_clone().unwrap());
    std::io::Write::write_all(&mut f, data).unwrap();
}

/// Reads a pipe to its end, failing after [`LIMIT`] (a leaked write end
/// would otherwise hang the test): each read waits in poll(2) until data or
/// the end comes.
pub fn read_fd_to_end(fd: OwnedFd) -> Vec<u8> {
    use std::os::fd::AsRawFd;
    let deadline = std::time::Instant::now() + LIMIT;
    let raw = fd.as_raw_fd();
    let mut f = std::fs::File::from(fd);
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let mut pfd = libc::pollfd { fd: raw, events: libc::POLLIN, revents: 0 };
        // SAFETY: poll on one valid pollfd we own, for at most `left`.
        let ready = unsafe { libc::poll(&mut pfd, 1, left.as_millis().min(i32::MAX as u128) as i32) };
        if ready < 0 {
            let e = std::io::Error::last_os_error();
            assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "poll: {e}");
            continue;
        }
        assert!(ready > 0, "pipe not closed within {LIMIT:?}: a descriptor leaked");
        match std::io::Read::read(&mut f, &mut chunk) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// The router every test server uses.
pub fn test_router(gate: Arc<Gate>, seen: Arc<Seen>) -> Router {
    let wait_gate = gate.clone();
    Router::new()
        .command::<Sum, _, _>(|_cx, args| async move { Ok(Total { total: args.a + args.b }) })
        .command::<Divide, _, _>(|_cx, args| async move {
            match args.denominator {
                0 => Err(DivideError::ZeroDivision("division by zero".into())),
                d if d < 0 => Err(DivideError::BadValue("negative denominator".into())),
                d => Ok(Quotient { result: args.numerator / d }),
            }
        })
        .command::<Echo, _, _>(|_cx, args| async move { Ok(args) })
        .command::<Notify, _, _>(move |_cx, args| {
            let seen = seen.clone();
            async move {
                seen.notes.lock().unwrap().push(args.text);
                Ok(Empty)
            }
        })
        .command::<Wait, _, _>(move |_cx, args| {
            let gate = wait_gate.clone();
            async move {
                gate.started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                gate.log(format!("start {}", String::from_utf8_lossy(&args.text)));
                gate.start_signal.notify_waiters();
                gate.released.notified().await;
                gate.log(format!("end {}", String::from_utf8_lossy(&args.text)));
                Ok(args)
            }
        })
        .command::<Boom, _, _>(|_cx, _args| async move {
            panic!("boom");
            #[allow(unreachable_code)] // the panic is the test
            Ok(Empty)
        })
        .command::<LateBoom, _, _>(|_cx, _args| async move {
            tokio::task::yield_now().await;
            panic!("late boom");
            #[allow(unreachable_code)] // the panic is the test
            Ok(Empty)
        })
        .command::<CallBack, _, _>(|cx: Context, args| async move {
            let back = cx.peer().call::<Echo>(Text { text: args.text }).await.expect("the callback works");
            Ok(back)
        })
        .command::<WhoAmI, _, _>(|cx: Context, _| async move {
            let label = cx.state::<Label>().map(|l| l.0.clone()).unwrap_or_default();
            Ok(Text { text: label.into() })
        })
        .command::<PassFd, _, _>(|_cx, args| async move {
            write_fd(&args.fd, b"from-client-handler");
            if let Some(second) = &args.second {
                write_fd(second, b"second");
            }
            let (read, write) = pipe();
            write_fd(&write, b"from-server");
            drop(write);
            Ok(FdResponse { fd: read })
        })
}

/// A client and a server connection over an in-memory duplex.
pub fn duplex_pair(
    server: impl Responder,
    server_config: ConnectionConfig,
    client: impl Responder,
    client_config: ConnectionConfig,
) -> (Connection, Connection) {
    let (a, b) = tokio::io::duplex(256 * 1024);
    (Connection::new(a, client, client_config), Connection::new(b, server, server_config))
}

/// A peer that speaks AMP by hand, to check exact bytes.
pub struct RawPeer {
    pub io: DuplexStream,
    codec: AmpCodec,
    buf: BytesMut,
}

impl RawPeer {
    pub fn new(io: DuplexStream) -> Self {
        RawPeer { io, codec: AmpCodec::new(), buf: BytesMut::new() }
    }

    /// A connection under test and the raw peer at its other end.
    pub fn connect(responder: impl Responder, config: ConnectionConfig) -> (Connection, RawPeer) {
        let (a, b) = tokio::io::duplex(256 * 1024);
        (Connection::new(a, responder, config), RawPeer::new(b))
    }

    pub async fn send(&mut self, b: &AmpBox) {
        self.send_bytes(&b.serialize().unwrap()).await;
    }

    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        within(self.io.write_all(bytes)).await.unwrap();
    }

    /// The next box, or `None` at the end of the stream.
    pub async fn recv(&mut self) -> Option<AmpBox> {
        within(async {
            loop {
                if let Some(b) = self.codec.decode(&mut self.buf).expect("valid AMP from the connection") {
                    return Some(b);
                }
                let n = self.io.read_buf(&mut self.buf).await.expect("read");
                if n == 0 {
                    assert!(self.buf.is_empty(), "stream ended inside a box");
                    return None;
                }
            }
        })
        .await
    }

    /// Reads everything up to the end of the stream.
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        let mut out = self.buf.split().to_vec();
        within(self.io.read_to_end(&mut out)).await.unwrap();
        out
    }
}

/// A box from pairs.
pub fn abox<const N: usize>(pairs: [(&str, &str); N]) -> AmpBox {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

/// The value of `key` as text.
pub fn text(b: &AmpBox, key: &str) -> String {
    String::from_utf8_lossy(b.get(key).unwrap_or_else(|| panic!("no {key} in {b:?}"))).into_owned()
}

/// Under tokio's paused time (`#[tokio::test(start_paused = true)]`), returns
/// once every task is idle: the clock only moves when nothing can run, so
/// whatever could happen on the in-memory streams has happened. (The sleep is
/// virtual: it takes no real time, and no timer of the tests fires sooner.)
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

/// Turns tracing on for a test when `RUST_LOG` is set.
pub fn trace() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}
