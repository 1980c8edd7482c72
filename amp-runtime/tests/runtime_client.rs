//! Clients: one-shot connections and the reconnecting client with short timings.

mod runtime_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use amp_runtime::client::{self, ClientState, ReconnectConfig, ReconnectingClient, Target};
use amp_runtime::connection::ConnectionConfig;
use amp_runtime::server::Server;
use amp_runtime::{CallError, NoResponder, Router};
use runtime_support::*;

fn fast() -> ReconnectConfig {
    ReconnectConfig::fast(Duration::from_millis(5), Duration::from_millis(40))
}

fn router() -> Router {
    test_router(Arc::new(Gate::default()), Arc::new(Seen::default()))
}

#[tokio::test]
async fn connect_fails_cleanly_when_nobody_listens() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        client::connect_unix(dir.path().join("nobody"), NoResponder, ConnectionConfig::default()).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_loss_and_runs_the_hook_each_time() {
    let server = Server::bind_local(0, router(), ConnectionConfig::default()).await.unwrap();
    let addr = server.tcp_addr().unwrap();
    let hooks = Arc::new(AtomicUsize::new(0));
    let h = hooks.clone();
    let client = ReconnectingClient::builder(Target::from(addr))
        .reconnect(fast())
        .on_connect(move |peer| {
            let h = h.clone();
            async move {
                // Like Evennia's Server sending PSYNC first.
                peer.call::<Echo>(Text::new("psync")).await?;
                h.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        })
        .spawn(NoResponder);
    let first = within(client.connected()).await.unwrap();
    assert_eq!(hooks.load(Ordering::SeqCst), 1);
    assert_eq!(within(first.call::<Sum>(SumArgs { a: 1, b: 2 })).await.unwrap().total, 3);
    // The server drops the connection: the client comes back on its own.
    for peer in server.peers() {
        peer.close();
    }
    within(first.closed()).await;
    let mut watch = client.watch();
    let second = within(async {
        loop {
            if let ClientState::Connected(p) = &*watch.borrow_and_update() {
                if !p.same_connection(&first) {
                    return p.clone();
                }
            }
            watch.changed().await.unwrap();
        }
    })
    .await;
    assert_eq!(hooks.load(Ordering::SeqCst), 2);
    assert_eq!(within(second.call::<Sum>(SumArgs { a: 2, b: 2 })).await.unwrap().total, 4);
    within(client.stop()).await;
    assert!(second.is_closed());
    within(server.shutdown(Duration::from_secs(1))).await;
}

#[tokio::test]
async fn keeps_trying_until_the_server_appears_then_stops_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.sock");
    let client = ReconnectingClient::builder(Target::Unix(path.clone())).reconnect(fast()).spawn(NoResponder);
    // Fails a few times first.
    let mut watch = client.watch();
    within(async {
        let mut waits = 0;
        while waits < 3 {
            watch.changed().await.unwrap();
            if let ClientState::Waiting { .. } = *watch.borrow() {
                waits += 1;
            }
        }
    })
    .await;
    assert!(client.peer().is_none());
    let server = Server::bind_unix(&path, router(), ConnectionConfig::default()).await.unwrap();
    let peer = within(client.connected()).await.unwrap();
    assert_eq!(within(peer.call::<Echo>(Text::new("late"))).await.unwrap().text, "late");
    let watch = client.watch();
    within(client.stop()).await;
    assert!(matches!(*watch.borrow(), ClientState::Stopped));
    assert!(peer.is_closed());
    within(server.shutdown(Duration::from_secs(1))).await;
}

#[tokio::test]
async fn a_failing_hook_closes_and_retries() {
    let server = Server::bind_local(0, router(), ConnectionConfig::default()).await.unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = attempts.clone();
    let client = ReconnectingClient::builder(Target::from(server.tcp_addr().unwrap()))
        .reconnect(fast())
        .on_connect(move |_peer| {
            let a = a.clone();
            async move {
                if a.fetch_add(1, Ordering::SeqCst) < 2 {
                    return Err("not yet".into());
                }
                Ok(())
            }
        })
        .spawn(NoResponder);
    let peer = within(client.connected()).await.unwrap();
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    assert!(within(peer.call::<Sum>(SumArgs { a: 0, b: 0 })).await.is_ok());
    within(client.stop()).await;
    within(server.shutdown(Duration::from_secs(1))).await;
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let dir = tempfile::tempdir().unwrap();
    let config = ReconnectConfig { max_retries: Some(2), ..fast() };
    let client =
        ReconnectingClient::builder(Target::Unix(dir.path().join("none"))).reconnect(config).spawn(NoResponder);
    assert!(within(client.connected()).await.is_none());
    assert!(matches!(client.state(), ClientState::Stopped));
}

#[tokio::test]
async fn the_client_answers_the_servers_calls() {
    let server = Server::bind_local(0, router(), ConnectionConfig::default()).await.unwrap();
    let client_router = Router::new().command::<WhoAmI, _, _>(|_cx, _| async { Ok(Text::new("the client")) });
    let conn = within(client::connect_tcp(server.tcp_addr().unwrap(), client_router, ConnectionConfig::default()))
        .await
        .unwrap();
    within(server.wait_for_connections(1)).await;
    let answers = within(server.broadcast::<WhoAmI>(Empty)).await;
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].1.as_ref().unwrap().text, "the client");
    let unhandled = within(server.broadcast::<Sum>(SumArgs { a: 1, b: 1 })).await;
    assert!(matches!(unhandled[0].1, Err(CallError::Unhandled { .. })));
    conn.close();
    within(server.shutdown(Duration::from_secs(1))).await;
}
