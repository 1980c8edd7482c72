//! Servers on loopback TCP and Unix sockets: many connections, state,
//! broadcast, the non-AMP reply, garbage, graceful shutdown.

mod runtime_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use amp_runtime::client;
use amp_runtime::connection::{CloseReason, ConnectionConfig};
use amp_runtime::server::{ListenAddr, Server};
use amp_runtime::{AmpBox, CallError, Context, NoResponder, Router};
use runtime_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn server_router() -> (Router, Arc<Gate>) {
    let gate = Arc::new(Gate::default());
    (test_router(gate.clone(), Arc::new(Seen::default())), gate)
}

/// A client responder answering WhoAmI with its own name.
fn named_client(name: &str) -> Router {
    let name = name.to_owned();
    Router::new().command::<WhoAmI, _, _>(move |_cx, _| {
        let name = name.clone();
        async move { Ok(Text { text: name.into() }) }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_server_with_many_clients_state_and_broadcast() {
    let (router, _) = server_router();
    let counter = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = counter.clone();
    let server = Server::builder()
        .init(move |cx: &Context| {
            let n = c.fetch_add(1, Ordering::SeqCst);
            cx.set_state(Label(format!("conn-{n}")));
        })
        .bind_tcp("127.0.0.1:0", router)
        .await
        .unwrap();
    let addr = server.tcp_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let mut clients = Vec::new();
    for i in 0..5 {
        let conn = within(client::connect_tcp(addr, named_client(&format!("client-{i}")), ConnectionConfig::default()))
            .await
            .unwrap();
        clients.push(conn);
    }
    within(server.wait_for_connections(5)).await;
    // Every client still works: new connections never drop old ones.
    let mut labels = Vec::new();
    for c in &clients {
        assert_eq!(within(c.call::<Sum>(SumArgs { a: 2, b: 3 })).await.unwrap().total, 5);
        labels.push(String::from_utf8(within(c.call::<WhoAmI>(Empty)).await.unwrap().text.to_vec()).unwrap());
    }
    labels.sort();
    assert_eq!(labels, (0..5).map(|i| format!("conn-{i}")).collect::<Vec<_>>());
    // The handle lists them and reaches each one.
    let listed = server.connections();
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|c| matches!(c.addr, amp_runtime::PeerAddr::Tcp(a) if a.ip().is_loopback())));
    let answers = within(server.broadcast::<WhoAmI>(Empty)).await;
    let mut names: Vec<String> =
        answers.iter().map(|(_, r)| String::from_utf8(r.as_ref().unwrap().text.to_vec()).unwrap()).collect();
    names.sort();
    assert_eq!(names, (0..5).map(|i| format!("client-{i}")).collect::<Vec<_>>());
    // A client that leaves is dropped from the list; broadcast reaches the rest.
    clients.pop().unwrap().close();
    within(server.wait_for_at_most_connections(4)).await;
    assert_eq!(server.connection_count(), 4);
    let answers = within(server.broadcast_raw("WhoAmI", &AmpBox::new())).await;
    assert_eq!(answers.len(), 4);
    assert!(answers.iter().all(|(_, r)| r.is_ok()));
    let filtered = within(server.broadcast_where::<WhoAmI>(Empty, |c| c.id == listed[0].id)).await;
    assert_eq!(filtered.len(), 1);
    within(server.shutdown(Duration::from_secs(1))).await;
    assert_eq!(server.connection_count(), 0);
}

#[tokio::test]
async fn unix_server_and_client() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("amp.sock");
    let (router, _) = server_router();
    let server = Server::bind_unix(&path, router, ConnectionConfig::default()).await.unwrap();
    assert_eq!(server.local_addr(), &ListenAddr::Unix(Some(path.clone())));
    let conn = within(client::connect_unix(&path, NoResponder, ConnectionConfig::default())).await.unwrap();
    assert!(conn.can_pass_fds());
    assert_eq!(within(conn.call::<Echo>(Text::new("over unix"))).await.unwrap().text, "over unix");
    within(server.shutdown(Duration::from_secs(1))).await;
    assert!(!path.exists(), "the socket file is removed at shutdown");
    assert!(matches!(within(conn.closed()).await, CloseReason::PeerClosed | CloseReason::Local));
}

/// A reply for peers that do not speak AMP (Evennia's Portal sends an HTTP
/// page: amp-evennia's `NON_AMP_REPLY`, tested there).
const NON_AMP_REPLY: &[u8] = b"HTTP/1.1 200 OK\nContent-Type: text/plain\n\nThis port speaks AMP.\n";

#[tokio::test]
async fn non_amp_first_byte_gets_the_configured_reply() {
    let (router, _) = server_router();
    let config = ConnectionConfig::default().with_non_amp_reply(NON_AMP_REPLY);
    let server = Server::bind_local(0, router, config).await.unwrap();
    let addr = server.tcp_addr().unwrap();
    let mut http = TcpStream::connect(addr).await.unwrap();
    http.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut reply = Vec::new();
    within(http.read_to_end(&mut reply)).await.unwrap();
    assert_eq!(reply, NON_AMP_REPLY);
    within(server.shutdown(Duration::from_secs(1))).await;
}

#[tokio::test]
async fn only_the_first_byte_decides_what_is_amp() {
    // A box cut right after a NUL pair inside a value (which Evennia takes
    // for HTTP), each part arriving in a read of its own: only the
    // connection's first byte is checked, so this is AMP.
    let (router, _) = server_router();
    let call = abox([("_command", "Echo"), ("_ask", "1"), ("text", "a\x00\x00b")]).serialize().unwrap();
    let cut = call.windows(2).position(|w| w == b"\x00\x00").unwrap() + 2;
    let cut = cut + call[cut..].windows(2).position(|w| w == b"\x00\x00").unwrap() + 2;
    let (ours, mut theirs) = tokio::io::duplex(4096);
    let io = Chunks { chunks: [call[..cut].to_vec(), call[cut..].to_vec()].into(), rest: ours };
    let config = ConnectionConfig::default().with_non_amp_reply(&b"not AMP"[..]);
    let conn = amp_runtime::Connection::new(io, router, config);
    let expected = abox([("_answer", "1"), ("text", "a\x00\x00b")]).serialize().unwrap();
    let mut raw = vec![0u8; expected.len()];
    within(theirs.read_exact(&mut raw)).await.unwrap();
    assert_eq!(raw, expected);
    conn.close();
}

/// A stream whose first reads return `chunks`, each in a read of its own;
/// then reads and every write go to `rest`.
struct Chunks {
    chunks: std::collections::VecDeque<Vec<u8>>,
    rest: tokio::io::DuplexStream,
}

impl tokio::io::AsyncRead for Chunks {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.chunks.front_mut() {
            Some(chunk) => {
                let n = chunk.len().min(buf.remaining());
                buf.put_slice(&chunk[..n]);
                chunk.drain(..n);
                if chunk.is_empty() {
                    self.chunks.pop_front();
                }
                std::task::Poll::Ready(Ok(()))
            }
            None => std::pin::Pin::new(&mut self.rest).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Chunks {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.rest).poll_write(cx, data)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.rest).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.rest).poll_shutdown(cx)
    }
}

#[tokio::test]
async fn without_the_preset_non_amp_bytes_just_close() {
    let (router, _) = server_router();
    let server = Server::bind_local(0, router, ConnectionConfig::default()).await.unwrap();
    let mut http = TcpStream::connect(server.tcp_addr().unwrap()).await.unwrap();
    http.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut reply = Vec::new();
    within(http.read_to_end(&mut reply)).await.unwrap();
    assert!(reply.is_empty());
    within(server.shutdown(Duration::from_secs(1))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_one_connection_does_not_disturb_another() {
    let (router, _) = server_router();
    let server = Server::bind_local(0, router, ConnectionConfig::default()).await.unwrap();
    let addr = server.tcp_addr().unwrap();
    let good = within(client::connect_tcp(addr, NoResponder, ConnectionConfig::default())).await.unwrap();
    for garbage in [&b"\xff\xfe\xfd garbage"[..], b"\x00\x05hello\x00\x00", b"\x00\x03abc\x00\x02xy\x01\x00", b"\x00"] {
        let mut bad = TcpStream::connect(addr).await.unwrap();
        bad.write_all(garbage).await.unwrap();
        bad.shutdown().await.unwrap();
        let mut rest = Vec::new();
        // The server closes the bad connection (nothing AMP comes back).
        within(bad.read_to_end(&mut rest)).await.unwrap();
        assert!(rest.is_empty(), "{rest:?}");
        assert_eq!(within(good.call::<Sum>(SumArgs { a: 40, b: 2 })).await.unwrap().total, 42);
    }
    within(server.wait_for_at_most_connections(1)).await;
    assert_eq!(server.connection_count(), 1);
    within(server.shutdown(Duration::from_secs(1))).await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_calls_in_flight() {
    let (router, gate) = server_router();
    let server = Server::bind_local(0, router, ConnectionConfig::default()).await.unwrap();
    let addr = server.tcp_addr().unwrap();
    let conn = within(client::connect_tcp(addr, NoResponder, ConnectionConfig::default())).await.unwrap();
    let peer = conn.peer().clone();
    let in_flight = tokio::spawn(async move { peer.call::<Wait>(Text::new("finish me")).await });
    within(gate.wait_started(1)).await;
    let handle = server.clone();
    let shutdown = tokio::spawn(async move { handle.shutdown(LIMIT).await });
    // The listener goes away first (polled: until a connect is refused,
    // letting the shutdown run between tries).
    within(async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::task::yield_now().await;
        }
    })
    .await;
    gate.released.notify_waiters();
    assert_eq!(within(in_flight).await.unwrap().unwrap().text, "finish me");
    within(shutdown).await.unwrap();
    assert_eq!(within(conn.closed()).await, CloseReason::PeerClosed);
    assert!(matches!(conn.call::<Sum>(SumArgs { a: 1, b: 1 }).await, Err(CallError::ConnectionLost(_))));
}

#[tokio::test]
async fn shutdown_deadline_closes_stuck_handlers() {
    let (router, gate) = server_router();
    let server = Server::bind_local(0, router, ConnectionConfig::default()).await.unwrap();
    let conn = within(client::connect_tcp(server.tcp_addr().unwrap(), NoResponder, ConnectionConfig::default()))
        .await
        .unwrap();
    let peer = conn.peer().clone();
    let stuck = tokio::spawn(async move { peer.call::<Wait>(Text::new("never released")).await });
    within(gate.wait_started(1)).await;
    within(server.shutdown(Duration::from_millis(100))).await;
    assert!(matches!(within(stuck).await.unwrap(), Err(CallError::ConnectionLost(_))));
    assert_eq!(server.connection_count(), 0);
}

#[tokio::test]
async fn on_connect_hook_runs_for_each_connection() {
    let (router, _) = server_router();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let server = Server::builder()
        .on_connect(move |peer| {
            let tx = tx.clone();
            async move {
                // The server calls the new client first, as Evennia's Portal may.
                let name = peer.call::<WhoAmI>(Empty).await.map(|t| t.text);
                let _ = tx.send(name);
            }
        })
        .bind_tcp("127.0.0.1:0", router)
        .await
        .unwrap();
    let addr = server.tcp_addr().unwrap();
    let _a = within(client::connect_tcp(addr, named_client("a"), ConnectionConfig::default())).await.unwrap();
    let _b = within(client::connect_tcp(addr, named_client("b"), ConnectionConfig::default())).await.unwrap();
    let mut got = vec![within(rx.recv()).await.unwrap().unwrap(), within(rx.recv()).await.unwrap().unwrap()];
    got.sort();
    assert_eq!(got, ["a", "b"]);
    within(server.shutdown(Duration::from_secs(1))).await;
}

/// The listen queue of this process's TCP listener on `addr`, as the kernel
/// keeps it: (its length, the connections waiting in it to be accepted).
/// Read with `TCP_INFO`, which for a listening socket reports these two in
/// `tcpi_sacked` and `tcpi_unacked`; the listener is found among the
/// process's descriptors by its address.
fn listen_queue(addr: std::net::SocketAddr) -> (u32, u32) {
    use std::mem::{size_of, zeroed};
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let Ok(fd) = entry.unwrap().file_name().to_string_lossy().parse::<i32>() else { continue };
        // SAFETY: getsockname and getsockopt write at most the given lengths
        // into these zeroed buffers; a descriptor that is no socket (or was
        // closed meanwhile) only makes them fail.
        unsafe {
            let mut name: libc::sockaddr_in = zeroed();
            let mut len = size_of::<libc::sockaddr_in>() as libc::socklen_t;
            if libc::getsockname(fd, (&mut name as *mut libc::sockaddr_in).cast(), &mut len) != 0
                || i32::from(name.sin_family) != libc::AF_INET
                || u16::from_be(name.sin_port) != addr.port()
            {
                continue;
            }
            let mut listening: libc::c_int = 0;
            let mut len = size_of::<libc::c_int>() as libc::socklen_t;
            let ok = libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_ACCEPTCONN,
                (&mut listening as *mut i32).cast(),
                &mut len,
            );
            if ok != 0 || listening == 0 {
                continue;
            }
            let mut info: libc::tcp_info = zeroed();
            let mut len = size_of::<libc::tcp_info>() as libc::socklen_t;
            let ok = libc::getsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut libc::tcp_info).cast(),
                &mut len,
            );
            assert_eq!(ok, 0, "TCP_INFO of the listener: {}", std::io::Error::last_os_error());
            return (info.tcpi_sacked, info.tcpi_unacked);
        }
    }
    panic!("no listener on {addr} in this process")
}

#[test]
fn the_listen_queue_holds_a_burst_of_connections() {
    // A runtime that is never driven while connecting: the server accepts
    // nothing, so only its listen queue holds the connections.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let bind = |builder: amp_runtime::server::ServerBuilder| {
        rt.block_on(builder.bind_tcp("127.0.0.1:0", NoResponder)).unwrap()
    };
    let default = bind(Server::builder());
    let small = bind(Server::builder().backlog(4));
    let (default_addr, small_addr) = (default.tcp_addr().unwrap(), small.tcp_addr().unwrap());
    // The kernel caps every listen queue at net.core.somaxconn.
    let somaxconn: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn").unwrap().trim().parse().unwrap();
    let expected = 1024.min(somaxconn);
    assert!(expected > 300, "net.core.somaxconn is {somaxconn}: too small for this test");
    assert_eq!(listen_queue(default_addr).0, expected, "the default queue is 1,024 deep");
    assert_eq!(listen_queue(small_addr).0, 4);
    // Std's 128 would overflow here: every one of 300 connects completes.
    let held: Vec<_> = (0..300).map(|_| std::net::TcpStream::connect_timeout(&default_addr, LIMIT).unwrap()).collect();
    // Once driven, the server takes what was queued.
    rt.block_on(async {
        within(default.wait_for_connections(300)).await;
        assert_eq!(listen_queue(default_addr).1, 0, "nothing left in the queue");
        default.shutdown(Duration::from_secs(2)).await;
        small.shutdown(Duration::from_secs(2)).await;
    });
    drop(held);
}
