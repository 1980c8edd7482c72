//! StartTLS: the plain answer, then TLS on the same stream, with a
//! certificate made at test time.

mod runtime_support;

use std::sync::Arc;
use std::time::Duration;

use amp_runtime::connection::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use amp_runtime::connection::rustls::{self, ClientConfig, RootCertStore, ServerConfig};
use amp_runtime::connection::{CloseReason, ConnectionConfig, StartTlsError};
use amp_runtime::server::Server;
use amp_runtime::{client, AmpBox, CallError, NoResponder, Router, TlsRole};
use futures::future::join_all;
use runtime_support::*;

struct Pki {
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    cert: CertificateDer<'static>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn pki() -> Pki {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let server = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let client = client_trusting(&cert);
    Pki { server: Arc::new(server), client, cert }
}

fn client_trusting(cert: &CertificateDer<'static>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

fn router() -> Router {
    test_router(Arc::new(Gate::default()), Arc::new(Seen::default()))
}

#[tokio::test]
async fn start_tls_upgrades_both_sides() {
    let pki = pki();
    let server_config = ConnectionConfig::default().with_start_tls(TlsRole::server(pki.server.clone()));
    let (client, server) = duplex_pair(router(), server_config, NoResponder, ConnectionConfig::default());
    assert_eq!(within(client.call::<Sum>(SumArgs { a: 1, b: 1 })).await.unwrap().total, 2);
    let role = TlsRole::client(pki.client.clone(), "localhost").unwrap();
    // Calls made while StartTLS is in flight are held back and go out encrypted.
    let (tls, calls) = within(futures::future::join(
        client.start_tls(role.clone()),
        join_all((0..20).map(|i| client.call::<Sum>(SumArgs { a: i, b: 1 }))),
    ))
    .await;
    tls.unwrap();
    for (i, r) in calls.into_iter().enumerate() {
        assert_eq!(r.unwrap().total, i as i64 + 1);
    }
    assert!(client.is_tls() && server.is_tls());
    assert_eq!(client.peer_certificates(), vec![pki.cert.clone()]);
    assert!(server.peer_certificates().is_empty(), "no client certificate");
    assert_eq!(within(client.call::<Echo>(Text::new("secret"))).await.unwrap().text, "secret");
    // Both directions work over TLS (the client answers with NoResponder).
    let err = within(server.call::<Echo>(Text::new("x"))).await.unwrap_err();
    assert!(matches!(err, CallError::Unhandled { .. }));
    // Only one TLS per connection, on either side.
    assert!(matches!(within(client.start_tls(role)).await, Err(StartTlsError::OnlyOneTls)));
    let err = within(client.call_raw("StartTLS", AmpBox::new())).await.unwrap_err();
    assert!(
        matches!(&err, CallError::Undeclared(r) if r.code.as_bytes() == b"TLS_ERROR" && r.description.contains("OnlyOneTLS")),
        "{err:?}"
    );
    assert_eq!(within(client.call::<Sum>(SumArgs { a: 5, b: 5 })).await.unwrap().total, 10);
    assert!(!client.can_pass_fds());
}

#[tokio::test]
async fn the_start_tls_box_is_twisteds() {
    let pki = pki();
    let (client, mut raw) = RawPeer::connect(NoResponder, ConnectionConfig::default());
    let peer = client.peer().clone();
    let role = TlsRole::client(pki.client.clone(), "localhost").unwrap();
    let starting = tokio::spawn(async move { peer.start_tls(role).await });
    let b = raw.recv().await.unwrap();
    assert_eq!(&b.serialize().unwrap()[..], b"\x00\x04_ask\x00\x011\x00\x08_command\x00\x08StartTLS\x00\x00");
    // Refused: the connection stays plain and usable.
    raw.send(&abox([("_error", "1"), ("_error_code", "TLS_ERROR"), ("_error_description", "TLS not available")])).await;
    let err = within(starting).await.unwrap().unwrap_err();
    assert!(
        matches!(&err, StartTlsError::Call(CallError::Undeclared(r)) if r.description == "TLS not available"),
        "{err:?}"
    );
    assert!(!client.is_tls());
    let peer = client.peer().clone();
    let call = tokio::spawn(async move { peer.call::<Sum>(SumArgs { a: 1, b: 2 }).await });
    assert_eq!(text(&raw.recv().await.unwrap(), "_ask"), "2");
    raw.send(&abox([("_answer", "2"), ("total", "3")])).await;
    assert_eq!(within(call).await.unwrap().unwrap().total, 3);
}

#[tokio::test]
async fn start_tls_without_a_tls_config_is_refused() {
    let pki = pki();
    let (client, server) = duplex_pair(router(), ConnectionConfig::default(), NoResponder, ConnectionConfig::default());
    let role = TlsRole::client(pki.client, "localhost").unwrap();
    let err = within(client.start_tls(role)).await.unwrap_err();
    assert!(
        matches!(&err, StartTlsError::Call(CallError::Undeclared(r)) if r.code.as_bytes() == b"TLS_ERROR"),
        "{err:?}"
    );
    assert_eq!(within(client.call::<Sum>(SumArgs { a: 2, b: 2 })).await.unwrap().total, 4);
    assert!(!server.is_closed());
}

#[tokio::test]
async fn a_failed_handshake_closes_the_connection() {
    let pki = pki();
    let stranger = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let wrong_roots = client_trusting(&stranger.cert.der().clone());
    let server_config = ConnectionConfig::default().with_start_tls(TlsRole::server(pki.server));
    let (client, server) = duplex_pair(router(), server_config, NoResponder, ConnectionConfig::default());
    let err = within(client.start_tls(TlsRole::client(wrong_roots, "localhost").unwrap())).await.unwrap_err();
    assert!(matches!(&err, StartTlsError::Call(CallError::ConnectionLost(why)) if why.contains("TLS")), "{err:?}");
    assert!(matches!(within(client.closed()).await, CloseReason::Tls(_)));
    assert!(matches!(
        within(server.closed()).await,
        CloseReason::Tls(_) | CloseReason::Io(_) | CloseReason::PeerClosed
    ));
}

#[tokio::test]
async fn tls_roles_are_chosen_locally() {
    // With Twisted the TCP client is the TLS client, whoever sends StartTLS:
    // here the side answering StartTLS is the TLS client.
    let pki = pki();
    let answering =
        ConnectionConfig::default().with_start_tls(TlsRole::client(pki.client.clone(), "localhost").unwrap());
    let (caller, _answerer) = duplex_pair(router(), answering, NoResponder, ConnectionConfig::default());
    within(caller.start_tls(TlsRole::server(pki.server.clone()))).await.unwrap();
    assert_eq!(within(caller.call::<Echo>(Text::new("reversed"))).await.unwrap().text, "reversed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_tls_over_loopback_tcp() {
    let pki = pki();
    let config = ConnectionConfig::default().with_start_tls(TlsRole::server(pki.server.clone()));
    let server = Server::bind_local(0, router(), config).await.unwrap();
    let conn = within(client::connect_tcp(server.tcp_addr().unwrap(), NoResponder, ConnectionConfig::default()))
        .await
        .unwrap();
    within(conn.start_tls(TlsRole::client(pki.client.clone(), "localhost").unwrap())).await.unwrap();
    let big = "z".repeat(60_000);
    let answers = within(join_all((0..16).map(|_| conn.call::<Echo>(Text::new(big.clone()))))).await;
    assert!(answers.into_iter().all(|a| a.unwrap().text == big.as_bytes()));
    within(server.shutdown(Duration::from_secs(1))).await;
}

#[tokio::test]
async fn a_start_tls_that_times_out_closes_the_connection() {
    // Once StartTLS is sent, only its answer says what the stream carries next.
    let pki = pki();
    let config = ConnectionConfig::default().with_default_timeout(Duration::from_millis(30));
    let (client, mut raw) = RawPeer::connect(NoResponder, config);
    let err = within(client.start_tls(TlsRole::client(pki.client, "localhost").unwrap())).await.unwrap_err();
    assert!(matches!(err, StartTlsError::Call(CallError::Timeout(_))), "{err:?}");
    assert_eq!(within(client.closed()).await, CloseReason::UpgradeAbandoned);
    assert_eq!(text(&raw.recv().await.unwrap(), "_command"), "StartTLS");
    assert_eq!(raw.recv().await, None);
}
