//! `MsgLauncher2Portal` as Evennia 6.1's launcher sent it: the `evennia stop`
//! boxes of tests/fixtures/evennia-6.1/captures.txt (conn4.s2p.bin), read
//! with the generated arguments and typed with `AdminFromLauncher`.

use std::path::PathBuf;

use amp_evennia::codec::pickle;
use amp_evennia::commands::MsgLauncher2PortalArguments;
use amp_evennia::payload::admin::AdminFromLauncher;
use amp_runtime::{AmpBox, ArgContext, BoxFields};
use bytes::Bytes;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// The wire bytes of each box of `file` in the test-client section.
fn client_boxes(file: &str) -> Vec<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/evennia-6.1/captures.txt");
    let text = std::fs::read_to_string(path).expect("captures.txt (tests/fixtures/evennia-6.1)");
    let section = text.split("################ test clients").nth(1).expect("the test-client section");
    let section = section.split("################ non-AMP").next().unwrap();
    let mut in_file = false;
    let mut out = Vec::new();
    for line in section.lines() {
        if line.starts_with("conn") {
            in_file = line.starts_with(&format!("{file} "));
        } else if let Some(hex) = line.strip_prefix("   raw hex: ").filter(|_| in_file) {
            out.push(unhex(hex));
        }
    }
    out
}

/// One box's key/value pairs (the bytes hold one whole box).
fn parse_box(mut b: &[u8]) -> AmpBox {
    let mut pairs = Vec::new();
    loop {
        let klen = usize::from(u16::from_be_bytes([b[0], b[1]]));
        if klen == 0 {
            return AmpBox::from_pairs(pairs);
        }
        let key = Bytes::copy_from_slice(&b[2..2 + klen]);
        b = &b[2 + klen..];
        let vlen = usize::from(u16::from_be_bytes([b[0], b[1]]));
        pairs.push((key, Bytes::copy_from_slice(&b[2..2 + vlen])));
        b = &b[2 + vlen..];
    }
}

#[test]
fn the_launchers_stop_instructions() {
    let launcher: Vec<AmpBox> = client_boxes("conn4.s2p.bin")
        .iter()
        .map(|b| parse_box(b))
        .filter(|b| b.get("_command").is_some_and(|c| &c[..] == b"MsgLauncher2Portal"))
        .collect();
    let typed: Vec<AdminFromLauncher> = launcher
        .iter()
        .map(|b| {
            let args = MsgLauncher2PortalArguments::read_fields(b, &mut ArgContext::new()).expect("the arguments");
            AdminFromLauncher::try_from(&args).expect("a launcher instruction")
        })
        .collect();
    assert_eq!(typed, [AdminFromLauncher::Sshutd, AdminFromLauncher::Pshutd]);

    // Written back: the same keys and operation, `arguments` the same value.
    for (sent, admin) in launcher.iter().zip(&typed) {
        let mut ours = AmpBox::new();
        MsgLauncher2PortalArguments::try_from(admin).unwrap().write_fields(&mut ours, &mut ArgContext::new()).unwrap();
        let keys = |b: &AmpBox| {
            let mut keys: Vec<Bytes> = b.iter().map(|(k, _)| k.clone()).filter(|k| !k.starts_with(b"_")).collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(&ours), keys(sent));
        assert_eq!(ours.get("operation"), sent.get("operation"));
        let value = |b: &AmpBox| pickle::decode(b.get("arguments").unwrap()).unwrap();
        assert_eq!(value(&ours), value(sent));
    }
}
