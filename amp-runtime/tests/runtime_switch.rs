//! Protocol switching: after a successful answer the stream is handed over,
//! with the bytes of the new protocol already read.

mod runtime_support;

use amp_runtime::connection::{CloseReason, ConnectionConfig, SwitchAbandoned};
use amp_runtime::{AmpBox, CallError, Context, ErrorReply, NoResponder, Router};
use runtime_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers `Switch` and then runs an upper-casing echo on the raw stream;
/// `NoSwitch` asks for a switch but answers an error.
fn switching_router(abandoned: tokio::sync::oneshot::Sender<Result<(), SwitchAbandoned>>) -> Router {
    let abandoned = std::sync::Mutex::new(Some(abandoned));
    Router::new()
        .command::<Switch, _, _>(|cx: Context, _| async move {
            let pending = cx.switch_protocol_after_answer();
            tokio::spawn(async move {
                let mut stream = pending.await.expect("switched");
                let mut buf = [0u8; 1024];
                loop {
                    let n = stream.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    stream.write_all(&buf[..n].to_ascii_uppercase()).await.unwrap();
                }
            });
            Ok(Empty)
        })
        .route("NoSwitch", move |cx: Context, _args: AmpBox| {
            let pending = cx.switch_protocol_after_answer();
            let tx = abandoned.lock().unwrap().take();
            async move {
                tokio::spawn(async move {
                    let outcome = pending.await.map(|_| ());
                    if let Some(tx) = tx {
                        let _ = tx.send(outcome);
                    }
                });
                Err(ErrorReply::new("NO", "not switching"))
            }
        })
        .command::<Sum, _, _>(|_cx, a| async move { Ok(Total { total: a.a + a.b }) })
}

#[tokio::test]
async fn switch_between_two_connections() {
    let (tx, _rx) = tokio::sync::oneshot::channel();
    let (client, server) =
        duplex_pair(switching_router(tx), ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    assert_eq!(within(client.call::<Sum>(SumArgs { a: 1, b: 1 })).await.unwrap().total, 2);
    let (Empty, mut stream) = within(client.switch_protocol::<Switch>(Empty)).await.unwrap();
    stream.write_all(b"hello, raw world").await.unwrap();
    let mut back = [0u8; 16];
    within(stream.read_exact(&mut back)).await.unwrap();
    assert_eq!(&back, b"HELLO, RAW WORLD");
    assert_eq!(within(client.closed()).await, CloseReason::Switched);
    assert_eq!(within(server.closed()).await, CloseReason::Switched);
    let err = within(client.call::<Sum>(SumArgs { a: 1, b: 1 })).await.unwrap_err();
    assert!(matches!(&err, CallError::ConnectionLost(why) if why.contains("switched")), "{err:?}");
}

#[tokio::test]
async fn bytes_after_the_answer_belong_to_the_new_protocol() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    let peer = client.peer().clone();
    let switching = tokio::spawn(async move { peer.switch_protocol_raw("Switch", abox([("x", "1")])).await });
    let b = raw.recv().await.unwrap();
    assert_eq!(b, abox([("_ask", "1"), ("_command", "Switch"), ("x", "1")]));
    // A call made now is held back: the stream may no longer carry AMP.
    let peer = client.peer().clone();
    let held = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 1, b: 1 }).await });
    tokio::task::yield_now().await;
    // The answer and the new protocol's first bytes in one write, as in Twisted's tests.
    let mut bytes = abox([("_answer", "1"), ("ok", "yes")]).serialize().unwrap().to_vec();
    bytes.extend_from_slice(b"\x00\x00Hello, world!");
    raw.send_bytes(&bytes).await;
    let (answer, mut stream) = within(switching).await.unwrap().unwrap();
    assert_eq!(answer, abox([("ok", "yes")]));
    let mut first = vec![0u8; 15];
    within(stream.read_exact(&mut first)).await.unwrap();
    assert_eq!(first, b"\x00\x00Hello, world!");
    // The raw peer sees only the new protocol: the held call was never written.
    stream.write_all(b"raw bytes").await.unwrap();
    stream.shutdown().await.unwrap();
    assert_eq!(raw.read_to_end().await, b"raw bytes");
    let err = within(held).await.unwrap().unwrap_err();
    assert!(matches!(err, CallError::ConnectionLost(_)), "{err:?}");
}

#[tokio::test]
async fn a_refused_switch_leaves_amp_usable() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (client, server) =
        duplex_pair(switching_router(tx), ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    let err = within(client.switch_protocol_raw("NoSwitch", AmpBox::new())).await.unwrap_err();
    assert!(matches!(&err, CallError::Undeclared(r) if r.description == "not switching"), "{err:?}");
    assert_eq!(within(rx).await.unwrap(), Err(SwitchAbandoned), "the responder side learns it did not happen");
    assert_eq!(within(client.call::<Sum>(SumArgs { a: 3, b: 4 })).await.unwrap().total, 7);
    assert!(!client.is_closed() && !server.is_closed());
}

#[tokio::test]
async fn a_switch_answered_with_a_declared_error() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    let peer = client.peer().clone();
    let switching = tokio::spawn(async move { peer.switch_protocol::<Switch>(Empty).await });
    raw.recv().await.unwrap();
    raw.send(&abox([("_error", "1"), ("_error_code", "ZERO_DIVISION"), ("_error_description", "no")])).await;
    let err = within(switching).await.unwrap().unwrap_err();
    assert!(matches!(err, CallError::Declared(DivideError::ZeroDivision(_))), "{err:?}");
    let peer = client.peer().clone();
    let call = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 1, b: 1 }).await });
    assert_eq!(text(&raw.recv().await.unwrap(), "_ask"), "2");
    raw.send(&abox([("_answer", "2"), ("total", "2")])).await;
    assert_eq!(within(call).await.unwrap().unwrap().total, 2);
}

#[tokio::test]
async fn the_switched_stream_gives_back_the_concrete_type() {
    let (tx, _rx) = tokio::sync::oneshot::channel();
    let (a, b) = tokio::net::UnixStream::pair().unwrap();
    let client = amp_runtime::Connection::unix(a, NoResponder, ConnectionConfig::default());
    let _server = amp_runtime::Connection::unix(b, switching_router(tx), ConnectionConfig::default());
    let (_, stream) = within(client.switch_protocol::<Switch>(Empty)).await.unwrap();
    assert!(stream.unread().is_empty());
    let (io, unread) = stream.into_parts();
    assert!(unread.is_empty());
    let mut unix = io.into_any().downcast::<tokio::net::UnixStream>().expect("a UnixStream");
    unix.write_all(b"abc").await.unwrap();
    let mut back = [0u8; 3];
    within(unix.read_exact(&mut back)).await.unwrap();
    assert_eq!(&back, b"ABC");
}

#[tokio::test]
async fn the_peer_leaving_during_a_switch_ends_everything() {
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    let peer = client.peer().clone();
    let switching = tokio::spawn(async move { peer.switch_protocol::<Switch>(Empty).await });
    raw.recv().await.unwrap();
    let peer = client.peer().clone();
    let held = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 1, b: 1 }).await });
    tokio::task::yield_now().await;
    drop(raw);
    assert!(matches!(within(switching).await.unwrap(), Err(CallError::ConnectionLost(_))));
    assert!(matches!(within(held).await.unwrap(), Err(CallError::ConnectionLost(_))));
    assert_eq!(within(client.closed()).await, CloseReason::PeerClosed);
}
