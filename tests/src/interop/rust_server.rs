//! The Rust server the Python client checks: answers every command of
//! `commands.rs` the way `tests/interop/peer.py`'s server does.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use amp_runtime::connection::{ConnectionConfig, PendingSwitch, TlsRole};
use amp_runtime::server::{Server, ServerHandle};
use amp_runtime::{BoxFuture, Context, Reply, Responder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::cases;
use super::commands::*;
use super::TestCerts;

amp_runtime::amp_protocol! {
    /// Everything the interop server answers (not `Nope`, not `NopeNotify`).
    pub Interop: Sum, Divide, Fail, Types, Delayed, Notify, Log, Hang, TlsInfo, Switch
}

/// What the server saw, for the Rust test to assert on.
#[derive(Debug, Default)]
pub struct Seen {
    /// `Types` calls whose arguments matched the case table.
    pub types_matched: AtomicUsize,
    /// `Types` calls whose arguments did not, with the differences.
    pub types_mismatched: Mutex<Vec<String>>,
    /// `Delayed` calls answered.
    pub delayed: AtomicUsize,
}

/// The `Notify` texts of one connection.
#[derive(Default)]
struct Notes(Mutex<Vec<String>>);

/// The handler: every command, checking what it receives.
pub struct Handler {
    seen: Arc<Seen>,
}

fn notes(cx: &Context) -> Arc<Notes> {
    cx.state_or_insert_with(Notes::default)
}

impl InteropHandler for Handler {
    async fn sum(&self, _: &Context, args: SumArguments) -> Result<SumResponse, SumError> {
        Ok(SumResponse { total: args.a + args.b })
    }

    async fn divide(&self, _: &Context, args: DivideArguments) -> Result<DivideResponse, DivideError> {
        if args.denominator == 0 {
            // Python's own text for `1 // 0`.
            return Err(DivideError::ZeroDivisionError("integer division or modulo by zero".into()));
        }
        Ok(DivideResponse { quotient: args.numerator.div_euclid(args.denominator) })
    }

    async fn fail(&self, _: &Context, args: FailArguments) -> Result<FailResponse, FailError> {
        match args.kind.as_str() {
            "declared" => Err(FailError::DeclaredError("declared: \u{e9} \u{1d11e}".into())),
            "fatal" => Err(FailError::FatalError("fatal: goodbye".into())),
            "panic" => panic!("Fail(panic): a handler that panics is an undeclared failure"),
            _ => Ok(FailResponse),
        }
    }

    async fn types(&self, _: &Context, args: TypesArguments) -> Result<TypesResponse, TypesError> {
        let Some(values) = cases::case(&args.case) else {
            return Err(TypesError::Mismatch(format!("unknown case {:?}", args.case)));
        };
        let problems = cases::differences(&args.case, &cases::arguments_as_response(&args));
        if !problems.is_empty() {
            let text = format!("{}: {problems}", args.case);
            self.seen.types_mismatched.lock().unwrap_or_else(|e| e.into_inner()).push(text.clone());
            return Err(TypesError::Mismatch(text));
        }
        self.seen.types_matched.fetch_add(1, Ordering::Relaxed);
        Ok(values)
    }

    async fn delayed(&self, _: &Context, args: DelayedArguments) -> Result<DelayedResponse, DelayedError> {
        tokio::time::sleep(Duration::from_millis(args.delay_ms.clamp(0, 120_000) as u64)).await;
        self.seen.delayed.fetch_add(1, Ordering::Relaxed);
        Ok(DelayedResponse { id: args.id })
    }

    async fn notify(&self, cx: &Context, args: NotifyArguments) -> Result<NotifyResponse, NotifyError> {
        notes(cx).0.lock().unwrap_or_else(|e| e.into_inner()).push(args.text);
        Ok(NotifyResponse)
    }

    async fn log(&self, cx: &Context, _: LogArguments) -> Result<LogResponse, LogError> {
        let notes = notes(cx).0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Ok(LogResponse { notes, asks: None })
    }

    async fn hang(&self, cx: &Context, _: HangArguments) -> Result<HangResponse, HangError> {
        cx.peer().close();
        // Never answer: the close is the answer.
        std::future::pending().await
    }

    async fn switch(&self, cx: &Context, args: SwitchArguments) -> Result<SwitchResponse, SwitchError> {
        if args.name == "refuse" {
            return Err(SwitchError::SwitchRefused("not now".into()));
        }
        tokio::spawn(upper_echo(cx.switch_protocol_after_answer(), args.name));
        Ok(SwitchResponse)
    }

    async fn tls_info(&self, cx: &Context, _: TlsInfoArguments) -> Result<TlsInfoResponse, TlsInfoError> {
        Ok(TlsInfoResponse { tls: cx.peer().is_tls() })
    }
}

/// The protocol after a `Switch`: greets, then echoes every byte
/// upper-cased until the peer closes (or a minute passes).
async fn upper_echo(pending: PendingSwitch, name: String) {
    let Ok(mut stream) = pending.await else { return };
    let echo = async {
        stream.write_all(format!("HELLO {name}\n").as_bytes()).await?;
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok::<(), std::io::Error>(());
            }
            buf[..n].make_ascii_uppercase();
            stream.write_all(&buf[..n]).await?;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(60), echo).await;
}

/// The dispatcher, plus the undeclared failures a typed handler cannot
/// return: `Fail(kind="undeclared")` and `Notify(text="raise")` fail as a
/// Twisted responder raising an undeclared exception does.
pub struct InteropServer {
    dispatcher: InteropDispatcher<Handler>,
}

impl Responder for InteropServer {
    fn respond<'a>(
        &'a self,
        cx: &'a Context,
        command: &'a [u8],
        arguments: amp_runtime::AmpBox,
    ) -> BoxFuture<'a, Reply> {
        let undeclared = match command {
            b"Fail" => arguments.get("kind").is_some_and(|k| &k[..] == b"undeclared"),
            b"Notify" => arguments.get("text").is_some_and(|t| &t[..] == b"raise"),
            _ => false,
        };
        if undeclared {
            return Box::pin(std::future::ready(Reply::Failed("asked to fail in an undeclared way".into())));
        }
        self.dispatcher.respond(cx, command, arguments)
    }
}

/// Starts the interop server on 127.0.0.1 (a free port), answering StartTLS
/// with the test certificate.
pub async fn start(certs: &TestCerts) -> (ServerHandle, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let responder = InteropServer { dispatcher: InteropDispatcher::new(Handler { seen: seen.clone() }) };
    let config = ConnectionConfig::default().with_start_tls(TlsRole::server(certs.server_config()));
    let server = Server::bind_local(0, responder, config).await.expect("bind 127.0.0.1:0");
    (server, seen)
}
