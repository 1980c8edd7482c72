//! `amp decode` over the shared Evennia 6.1 captures and bad input.

mod common;

use std::path::PathBuf;

use common::{amp, amp_with_stdin, root};
use serde_json::{json, Value};

fn capture(name: &str) -> PathBuf {
    root().join("tests/fixtures/evennia-6.1").join(name)
}

fn evennia_schema() -> PathBuf {
    root().join("schema/evennia.toml")
}

fn decode_pair(conn: &str) -> Vec<Value> {
    let run = amp(&[
        "decode".into(),
        "--schema".into(),
        evennia_schema(),
        capture(&format!("{conn}.s2p.bin")),
        capture(&format!("{conn}.p2s.bin")),
    ]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    run.json_lines()
}

#[test]
fn first_connection_decodes_exactly() {
    let lines = decode_pair("conn1");
    assert_eq!(lines.len(), 12, "6 boxes each way");
    // The Server's PSYNC: Compressed decompressed, the pickle in the pickle mapping.
    assert_eq!(
        lines[0],
        json!({
            "stream": 0,
            "box": {"_ask": "1", "_command": "AdminServer2Portal", "packed_data": {"base64": "eNprYJ26mgECvBlqp2j0cOYXpBYllmTm503pYWSe0sNSXJCZMsU336SHMzMvLT8+JTO5ZApIIVdxalFZalFeYm4qUFU6mGIHChSDtbKa6RnqGUzpYU7MLZjSwwUkFawUTAwMzab0sKUWFeUXFU/pYQDqA5k5JYO3h7M8NQli4JQefjgbpMXAFGhuZlFyfFFxMVBlaWnbFD0AxqFBwA=="}},
            "command": "AdminServer2Portal",
            "arguments": {"packed_data": {"tuple": [0, {
                "operation": "\u{3}", "spid": 13423,
                "info_dict": {"servername": "game", "version": "6.1.0", "amp": "amp : 4016", "errors": "",
                              "info": "", "webserver": "webserver: 4005", "irc_rss": ""}
            }]}}
        })
    );
    // The third box of stream 0 answers the Portal's call 1: that call is printed first.
    assert_eq!(lines[2]["stream"], 1);
    assert_eq!(lines[2]["command"], "AdminPortal2Server");
    assert_eq!(
        lines[2]["arguments"]["packed_data"],
        json!({"tuple": [0, {"operation": "\u{3}", "server_restart_mode": "shutdown", "sessiondata": {},
                             "portal_start_time": 1795755311.3566732}]})
    );
    assert_eq!(
        lines[3],
        json!({"stream": 0, "box": {"_answer": "1"}, "answer_to": "AdminPortal2Server", "response": {}})
    );
    // The float keeps Python's digits exactly.
    let text = serde_json::to_string(&lines[2]).unwrap();
    assert!(text.contains("\"portal_start_time\":1795755311.3566732"), "{text}");
}

#[test]
fn every_capture_pairs_every_answer_with_its_call() {
    for conn in ["conn1", "conn2", "conn3"] {
        let lines = decode_pair(conn);
        let mut printed_calls = std::collections::HashSet::new();
        for line in &lines {
            let stream = line["stream"].as_u64().unwrap();
            let b = &line["box"];
            if let Some(ask) = b["_ask"].as_str() {
                assert!(line["command"].is_string(), "{conn}: a call of a known command: {line}");
                assert!(line.get("pickle_errors").is_none(), "{conn}: {line}");
                let packed = &line["arguments"]["packed_data"];
                assert!(packed["tuple"].is_array(), "{conn}: packed_data is a (sessid, kwargs) tuple: {line}");
                printed_calls.insert((stream, ask.to_owned()));
            } else {
                let tag = b["_answer"].as_str().expect("every non-call box is an answer here");
                assert!(line["answer_to"].is_string(), "{conn}: unmatched answer {line}");
                assert!(
                    printed_calls.contains(&(1 - stream, tag.to_owned())),
                    "{conn}: answer before its call: {line}"
                );
            }
        }
    }
    assert_eq!(decode_pair("conn2").len(), 62);
    assert_eq!(decode_pair("conn3").len(), 24);
}

#[test]
fn int_keyed_dicts_use_the_dict_form() {
    // conn2: SSYNC carries sessiondata keyed by session id (ints).
    let lines = decode_pair("conn2");
    let ssync = lines
        .iter()
        .find(|l| l["arguments"]["packed_data"]["tuple"][1]["sessiondata"]["dict"].is_array())
        .expect("an SSYNC box");
    let sessions = &ssync["arguments"]["packed_data"]["tuple"][1]["sessiondata"]["dict"];
    assert_eq!(sessions[0][0], 2, "{ssync}");
    assert_eq!(sessions[0][1]["uname"], "admin", "{ssync}");
}

#[test]
fn without_a_schema_only_raw_pairs_are_shown() {
    let run = amp(&["decode".into(), capture("conn1.p2s.bin")]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 6);
    for line in &lines {
        let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["stream", "box"], "{line}");
        assert_eq!(line["stream"], 0);
    }
    assert_eq!(lines[1], json!({"stream": 0, "box": {"_answer": "1"}}));
}

#[test]
fn stdin_is_read_with_a_dash() {
    let bytes = std::fs::read(capture("conn1.s2p.bin")).unwrap();
    let from_stdin = amp_with_stdin(&["decode", "--schema", evennia_schema().to_str().unwrap(), "-"], &bytes);
    let from_file = amp(&["decode".into(), "--schema".into(), evennia_schema(), capture("conn1.s2p.bin")]);
    assert_eq!(from_stdin.code, 0, "{from_stdin:?}");
    assert_eq!(from_stdin.stdout, from_file.stdout);
    // One file: answers cannot be matched (their calls travel the other way).
    assert!(from_stdin.json_lines().iter().all(|l| l.get("answer_to").is_none()));
}

/// The launcher and test-client connections of captures.txt (kept there as
/// hex only), as stream files.
fn client_capture(dir: &std::path::Path, conn: &str) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(capture("captures.txt")).unwrap();
    let start = text.find("test clients / launcher").expect("the test clients section");
    let end = text.find("non-AMP line").expect("the section after it");
    let mut current: Option<String> = None;
    let mut files: std::collections::HashMap<String, Vec<u8>> = Default::default();
    for line in text[start..end].lines() {
        if let Some(name) = line.split_whitespace().next().filter(|w| w.starts_with("conn") && w.ends_with(".bin")) {
            current = Some(name.to_owned());
        } else if let Some(hex) = line.trim().strip_prefix("raw hex: ") {
            let bytes: Vec<u8> =
                (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
            files.entry(current.clone().expect("a file header first")).or_default().extend(bytes);
        }
    }
    let write = |name: String| {
        let path = dir.join(&name);
        std::fs::write(&path, &files[&name]).unwrap();
        path
    };
    (write(format!("{conn}.s2p.bin")), write(format!("{conn}.p2s.bin")))
}

#[test]
fn string_fields_show_pickles_only_when_they_are_pickles() {
    let dir = tempfile::tempdir().unwrap();
    let (s2p, p2s) = client_capture(dir.path(), "conn2");
    let run = amp(&["decode".into(), "--schema".into(), evennia_schema(), s2p, p2s]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 4);
    // MsgStatus status "interop-test" is no pickle: the String mapping.
    assert_eq!(lines[0]["arguments"], json!({"status": "interop-test"}));
    // FunctionCall args and kwargs are pickles.
    assert_eq!(
        lines[1]["arguments"],
        json!({"module": "evennia.utils.utils", "function": "time_format", "args": {"tuple": [3600]}, "kwargs": {}})
    );
    // The Portal's status answer: (True, True, pid, pid, {...}).
    let status = &lines[2]["response"]["status"]["tuple"];
    assert_eq!((&status[0], &status[1], &status[2]), (&json!(true), &json!(true), &json!(13382)), "{}", lines[2]);
    assert_eq!(status[4]["telnet"], json!(["telnet-127.0.0.1: 4000"]));
    // Evennia 6.1's broken FunctionCall answer.
    assert_eq!(
        lines[3],
        json!({"stream": 1, "box": {"_error": "2", "_error_code": "EXCEPTION",
               "_error_description": "catch_traceback() got an unexpected keyword argument 'args' (error logged on other side)"},
               "answer_to": "FunctionCall",
               "error": {"code": "EXCEPTION", "description": "catch_traceback() got an unexpected keyword argument 'args' (error logged on other side)"}})
    );

    let (s2p, p2s) = client_capture(dir.path(), "conn4");
    let run = amp(&["decode".into(), "--schema".into(), evennia_schema(), s2p, p2s]);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 10, "{run:?}");
    // The launcher's SSHUTD: operation "\x11", arguments a pickled empty dict.
    assert_eq!(lines[1]["arguments"], json!({"operation": "\u{11}", "arguments": {}}));
    // The launcher answers the Portal's MsgStatus with pickle.dumps(b"") (protocol 4).
    let answer = lines.iter().find(|l| l["stream"] == 0 && l["box"]["_answer"] == "1").unwrap();
    assert_eq!(answer["response"], json!({"status": {"base64": ""}}), "{answer}");
    // An empty status is no pickle.
    assert_eq!(lines[0]["arguments"], json!({"status": ""}));
}

#[test]
fn a_truncated_stream_prints_its_boxes_then_fails() {
    let mut bytes = std::fs::read(capture("conn1.p2s.bin")).unwrap();
    bytes.truncate(bytes.len() - 3);
    let run = amp_with_stdin(&["decode", "-"], &bytes);
    assert_eq!(run.code, 64, "{run:?}");
    assert_eq!(run.json_lines().len(), 5, "the complete boxes");
    assert!(run.stderr.contains("-: box 6 at byte 336"), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1);
}

#[test]
fn a_key_too_long_is_reported_with_its_offset() {
    let run = amp_with_stdin(&["decode", "-"], b"\x00\x01a\x00\x01b\x00\x00\x01\x00");
    assert_eq!(run.code, 64, "{run:?}");
    assert_eq!(run.stdout, "{\"stream\":0,\"box\":{\"a\":\"b\"}}\n");
    assert!(run.stderr.contains("box 2 at byte 8"), "{run:?}");
}

#[test]
fn bad_decode_usage_exits_64() {
    amp(&["decode", "-", "-"]).assert_fails(64, "stdin (-) can be read only once");
    amp(&["decode", "/nonexistent/stream.bin"]).assert_fails(64, "cannot read /nonexistent/stream.bin");
    amp(&["decode", "a", "b", "c"]).assert_fails(64, "unexpected value");
    amp(&["decode"]).assert_fails(64, "required");
}
