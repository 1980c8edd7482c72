//! `amp call` on bad input: the documented exit code, one clear line on
//! stderr, nothing on stdout, and nothing sent.

mod common;

use std::net::TcpListener;

use common::{amp, fixture, free_port};

/// A listener that must see no connection: `amp` refuses before connecting.
struct Untouched(TcpListener);

impl Untouched {
    fn new() -> Untouched {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Untouched(l)
    }

    fn addr(&self) -> String {
        self.0.local_addr().unwrap().to_string()
    }

    fn assert_untouched(&self) {
        let accepted = self.0.accept();
        assert!(
            matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "amp connected: {accepted:?}"
        );
    }
}

fn call(addr: &str, args: &[&str]) -> common::Run {
    let schema = fixture("cli.toml");
    let mut all = vec!["call", "--schema", schema.to_str().unwrap(), addr];
    all.extend(args);
    amp(&all)
}

#[test]
fn bad_arguments_exit_64_before_connecting() {
    let peer = Untouched::new();
    let addr = peer.addr();
    let long = format!("string={}", "x".repeat(70_000));
    let cases: &[(&[&str], &str)] = &[
        (&["Bogus"], "unknown command `Bogus`: "),
        (&["AllTypes"], "unknown command `AllTypes`"),
        (&["Sum", "a=1", "b=2", "c=3"], "unknown argument `c` of command `Sum` (its arguments: a, b)"),
        (&["Sum", "a=1", "a=2", "b=3"], "argument `a` given twice"),
        (&["Sum", "a=1", "--json", r#"{"a": 2, "b": 3}"#], "argument `a` given both as NAME=VALUE and in --json"),
        (&["Sum", "--json", r#"{"a": 1, "a": 2, "b": 3}"#], "argument `a` given twice in --json"),
        (&["Sum", "a=1"], "missing required argument `b` of command `Sum`"),
        (&["Sum", "a=1", "--json", r#"{"b": null}"#], "missing required argument `b`"),
        (&["Sum", "a"], "expected NAME=VALUE, got `a`"),
        (&["Sum", "a=x", "b=1"], "argument `a`: not an integer"),
        (&["Sum", "a=1.0", "b=1"], "argument `a`: not an integer"),
        (&["Sum", "--json", r#"{"a": 1.5, "b": 1}"#], "argument `a`: expected an integer, got 1.5"),
        (&["Sum", "--json", "[1]"], "--json: not a JSON object"),
        (&["Sum", "--json", "{"], "--json: not a JSON object"),
        (&["all-types", "boolean=true"], "argument `boolean`: not True or False"),
        (&["all-types", "float=1.2.3"], "argument `float`"),
        (&["all-types", "decimal=abc"], "argument `decimal`"),
        (&["all-types", "datetime=2012-02-29T23:59:58"], "the wire form is 32"),
        (&["all-types", "datetime=2012-02-30T23:59:58.000000+00:00"], "argument `datetime`"),
        (&["all-types", "ints=1"], "a ListOf is given only with --json"),
        (&["all-types", "rows=1"], "an AmpList"),
        (&["all-types", "--json", r#"{"ints": [1, "x"]}"#], "argument `ints`: [1]: not an integer"),
        (
            &["all-types", "--json", r#"{"rows": [{"y": 1}]}"#],
            "argument `rows`: [0].y: unknown field (expected x, label)",
        ),
        (&["all-types", "--json", r#"{"string": {"base64": "***"}}"#], "bad base64"),
        (&["all-types", "--json", r#"{"string": {"hex": "00"}}"#], "expected a string or {\"base64\""),
        (&["all-types", &long], "70000 bytes long; AMP values are at most 65535 bytes"),
        (&["Sum", "a=1", "b=2", "--timeout=-1"], "the timeout must be a positive number"),
        (&["Sum", "a=1", "b=2", "--frob"], "unexpected argument '--frob'"),
    ];
    for (args, message) in cases {
        let run = call(&addr, args);
        run.assert_fails(64, message);
    }
    peer.assert_untouched();
}

#[test]
fn integers_of_any_size_within_pythons_4300_digits() {
    let peer = Untouched::new();
    let huge = format!("a={}", "9".repeat(4301));
    call(&peer.addr(), &["Sum", &huge, "b=1"]).assert_fails(64, "more than 4300 digits");
    peer.assert_untouched();
}

#[test]
fn bad_addresses_and_schemas_exit_64() {
    call("nowhere", &["Sum", "a=1", "b=2"]).assert_fails(64, "address `nowhere`: expected HOST:PORT or unix:PATH");
    call("127.0.0.1:99999", &["Sum", "a=1", "b=2"]).assert_fails(64, "is not a port number");
    amp(&["call", "--schema", "/nonexistent.toml", "127.0.0.1:1", "Sum"]).assert_fails(64, "cannot read the schema");
    // Without --schema a call is raw: the command is still required.
    amp(&["call", "127.0.0.1:1"]).assert_fails(64, "<COMMAND>");
    amp(&["frob"]).assert_fails(64, "unrecognized subcommand");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[commands.X]\narguments = [{ name = \"a\", type = \"Integr\" }]\n").unwrap();
    let run = amp(&["call", "--schema", bad.to_str().unwrap(), "127.0.0.1:1", "X"]);
    assert_eq!((run.code, run.stdout.as_str()), (64, ""));
    assert!(run.stderr.contains("bad.toml:2:35: unknown type `Integr`"), "{run:?}");

    let custom = dir.path().join("custom.toml");
    std::fs::write(
        &custom,
        "[commands.X]\narguments = [{ name = \"a\", type = \"Mine\" }]\n[types.Mine]\nrust = \"my::Codec\"\n",
    )
    .unwrap();
    amp(&["call", "--schema", custom.to_str().unwrap(), "127.0.0.1:1", "X"])
        .assert_fails(64, "type `Mine` (rust = \"my::Codec\") is not one the amp command line links");

    let fd = dir.path().join("fd.toml");
    std::fs::write(&fd, "[commands.X]\narguments = [{ name = \"f\", type = \"Descriptor\" }]\n").unwrap();
    amp(&["call", "--schema", fd.to_str().unwrap(), "127.0.0.1:1", "X", "f=0"])
        .assert_fails(64, "argument `f` is a Descriptor");
}

#[test]
fn unreachable_peers_exit_2() {
    call(&format!("127.0.0.1:{}", free_port()), &["Sum", "a=1", "b=2"]).assert_fails(2, "cannot connect to 127.0.0.1:");
    call("unix:/nonexistent/amp.sock", &["Sum", "a=1", "b=2"])
        .assert_fails(2, "cannot connect to unix:/nonexistent/amp.sock");
    // requires_answer = false still needs a connection.
    call(&format!("127.0.0.1:{}", free_port()), &["Notify", "text=x"]).assert_fails(2, "cannot connect");
}

#[test]
fn a_peer_that_accepts_but_never_answers_times_out() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    call(&addr, &["Sum", "a=1", "b=2", "--timeout", "0.3"]).assert_fails(2, "no answer within 0.3s");
}

#[test]
fn help_and_version_exit_0() {
    let run = amp(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("call") && run.stdout.contains("serve") && run.stdout.contains("decode"));
    let run = amp(&["--version"]);
    assert_eq!((run.code, run.stdout.trim()), (0, concat!("amp ", env!("CARGO_PKG_VERSION"))));
}
