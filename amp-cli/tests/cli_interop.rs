//! The `amp` binary against real Twisted peers, both Twisted versions:
//! `amp call` (with a schema, and raw without one) against
//! `tests/interop/cli_server.py`, and `amp serve` against
//! `tests/interop/cli_client.py`. Both sides use the commands of
//! `amp-cli/tests/fixtures/cli.toml` (declared again in Python in
//! `tests/interop/cli_commands.py`).
//!
//! Cargo builds the binary for this test (`CARGO_BIN_EXE_amp`), so it is never stale.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::time::Duration;

use amp_tests::interop::Failures;
use amp_tests::{free_port, workspace_root, Peer};

mod common;
use common::{amp, Run, Running, Serve, Stopped};

/// How long a Python peer may take to print a line (its start imports Twisted).
const LINE_LIMIT: Duration = Duration::from_secs(60);

fn schema() -> PathBuf {
    workspace_root().join("amp-cli/tests/fixtures/cli.toml")
}

/// One `amp call` case: arguments after `--schema FILE ADDR`, the exit
/// code, the exact stdout (without its newline; empty for none), and a
/// text stderr must contain (empty: stderr must be empty).
struct Case {
    name: &'static str,
    args: Vec<String>,
    code: i32,
    stdout: String,
    stderr: &'static str,
}

fn case(name: &'static str, args: &[&str], code: i32, stdout: &str, stderr: &'static str) -> Case {
    Case { name, args: args.iter().map(|s| s.to_string()).collect(), code, stdout: stdout.to_owned(), stderr }
}

fn check_run(failures: &mut Failures, name: &str, run: &Run, code: i32, stdout: &str, stderr: &str) {
    let want_stdout = if stdout.is_empty() { String::new() } else { format!("{stdout}\n") };
    let stderr_ok = if stderr.is_empty() {
        run.stderr.is_empty()
    } else {
        run.stderr.contains(stderr) && run.stderr.ends_with('\n') && run.stderr.lines().count() == 1
    };
    failures.check(name, run.code == code && run.stdout == want_stdout && stderr_ok, || {
        format!("expected exit {code}, stdout {want_stdout:?}, stderr with {stderr:?}; got {run:?}")
    });
}

fn call(addr: &str, args: &[String]) -> Run {
    let schema = schema();
    let mut all: Vec<&str> = vec!["call", "--schema", schema.to_str().expect("UTF-8 path"), addr];
    all.extend(args.iter().map(String::as_str));
    amp(&all)
}

/// Every argument type through NAME=VALUE words and --json.
const ALL_TYPES_JSON: &str = r#"{"ints": [1, 1180591620717411303424, -3], "texts": [["a", "b"], []], "rows": [{"x": 1, "label": "one"}, {"x": 2}]}"#;
const BIG: &str = "1606938044258990275541962092341162602522202993782792835301377";

fn call_against_twisted(peer: Peer) {
    let mut server = Running::start(peer.script("tests/interop/cli_server.py"), "cli_server.py", LINE_LIMIT);
    let port = server.line();
    let addr = format!("127.0.0.1:{}", port.trim());
    let mut failures = Failures::default();

    let cases = vec![
        case("sum", &["Sum", "a=13", "b=81"], 0, r#"{"total":94}"#, ""),
        // The schema says i64; the command line takes any size.
        case("sum_big", &["Sum", "a=1180591620717411303424", "b=-1"], 0, r#"{"total":1180591620717411303423}"#, ""),
        case("divide", &["Divide", "numerator=7", "denominator=2"], 0, r#"{"quotient":3.5}"#, ""),
        case(
            "declared_error",
            &["Divide", "numerator=1", "denominator=0"],
            3,
            r#"{"error":{"code":"ZERO_DIVISION","description":"division by zero"}}"#,
            "",
        ),
        case(
            "declared_error_2",
            &["Fail", "kind=declared"],
            3,
            r#"{"error":{"code":"DECLARED","description":"declared: é"}}"#,
            "",
        ),
        case(
            "fatal_error",
            &["Fail", "kind=fatal"],
            3,
            r#"{"error":{"code":"FATAL","description":"fatal: goodbye"}}"#,
            "",
        ),
        case("ok_empty", &["Fail", "kind=ok"], 0, "{}", ""),
        case(
            "unhandled",
            &["Nope"],
            3,
            r#"{"error":{"code":"UNHANDLED","description":"Unhandled Command: b'Nope'"}}"#,
            "",
        ),
        case(
            "specials",
            &["all-types", "float=-inf", "decimal=sNaN12"],
            0,
            concat!(
                r#"{"integer":null,"big":null,"string":null,"unicode":null,"path":null,"boolean":null,"float":"-inf","#,
                r#""decimal":"sNaN12","datetime":null,"ints":null,"texts":null,"rows":null,"from":null,"my-arg":null,"#,
                r#""seen":"decimal=Decimal('sNaN12'); float=-inf"}"#
            ),
            "",
        ),
        case(
            "json_forms",
            &[
                "all-types",
                "--json",
                r#"{"string": {"base64": "/wBiaW4="}, "float": "nan", "big": "-123456789012345678901234567890"}"#,
            ],
            0,
            concat!(
                r#"{"integer":null,"big":-123456789012345678901234567890,"string":{"base64":"/wBiaW4="},"unicode":null,"#,
                r#""path":null,"boolean":null,"float":"nan","decimal":null,"datetime":null,"ints":null,"texts":null,"#,
                r#""rows":null,"from":null,"my-arg":null,"#,
                r#""seen":"big=-123456789012345678901234567890; float=nan; string=b'\\xff\\x00bin'"}"#
            ),
            "",
        ),
        case("no_answer_flag", &["Sum", "a=1", "b=2", "--no-answer"], 0, "", ""),
        case("timeout", &["Slow", "--timeout", "0.5"], 2, "", "no answer within 0.5s"),
        case("connection_lost", &["Hang"], 2, "", "connection lost"),
        // Refused before connecting: nothing reaches the server (see Log below).
        case("unknown_command", &["Bogus"], 64, "", "unknown command `Bogus`"),
        case("unknown_argument", &["Notify", "text=must-not-arrive", "extra=1"], 64, "", "unknown argument `extra`"),
        case("bad_value", &["Notify", "--json", r#"{"text": 5}"#], 64, "", "argument `text`: expected a string"),
        case("bad_integer", &["Sum", "a=12x", "b=1"], 64, "", "argument `a`: not an integer"),
        case("twice", &["Sum", "a=1", "a=2", "b=1"], 64, "", "argument `a` given twice"),
        case("missing", &["Sum", "a=1"], 64, "", "missing required argument `b`"),
    ];
    for c in &cases {
        let run = call(&addr, &c.args);
        check_run(&mut failures, c.name, &run, c.code, &c.stdout, c.stderr);
    }

    // Every type: the answer is Twisted's re-encoding of what it decoded,
    // and `seen` is Python's view of the values.
    let mut words: Vec<String> = [
        "all-types",
        "integer=-42",
        &format!("big={BIG}"),
        "unicode=héllo ☃",
        "path=/tmp/amp cli",
        "boolean=True",
        "float=1e16",
        "decimal=-1.500E+7",
        "datetime=2012-02-29T23:59:58.123456-05:30",
        "from=from-value",
        "my-arg=dash",
        "--json",
        ALL_TYPES_JSON,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    words.push("string=bin!".into());
    let run = call(&addr, &words);
    let expected_fields = concat!(
        r#"{"integer":-42,"big":1606938044258990275541962092341162602522202993782792835301377,"#,
        r#""string":"bin!","unicode":"héllo ☃","path":"/tmp/amp cli","boolean":true,"float":1e+16,"#,
        r#""decimal":"-1.500E+7","datetime":"2012-02-29T23:59:58.123456-05:30","#,
        r#""ints":[1,1180591620717411303424,-3],"texts":[["a","b"],[]],"#,
        r#""rows":[{"x":1,"label":"one"},{"x":2,"label":null}],"from":"from-value","my-arg":"dash","seen":"#
    );
    failures.check(
        "all_types",
        run.code == 0 && run.stdout.starts_with(expected_fields) && run.stderr.is_empty(),
        || format!("expected stdout starting {expected_fields}; got {run:?}"),
    );
    for seen in [
        format!("big={BIG};"),
        "boolean=True;".into(),
        "datetime=datetime.datetime(2012, 2, 29, 23, 59, 58, 123456, tzinfo=".into(),
        "decimal=Decimal('-1.500E+7');".into(),
        "float=1e+16;".into(),
        "integer=-42;".into(),
        "ints=[1, 1180591620717411303424, -3];".into(),
        "my_arg='dash';".into(),
        "From='from-value';".into(),
        "path=FilePath('/tmp/amp cli');".into(),
        "rows=[{'x': 1, 'label': 'one'}, {'x': 2, 'label': None}];".into(),
        "string=b'bin!';".into(),
        "texts=[['a', 'b'], []];".into(),
        "unicode='héllo ☃'".into(),
    ] {
        failures.check("all_types_seen", run.stdout.contains(&seen), || {
            format!("Python did not see {seen}: {}", run.stdout)
        });
    }

    // A String word that is not UTF-8 goes as its bytes.
    let run = amp(&[
        OsString::from("call"),
        "--schema".into(),
        schema().into(),
        addr.clone().into(),
        "all-types".into(),
        OsString::from_vec(b"string=bin\xff".to_vec()),
    ]);
    failures.check(
        "string_bytes",
        run.code == 0
            && run.stdout.contains(r#""string":{"base64":"Ymlu/w=="}"#)
            && run.stdout.contains(r"string=b'bin\\xff'"),
        || format!("got {run:?}"),
    );

    // requires_answer = false: nothing printed, exit 0; Twisted got it.
    let note = format!("hello from {}", peer.venv_name());
    let run = call(&addr, &["Notify".into(), format!("text={note}")]);
    check_run(&mut failures, "notify", &run, 0, "", "");
    let mut notes = String::new();
    for _ in 0..50 {
        // Each call is a connection: give the server a moment to read the Notify box.
        notes = call(&addr, &["Log".into()]).stdout;
        if notes.contains(&note) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    failures.check("notify_received", notes.contains(&note), || format!("Log answered {notes:?}"));
    failures.check("refused_not_sent", !notes.contains("must-not-arrive"), || format!("Log answered {notes:?}"));

    // A dead address.
    let dead = format!("127.0.0.1:{}", free_port());
    let run = call(&dead, &["Sum".into(), "a=1".into(), "b=2".into()]);
    check_run(&mut failures, "dead_address", &run, 2, "", "cannot connect to");

    server.close_stdin();
    assert!(failures.is_empty(), "amp call against {}:\n{}", peer.label(), failures.list().join("\n"));
}

/// `amp call` without a schema: raw String pairs in, the answer's raw
/// pairs out; Twisted parses them by its own command declarations.
fn raw_call_against_twisted(peer: Peer) {
    let mut server = Running::start(peer.script("tests/interop/cli_server.py"), "cli_server.py", LINE_LIMIT);
    let port = server.line();
    let addr = format!("127.0.0.1:{}", port.trim());
    let raw = |args: &[&str]| {
        let mut all = vec!["call", addr.as_str()];
        all.extend(args);
        amp(&all)
    };
    let mut failures = Failures::default();
    let cases = vec![
        case("raw_sum", &["Sum", "a=13", "b=81"], 0, r#"{"total":"94"}"#, ""),
        // Twisted reads the keys it declares and ignores the others.
        case("raw_extra_key", &["Sum", "a=1", "b=2", "c=3"], 0, r#"{"total":"3"}"#, ""),
        case("raw_json", &["Sum", "--json", r#"{"a": "13", "b": {"base64": "ODE="}}"#], 0, r#"{"total":"94"}"#, ""),
        case("raw_float", &["Divide", "numerator=7", "denominator=2"], 0, r#"{"quotient":"3.5"}"#, ""),
        case(
            "raw_declared_error",
            &["Divide", "numerator=1", "denominator=0"],
            3,
            r#"{"error":{"code":"ZERO_DIVISION","description":"division by zero"}}"#,
            "",
        ),
        case(
            "raw_fatal",
            &["Fail", "kind=fatal"],
            3,
            r#"{"error":{"code":"FATAL","description":"fatal: goodbye"}}"#,
            "",
        ),
        case("raw_empty_answer", &["Fail", "kind=ok"], 0, "{}", ""),
        case(
            "raw_unhandled",
            &["Nope", "x=1"],
            3,
            r#"{"error":{"code":"UNHANDLED","description":"Unhandled Command: b'Nope'"}}"#,
            "",
        ),
        // Twisted cannot parse what it got: its generic error answer.
        case(
            "raw_not_an_integer",
            &["Sum", "a=x", "b=1"],
            3,
            r#"{"error":{"code":"UNKNOWN","description":"Unknown Error"}}"#,
            "",
        ),
        case(
            "raw_unicode",
            &["all-types", "unicode=héllo ☃", "boolean=True"],
            0,
            r#"{"boolean":"True","seen":"boolean=True; unicode='héllo ☃'","unicode":"héllo ☃"}"#,
            "",
        ),
        case("raw_no_answer", &["Notify", "text=raw note", "--no-answer"], 0, "", ""),
        case("raw_timeout", &["Slow", "--timeout", "0.5"], 2, "", "no answer within 0.5s"),
        case("raw_connection_lost", &["Hang"], 2, "", "connection lost"),
        // Refused before connecting.
        case("raw_reserved_key", &["Notify", "_ask=9", "text=must-not-arrive"], 64, "", "a key AMP itself uses"),
        case("raw_not_a_pair", &["Notify", "must-not-arrive"], 64, "", "expected NAME=VALUE"),
    ];
    for c in &cases {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        check_run(&mut failures, c.name, &raw(&args), c.code, &c.stdout, c.stderr);
    }

    // Bytes that are not UTF-8 go as given, and come back in the String
    // mapping. (Twisted writes a box's keys sorted: the answer's order.)
    let run = amp(&[
        OsString::from("call"),
        addr.clone().into(),
        "all-types".into(),
        OsString::from_vec(b"string=\xffbin".to_vec()),
    ]);
    check_run(
        &mut failures,
        "raw_bytes",
        &run,
        0,
        r#"{"seen":"string=b'\\xffbin'","string":{"base64":"/2Jpbg=="}}"#,
        "",
    );

    // The note sent without _ask arrived (each call is its own connection:
    // poll Log a bounded number of times for the server to have read it).
    let mut notes = String::new();
    for _ in 0..50 {
        notes = raw(&["Log"]).stdout;
        if notes.contains("raw note") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    failures.check("raw_notify_received", notes.contains("raw note"), || format!("Log answered {notes:?}"));
    failures.check("raw_refused_not_sent", !notes.contains("must-not-arrive"), || format!("Log answered {notes:?}"));

    server.close_stdin();
    assert!(failures.is_empty(), "raw amp call against {}:\n{}", peer.label(), failures.list().join("\n"));
}

/// The responses file `amp serve` gets; cli_client.py expects these answers.
const CLI_RESPONSES: &str = r#"
[Sum]
response = { total = 42 }
[Divide]
error = { code = "ZERO_DIVISION", description = "divided by zero" }
[echo-types]
echo = true
[Slow]
error = { code = "CUSTOM", description = "any code" }
[Fail]
error = { code = "FATAL", description = "fatal!" }
"#;

/// What `amp serve` prints for cli_client.py's calls, in order.
const SERVE_LINES: &[&str] = &[
    r#"{"command":"Sum","arguments":{"a":13,"b":81}}"#,
    r#"{"command":"Divide","arguments":{"numerator":1,"denominator":0}}"#,
    concat!(
        r#"{"command":"echo-types","arguments":{"integer":-42,"#,
        r#""big":1606938044258990275541962092341162602522202993782792835301377,"string":{"base64":"/wBiaW4="},"#,
        r#""unicode":"héllo ☃","path":"/tmp/amp cli","boolean":true,"float":1e+16,"decimal":"-1.500E+7","#,
        r#""datetime":"2012-02-29T23:59:58.123456-05:30","ints":[1,1180591620717411303424,-3],"texts":[["a","b"],[]],"#,
        r#""rows":[{"x":1,"label":"one"},{"x":2,"label":null}],"from":"from-value","my-arg":"dash"}}"#
    ),
    concat!(
        r#"{"command":"echo-types","arguments":{"integer":null,"big":null,"string":null,"unicode":null,"path":null,"#,
        r#""boolean":null,"float":"-inf","decimal":"sNaN12","datetime":null,"ints":null,"texts":null,"rows":null,"#,
        r#""from":null,"my-arg":null}}"#
    ),
    r#"{"command":"Nope","arguments":{}}"#,
    // Not in the schema: the raw pairs.
    r#"{"command":"Unknown","arguments":{"x":"1"}}"#,
    r#"{"command":"Notify","arguments":{"text":"fire and forget"}}"#,
    // Not in the schema and without _ask: printed, connection kept.
    r#"{"command":"UnknownNotify","arguments":{"x":"7"}}"#,
    r#"{"command":"Sum","arguments":{"a":13,"b":81}}"#,
    r#"{"command":"Slow","arguments":{}}"#,
    r#"{"command":"Fail","arguments":{"kind":"fatal"}}"#,
    r#"{"command":"Sum","arguments":{"a":13,"b":81}}"#,
];

fn serve_against_twisted(peer: Peer) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let responses = dir.path().join("responses.toml");
    std::fs::File::create(&responses).and_then(|mut f| f.write_all(CLI_RESPONSES.as_bytes())).expect("write responses");
    let serve = Serve::start(&schema(), "127.0.0.1:0", Some(&responses));
    let port = serve.addr.strip_prefix("127.0.0.1:").expect("listening on 127.0.0.1").to_owned();
    assert_ne!(port, "0", "port 0 must be replaced by the port picked");

    let mut client = peer.script("tests/interop/cli_client.py");
    client.arg(&port);
    let out = amp_tests::run_checked(client, b"");
    let report = String::from_utf8_lossy(&out.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(report.lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}: {report}"));
    let mut failures = Failures::default();
    for (name, result) in summary["checks"].as_object().expect("checks") {
        failures.check(name, result == "ok", || result.to_string());
    }

    let Stopped { code, rest: lines, stderr } = serve.terminate();
    failures.check("serve_exit", code == Some(0), || format!("amp serve exited {code:?}"));
    failures.check("serve_stderr", stderr.is_empty(), || format!("amp serve wrote to stderr: {stderr}"));
    failures.check("serve_lines", lines == SERVE_LINES, || {
        format!("amp serve printed:\n{}\nexpected:\n{}", lines.join("\n"), SERVE_LINES.join("\n"))
    });
    assert!(
        failures.is_empty(),
        "amp serve against {} (client log in its stderr):\n{}\n--- client stderr ---\n{}",
        peer.label(),
        failures.list().join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn amp_call_against_twisted_26() {
    call_against_twisted(Peer::Twisted26);
}

#[test]
fn amp_call_against_twisted_24_evennia() {
    call_against_twisted(Peer::Evennia61);
}

#[test]
fn amp_serve_against_twisted_26() {
    serve_against_twisted(Peer::Twisted26);
}

#[test]
fn amp_serve_against_twisted_24_evennia() {
    serve_against_twisted(Peer::Evennia61);
}

#[test]
fn raw_amp_call_against_twisted_26() {
    raw_call_against_twisted(Peer::Twisted26);
}

#[test]
fn raw_amp_call_against_twisted_24_evennia() {
    raw_call_against_twisted(Peer::Evennia61);
}
