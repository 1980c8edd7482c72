//! Evennia's reply to a connection on its AMP port that is not AMP: the
//! constant is the bytes a real Evennia 6.1 Portal sent (captured in
//! tests/fixtures/evennia-6.1/captures.txt), and the Portal role sends it.

use std::time::Duration;

use amp_evennia::role::portal::{PortalAmp, EVENNIA_HTTP_REPLY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const STEP: Duration = Duration::from_secs(10);

/// The `reply hex:` line of the capture of Evennia's Portal answering `GET /`.
fn captured_reply() -> Vec<u8> {
    let captures =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/evennia-6.1/captures.txt"))
            .expect("the Evennia captures");
    let hex = captures.split("reply hex: ").nth(1).expect("a reply hex line").split_whitespace().next().unwrap();
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}

#[test]
fn the_evennia_http_reply_is_the_captured_bytes() {
    let captured = captured_reply();
    assert_eq!(captured.len(), 259);
    assert_eq!(EVENNIA_HTTP_REPLY, &captured[..]);
}

#[tokio::test]
async fn the_portal_role_answers_http_as_evennia_does() {
    let portal = PortalAmp::bind("127.0.0.1:0").await.unwrap();
    let mut http = TcpStream::connect(portal.local_addr()).await.unwrap();
    http.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(STEP, http.read_to_end(&mut reply)).await.expect("the Portal closes in time").unwrap();
    assert_eq!(reply, captured_reply());
    tokio::time::timeout(STEP, portal.close()).await.expect("the Portal closes in time");
}
