//! Descriptor passing over Unix sockets (`SCM_RIGHTS`), with per-connection
//! ordinals as Twisted's `amp.Descriptor` writes them.

mod runtime_support;

use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};

use amp_runtime::command::ErrorCode;
use amp_runtime::connection::{Connection, ConnectionConfig};
use amp_runtime::types::{self, required};
use amp_runtime::{
    AmpBox, ArgContext, ArgumentType, BoxFields, CallError, Command, Context, DecodeError, EncodeError, NoError,
    NoResponder, Router,
};
use bytes::Bytes;
use futures::future::join_all;
use runtime_support::*;

/// Labelled(fd: Descriptor, label: String) -> (): the handler writes the label into the descriptor.
struct Labelled;
struct LabelledArgs {
    fd: OwnedFd,
    label: Bytes,
}
impl BoxFields for LabelledArgs {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Descriptor::to_box("fd", &self.fd, out, cx)?;
        types::String::to_box("label", &self.label, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(LabelledArgs {
            fd: required::<types::Descriptor>("fd", input, cx)?,
            label: required::<types::String>("label", input, cx)?,
        })
    }
}
impl Command for Labelled {
    const NAME: &'static str = "Labelled";
    const REQUIRES_ANSWER: bool = true;
    const ERRORS: &'static [ErrorCode] = &[];
    const FATAL_ERRORS: &'static [ErrorCode] = &[];
    type Arguments = LabelledArgs;
    type Response = Empty;
    type Error = NoError;
}

fn router() -> Router {
    test_router(Arc::new(Gate::default()), Arc::new(Seen::default())).command::<Labelled, _, _>(
        |_cx, args| async move {
            write_fd(&args.fd, &args.label);
            Ok(Empty)
        },
    )
}

fn unix_pair(server: Router) -> (Connection, Connection) {
    let (a, b) = tokio::net::UnixStream::pair().unwrap();
    (
        Connection::unix(a, NoResponder, ConnectionConfig::default()),
        Connection::unix(b, server, ConnectionConfig::default()),
    )
}

#[tokio::test]
async fn descriptors_go_both_ways() {
    let (client, _server) = unix_pair(router());
    assert!(client.can_pass_fds());
    let (read1, write1) = pipe();
    let (read2, write2) = pipe();
    let answer = within(client.call::<PassFd>(FdArgs { fd: write1, second: Some(write2) })).await.unwrap();
    // The server wrote through the descriptors it received (and dropped its copies).
    assert_eq!(read_fd_to_end(read1), b"from-client-handler");
    assert_eq!(read_fd_to_end(read2), b"second");
    // And answered with a descriptor of its own.
    assert_eq!(read_fd_to_end(answer.fd), b"from-server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_keep_each_descriptor_with_its_box() {
    let (client, _server) = unix_pair(router());
    let mut reads = Vec::new();
    let mut calls = Vec::new();
    for i in 0..64 {
        let (read, write) = pipe();
        reads.push((i, read));
        let peer = client.peer().clone();
        calls.push(async move {
            peer.call::<Labelled>(LabelledArgs { fd: write, label: format!("call {i}").into() }).await
        });
    }
    for r in within(join_all(calls)).await {
        r.unwrap();
    }
    for (i, read) in reads {
        assert_eq!(read_fd_to_end(read), format!("call {i}").as_bytes());
    }
}

#[tokio::test]
async fn ordinals_count_per_connection_from_zero() {
    let seen: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let s = seen.clone();
    let server = Router::new().route("Raw", move |cx: Context, args: AmpBox| {
        let s = s.clone();
        async move {
            // A raw handler gets the descriptors that came with the box.
            let fds = cx.take_fds();
            let ordinals = args.get("fd").map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
            s.lock().unwrap().push((ordinals, fds.len()));
            Ok(AmpBox::new())
        }
    });
    let (client, _server) = unix_pair(server);
    for n in [1usize, 2, 1] {
        let fds: Vec<OwnedFd> = (0..n).map(|_| pipe().1).collect();
        let answer = client.call_with(
            "Raw",
            |out: &mut AmpBox, acx: &mut ArgContext| {
                let mut ordinals = Vec::new();
                for fd in &fds {
                    ordinals.push(acx.next_fd_ordinal.to_string());
                    acx.fds_out.push(fd.try_clone().unwrap());
                    acx.next_fd_ordinal += 1;
                }
                out.insert("fd", ordinals.join(","));
                Ok(())
            },
            Some(LIMIT),
        );
        within(answer).await.unwrap();
    }
    assert_eq!(*seen.lock().unwrap(), [("0".to_owned(), 1), ("1,2".to_owned(), 2), ("3".to_owned(), 1)]);
}

#[tokio::test]
async fn descriptors_need_a_unix_socket() {
    let (client, _server) =
        duplex_pair(router(), ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    assert!(!client.can_pass_fds());
    let (_read, write) = pipe();
    let err = within(client.call::<PassFd>(FdArgs { fd: write, second: None })).await.unwrap_err();
    assert!(
        matches!(&err, CallError::Encode(EncodeError::Invalid { reason, .. }) if reason.contains("Unix socket")),
        "{err:?}"
    );
    // Nothing was sent; the connection is fine.
    assert_eq!(within(client.call::<Sum>(SumArgs { a: 1, b: 1 })).await.unwrap().total, 2);
}

#[tokio::test]
async fn a_missing_descriptor_is_an_undeclared_failure() {
    // The box names a descriptor the peer never sent.
    let (client, server) = unix_pair(router());
    let err = within(client.call_raw("PassFd", abox([("fd", "0")]))).await.unwrap_err();
    assert!(matches!(err, CallError::Unknown { .. }), "{err:?}");
    assert_eq!(within(server.closed()).await, amp_runtime::CloseReason::UndeclaredFailure);
}
