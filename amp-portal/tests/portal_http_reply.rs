//! Evennia's reply to a connection on its AMP port that is not AMP:
//! amp-portal's Portal answers `GET /` with the bytes a real Evennia 6.1
//! Portal sent (captured in tests/fixtures/evennia-6.1/captures.txt), which
//! are `amp_evennia::role::portal::EVENNIA_HTTP_REPLY`, then closes.

mod common;

use amp_evennia::role::portal::EVENNIA_HTTP_REPLY;
use common::STEP;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The `reply hex:` line of the capture of Evennia's Portal answering `GET /`.
fn captured_reply() -> Vec<u8> {
    let captures =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/evennia-6.1/captures.txt"))
            .expect("the Evennia captures");
    let hex = captures.split("reply hex: ").nth(1).expect("a reply hex line").split_whitespace().next().unwrap();
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}

#[tokio::test]
async fn the_portal_answers_http_as_evennia_does() {
    let portal = common::portal().await;
    let mut http = TcpStream::connect(portal.amp_addr().unwrap()).await.unwrap();
    http.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(STEP, http.read_to_end(&mut reply)).await.expect("the Portal closes in time").unwrap();
    let captured = captured_reply();
    assert_eq!(captured.len(), 259);
    assert_eq!(reply, captured);
    assert_eq!(reply, EVENNIA_HTTP_REPLY);
    // The AMP port still serves AMP.
    assert!(!common::launcher_status(&portal).await.server_running);
    tokio::time::timeout(STEP, portal.close_amp()).await.expect("the Portal closes in time");
}
