//! Real Twisted clients against the Rust server (amp-runtime's `Server`).
//!
//! One `tests/interop/peer.py client` process per Twisted version runs every
//! check (see the check functions there) against one Rust server and
//! reports a JSON summary; this test asserts that every expected check ran
//! and passed, then asserts on what the server saw:
//!
//! - `sum`: plain calls, values up to i64's edge.
//! - `types`: every `Types` case (every argument type: Integer incl. 116
//!   digits, String, Unicode incl. astral and NUL, Path, Boolean, Float incl.
//!   inf/nan/-0.0, Decimal incl. NaN payloads and signalling NaNs, DateTime
//!   with offsets, ListOf(Integer), ListOf(ListOf(Unicode)), AmpList with
//!   absent optionals, optional arguments, wire names `type`/`from`/`long-name`,
//!   65,535-byte values). Twisted checks the answer against its table; the
//!   server checks the arguments against the Rust table.
//! - `declared_error`, `fatal_error`, `undeclared_error` (a failing and a
//!   panicking handler), `unhandled` (`Unhandled Command: b'Nope'`, also a
//!   name needing escapes), `bad_argument` (unparsable and missing
//!   arguments): exactly what Twisted sees, and whether the connection stays.
//! - `unhandled_without_ask`, `notify`: requiresAnswer=False boxes, including
//!   failing ones (kept open: amp-runtime's documented deviation).
//! - `concurrent_1000`: 1,000 calls in flight answered out of order.
//! - `stray_answer`: `_answer`/`_error` with unknown tags are dropped, the
//!   connection kept (documented deviation).
//! - `hang_close`: the server closes mid-call; every outstanding call fails.
//! - `client_half_box`: the client closes mid-box, or stalls mid-box while
//!   other connections work.
//! - `garbage`: random bytes, over-long keys, HTTP, empty boxes, boxes without
//!   a command, an endless box: each such connection is closed by the server
//!   while four other connections keep calling.
//! - `max_size`: a 65,535-byte value.
//! - `protocol_switch`: a refused switch leaves AMP usable; a switch hands
//!   the stream to the new protocol (bytes the server writes right after
//!   the answer included), and Twisted sends no box after it.
//! - `start_tls`, `start_tls_wrong_root`: StartTLS with Twisted verifying the
//!   Rust server's certificate, and a handshake Twisted refuses.

use std::sync::atomic::Ordering;
use std::time::Duration;

use amp_runtime::connection::ConnectionConfig;
use amp_runtime::{Connection, NoResponder};
use amp_tests::interop::commands::{Sum, SumArguments};
use amp_tests::interop::{cases, client_args, rust_server, PythonPeer, TestCerts};
use amp_tests::Peer;

/// Every check `peer.py client` runs; each must be reported, and "ok".
const CHECKS: &[&str] = &[
    "sum",
    "types",
    "declared_error",
    "fatal_error",
    "undeclared_error",
    "unhandled",
    "unhandled_without_ask",
    "bad_argument",
    "notify",
    "concurrent_1000",
    "stray_answer",
    "hang_close",
    "client_half_box",
    "garbage",
    "max_size",
    "protocol_switch",
    "start_tls",
    "start_tls_wrong_root",
];

async fn twisted_client_against_rust_server(peer: Peer) {
    let certs = TestCerts::new();
    let (server, seen) = rust_server::start(&certs).await;
    let port = match server.local_addr() {
        amp_runtime::server::ListenAddr::Tcp(a) => a.port(),
        other => panic!("a TCP server listens on {other}"),
    };

    let mut py = PythonPeer::start(peer, &client_args(port, certs.dir())).await;
    let line = py.next_line().await;
    let summary: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| py.fail(&format!("summary {line:?} is not JSON: {e}")));
    let status = py.finish().await;
    assert!(status.success(), "peer.py client exited with {status}:\n{}", py.stderr());

    let checks = summary["checks"].as_object().unwrap_or_else(|| py.fail("the summary has no checks"));
    let mut failures: Vec<String> = Vec::new();
    for name in CHECKS {
        match checks.get(*name).and_then(|v| v.as_str()) {
            Some("ok") => {}
            Some(why) => failures.push(format!("{name}: {why}")),
            None => failures.push(format!("{name}: not reported")),
        }
    }
    for name in checks.keys() {
        if !CHECKS.contains(&name.as_str()) {
            failures.push(format!("{name}: reported but not expected by this test (add it to CHECKS)"));
        }
    }

    // What the server saw: every case checked against the Rust table.
    let mismatched = seen.types_mismatched.lock().unwrap().clone();
    if !mismatched.is_empty() {
        failures.push(format!("the server received other values: {mismatched:?}"));
    }
    let matched = seen.types_matched.load(Ordering::Relaxed);
    if matched < cases::CASES.len() {
        failures.push(format!("only {matched} Types calls matched the table (of {} cases)", cases::CASES.len()));
    }
    if seen.delayed.load(Ordering::Relaxed) < 1_000 {
        failures.push(format!("only {} Delayed calls answered", seen.delayed.load(Ordering::Relaxed)));
    }

    // Every connection the Python process opened is gone (the half-written
    // and garbage ones included), and the server still answers.
    let drained = tokio::time::timeout(Duration::from_secs(10), async {
        while server.connection_count() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    if drained.is_err() {
        failures.push(format!("{} connections still open after the client exited", server.connection_count()));
    }
    let conn = Connection::builder()
        .config(ConnectionConfig::default().with_default_timeout(Duration::from_secs(10)))
        .connect_tcp(("127.0.0.1", port), NoResponder)
        .await
        .expect("connect to the server after the run");
    match conn.call::<Sum>(SumArguments { a: 40, b: 2 }).await {
        Ok(r) if r.total == 42 => {}
        other => failures.push(format!("the server after the run: Sum gave {other:?}")),
    }
    conn.close();
    server.shutdown(Duration::from_secs(5)).await;

    assert!(
        failures.is_empty(),
        "{} ({}, Python {}) against the Rust server:\n  {}\n--- peer.py stderr ---\n{}",
        peer.label(),
        summary["twisted"],
        summary["python"],
        failures.join("\n  "),
        py.stderr()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twisted_26_client_against_rust_server() {
    twisted_client_against_rust_server(Peer::Twisted26).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twisted_24_client_against_rust_server() {
    twisted_client_against_rust_server(Peer::Evennia61).await;
}
