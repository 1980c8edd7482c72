//! The dynamic Router: raw handlers by wire name, typed handlers, fallback.

mod runtime_support;

use amp_runtime::connection::ConnectionConfig;
use amp_runtime::{AmpBox, CallError, Context, ErrorReply, NoResponder, Router};
use bytes::Bytes;
use runtime_support::*;

#[tokio::test]
async fn raw_routes_typed_routes_and_unhandled() {
    let router = Router::new()
        .route("Shout", |_cx: Context, args: AmpBox| async move {
            // _command and _ask are not part of the arguments.
            assert!(!args.contains_key("_command") && !args.contains_key("_ask"));
            let text = args.get("text").ok_or_else(|| ErrorReply::new("MISSING", "no text"))?;
            Ok([("text", Bytes::from(text.to_ascii_uppercase()))].into_iter().collect())
        })
        .route("Fatal", |_cx, _args| async move { Err(ErrorReply::fatal("GONE", "bye")) })
        .command::<Sum, _, _>(|_cx, args| async move { Ok(Total { total: args.a + args.b }) });
    assert!(router.contains("Shout") && router.contains("Sum") && !router.contains("Nope"));
    let mut names: Vec<&[u8]> = router.names().collect();
    names.sort();
    assert_eq!(names, [&b"Fatal"[..], b"Shout", b"Sum"]);
    let (client, server) = duplex_pair(router, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    assert_eq!(within(client.call_raw("Shout", abox([("text", "hey")]))).await.unwrap(), abox([("text", "HEY")]));
    let err = within(client.call_raw("Shout", AmpBox::new())).await.unwrap_err();
    assert!(matches!(&err, CallError::Undeclared(r) if r.code.as_bytes() == b"MISSING" && r.description == "no text"));
    assert_eq!(within(client.call::<Sum>(SumArgs { a: 20, b: 22 })).await.unwrap().total, 42);
    let err = within(client.call::<Echo>(Text::new("x"))).await.unwrap_err();
    assert!(matches!(&err, CallError::Unhandled { description } if description == "Unhandled Command: b'Echo'"));
    let err = within(client.call_raw("Fatal", AmpBox::new())).await.unwrap_err();
    assert!(matches!(&err, CallError::Undeclared(r) if r.code.as_bytes() == b"GONE"));
    assert!(matches!(within(server.closed()).await, amp_runtime::CloseReason::FatalError { .. }));
}

#[tokio::test]
async fn fallback_answers_unknown_names_and_routes_can_change() {
    let mut router = Router::new().route("Known", |_cx, _args| async { Ok(abox([("who", "known")])) }).fallback(
        |_cx, name: Bytes, args: AmpBox| async move {
            assert!(!args.contains_key("_ask"));
            Ok([("who", Bytes::from_static(b"fallback")), ("name", name)].into_iter().collect())
        },
    );
    assert!(!router.insert("Other", |_cx, _args| async { Ok(abox([("who", "other")])) }));
    assert!(router.insert("Other", |_cx, _args| async { Ok(abox([("who", "other2")])) }), "replaced");
    assert!(router.remove("Known"));
    assert!(!router.remove("Known"));
    let (client, _server) = duplex_pair(router, ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    assert_eq!(within(client.call_raw("Other", AmpBox::new())).await.unwrap(), abox([("who", "other2")]));
    assert_eq!(
        within(client.call_raw("Known", AmpBox::new())).await.unwrap(),
        abox([("name", "Known"), ("who", "fallback")])
    );
}
