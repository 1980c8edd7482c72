//! Every pickle in the captured Evennia 6.1 traffic decodes to what Python
//! printed for it, and survives an encode/decode round trip at every protocol.

use std::io::Read;
use std::path::PathBuf;

use amp_evennia::codec::pickle::{self, EncodeOptions, Value};

/// One captured pickle: where it was, its bytes, and Python's repr of it.
struct Captured {
    line: usize,
    pickle: Vec<u8>,
    repr: String,
}

fn captures_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/evennia-6.1/captures.txt")
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// The key/value pairs of one AMP box's wire bytes.
fn parse_box(mut b: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut pairs = Vec::new();
    loop {
        let klen = usize::from(u16::from_be_bytes([b[0], b[1]]));
        if klen == 0 {
            return pairs;
        }
        let key = String::from_utf8(b[2..2 + klen].to_vec()).expect("ascii key");
        b = &b[2 + klen..];
        let vlen = usize::from(u16::from_be_bytes([b[0], b[1]]));
        pairs.push((key, b[2..2 + vlen].to_vec()));
        b = &b[2 + vlen..];
    }
}

fn inflate(chunk: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(chunk).read_to_end(&mut out).expect("zlib chunk");
    out
}

/// Evennia's Compressed argument: `name`, `name.2`, ... each zlib-compressed.
fn compressed(pairs: &[(String, Vec<u8>)], name: &str) -> Vec<u8> {
    let mut out = inflate(&pairs.iter().find(|(k, _)| k == name).expect("first slice").1);
    for n in 2.. {
        let key = format!("{name}.{n}");
        match pairs.iter().find(|(k, _)| *k == key) {
            Some((_, chunk)) => out.extend(inflate(chunk)),
            None => break,
        }
    }
    out
}

fn captured() -> Vec<Captured> {
    let text = std::fs::read_to_string(captures_path()).expect("captures.txt (tests/fixtures/evennia-6.1)");
    let mut found = Vec::new();
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_start();
        if let Some(hex) = line.strip_prefix("raw hex: ") {
            // Only full boxes: the split-read section shows box parts.
            pairs = if hex.ends_with("0000") { parse_box(&unhex(hex)) } else { Vec::new() };
        } else if let Some(repr) = line.strip_prefix("repr: ") {
            let pickle = compressed(&pairs, "packed_data");
            found.push(Captured { line: line_no, pickle, repr: repr.to_owned() });
        } else if let Some((key, rest)) = line.split_once(": pickle ") {
            let (_, repr) = rest.split_once("; ").expect("`N B protocol P; repr`");
            let pickle = pairs.iter().find(|(k, _)| k == key).expect("the key the line names").1.clone();
            found.push(Captured { line: line_no, pickle, repr: repr.to_owned() });
        }
    }
    found
}

#[test]
fn every_captured_pickle_decodes_to_pythons_repr() {
    let all = captured();
    // 49 packed_data payloads between Portal and Server, 9 launcher/client pickles.
    assert_eq!(all.len(), 58, "pickles found in captures.txt");
    for c in &all {
        let v = pickle::decode(&c.pickle).unwrap_or_else(|e| panic!("captures.txt line {}: {e}", c.line));
        assert_eq!(v.to_string(), c.repr, "captures.txt line {}", c.line);
    }
}

#[test]
fn every_captured_pickle_round_trips_at_every_protocol() {
    for c in captured() {
        let v = pickle::decode(&c.pickle).expect("decodes");
        for protocol in 2..=5 {
            let bytes = pickle::encode_with(&v, &EncodeOptions::protocol(protocol)).expect("encodes");
            assert_eq!(bytes[..2], [0x80, protocol]);
            let back = pickle::decode(&bytes).unwrap_or_else(|e| panic!("line {} protocol {protocol}: {e}", c.line));
            assert_eq!(back, v, "captures.txt line {} protocol {protocol}", c.line);
            assert_eq!(back.to_string(), c.repr);
        }
    }
}

#[test]
fn captured_payloads_read_as_typed_sessid_and_kwargs() {
    use std::collections::HashMap;
    let mut operations = Vec::new();
    for c in captured().iter().filter(|c| c.repr.starts_with("(0, {") || c.repr.starts_with("(2, {")) {
        let (sessid, kwargs): (u64, HashMap<String, Value>) = pickle::from_slice(&c.pickle).expect("typed payload");
        assert!(sessid == 0 || sessid == 2, "line {}", c.line);
        if let Some(Value::Str(op)) = kwargs.get("operation") {
            operations.push(op.clone());
        }
        // A typed payload written back reads as the same value.
        let again = pickle::to_vec(&(sessid, &kwargs)).expect("encodes");
        let (s2, k2): (u64, HashMap<String, Value>) = pickle::from_slice(&again).expect("decodes");
        assert_eq!((s2, k2), (sessid, kwargs));
    }
    // PSYNC, SRESET, SSYNC ... were seen.
    assert!(operations.contains(&"\u{3}".to_owned()) && operations.contains(&"\u{8}".to_owned()), "{operations:?}");
}

#[test]
fn the_player_text_keeps_its_nesting() {
    // {'text': [['look\n'], {'options': {}}]} from a telnet session.
    let c = captured().into_iter().find(|c| c.repr.contains("'text': [['look")).expect("a text message");
    let v = pickle::decode(&c.pickle).expect("decodes");
    let Value::Tuple(parts) = &v else { panic!("a tuple: {v}") };
    let text = parts[1].get("text").expect("text");
    assert_eq!(text.to_string(), "[['look\\n'], {'options': {}}]");
}
