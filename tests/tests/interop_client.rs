//! The Rust client (amp-runtime's `Connection` / `Peer`) against a real
//! Twisted server (`tests/interop/peer.py server`), one Python process per
//! Twisted version, every check through it. Checks:
//!
//! - `sum`: plain calls; an answer that does not fit `i64` is a decode error
//!   for that call only.
//! - `types`: every `Types` case (see `interop/cases.rs`): Twisted checks the
//!   arguments against its table, this side checks the answer against its own.
//! - `declared_error`, `fatal_error`, `undeclared_error`, `unhandled`,
//!   `bad_argument`: the error the Rust caller gets for each kind of Twisted
//!   failure, and whether Twisted keeps the connection.
//! - `unhandled_without_ask`, `notify_and_tags`: requiresAnswer=False sends
//!   (they use up a tag, as Twisted's counter does; Twisted records the tags
//!   it sees) and Twisted dropping the connection when such a box fails.
//! - `concurrent_1000`: 1,000 calls in flight on one connection, Twisted
//!   answering out of order after pseudo-random delays.
//! - `too_long`: a 65,536-byte value is refused before sending, the
//!   connection stays usable.
//! - `hang_*`: Twisted closing, aborting, or closing after half an answer
//!   box while calls are outstanding: they all fail, nothing hangs.
//! - `protocol_switch`: a refused switch leaves AMP usable; a switch hands
//!   over the stream, with the bytes Twisted wrote right behind its answer.
//! - `reconnect`: the reconnecting client comes back after Twisted drops the
//!   connection (a fatal error).
//! - `start_tls`, `start_tls_wrong_name`: StartTLS with rustls verifying
//!   Twisted's certificate, and a handshake the client refuses.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use amp_runtime::client::{ClientState, ReconnectConfig, ReconnectingClient, Target};
use amp_runtime::connection::{CloseReason, ConnectionConfig, StartTlsError, TlsRole};
use amp_runtime::{AmpBox, CallError, Connection, NoResponder};
use amp_tests::interop::commands::*;
use amp_tests::interop::{cases, server_args, Failures, PythonPeer, TestCerts};
use amp_tests::Peer;
use bytes::Bytes;
use futures::future::join_all;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Longest any single step may take; a hang fails the check instead of the suite.
const PROMPT: Duration = Duration::from_secs(20);

struct Run {
    port: u16,
    certs: TestCerts,
    f: Failures,
}

impl Run {
    async fn connect(&self) -> Connection {
        Connection::builder()
            .config(ConnectionConfig::default().with_default_timeout(PROMPT))
            .connect_tcp(("127.0.0.1", self.port), NoResponder)
            .await
            .expect("connect to the Twisted server")
    }

    /// Waits for the connection to end; a failure if it stays open.
    async fn closed_by_peer(&mut self, name: &str, conn: &Connection) -> Option<CloseReason> {
        match tokio::time::timeout(PROMPT, conn.closed()).await {
            Ok(reason) => Some(reason),
            Err(_) => {
                self.f.add(name, "Twisted did not close the connection");
                conn.close();
                None
            }
        }
    }

    async fn still_works(&mut self, name: &str, conn: &Connection) {
        match conn.call::<Sum>(SumArguments { a: 20, b: 22 }).await {
            Ok(SumResponse { total: 42 }) => {}
            other => self.f.add(name, format!("Sum afterwards gave {other:?}")),
        }
    }

    async fn sum(&mut self) {
        let conn = self.connect().await;
        for (a, b) in [(2, 3), (-(1i64 << 62), -(1i64 << 62)), (0, 0), (i64::MAX - 1, 1)] {
            match conn.call::<Sum>(SumArguments { a, b }).await {
                Ok(r) if r.total == a + b => {}
                other => self.f.add("sum", format!("Sum({a}, {b}) gave {other:?}")),
            }
        }
        // Python's ints have no limit: 2**63 does not fit this side's i64.
        match conn.call::<Sum>(SumArguments { a: i64::MAX, b: 1 }).await {
            Err(CallError::Decode(e)) => {
                self.f.check("sum", e.to_string().contains("total"), || format!("decode error names no field: {e}"))
            }
            other => self.f.add("sum", format!("Sum(i64::MAX, 1) gave {other:?}, expected a decode error")),
        }
        self.still_works("sum (after a decode error)", &conn).await;
        conn.close();
    }

    async fn types(&mut self) {
        let conn = self.connect().await;
        for name in cases::CASES {
            let args = cases::arguments(name).expect("a case in the table");
            match conn.call::<Types>(args).await {
                Ok(answer) => {
                    let problems = cases::differences(name, &answer);
                    self.f.check("types", problems.is_empty(), || format!("{name} (answer): {problems}"));
                }
                Err(CallError::Declared(TypesError::Mismatch(why))) => {
                    self.f.add("types", format!("{name} (Twisted received other values): {why}"))
                }
                Err(e) => self.f.add("types", format!("{name}: {e:?}")),
            }
        }
        conn.close();
    }

    async fn errors(&mut self) {
        let conn = self.connect().await;
        match conn.call::<Divide>(DivideArguments { numerator: 1, denominator: 0 }).await {
            Err(CallError::Declared(DivideError::ZeroDivisionError(d))) => {
                self.f
                    .check("declared_error", d == "integer division or modulo by zero", || format!("description {d:?}"))
            }
            other => self.f.add("declared_error", format!("Divide(1, 0) gave {other:?}")),
        }
        match conn.call::<Divide>(DivideArguments { numerator: -7, denominator: 2 }).await {
            Ok(r) => self.f.check("declared_error", r.quotient == -4, || format!("-7 // 2 gave {}", r.quotient)),
            Err(e) => self.f.add("declared_error", format!("Divide(-7, 2): {e:?}")),
        }
        match conn.call::<Fail>(FailArguments { kind: "declared".into() }).await {
            Err(CallError::Declared(FailError::DeclaredError(d))) => {
                self.f.check("declared_error", d == "declared: \u{e9} \u{1d11e}", || format!("description {d:?}"))
            }
            other => self.f.add("declared_error", format!("Fail(declared) gave {other:?}")),
        }
        self.still_works("declared_error", &conn).await;

        match conn.call::<Nope>(NopeArguments).await {
            Err(CallError::Unhandled { description }) => {
                self.f.check("unhandled", description == "Unhandled Command: b'Nope'", || {
                    format!("description {description:?}")
                })
            }
            other => self.f.add("unhandled", format!("Nope gave {other:?}")),
        }
        self.still_works("unhandled", &conn).await;
        conn.close();

        let conn = self.connect().await;
        match conn.call::<Fail>(FailArguments { kind: "fatal".into() }).await {
            Err(CallError::Declared(FailError::FatalError(d))) => {
                self.f.check("fatal_error", d == "fatal: goodbye", || format!("description {d:?}"))
            }
            other => self.f.add("fatal_error", format!("Fail(fatal) gave {other:?}")),
        }
        if let Some(reason) = self.closed_by_peer("fatal_error", &conn).await {
            self.f.check("fatal_error", reason == CloseReason::PeerClosed, || format!("closed: {reason:?}"));
        }
        match conn.call::<Sum>(SumArguments { a: 1, b: 1 }).await {
            Err(CallError::ConnectionLost(_)) => {}
            other => self.f.add("fatal_error", format!("a call after the close gave {other:?}")),
        }

        let conn = self.connect().await;
        match conn.call::<Fail>(FailArguments { kind: "undeclared".into() }).await {
            Err(CallError::Unknown { description }) => {
                self.f.check("undeclared_error", description == "Unknown Error", || {
                    format!("description {description:?}")
                })
            }
            other => self.f.add("undeclared_error", format!("Fail(undeclared) gave {other:?}")),
        }
        self.closed_by_peer("undeclared_error", &conn).await;

        // An argument Twisted cannot parse: UNKNOWN, then Twisted closes.
        let conn = self.connect().await;
        let mut raw = AmpBox::new();
        raw.insert("case", "true");
        raw.insert("boolean", "true");
        match conn.call_raw("Types", raw).await {
            Err(CallError::Unknown { description }) => {
                self.f.check("bad_argument", description == "Unknown Error", || format!("description {description:?}"))
            }
            other => self.f.add("bad_argument", format!("Boolean 'true' gave {other:?}")),
        }
        self.closed_by_peer("bad_argument", &conn).await;
    }

    async fn without_answers(&mut self) {
        // Tags: Sum is 1, the three sends use 2, 3, 4 silently, Log is 5.
        let conn = self.connect().await;
        self.still_works("notify_and_tags", &conn).await;
        for text in ["a", "\u{1d11e}", ""] {
            if let Err(e) = conn.send::<Notify>(NotifyArguments { text: text.into() }).await {
                self.f.add("notify_and_tags", format!("send: {e:?}"));
            }
        }
        match conn.call::<Log>(LogArguments).await {
            Ok(log) => {
                let want = vec!["a".to_owned(), "\u{1d11e}".to_owned(), String::new()];
                self.f.check("notify_and_tags", log.notes == want, || format!("notes {:?}", log.notes));
                let asks = log.asks.unwrap_or_default();
                self.f.check("notify_and_tags", asks == [Bytes::from("1"), Bytes::from("5")], || {
                    format!("Twisted saw the tags {asks:?}, expected [1, 5]")
                });
            }
            Err(e) => self.f.add("notify_and_tags", format!("Log: {e:?}")),
        }
        // A failing responder for a box without _ask: Twisted drops the connection.
        let _ = conn.send::<Notify>(NotifyArguments { text: "raise".into() }).await;
        self.closed_by_peer("notify_and_tags (a failing Notify)", &conn).await;

        let conn = self.connect().await;
        self.still_works("unhandled_without_ask", &conn).await;
        let _ = conn.send::<NopeNotify>(NopeNotifyArguments).await;
        self.closed_by_peer("unhandled_without_ask", &conn).await;
    }

    async fn concurrent(&mut self) {
        let conn = self.connect().await;
        let finished = AtomicUsize::new(0);
        let calls = (0..1000i64).map(|id| {
            let (conn, finished) = (&conn, &finished);
            async move {
                let r = conn.call::<Delayed>(DelayedArguments { id, delay_ms: (id * 7919) % 97 }).await;
                (id, r, finished.fetch_add(1, Ordering::SeqCst))
            }
        });
        let results = tokio::time::timeout(Duration::from_secs(60), join_all(calls)).await;
        let Ok(results) = results else {
            self.f.add("concurrent_1000", "not all answered within 60 s");
            return;
        };
        let wrong: Vec<_> = results
            .iter()
            .filter(|(id, r, _)| !matches!(r, Ok(DelayedResponse { id: got }) if got == id))
            .map(|(id, r, _)| format!("{id}: {r:?}"))
            .take(5)
            .collect();
        self.f.check("concurrent_1000", wrong.is_empty(), || format!("wrong answers: {wrong:?}"));
        let in_order = results.iter().all(|(id, _, at)| *id as usize == *at);
        self.f.check("concurrent_1000", !in_order, || "answers came in call order".into());
        conn.close();
    }

    async fn too_long(&mut self) {
        let conn = self.connect().await;
        let mut args = cases::arguments("none").expect("case");
        args.string = Some(Bytes::from(vec![b'x'; 65_536]));
        match conn.call::<Types>(args).await {
            Err(CallError::Encode(e)) => {
                self.f.check("too_long", e.to_string().contains("string"), || format!("error names no key: {e}"))
            }
            other => self.f.add("too_long", format!("a 65,536-byte value gave {other:?}")),
        }
        self.still_works("too_long", &conn).await;
        conn.close();
    }

    async fn hang(&mut self, how: &str) {
        let name = format!("hang_{how}");
        let conn = self.connect().await;
        let slow = conn.call::<Delayed>(DelayedArguments { id: 1, delay_ms: 60_000 });
        let hang = conn.call::<Hang>(HangArguments { how: how.into() });
        let (slow, hang) = tokio::time::timeout(PROMPT, futures::future::join(slow, hang))
            .await
            .unwrap_or_else(|_| panic!("{name}: calls still waiting after {PROMPT:?}"));
        let lost = |r: Result<(), String>| r.is_err_and(|e| e.starts_with("ConnectionLost"));
        let hang = hang.map(|_| ()).map_err(|e| format!("{e:?}"));
        let slow = slow.map(|_| ()).map_err(|e| format!("{e:?}"));
        for (what, r) in [("Hang", hang), ("an outstanding Delayed", slow)] {
            self.f.check(&name, lost(r.clone()), || format!("{what} gave {r:?}"));
        }
        let reason = conn.closed().await;
        let expected = match how {
            "close" => matches!(reason, CloseReason::PeerClosed),
            // Half an answer box, then the end of the stream.
            "half_box" => matches!(reason, CloseReason::Protocol(_)),
            _ => matches!(reason, CloseReason::Io(_) | CloseReason::PeerClosed),
        };
        self.f.check(&name, expected, || format!("close reason {reason:?}"));
    }

    async fn protocol_switch(&mut self) {
        let conn = self.connect().await;
        match conn.switch_protocol::<Switch>(SwitchArguments { name: "refuse".into() }).await {
            Err(CallError::Declared(SwitchError::SwitchRefused(d))) => {
                self.f.check("protocol_switch", d == "not now", || format!("description {d:?}"))
            }
            other => self.f.add("protocol_switch", format!("Switch(refuse) gave {:?}", other.map(|(r, _)| r))),
        }
        self.still_works("protocol_switch (refused)", &conn).await;
        let (_, mut stream) =
            match conn.switch_protocol::<Switch>(SwitchArguments { name: "rust \u{2603}".into() }).await {
                Ok(switched) => switched,
                Err(e) => return self.f.add("protocol_switch", format!("Switch: {e:?}")),
            };
        // Twisted writes its greeting right behind the answer, often in the
        // same segment: those bytes must come out of the switched stream.
        let exchange = async {
            let want = "HELLO rust \u{2603}\n".as_bytes();
            let mut got = vec![0u8; want.len()];
            stream.read_exact(&mut got).await?;
            stream.write_all(b"abc\x00\n").await?;
            let mut echo = [0u8; 5];
            stream.read_exact(&mut echo).await?;
            Ok::<_, std::io::Error>((got == want, &echo == b"ABC\x00\n", got, echo))
        };
        match tokio::time::timeout(PROMPT, exchange).await {
            Ok(Ok((true, true, _, _))) => {}
            Ok(Ok((_, _, got, echo))) => self.f.add(
                "protocol_switch",
                format!("greeting {:?}, echo {:?}", String::from_utf8_lossy(&got), String::from_utf8_lossy(&echo)),
            ),
            Ok(Err(e)) => self.f.add("protocol_switch", format!("the switched stream: {e}")),
            Err(_) => self.f.add("protocol_switch", "the switched stream stalled"),
        }
        match conn.call::<Sum>(SumArguments { a: 1, b: 2 }).await {
            Err(CallError::ConnectionLost(_)) => {}
            other => self.f.add("protocol_switch", format!("a call after the switch gave {other:?}")),
        }
    }

    async fn reconnect(&mut self) {
        let client = ReconnectingClient::builder(Target::Tcp(format!("127.0.0.1:{}", self.port)))
            .config(ConnectionConfig::default().with_default_timeout(PROMPT))
            .reconnect(ReconnectConfig::fast(Duration::from_millis(20), Duration::from_millis(200)))
            .spawn(NoResponder);
        let Ok(Some(first)) = tokio::time::timeout(PROMPT, client.connected()).await else {
            self.f.add("reconnect", "never connected");
            return client.stop().await;
        };
        // A fatal error makes Twisted drop the connection; the client comes back.
        let _ = first.call::<Fail>(FailArguments { kind: "fatal".into() }).await;
        let _ = tokio::time::timeout(PROMPT, first.closed()).await;
        let mut watch = client.watch();
        let next = tokio::time::timeout(PROMPT, async {
            watch
                .wait_for(|s| matches!(s, ClientState::Connected(p) if !p.same_connection(&first)))
                .await
                .ok()
                .and_then(|s| s.peer().cloned())
        })
        .await;
        match next {
            Ok(Some(peer)) => match peer.call::<Sum>(SumArguments { a: 2, b: 2 }).await {
                Ok(SumResponse { total: 4 }) => {}
                other => self.f.add("reconnect", format!("Sum on the new connection gave {other:?}")),
            },
            _ => self.f.add("reconnect", "no new connection after Twisted dropped the first"),
        }
        client.stop().await;
    }

    async fn start_tls(&mut self) {
        let conn = self.connect().await;
        match conn.call::<TlsInfo>(TlsInfoArguments).await {
            Ok(r) => self.f.check("start_tls", !r.tls, || "TLS before StartTLS".into()),
            Err(e) => self.f.add("start_tls", format!("TlsInfo: {e:?}")),
        }
        let role = TlsRole::client(self.certs.client_config(), "localhost").expect("a valid name");
        match conn.start_tls(role.clone()).await {
            Ok(()) => {}
            Err(e) => {
                self.f.add("start_tls", format!("StartTLS: {e:?}"));
                return;
            }
        }
        self.f.check("start_tls", conn.is_tls(), || "is_tls() is false after StartTLS".into());
        self.f.check("start_tls", conn.peer_certificates().len() == 1, || "no peer certificate".into());
        match conn.call::<TlsInfo>(TlsInfoArguments).await {
            Ok(r) => self.f.check("start_tls", r.tls, || "Twisted's side is not TLS".into()),
            Err(e) => self.f.add("start_tls", format!("TlsInfo after: {e:?}")),
        }
        self.still_works("start_tls", &conn).await;
        match conn.call::<Types>(cases::arguments("max_string").expect("case")).await {
            Ok(r) => {
                let problems = cases::differences("max_string", &r);
                self.f.check("start_tls", problems.is_empty(), || format!("max_string over TLS: {problems}"));
            }
            Err(e) => self.f.add("start_tls", format!("max_string over TLS: {e:?}")),
        }
        match conn.start_tls(role).await {
            Err(StartTlsError::OnlyOneTls) => {}
            other => self.f.add("start_tls", format!("a second StartTLS gave {other:?}")),
        }
        self.still_works("start_tls", &conn).await;
        conn.close();

        // Twisted's certificate does not name `other.invalid`: the handshake fails.
        let conn = self.connect().await;
        let role = TlsRole::client(self.certs.client_config(), "other.invalid").expect("a valid name");
        match conn.start_tls(role).await {
            Err(StartTlsError::Call(CallError::ConnectionLost(_))) => {}
            other => self.f.add("start_tls_wrong_name", format!("StartTLS gave {other:?}")),
        }
        if let Some(reason) = self.closed_by_peer("start_tls_wrong_name", &conn).await {
            self.f
                .check("start_tls_wrong_name", matches!(reason, CloseReason::Tls(_)), || format!("closed: {reason:?}"));
        }
        let conn = self.connect().await;
        self.still_works("start_tls_wrong_name (a new connection)", &conn).await;
        conn.close();
    }
}

async fn rust_client_against_twisted_server(peer: Peer) {
    let certs = TestCerts::new();
    let mut py = PythonPeer::start(peer, &server_args(certs.dir())).await;
    let mut run = Run { port: py.port, certs, f: Failures::default() };
    run.sum().await;
    run.types().await;
    run.errors().await;
    run.without_answers().await;
    run.concurrent().await;
    run.too_long().await;
    for how in ["close", "abort", "half_box"] {
        run.hang(how).await;
    }
    run.protocol_switch().await;
    run.reconnect().await;
    run.start_tls().await;
    let status = py.finish().await;
    assert!(status.success(), "peer.py server exited with {status}:\n{}", py.stderr());
    assert!(
        run.f.is_empty(),
        "Rust client against {}:\n  {}\n--- peer.py stderr ---\n{}",
        peer.label(),
        run.f.list().join("\n  "),
        py.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_against_twisted_26_server() {
    rust_client_against_twisted_server(Peer::Twisted26).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_against_twisted_24_server() {
    rust_client_against_twisted_server(Peer::Evennia61).await;
}
