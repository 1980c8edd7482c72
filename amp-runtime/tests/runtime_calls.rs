//! Calls and answers over one connection: tags, concurrency, errors,
//! cancellation, timeouts, limits, and what ends a connection.

mod runtime_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use amp_runtime::connection::{CloseReason, ConnectionConfig};
use amp_runtime::{AmpBox, CallError, NoResponder, ProtocolError};
use futures::future::join_all;
use futures::FutureExt;
use runtime_support::*;

fn router() -> (amp_runtime::Router, Arc<Gate>, Arc<Seen>) {
    let (gate, seen) = (Arc::new(Gate::default()), Arc::new(Seen::default()));
    (test_router(gate.clone(), seen.clone()), gate, seen)
}

#[tokio::test]
async fn sum_over_a_duplex() {
    let (r, _, _) = router();
    let (client, _server) = duplex_pair(r, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    let total = within(client.call::<Sum>(SumArgs { a: 13, b: 81 })).await.unwrap();
    assert_eq!(total, Total { total: 94 });
    // By reference too.
    let args = SumArgs { a: -1, b: 1 };
    assert_eq!(within(client.call::<Sum>(&args)).await.unwrap().total, 0);
}

#[tokio::test]
async fn tags_count_in_lowercase_hex_and_sends_use_one_up() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    let mut calls = Vec::new();
    for i in 0..12 {
        if i == 3 {
            // A send without an answer takes tag 4 without writing it.
            within(client.send::<Notify>(Text::new("note"))).await.unwrap();
            let note = raw.recv().await.unwrap();
            assert_eq!(note, abox([("_command", "Notify"), ("text", "note")]), "no _ask on a send");
            continue;
        }
        let peer = client.peer().clone();
        calls.push(tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: i, b: 0 }).await }));
        // Wait for the box so the wire order is the tag order.
        let b = raw.recv().await.unwrap();
        assert_eq!(text(&b, "_command"), "Sum");
        let expected = format!("{:x}", i + 1);
        assert_eq!(text(&b, "_ask"), expected);
    }
    // The exact bytes of a call, keys sorted as Twisted writes them.
    let peer = client.peer().clone();
    let last = tokio::spawn(async move { peer.call_raw("Sum", abox([("b", "2"), ("a", "1")])).await });
    let b = raw.recv().await.unwrap();
    // Received in this order on the wire, keys sorted bytewise as Twisted writes them.
    let keys: Vec<&[u8]> = b.iter().map(|(k, _)| k.as_ref()).collect();
    assert_eq!(keys, [&b"_ask"[..], b"_command", b"a", b"b"]);
    assert_eq!(
        &b.serialize().unwrap()[..],
        &b"\x00\x04_ask\x00\x01d\x00\x08_command\x00\x03Sum\x00\x01a\x00\x011\x00\x01b\x00\x012\x00\x00"[..]
    );
    raw.send(&abox([("_answer", "d"), ("total", "3")])).await;
    assert_eq!(within(last).await.unwrap().unwrap(), abox([("total", "3")]));
    drop(calls);
}

#[tokio::test]
async fn a_thousand_calls_answered_in_reverse_order() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    let calls: Vec<_> = (0..1000i64)
        .map(|i| {
            let peer = client.peer().clone();
            tokio::spawn(async move { (i, peer.call::<Sum>(SumArgs { a: i, b: 1000 }).await) })
        })
        .collect();
    let mut boxes = Vec::new();
    while boxes.len() < 1000 {
        boxes.push(raw.recv().await.unwrap());
    }
    for b in boxes.iter().rev() {
        let total: i64 = text(b, "a").parse::<i64>().unwrap() + text(b, "b").parse::<i64>().unwrap();
        raw.send(&abox([("_answer", &text(b, "_ask")), ("total", &total.to_string())])).await;
    }
    for call in calls {
        let (i, result) = within(call).await.unwrap();
        assert_eq!(result.unwrap().total, i + 1000);
    }
    assert_eq!(client.outstanding_calls(), 0);
}

#[tokio::test]
async fn a_thousand_concurrent_calls_between_two_connections() {
    let (r, _, _) = router();
    let (client, _server) = duplex_pair(r, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    let results = within(join_all((0..1000i64).map(|i| {
        let peer = client.peer().clone();
        async move { peer.call::<Sum>(SumArgs { a: i, b: i }).await.map(|t| (i, t.total)) }
    })))
    .await;
    for r in results {
        let (i, total) = r.unwrap();
        assert_eq!(total, 2 * i);
    }
}

#[tokio::test]
async fn raw_calls_and_sends() {
    let (r, _, seen) = router();
    let (client, _server) = duplex_pair(r, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    let answer = within(client.call_raw("Echo", abox([("text", "hi")]))).await.unwrap();
    assert_eq!(answer, abox([("text", "hi")]), "the answer comes without _answer");
    within(client.send_raw("Notify", abox([("text", "one")]))).await.unwrap();
    // call on a requiresAnswer=False command sends without _ask and returns at once.
    within(client.call::<Notify>(Text::new("two"))).await.unwrap();
    within(client.call::<Sum>(SumArgs { a: 0, b: 0 })).await.unwrap();
    assert_eq!(*seen.notes.lock().unwrap(), vec!["one", "two"]);
    let err = within(client.call_raw("Nope", AmpBox::new())).await.unwrap_err();
    assert!(
        matches!(&err, CallError::Unhandled { description } if description == "Unhandled Command: b'Nope'"),
        "{err:?}"
    );
}

#[tokio::test]
async fn unhandled_description_is_the_python_bytes_repr() {
    let (r, _, _) = router();
    let (conn, mut raw) = RawPeer::connect(r, ConnectionConfig::default());
    for (name, repr) in [("WTF", "b'WTF'"), ("it's", "b\"it's\""), ("a\\b\x01", "b'a\\\\b\\x01'")] {
        raw.send(&abox([("_command", name), ("_ask", "7")])).await;
        let b = raw.recv().await.unwrap();
        assert_eq!(
            b,
            abox([
                ("_error", "7"),
                ("_error_code", "UNHANDLED"),
                ("_error_description", &format!("Unhandled Command: {repr}"))
            ])
        );
    }
    raw.send(&abox([("_command", "Sum"), ("_ask", "8"), ("a", "1"), ("b", "2")])).await;
    assert_eq!(raw.recv().await.unwrap(), abox([("_answer", "8"), ("total", "3")]), "still up after UNHANDLED");
    assert!(!conn.is_closed());
}

#[tokio::test]
async fn declared_error_keeps_the_connection() {
    let (r, _, _) = router();
    let (client, _server) = duplex_pair(r, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    let err = within(client.call::<Divide>(DivideArgs { numerator: 1, denominator: 0 })).await.unwrap_err();
    assert!(matches!(&err, CallError::Declared(DivideError::ZeroDivision(d)) if d == "division by zero"), "{err:?}");
    assert_eq!(err.remote_code().as_deref(), Some("ZERO_DIVISION"));
    let q = within(client.call::<Divide>(DivideArgs { numerator: 9, denominator: 3 })).await.unwrap();
    assert_eq!(q.result, 3);
}

#[tokio::test]
async fn fatal_error_is_answered_then_closes() {
    let (r, _, _) = router();
    let (conn, mut raw) = RawPeer::connect(r, ConnectionConfig::default());
    raw.send(&abox([("_command", "Divide"), ("_ask", "1"), ("numerator", "1"), ("denominator", "-1")])).await;
    let b = raw.recv().await.unwrap();
    assert_eq!(
        b,
        abox([("_error", "1"), ("_error_code", "BAD_VALUE"), ("_error_description", "negative denominator")])
    );
    assert_eq!(raw.recv().await, None, "closed after the fatal answer");
    assert_eq!(within(conn.closed()).await, CloseReason::FatalError { code: "BAD_VALUE".into() });
}

#[tokio::test]
async fn fatal_error_seen_by_a_caller() {
    let (r, _, _) = router();
    let (client, server) = duplex_pair(r, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    let err = within(client.call::<Divide>(DivideArgs { numerator: 1, denominator: -5 })).await.unwrap_err();
    assert!(matches!(err, CallError::Declared(DivideError::BadValue(_))), "{err:?}");
    assert_eq!(within(client.closed()).await, CloseReason::PeerClosed);
    assert!(matches!(within(server.closed()).await, CloseReason::FatalError { .. }));
    let later = within(client.call::<Sum>(SumArgs { a: 1, b: 1 })).await.unwrap_err();
    assert!(matches!(later, CallError::ConnectionLost(_)), "{later:?}");
}

#[tokio::test]
async fn bad_arguments_answer_unknown_then_close() {
    let (r, _, _) = router();
    let (conn, mut raw) = RawPeer::connect(r, ConnectionConfig::default());
    raw.send(&abox([("_command", "Sum"), ("_ask", "1"), ("a", "one"), ("b", "2")])).await;
    assert_eq!(
        raw.recv().await.unwrap(),
        abox([("_error", "1"), ("_error_code", "UNKNOWN"), ("_error_description", "Unknown Error")])
    );
    assert_eq!(raw.recv().await, None);
    assert_eq!(within(conn.closed()).await, CloseReason::UndeclaredFailure);
}

#[tokio::test]
async fn undeclared_failure_can_keep_the_connection() {
    let (r, _, _) = router();
    let config = ConnectionConfig::default().with_keep_connection_on_undeclared_failure(true);
    let (_conn, mut raw) = RawPeer::connect(r, config);
    raw.send(&abox([("_command", "Sum"), ("_ask", "1"), ("a", "1")])).await;
    assert_eq!(text(&raw.recv().await.unwrap(), "_error_code"), "UNKNOWN");
    raw.send(&abox([("_command", "Boom"), ("_ask", "2")])).await;
    assert_eq!(
        raw.recv().await.unwrap(),
        abox([("_error", "2"), ("_error_code", "UNKNOWN"), ("_error_description", "Unknown Error")])
    );
    raw.send(&abox([("_command", "LateBoom"), ("_ask", "3")])).await;
    assert_eq!(text(&raw.recv().await.unwrap(), "_error_code"), "UNKNOWN");
    raw.send(&abox([("_command", "Sum"), ("_ask", "4"), ("a", "1"), ("b", "2")])).await;
    assert_eq!(raw.recv().await.unwrap(), abox([("_answer", "4"), ("total", "3")]));
}

#[tokio::test]
async fn a_panicking_handler_is_an_undeclared_failure() {
    for command in ["Boom", "LateBoom"] {
        let (r, _, _) = router();
        let (client, server) = duplex_pair(r, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
        let err = within(client.call_raw(command, AmpBox::new())).await.unwrap_err();
        assert!(matches!(&err, CallError::Unknown { description } if description == "Unknown Error"), "{err:?}");
        assert_eq!(within(server.closed()).await, CloseReason::UndeclaredFailure, "{command}");
    }
}

#[tokio::test]
async fn failures_without_ask_are_logged_and_the_connection_kept() {
    let (r, _, seen) = router();
    let (conn, mut raw) = RawPeer::connect(r, ConnectionConfig::default());
    // Unknown command, bad argument, panics (inline and in a task), a declared error: no _ask.
    raw.send(&abox([("_command", "Nope")])).await;
    raw.send(&abox([("_command", "Sum"), ("a", "x"), ("b", "1")])).await;
    raw.send(&abox([("_command", "Boom")])).await;
    raw.send(&abox([("_command", "LateBoom")])).await;
    raw.send(&abox([("_command", "Divide"), ("numerator", "1"), ("denominator", "0")])).await;
    raw.send(&abox([("_command", "Notify"), ("text", "after")])).await;
    raw.send(&abox([("_command", "Sum"), ("_ask", "1"), ("a", "1"), ("b", "2")])).await;
    // Nothing was answered for the boxes without _ask: the first box back is the answer.
    assert_eq!(raw.recv().await.unwrap(), abox([("_answer", "1"), ("total", "3")]));
    assert_eq!(*seen.notes.lock().unwrap(), vec!["after"]);
    assert!(!conn.is_closed());
}

#[tokio::test]
async fn a_box_with_ask_is_answered_even_for_a_no_answer_command() {
    let (r, _, seen) = router();
    let (_conn, mut raw) = RawPeer::connect(r, ConnectionConfig::default());
    raw.send(&abox([("_command", "Notify"), ("_ask", "5"), ("text", "x")])).await;
    assert_eq!(raw.recv().await.unwrap(), abox([("_answer", "5")]));
    assert_eq!(seen.notes.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn stray_answers_and_errors_are_dropped_and_the_connection_works() {
    // evennia issue 2053: an _answer with an unknown tag must not make the connection deaf.
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    raw.send(&abox([("_answer", "13541")])).await;
    raw.send(&abox([("_error", "zz"), ("_error_code", "X"), ("_error_description", "y")])).await;
    raw.send(&abox([("_answer", "01")])).await;
    let peer = client.peer().clone();
    let call = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 2, b: 2 }).await });
    let b = raw.recv().await.unwrap();
    assert_eq!(text(&b, "_ask"), "1");
    // A stray in the same write as the real answer.
    let mut bytes = abox([("_answer", "ff")]).serialize().unwrap().to_vec();
    bytes.extend_from_slice(&abox([("_answer", "1"), ("total", "4")]).serialize().unwrap());
    raw.send_bytes(&bytes).await;
    assert_eq!(within(call).await.unwrap().unwrap().total, 4);
    assert!(!client.is_closed());
}

#[tokio::test]
async fn empty_box_closes_and_fails_outstanding_calls() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    let peer = client.peer().clone();
    let call = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 1, b: 1 }).await });
    raw.recv().await.unwrap();
    raw.send(&abox([("other", "x")])).await;
    let err = within(call).await.unwrap().unwrap_err();
    assert!(matches!(&err, CallError::ConnectionLost(why) if why.contains("none of _command")), "{err:?}");
    assert_eq!(within(client.closed()).await, CloseReason::Protocol(ProtocolError::NoEmptyBoxes));
    // Later calls fail at once.
    let later = client.call::<Sum>(SumArgs { a: 1, b: 1 }).now_or_never().expect("fails without waiting");
    assert!(matches!(later, Err(CallError::ConnectionLost(_))));
    assert_eq!(raw.recv().await, None);
}

#[tokio::test]
async fn codec_errors_close_the_connection() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    raw.send_bytes(b"\x00\x07_answer\x00\x011\x01\x00").await;
    assert_eq!(within(client.closed()).await, CloseReason::Protocol(ProtocolError::KeyTooLong { len: 256 }));
    let limits = amp_runtime::Limits { max_box_bytes: 1024, max_pairs: 4 };
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default().with_limits(limits));
    raw.send_bytes(b"\x00\x01a\x00\x00\x00\x01b\x00\x00\x00\x01c\x00\x00\x00\x01d\x00\x00\x00\x01e\x00\x00").await;
    assert_eq!(within(client.closed()).await, CloseReason::Protocol(ProtocolError::TooManyPairs { limit: 4 }));
}

#[tokio::test]
async fn connection_lost_mid_call_and_mid_box() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    let peer = client.peer().clone();
    let call = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 1, b: 1 }).await });
    raw.recv().await.unwrap();
    drop(raw);
    let err = within(call).await.unwrap().unwrap_err();
    assert!(matches!(err, CallError::ConnectionLost(_)), "{err:?}");
    assert_eq!(within(client.closed()).await, CloseReason::PeerClosed);

    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    let peer = client.peer().clone();
    let call = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 1, b: 1 }).await });
    raw.recv().await.unwrap();
    raw.send_bytes(b"\x00\x07_answer\x00\x011\x00\x05to").await;
    drop(raw);
    let err = within(call).await.unwrap().unwrap_err();
    assert!(matches!(&err, CallError::ConnectionLost(why) if why.contains("inside a box")), "{err:?}");
    assert!(matches!(within(client.closed()).await, CloseReason::Protocol(ProtocolError::Truncated { .. })));
}

#[tokio::test]
async fn a_dropped_call_is_cancelled_locally() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    {
        let call = client.call::<Sum>(SumArgs { a: 1, b: 2 });
        tokio::pin!(call);
        // Poll once so the box is queued, then drop the future.
        assert!(futures::poll!(call.as_mut()).is_pending());
    }
    let b = raw.recv().await.unwrap();
    assert_eq!(text(&b, "_ask"), "1");
    assert_eq!(client.outstanding_calls(), 0, "cancelled calls leave the table");
    raw.send(&abox([("_answer", "1"), ("total", "3")])).await; // late: dropped
    let peer = client.peer().clone();
    let next = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 5, b: 5 }).await });
    let b = raw.recv().await.unwrap();
    assert_eq!(text(&b, "_ask"), "2");
    raw.send(&abox([("_answer", "2"), ("total", "10")])).await;
    assert_eq!(within(next).await.unwrap().unwrap().total, 10);
}

// Paused time: the timeouts pass without a real wait.
#[tokio::test(start_paused = true)]
async fn timeouts_fail_the_call_and_keep_the_connection() {
    let config = ConnectionConfig::default().with_default_timeout(Duration::from_millis(50));
    let (client, mut raw) = RawPeer::connect(NoResponder, config);
    let err = within(client.call::<Sum>(SumArgs { a: 1, b: 1 })).await.unwrap_err();
    assert!(matches!(err, CallError::Timeout(d) if d == Duration::from_millis(50)), "{err:?}");
    let err =
        within(client.call_with_timeout::<Sum>(SumArgs { a: 1, b: 1 }, Duration::from_millis(20))).await.unwrap_err();
    assert!(matches!(err, CallError::Timeout(_)));
    assert_eq!(client.outstanding_calls(), 0);
    raw.recv().await.unwrap();
    raw.recv().await.unwrap();
    raw.send(&abox([("_answer", "1"), ("total", "2")])).await; // late
    let peer = client.peer().clone();
    let next = tokio::spawn(async move { peer.call_with_timeout::<Sum>(SumArgs { a: 2, b: 2 }, LIMIT).await });
    assert_eq!(text(&raw.recv().await.unwrap(), "_ask"), "3");
    raw.send(&abox([("_answer", "3"), ("total", "4")])).await;
    assert_eq!(within(next).await.unwrap().unwrap().total, 4);
}

#[tokio::test]
async fn too_many_outstanding_calls() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default().with_max_outstanding_calls(2));
    let held: Vec<_> = (0..2)
        .map(|i| {
            let peer = client.peer().clone();
            tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: i, b: 0 }).await })
        })
        .collect();
    raw.recv().await.unwrap();
    raw.recv().await.unwrap();
    let err = within(client.call::<Sum>(SumArgs { a: 9, b: 9 })).await.unwrap_err();
    assert!(matches!(err, CallError::TooManyOutstanding { limit: 2 }), "{err:?}");
    raw.send(&abox([("_answer", "1"), ("total", "0")])).await;
    within(async {
        while client.outstanding_calls() > 1 {
            tokio::task::yield_now().await
        }
    })
    .await;
    let peer = client.peer().clone();
    let third = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 3, b: 0 }).await });
    let b = raw.recv().await.unwrap();
    assert_eq!(text(&b, "_ask"), "3", "the refused call used no tag");
    raw.send(&abox([("_answer", "3"), ("total", "3")])).await;
    raw.send(&abox([("_answer", "2"), ("total", "1")])).await;
    assert_eq!(within(third).await.unwrap().unwrap().total, 3);
    for h in held {
        within(h).await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_full_send_queue_makes_callers_wait() {
    // A peer that does not read: the duplex buffer fills, then the queue.
    let (a, b) = tokio::io::duplex(1024);
    let config = ConnectionConfig { write_batch_bytes: 512, ..ConnectionConfig::default() }.with_send_queue_depth(4);
    let client = amp_runtime::Connection::new(a, NoResponder, config);
    let mut raw = RawPeer::new(b);
    let payload = "x".repeat(200);
    let mut sent = 0usize;
    let mut blocked = None;
    for _ in 0..10_000 {
        let peer = client.peer().clone();
        let p = payload.clone();
        let mut fut = Box::pin(async move { peer.send_raw("Notify", abox([("text", &p)])).await });
        if futures::poll!(fut.as_mut()).is_pending() {
            // Give the connection task a chance to drain; still blocked means backpressure.
            tokio::task::yield_now().await;
            if futures::poll!(fut.as_mut()).is_pending() {
                blocked = Some(fut);
                break;
            }
        }
        sent += 1;
        tokio::task::yield_now().await;
    }
    let blocked = blocked.expect("a sender had to wait");
    assert!(sent < 50, "memory stays bounded: {sent} boxes were accepted before waiting");
    // Reading frees the queue and the waiting send completes.
    let reader = tokio::spawn(async move {
        let mut n = 0;
        while n < sent + 1 {
            raw.recv().await.unwrap();
            n += 1;
        }
        n
    });
    within(blocked).await.unwrap();
    assert_eq!(within(reader).await.unwrap(), sent + 1);
}

#[tokio::test]
async fn handlers_start_in_arrival_order() {
    let (r, _, seen) = router();
    let (_conn, mut raw) = RawPeer::connect(r, ConnectionConfig::default());
    let mut bytes = Vec::new();
    for i in 0..200 {
        bytes.extend_from_slice(&abox([("_command", "Notify"), ("text", &i.to_string())]).serialize().unwrap());
    }
    bytes.extend_from_slice(&abox([("_command", "Sum"), ("_ask", "1"), ("a", "0"), ("b", "0")]).serialize().unwrap());
    raw.send_bytes(&bytes).await;
    raw.recv().await.unwrap();
    let notes: Vec<String> =
        seen.notes.lock().unwrap().iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
    assert_eq!(notes, (0..200).map(|i| i.to_string()).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_slow_handler_does_not_block_others() {
    let (r, gate, _) = router();
    let (client, _server) = duplex_pair(r, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    let peer = client.peer().clone();
    let slow = tokio::spawn(async move { peer.call::<Wait>(Text::new("slow")).await });
    within(gate.wait_started(1)).await;
    assert_eq!(within(client.call::<Sum>(SumArgs { a: 1, b: 2 })).await.unwrap().total, 3);
    assert!(!slow.is_finished());
    gate.released.notify_waiters();
    assert_eq!(within(slow).await.unwrap().unwrap().text, "slow");
}

#[tokio::test(start_paused = true)]
async fn concurrent_handlers_are_capped() {
    let (r, gate, _) = router();
    let server_config = ConnectionConfig::default().with_max_concurrent_handlers(1);
    let (client, _server) = duplex_pair(r, server_config, NoResponder, ConnectionConfig::default());
    let calls: Vec<_> = ["one", "two"]
        .into_iter()
        .map(|t| {
            let peer = client.peer().clone();
            tokio::spawn(async move { peer.call::<Wait>(Text::new(t)).await })
        })
        .collect();
    within(gate.wait_started(1)).await;
    // Every task idle (paused time): the second call has reached the server,
    // which holds it while the first runs.
    settle().await;
    assert_eq!(gate.started.load(Ordering::SeqCst), 1);
    assert_eq!(gate.events(), ["start one"]);
    gate.released.notify_one();
    within(gate.wait_started(2)).await;
    gate.released.notify_one();
    for call in calls {
        within(call).await.unwrap().unwrap();
    }
    assert_eq!(gate.events(), ["start one", "end one", "start two", "end two"]);
}

#[tokio::test]
async fn state_is_per_connection_and_handlers_can_call_back() {
    let (r, _, _) = router();
    let shared: Arc<amp_runtime::Router> = Arc::new(r);
    let mut clients = Vec::new();
    for name in ["first", "second"] {
        let (a, b) = tokio::io::duplex(64 * 1024);
        let server = amp_runtime::Connection::builder()
            .init(move |cx| {
                cx.set_state(Label(name.to_owned()));
            })
            .spawn(b, shared.clone());
        let client = amp_runtime::Connection::new(a, shared.clone(), ConnectionConfig::default());
        clients.push((name, client, server));
    }
    for (name, client, server) in &clients {
        assert_eq!(within(client.call::<WhoAmI>(Empty)).await.unwrap().text, *name);
        assert_eq!(server.context().state::<Label>().unwrap().0, *name);
        // The server's handler calls the client's Echo before answering.
        assert_eq!(within(client.call::<CallBack>(Text::new("ping"))).await.unwrap().text, "ping");
    }
}

#[tokio::test]
async fn queued_boxes_are_joined_into_whole_box_writes() {
    let (r, _, _) = router();
    let log = counting::Log::default();
    let (a, b) = tokio::io::duplex(1 << 20);
    let client = amp_runtime::Connection::new(
        counting::Tee { inner: a, log: log.clone() },
        NoResponder,
        ConnectionConfig::default(),
    );
    let _server = amp_runtime::Connection::new(b, r, ConnectionConfig::default());
    within(join_all((0..500).map(|i| client.send_raw("Notify", abox([("text", &format!("note {i}"))]))))).await;
    within(client.flush()).await.unwrap();
    let writes = log.lock().unwrap().clone();
    assert!(writes.len() < 500, "500 boxes took {} writes", writes.len());
    // Every write starts and ends at a box boundary.
    let mut codec = amp_runtime::AmpCodec::new();
    let mut total = 0;
    for w in &writes {
        let mut buf = bytes::BytesMut::from(&w[..]);
        while let Some(_b) = tokio_util::codec::Decoder::decode(&mut codec, &mut buf).unwrap() {
            total += 1;
        }
        assert!(buf.is_empty() && !codec.is_mid_box(), "a write ended inside a box");
    }
    assert_eq!(total, 500);
}

/// A stream wrapper recording each write.
mod counting {
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    pub type Log = Arc<Mutex<Vec<Vec<u8>>>>;

    pub struct Tee<T> {
        pub inner: T,
        pub log: Log,
    }

    impl<T: AsyncRead + Unpin> AsyncRead for Tee<T> {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.inner).poll_read(cx, buf)
        }
    }

    impl<T: AsyncWrite + Unpin> AsyncWrite for Tee<T> {
        fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
            let r = Pin::new(&mut self.inner).poll_write(cx, data);
            if let Poll::Ready(Ok(n)) = &r {
                self.log.lock().unwrap().push(data[..*n].to_vec());
            }
            r
        }
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.inner).poll_flush(cx)
        }
        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Pin::new(&mut self.inner).poll_shutdown(cx)
        }
    }
}

#[tokio::test]
async fn close_writes_queued_boxes_then_ends() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    within(client.send_raw("Notify", abox([("text", "last words")]))).await.unwrap();
    client.close();
    assert_eq!(raw.recv().await.unwrap(), abox([("_command", "Notify"), ("text", "last words")]));
    assert_eq!(raw.recv().await, None);
    assert_eq!(within(client.closed()).await, CloseReason::Local);
    assert!(matches!(within(client.send_raw("Notify", AmpBox::new())).await, Err(CallError::ConnectionLost(_))));
}

#[tokio::test]
async fn detached_handles_fail_cleanly() {
    let peer = amp_runtime::Peer::detached();
    assert!(matches!(peer.call::<Sum>(SumArgs { a: 1, b: 1 }).await, Err(CallError::ConnectionLost(_))));
    assert!(peer.is_closed());
}

#[tokio::test(start_paused = true)]
async fn graceful_close_finishes_running_handlers() {
    trace();
    let (r, gate, _) = router();
    let (client, server) = duplex_pair(r, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    let peer = client.peer().clone();
    let slow = tokio::spawn(async move { peer.call::<Wait>(Text::new("in flight")).await });
    within(gate.wait_started(1)).await;
    let server_peer = server.peer().clone();
    let closing = tokio::spawn(async move { server_peer.close_gracefully(LIMIT).await });
    // New calls are not run while draining (they fail when the connection ends).
    let peer = client.peer().clone();
    let late = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 1, b: 1 }).await });
    // Every task idle (paused time): the drain has started and the late call
    // has reached the server, which did not run it.
    settle().await;
    assert_eq!(gate.started.load(Ordering::SeqCst), 1);
    gate.released.notify_one();
    assert_eq!(within(slow).await.unwrap().unwrap().text, "in flight");
    assert_eq!(within(closing).await.unwrap(), CloseReason::Local);
    assert!(matches!(within(late).await.unwrap(), Err(CallError::ConnectionLost(_))));
}

/// Sends `Wait(text)` tagged `1` from the raw peer and waits until its handler runs.
async fn start_waiting_call(raw: &mut RawPeer, gate: &Gate) {
    raw.send(&abox([("_command", "Wait"), ("_ask", "1"), ("text", "after eof")])).await;
    within(gate.wait_started(1)).await;
}

#[tokio::test(start_paused = true)]
async fn after_the_peers_eof_a_running_handler_is_still_answered() {
    let (r, gate, _) = router();
    let (conn, mut raw) = RawPeer::connect(r, ConnectionConfig::default());
    start_waiting_call(&mut raw, &gate).await;
    // The peer ends its sending side only; it still reads.
    within(tokio::io::AsyncWriteExt::shutdown(&mut raw.io)).await.unwrap();
    // Every task idle (paused time): the connection has seen the end of input.
    settle().await;
    assert!(!conn.peer().is_closed(), "the handler is still running: the connection waits for it");
    gate.released.notify_one();
    let answer = raw.recv().await.expect("the answer comes after the peer's EOF");
    assert_eq!(text(&answer, "_answer"), "1");
    assert_eq!(text(&answer, "text"), "after eof");
    assert_eq!(raw.recv().await, None, "then the connection closes");
    assert_eq!(within(conn.closed()).await, CloseReason::PeerClosed);
}

// Paused time: the grace period passes without a real wait.
#[tokio::test(start_paused = true)]
async fn handlers_outliving_the_eof_grace_are_cut_off() {
    for grace in [Duration::ZERO, Duration::from_millis(100)] {
        let (r, gate, _) = router();
        let (conn, mut raw) = RawPeer::connect(r, ConnectionConfig::default().with_eof_grace(grace));
        start_waiting_call(&mut raw, &gate).await;
        within(tokio::io::AsyncWriteExt::shutdown(&mut raw.io)).await.unwrap();
        // The handler never finishes: the connection closes at the end of
        // the grace period, without an answer.
        assert_eq!(raw.recv().await, None, "grace {grace:?}");
        assert_eq!(within(conn.closed()).await, CloseReason::PeerClosed);
        gate.released.notify_waiters();
    }
}
