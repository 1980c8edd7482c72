//! Evennia's reply to a connection on its AMP port that is not AMP: the
//! constant is the bytes a real Evennia 6.1 Portal sent (captured in
//! tests/fixtures/evennia-6.1/captures.txt). amp-portal's Portal sends it
//! (amp-portal/tests/portal_http_reply.rs).

use amp_evennia::role::portal::EVENNIA_HTTP_REPLY;

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
