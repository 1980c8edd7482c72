//! `amp call` against `amp serve`: both sides of the binary, over TCP and
//! Unix sockets (the Twisted side is in tests/tests/cli_interop.rs).

mod common;

use std::path::{Path, PathBuf};

use common::{amp, fixture, root, Serve};
use serde_json::json;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn call(schema: &Path, addr: &str, args: &[&str]) -> common::Run {
    let mut all: Vec<String> = vec!["call".into(), "--schema".into(), schema.display().to_string(), addr.into()];
    all.extend(args.iter().map(|s| s.to_string()));
    amp(&all)
}

const RESPONSES: &str = r#"
[Sum]
response = { total = 42 }
[Divide]
error = { code = "ZERO_DIVISION", description = "divided by zero" }
[Fail]
error = { code = "FATAL", description = "bye" }
[echo-types]
echo = true
[Upload]
echo = true
[Log]
response = { notes = ["one", "two \u2603"] }
[all-types]
response = { seen = "x", big = "123456789012345678901234567890", float = "-inf", string = { base64 = "/wA=" }, decimal = 1.50, ints = [1, -2] }
"#;

#[test]
fn call_and_serve_over_a_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let schema = fixture("cli.toml");
    let responses = write(dir.path(), "responses.toml", RESPONSES);
    let listen = format!("unix:{}", dir.path().join("amp.sock").display());
    let mut serve = Serve::start(&schema, &listen, Some(&responses));
    assert_eq!(serve.addr, listen);

    call(&schema, &listen, &["Sum", "a=1", "b=2"]).assert_prints(r#"{"total":42}"#);
    assert_eq!(serve.line(), r#"{"command":"Sum","arguments":{"a":1,"b":2}}"#);

    call(&schema, &listen, &["Log"]).assert_prints(r#"{"notes":["one","two ☃"]}"#);
    serve.line();

    // Values from the responses file in the JSON mapping (TOML spellings).
    call(&schema, &listen, &["all-types"]).assert_prints(concat!(
        r#"{"integer":null,"big":123456789012345678901234567890,"string":{"base64":"/wA="},"unicode":null,"#,
        r#""path":null,"boolean":null,"float":"-inf","decimal":"1.5","datetime":null,"ints":[1,-2],"texts":null,"#,
        r#""rows":null,"from":null,"my-arg":null,"seen":"x"}"#
    ));
    serve.line();

    // Compressed (Evennia's zlib slices): 300 kB of varied bytes, several slices each way.
    let payload: Vec<u8> = (0u32..300_000).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let b64 = base64_encode(&payload);
    // Longer than one command-line argument may be: --json - reads stdin.
    let arg = format!(r#"{{"data": {{"base64": "{b64}"}}}}"#);
    let args = ["call", "--schema", schema.to_str().unwrap(), &listen, "Upload", "--json", "-"];
    let run = common::amp_with_stdin(&args, arg.as_bytes());
    run.assert_prints(&format!(r#"{{"data":{{"base64":"{b64}"}}}}"#));
    assert!(serve.line().contains(&b64));

    let (code, stderr) = serve.stop();
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert!(!dir.path().join("amp.sock").exists(), "the socket file is removed at shutdown");
}

/// Standard base64, for building test input.
fn base64_encode(raw: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in raw.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn errors_unhandled_and_no_answer_over_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let schema = fixture("cli.toml");
    let responses = write(dir.path(), "responses.toml", RESPONSES);
    let mut serve = Serve::start(&schema, "127.0.0.1:0", Some(&responses));
    let addr = serve.addr.clone();
    assert!(addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"), "{addr}");

    let run = call(&schema, &addr, &["Divide", "numerator=1", "denominator=0"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (3, "{\"error\":{\"code\":\"ZERO_DIVISION\",\"description\":\"divided by zero\"}}\n", "")
    );
    serve.line();
    // No entry: UNHANDLED.
    let run = call(&schema, &addr, &["Nope"]);
    assert_eq!(run.code, 3);
    assert_eq!(run.stdout, "{\"error\":{\"code\":\"UNHANDLED\",\"description\":\"Unhandled Command: b'Nope'\"}}\n");
    assert_eq!(serve.line(), r#"{"command":"Nope","arguments":{}}"#);
    // A fatal code: answered, then the connection closes (the next call is a new connection).
    let run = call(&schema, &addr, &["Fail", "kind=x"]);
    assert_eq!((run.code, run.stdout.as_str()), (3, "{\"error\":{\"code\":\"FATAL\",\"description\":\"bye\"}}\n"));
    serve.line();
    // requires_answer = false, and --no-answer on any command: printed by serve, nothing by call.
    call(&schema, &addr, &["Notify", "text=hi"]).assert_prints("");
    assert_eq!(serve.line(), r#"{"command":"Notify","arguments":{"text":"hi"}}"#);
    call(&schema, &addr, &["Divide", "numerator=1", "denominator=0", "--no-answer"]).assert_prints("");
    assert_eq!(serve.line(), r#"{"command":"Divide","arguments":{"numerator":1,"denominator":0}}"#);

    // A caller whose schema types `a` as Unicode: the arguments do not decode
    // for the server, which prints why and answers UNKNOWN (then closes, as Twisted).
    let other = write(dir.path(), "other.toml", "[commands.Sum]\narguments = [{ name = \"a\", type = \"Unicode\" }, { name = \"b\", type = \"Integer\" }]\nresponse = [{ name = \"total\", type = \"Integer\" }]\n");
    let run = call(&other, &addr, &["Sum", "a=abc", "b=1"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (3, "{\"error\":{\"code\":\"UNKNOWN\",\"description\":\"Unknown Error\"}}\n")
    );
    let line: serde_json::Value = serde_json::from_str(&serve.line()).unwrap();
    assert_eq!(line["command"], "Sum");
    assert_eq!(line["arguments"], json!({"a": "abc", "b": "1"}));
    assert!(line["decode_error"].as_str().unwrap().contains("a"), "{line}");

    let (code, stderr) = serve.stop();
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
}

#[test]
fn without_responses_everything_is_unhandled() {
    let schema = fixture("cli.toml");
    let mut serve = Serve::start(&schema, "127.0.0.1:0", None);
    let run = call(&schema, &serve.addr, &["Sum", "a=1", "b=2"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.contains("\"code\":\"UNHANDLED\""), "{run:?}");
    assert_eq!(serve.line(), r#"{"command":"Sum","arguments":{"a":1,"b":2}}"#);
    let (code, _) = serve.stop();
    assert_eq!(code, Some(0));
}

#[test]
fn evennia_pickles_are_shown_by_serve_and_call() {
    let dir = tempfile::tempdir().unwrap();
    let schema = root().join("schema/evennia.toml");
    // pickle.dumps({}, 5) and pickle.dumps((True, 7), 5)
    let responses = write(
        dir.path(),
        "responses.toml",
        "[MsgStatus]\nresponse = { status = { base64 = \"gAWVBgAAAAAAAACISweGlC4=\" } }\n",
    );
    let mut serve = Serve::start(&schema, "127.0.0.1:0", Some(&responses));
    let run = call(&schema, &serve.addr, &["MsgStatus", "--json", r#"{"status": {"base64": "gAV9lC4="}}"#]);
    run.assert_prints(r#"{"status":{"tuple":[true,7]}}"#);
    assert_eq!(serve.line(), r#"{"command":"MsgStatus","arguments":{"status":{}}}"#);
    // Not a pickle: the String mapping.
    call(&schema, &serve.addr, &["MsgStatus", "status=plain"]).assert_prints(r#"{"status":{"tuple":[true,7]}}"#);
    assert_eq!(serve.line(), r#"{"command":"MsgStatus","arguments":{"status":"plain"}}"#);
    // packed_data is always a pickle: one that is not is shown raw, with the reason.
    let run = call(&schema, &serve.addr, &["MsgPortal2Server", "packed_data=not a pickle"]);
    assert_eq!(run.code, 3, "no entry: UNHANDLED");
    let line: serde_json::Value = serde_json::from_str(&serve.line()).unwrap();
    assert_eq!(line["arguments"], json!({"packed_data": "not a pickle"}));
    assert!(line["pickle_errors"]["packed_data"].is_string(), "{line}");
    serve.stop();
}

#[test]
fn serve_refuses_a_bad_responses_file() {
    let dir = tempfile::tempdir().unwrap();
    let schema = fixture("cli.toml");
    let cases: &[(&str, &str)] = &[
        ("[Bogus]\nresponse = {}\n", "unknown command `Bogus`"),
        ("[EchoTypes]\necho = true\n", "its wire name is `echo-types`"),
        ("[Sum]\nresponse = {}\n", "[Sum] response: total: required but missing"),
        ("[Sum]\nresponse = { total = \"x\" }\n", "[Sum] response: total: not an integer"),
        ("[Sum]\nresponse = { total = 1.5 }\n", "[Sum] response: total: expected an integer, got 1.5"),
        ("[Sum]\nresponse = { total = 1, extra = 2 }\n", "[Sum] response: extra: unknown field"),
        ("[all-types]\necho = true\n", "echo: response field `seen` has no argument of that name"),
        ("[Sum]\necho = true\n", "echo: response field `total` has no argument of that name"),
        ("[Sum]\necho = false\n", "echo must be true"),
        ("[Sum]\nresponse = { total = 1 }\nerror = { code = \"X\" }\n", "needs exactly one of response, error, echo"),
        ("[Sum]\nerror = { code = \"\" }\n", "error: code is empty"),
        ("[Sum]\nerror = { description = \"no code\" }\n", "error: code is missing"),
        ("[Sum]\nerror = { code = \"X\", fatal = true }\n", "error: unknown key `fatal`"),
        ("[Sum]\nfoo = 1\n", "unknown key `foo`"),
        ("Sum = 1\n", "[Sum] must be a table"),
        ("[Sum\n", "TOML parse error at line 1"),
        ("[Log]\nresponse = { notes = [1] }\n", "[Log] response: notes: [0]: expected a string"),
        ("[echo-types]\nresponse = { datetime = 2012-02-29T23:59:58Z }\n", "datetime: not a date-time"),
        ("[echo-types]\nresponse = { rows = [{ label = \"no x\" }] }\n", "rows: [0].x: required but missing"),
    ];
    for (text, message) in cases {
        let responses = write(dir.path(), "bad.toml", text);
        let run = amp(&[
            "serve".into(),
            "--schema".into(),
            schema.clone(),
            "--listen".into(),
            PathBuf::from("127.0.0.1:0"),
            "--responses".into(),
            responses,
        ]);
        run.assert_fails(64, message);
    }
    let run = amp(&[
        "serve",
        "--schema",
        schema.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--responses",
        "/nonexistent.toml",
    ]);
    run.assert_fails(64, "cannot read the responses file");
    let run = amp(&["serve", "--schema", schema.to_str().unwrap(), "--listen", "nowhere"]);
    run.assert_fails(64, "expected HOST:PORT or unix:PATH");
}

#[test]
fn serve_cannot_listen_on_a_used_unix_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "taken", "");
    let schema = fixture("cli.toml");
    let run = amp(&["serve", "--schema", schema.to_str().unwrap(), "--listen", &format!("unix:{}", path.display())]);
    run.assert_fails(2, "cannot listen on unix:");
}

#[test]
fn sigint_right_after_the_first_line_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("unix:{}", dir.path().join("int.sock").display());
    let serve = Serve::start(&fixture("cli.toml"), &listen, None);
    let (code, stderr) = serve.stop_with("-INT");
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert!(!dir.path().join("int.sock").exists());
}
