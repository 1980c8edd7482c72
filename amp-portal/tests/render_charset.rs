//! `amp_portal::charset` against CPython 3.12 (Evennia 6.1's interpreter) and
//! Evennia's own `to_bytes`, `to_str` and `clean_senddata`: codec name lookup
//! for every alias and module of the `encodings` package (and mangled
//! spellings), strict and replacing encode/decode of each supported codec,
//! the fallback chains, the input decode, and the generated Unicode class
//! tables of the HTML renderer.

mod render_common;

use amp_portal::charset::{self, Codec, Errors, Input, Lookup};
use amp_portal::render::html::urls::{is_space, is_word};
use render_common::{hex, oracle, show, unhex, Failures, Gen};
use serde_json::{json, Value as J};

const CODECS: [(&str, Codec); 4] =
    [("utf-8", Codec::Utf8), ("latin-1", Codec::Latin1), ("ascii", Codec::Ascii), ("cp1252", Codec::Cp1252)];

fn python_name(codec: Codec) -> &'static str {
    match codec {
        Codec::Utf8 => "utf-8",
        Codec::Latin1 => "iso8859-1",
        Codec::Ascii => "ascii",
        Codec::Cp1252 => "cp1252",
    }
}

fn tables() -> J {
    oracle(&[json!({"k": "tables"})], None).remove(0)
}

#[test]
fn codec_names_resolve_as_in_cpython() {
    let t = tables();
    let mut names: Vec<String> = Vec::new();
    for pair in t["aliases"].as_array().unwrap() {
        names.push(pair[0].as_str().unwrap().to_owned());
    }
    for m in t["modules"].as_array().unwrap() {
        names.push(m[0].as_str().unwrap().to_owned());
    }
    let mangled: Vec<String> = names
        .iter()
        .flat_map(|n| {
            [
                n.to_uppercase(),
                n.replace('_', "-"),
                format!(" --{}.. ", n.replace('_', " ")),
                n.replace('_', "é"),
                n.replace('_', "."),
                format!("{n}x"),
            ]
        })
        .collect();
    names.extend(mangled);
    names.extend(
        [
            "",
            "-",
            "utf\u{0}8",
            "UTF8",
            "u8",
            "cp65001",
            "Latin1",
            "ISO_8859-1:1987",
            "iso-ir-100",
            "646",
            "ANSI_X3.4-1968",
            "windows-1252",
            "1252",
            "utf-8-sig",
            "base64",
            "rot13",
            "hex",
            "mbcs",
            "oem",
            "aliases",
            "encodings",
            "utf.8",
            "latin.1",
            "iso8859.1",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let cases: Vec<J> = names.iter().map(|n| json!({"k": "lookup", "name": n})).collect();
    let answers = oracle(&cases, None);
    let mut failures = Failures::new("codec lookup");
    for (name, answer) in names.iter().zip(&answers) {
        failures.case();
        let got = charset::lookup(name);
        let ok = match (&got, answer["error"].as_str()) {
            (Err(_), Some("ValueError")) => true,
            (Ok(Lookup::Unknown), Some("LookupError")) => true,
            (Ok(Lookup::Codec(c)), None) => answer["name"] == python_name(*c) && answer["text"] == true,
            (Ok(Lookup::Unsupported(_)), None) => {
                answer["text"] == true
                    && !["utf-8", "iso8859-1", "ascii", "cp1252"].contains(&answer["name"].as_str().unwrap())
            }
            (Ok(Lookup::NotText(_)), None) => answer["text"] == false,
            _ => false,
        };
        if !ok {
            failures.fail(format!("name {}\n  cpython {answer}\n  rust    {got:?}", show(name)));
        }
    }
    failures.finish();
}

/// Texts that exercise every codec's edges.
fn texts() -> Vec<String> {
    let mut g = Gen::new(1252);
    let mut v: Vec<String> = [
        "",
        "plain ascii",
        "\u{0}\u{7f}",
        "caf\u{e9} \u{ff}",
        "\u{80}\u{81}\u{8d}\u{9f}",
        "\u{20ac}\u{201a}\u{192}\u{2122}\u{178}",
        "\u{100}",
        "\u{fffe}",
        "\u{fffd}",
        "日本語",
        "😀",
        "mixed é € 😀 ÿ",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Every character cp1252 maps, and some it does not.
    v.push((0x80u32..0x100).filter_map(char::from_u32).collect());
    v.push("\u{2013}\u{2014}\u{2018}\u{2019}\u{201c}\u{201d}\u{2022}\u{2026}\u{2030}\u{2039}\u{203a}\u{2c6}\u{2dc}\u{152}\u{153}\u{160}\u{161}\u{17d}\u{17e}".into());
    let alphabet = ['a', 'é', 'ÿ', '€', '\u{81}', '\u{100}', '日', '😀', '\u{fffe}', '\n', '\u{0}'];
    v.extend((0..200).map(|_| (0..g.below(12)).map(|_| *g.pick(&alphabet)).collect::<String>()));
    v
}

/// Byte strings with every kind of bad UTF-8 and every high byte.
fn byte_strings() -> Vec<Vec<u8>> {
    let mut g = Gen::new(8);
    let mut v: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"ascii".to_vec(),
        "caf\u{e9}".as_bytes().to_vec(),
        b"caf\xe9".to_vec(),
        b"\xc3".to_vec(),
        b"\xc3\x28".to_vec(),
        b"\xe2\x82".to_vec(),
        b"\xe2\x82\x28".to_vec(),
        b"\xf0\x9f\x98".to_vec(),
        b"\xc0\xaf".to_vec(),
        b"\xe0\x80\xaf".to_vec(),
        b"\xed\xa0\x80".to_vec(),
        b"\xf4\x90\x80\x80".to_vec(),
        b"\xf8\x88\x80\x80\x80".to_vec(),
        b"\xff\xfe".to_vec(),
        b"\x80\x81\x8d\x8f\x90\x9d".to_vec(),
        (0..=255u8).collect(),
    ];
    let pieces: [&[u8]; 10] = [
        b"a",
        b"\xc3\xa9",
        b"\xc3",
        b"\xe2\x82\xac",
        b"\xe2\x82",
        b"\xf0\x9f\x98\x80",
        b"\xf0",
        b"\x80",
        b"\xff",
        b"\xed\xb0\x80",
    ];
    v.extend((0..300).map(|_| (0..g.below(10)).flat_map(|_| g.pick(&pieces).to_vec()).collect::<Vec<u8>>()));
    v
}

#[test]
fn encode_and_decode_match_cpython() {
    let texts = texts();
    let datas = byte_strings();
    let mut cases = Vec::new();
    for (name, _) in CODECS {
        for errors in ["strict", "replace"] {
            for t in &texts {
                cases.push(json!({"k": "encode", "codec": name, "text": t, "errors": errors}));
            }
            for d in &datas {
                cases.push(json!({"k": "decode", "codec": name, "data": hex(d), "errors": errors}));
            }
        }
    }
    let answers = oracle(&cases, None);
    let mut failures = Failures::new("encode/decode");
    for (case, answer) in cases.iter().zip(&answers) {
        failures.case();
        let codec = CODECS.iter().find(|(n, _)| case["codec"] == *n).unwrap().1;
        let errors = if case["errors"] == "strict" { Errors::Strict } else { Errors::Replace };
        let (got, want) = if case["k"] == "encode" {
            let got = codec.encode(case["text"].as_str().unwrap(), errors).ok().map(|b| hex(&b));
            (got.map(J::from), answer["out"].clone())
        } else {
            let got = codec.decode(&unhex(case["data"].as_str().unwrap()), errors).ok();
            (got.map(J::from), answer["out"].clone())
        };
        if got.unwrap_or(J::Null) != want {
            failures.fail(format!("case {case}\n  cpython {answer}"));
        }
    }
    failures.finish();
}

#[test]
fn evennia_to_bytes_and_to_str() {
    let sessions = [
        J::Null,
        json!("utf-8"),
        json!("latin-1"),
        json!("ASCII"),
        json!("cp1252"),
        json!("bogus"),
        json!(""),
        json!("utf\u{0}8"),
    ];
    let settings = [
        json!(["utf-8", "latin-1", "ISO-8859-1"]),
        json!(["ascii"]),
        json!(["bogus", "latin-1"]),
        json!([]),
        json!(["cp1252", "utf\u{0}8"]),
    ];
    let texts = texts();
    let datas = byte_strings();
    let mut cases = Vec::new();
    for s in &sessions {
        for e in &settings {
            for t in texts.iter().step_by(3) {
                cases.push(json!({"k": "to_bytes", "text": t, "session": s, "encodings": e}));
            }
            for d in datas.iter().step_by(3) {
                cases.push(json!({"k": "to_str", "data": hex(d), "session": s, "encodings": e}));
            }
        }
    }
    let answers = oracle(&cases, None);
    let mut failures = Failures::new("to_bytes / to_str");
    for (case, answer) in cases.iter().zip(&answers) {
        failures.case();
        let session = case["session"].as_str();
        let encodings: Vec<String> =
            case["encodings"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()).collect();
        let got = if case["k"] == "to_bytes" {
            charset::to_bytes(case["text"].as_str().unwrap(), session, &encodings).map(|b| J::from(hex(&b)))
        } else {
            charset::to_str(&unhex(case["data"].as_str().unwrap()), session, &encodings).map(J::from)
        };
        let ok = match &got {
            Ok(v) => *v == answer["out"],
            Err(_) => answer["error"].is_string(),
        };
        if !ok {
            failures.fail(format!("case {case}\n  evennia {answer}\n  rust    {got:?}"));
        }
    }
    failures.finish();
}

#[test]
fn evennia_input_decode() {
    let encodings = ["utf-8", "UTF8", "latin-1", "ascii", "cp1252", "bogus", ""];
    let mut cases = Vec::new();
    for e in encodings {
        // An empty text never reaches the decode: clean_senddata drops it.
        for d in byte_strings().iter().step_by(2).filter(|d| !d.is_empty()) {
            cases.push(json!({"k": "input", "data": hex(d), "encoding": e}));
        }
    }
    let answers = oracle(&cases, None);
    let mut failures = Failures::new("clean_senddata input decode");
    for (case, answer) in cases.iter().zip(&answers) {
        failures.case();
        let got = charset::decode_input(&unhex(case["data"].as_str().unwrap()), case["encoding"].as_str().unwrap());
        let bad = json!([charset::BAD_UTF8_MESSAGE]);
        let ok = match &got {
            Ok(Input::Text(t)) => {
                answer["text"] == *t && answer["sent"] == json!([]) && answer["flag"] == case["encoding"]
            }
            Ok(Input::Undecodable) => {
                answer["text"] == "" && answer["sent"] == bad && answer["flag"] == case["encoding"]
            }
            Ok(Input::ResetToUtf8(t)) => answer["text"] == *t && answer["flag"] == "utf-8",
            Ok(Input::ResetToUtf8Failed) => answer["error"] == "UnicodeDecodeError" && answer["flag"] == "utf-8",
            Ok(Input::Unsupported(_)) | Err(_) => false,
        };
        if !ok {
            failures.fail(format!("case {case}\n  evennia {answer}\n  rust    {got:?}"));
        }
    }
    failures.finish();
}

#[test]
fn python_unicode_classes() {
    let t = tables();
    for (what, key, f) in [("\\w", "word", is_word as fn(char) -> bool), ("\\s", "space", is_space)] {
        let ranges: Vec<(u32, u32)> = t[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r[0].as_u64().unwrap() as u32, r[1].as_u64().unwrap() as u32))
            .collect();
        let mut python_set = vec![false; 0x110000];
        for (a, b) in ranges {
            python_set[a as usize..=b as usize].fill(true);
        }
        let mut bad = Vec::new();
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let python = python_set[c as usize];
            if python != f(c) && bad.len() < 10 {
                bad.push(format!("U+{:04X}: python {python}", c as u32));
            }
        }
        assert!(
            bad.is_empty(),
            "{what} differs from CPython's re (regenerate with tests/python/render_gen_tables.py): {bad:?}"
        );
    }
    // The cp1252 table: every byte decodes as CPython's table says.
    let table = t["cp1252"].as_array().unwrap();
    for (i, want) in table.iter().enumerate() {
        let want = want.as_u64().unwrap() as u32;
        let got =
            Codec::Cp1252.decode(&[0x80 + i as u8], Errors::Strict).ok().map(|s| s.chars().next().unwrap() as u32);
        assert_eq!(got.unwrap_or(0xFFFE), want, "cp1252 byte {:#x}", 0x80 + i);
    }
}
