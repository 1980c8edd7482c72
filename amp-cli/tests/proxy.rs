//! `amp proxy` between byte-level peers written here, `amp` itself and
//! Twisted (both versions): bytes through unchanged, boxes printed live,
//! broken framing and non-AMP bytes forwarded and reported, a slow stdout
//! that drops lines but never the traffic. With Evennia's real Portal:
//! `proxy_evennia.rs`.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;

use amp_tests::interop::Failures;
use amp_tests::Peer;
use common::{amp, fixture, free_port, Proxy, Running, Serve, LIMIT};
use serde_json::{json, Value};

/// A box as AMP writes it: each key and value with a 2-byte length, then 0x0000.
fn wire(pairs: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in pairs {
        out.extend((k.len() as u16).to_be_bytes());
        out.extend(k.as_bytes());
        out.extend((v.len() as u16).to_be_bytes());
        out.extend(*v);
    }
    out.extend([0, 0]);
    out
}

/// A target that sends back every byte it reads, until the client's end
/// (one connection); then closes.
fn echo_target() -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(LIMIT)).unwrap();
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if s.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
    });
    (addr, handle)
}

/// Reads everything from `s` until its end, on a thread.
fn read_all(mut s: TcpStream) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = s.read_to_end(&mut all);
        let _ = tx.send(all);
    });
    rx
}

fn is_box(line: &Value, from: &str, command: &str) -> bool {
    line["from"] == from && line["box"]["_command"] == command
}

#[test]
fn bytes_go_through_unchanged_and_each_box_is_printed_as_it_passes() {
    let (target, echo) = echo_target();
    let mut proxy = Proxy::start(&["--listen", "127.0.0.1:0", "--to", &target]);
    assert_eq!(proxy.seen[0]["to"], target.as_str());
    let mut client = TcpStream::connect(&proxy.addr).unwrap();
    let received = read_all(client.try_clone().unwrap());
    let mut sent: Vec<u8> = Vec::new();
    let send = |client: &mut TcpStream, sent: &mut Vec<u8>, bytes: &[u8]| {
        client.write_all(bytes).unwrap();
        sent.extend_from_slice(bytes);
    };

    let open = proxy.wait_for("opening the connection", |l| l["event"] == "open");
    assert_eq!(open["conn"], 1);
    assert_eq!(open["client"], client.local_addr().unwrap().to_string());

    // One box: printed once from each side, before anything else is sent.
    let a = wire(&[("_command", b"A"), ("_ask", b"1"), ("x", b"caf\xc3\xa9")]);
    send(&mut client, &mut sent, &a);
    let line = proxy.wait_for("for A from the client", |l| is_box(l, "client", "A"));
    assert_eq!(line["box"], json!({ "_command": "A", "_ask": "1", "x": "café" }));
    assert_eq!(line["conn"], 1);
    assert!(line["time"].as_str().unwrap().ends_with('Z'), "{line}");
    proxy.wait_for("for A echoed by the target", |l| is_box(l, "target", "A"));

    // A box cut in two, then the rest with a whole box and non-UTF-8 bytes.
    let b = wire(&[("_command", b"B"), ("v", b"\xff\x00")]);
    let c = wire(&[("_command", b"C")]);
    send(&mut client, &mut sent, &b[..5]);
    let mut rest = b[5..].to_vec();
    rest.extend(&c);
    send(&mut client, &mut sent, &rest);
    let line = proxy.wait_for("for B", |l| is_box(l, "client", "B"));
    assert_eq!(line["box"]["v"], json!({ "base64": "/wA=" }));
    proxy.wait_for("for C", |l| is_box(l, "client", "C"));
    proxy.wait_for("for C echoed", |l| is_box(l, "target", "C"));

    // Broken framing (a key length of 256): forwarded, reported once per
    // direction with its offset, and nothing after it is decoded.
    let at = sent.len();
    send(&mut client, &mut sent, &[0x01, 0x00, b'k', b'?']);
    let bad = proxy.wait_for("reporting the broken framing", |l| l["event"] == "undecoded");
    assert_eq!(bad["from"], "client");
    assert_eq!(bad["at"], at);
    assert_eq!(bad["bytes"], "\u{1}\u{0}k?");
    assert!(bad["error"].as_str().unwrap().contains("key length of 256"), "{bad}");
    let echoed = proxy.wait_for("reporting the echo", |l| l["event"] == "undecoded" && l["from"] == "target");
    assert_eq!(echoed["at"], at);
    send(&mut client, &mut sent, &wire(&[("_command", b"D")]));

    // The client's end travels as a half-close: the echo target ends too.
    client.shutdown(Shutdown::Write).unwrap();
    let back = received.recv_timeout(LIMIT).expect("the echo comes back");
    assert_eq!(back, sent, "the bytes came back changed");
    echo.join().unwrap();
    let close = proxy.wait_for("closing", |l| l["event"] == "close");
    assert_eq!(close["client_bytes"], sent.len());
    assert_eq!(close["target_bytes"], sent.len());
    assert_eq!(close["reason"], "the client closed, then the target");

    let (code, stderr, lines) = proxy.stop();
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert!(!lines.iter().any(|l| l["box"]["_command"] == "D"), "decoded past broken framing:\n{lines:#?}");
    let boxes: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l.get("box").is_some())
        .map(|l| (l["from"].as_str().unwrap(), l["box"]["_command"].as_str().unwrap()))
        .collect();
    let from = |side: &str| boxes.iter().filter(|(s, _)| *s == side).map(|(_, c)| *c).collect::<Vec<_>>();
    assert_eq!(from("client"), ["A", "B", "C"]);
    assert_eq!(from("target"), ["A", "B", "C"]);
}

#[test]
fn non_amp_bytes_both_ways_are_forwarded_and_reported() {
    // What an HTTP client and Evennia's AMP port exchange.
    let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
    let reply = b"HTTP/1.1 200 OK\nContent-Type: text/html\n\n<html>not AMP</html>".to_vec();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let (request2, reply2) = (request.clone(), reply.clone());
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut got = vec![0u8; request2.len()];
        s.read_exact(&mut got).unwrap();
        s.write_all(&reply2).unwrap();
        got
    });
    let mut proxy = Proxy::start(&["--listen", "127.0.0.1:0", "--to", &target]);
    let mut client = TcpStream::connect(&proxy.addr).unwrap();
    client.write_all(&request).unwrap();
    let received = read_all(client.try_clone().unwrap());
    assert_eq!(server.join().unwrap(), request);
    assert_eq!(received.recv_timeout(LIMIT).unwrap(), reply);
    let from_client = proxy.wait_for("for the request", |l| l["event"] == "undecoded" && l["from"] == "client");
    assert_eq!(from_client["at"], 0);
    assert_eq!(from_client["bytes"], String::from_utf8(request.clone()).unwrap());
    assert!(from_client["error"].as_str().unwrap().contains("key length of 18245"), "{from_client}");
    let from_target = proxy.wait_for("for the reply", |l| l["event"] == "undecoded" && l["from"] == "target");
    assert_eq!(from_target["bytes"], String::from_utf8(reply.clone()).unwrap());
    // The target closed after its reply; the client's end closes the rest.
    client.shutdown(Shutdown::Write).unwrap();
    let close = proxy.wait_for("closing", |l| l["event"] == "close");
    let counts = (close["client_bytes"].as_u64(), close["target_bytes"].as_u64());
    assert_eq!(counts, (Some(request.len() as u64), Some(reply.len() as u64)));
    assert_eq!(close["reason"], "the target closed, then the client");
    let (code, _, _) = proxy.stop();
    assert_eq!(code, Some(0));
}

#[test]
fn an_unreachable_target_is_reported_and_the_client_closed() {
    let dead = format!("127.0.0.1:{}", free_port());
    let mut proxy = Proxy::start(&["--listen", "127.0.0.1:0", "--to", &dead]);
    let client = TcpStream::connect(&proxy.addr).unwrap();
    let error = proxy.wait_for("reporting the failed connection", |l| l["event"] == "connect_error");
    assert_eq!(error["conn"], 1);
    assert!(error["error"].as_str().unwrap().starts_with(&format!("cannot connect to {dead}: ")), "{error}");
    assert_eq!(read_all(client).recv_timeout(LIMIT).unwrap(), b"");
    // The proxy goes on accepting.
    let _second = TcpStream::connect(&proxy.addr).unwrap();
    let again = proxy.wait_for("for the second connection", |l| l["event"] == "connect_error");
    assert_eq!(again["conn"], 2);
    assert_eq!(proxy.stop().0, Some(0));
}

#[test]
fn bad_proxy_arguments_exit_64_or_2() {
    amp(&["proxy", "--listen", "nowhere", "--to", "127.0.0.1:1"]).assert_fails(64, "--listen: address `nowhere`");
    amp(&["proxy", "--listen", "127.0.0.1:0", "--to", "x:y"]).assert_fails(64, "--to: address `x:y`");
    amp(&["proxy", "--listen", "127.0.0.1:0"]).assert_fails(64, "--to <ADDR>");
    amp(&["proxy", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:1", "--log-buffer", "0"]).assert_fails(64, "0");
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = busy.local_addr().unwrap().to_string();
    amp(&["proxy", "--listen", &taken, "--to", "127.0.0.1:1"]).assert_fails(2, &format!("cannot listen on {taken}"));
}

#[test]
fn a_stdout_nobody_reads_drops_lines_never_the_traffic() {
    const BOXES: usize = 20_000;
    let (target, echo) = echo_target();
    // stdout is a pipe nobody reads until the traffic is over: it fills
    // after some hundred lines, and then the writer thread blocks.
    let mut child = Command::new(env!("CARGO_BIN_EXE_amp"))
        .args(["proxy", "--listen", "127.0.0.1:0", "--to", &target, "--log-buffer", "8"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // The first line (the port) is read byte by byte: nothing more.
    let mut first = Vec::new();
    let mut byte = [0u8];
    while byte[0] != b'\n' {
        stdout.read_exact(&mut byte).unwrap();
        first.push(byte[0]);
    }
    let first: Value = serde_json::from_slice(&first).unwrap();
    let addr = first["listening"].as_str().unwrap().to_owned();

    let stream: Vec<u8> = (0..BOXES)
        .flat_map(|i| wire(&[("_command", b"Tick"), ("n", i.to_string().as_bytes()), ("pad", &[b'x'; 64])]))
        .collect();
    let mut client = TcpStream::connect(&addr).unwrap();
    let received = read_all(client.try_clone().unwrap());
    let to_send = stream.clone();
    let writer = std::thread::spawn(move || {
        client.write_all(&to_send).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
    });
    // Every byte comes back while stdout is stuck.
    let back = received.recv_timeout(LIMIT).expect("the traffic went through");
    writer.join().unwrap();
    echo.join().unwrap();
    assert!(back == stream, "{} bytes came back of {}", back.len(), stream.len());

    // Now read stdout, and stop the proxy: the lines queued and the count of
    // the dropped ones come out.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
        let _ = tx.send(rest);
    });
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let rest = rx.recv_timeout(LIMIT).expect("the proxy's output ends");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let lines: Vec<Value> = rest.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let printed: Vec<&Value> = lines.iter().filter(|l| l.get("box").is_some()).collect();
    let dropped: u64 = lines.iter().filter(|l| l["event"] == "dropped").map(|l| l["lines"].as_u64().unwrap()).sum();
    assert!(dropped > 0, "nothing was dropped: {} lines", lines.len());
    // Every box is printed or counted. (The connection's close line may be
    // counted among the dropped too, or come after the stop: one more at most.)
    let total = printed.len() as u64 + dropped;
    assert!(
        total == 2 * BOXES as u64 || total == 2 * BOXES as u64 + 1,
        "{} printed + {dropped} dropped",
        printed.len()
    );
    // The boxes printed are whole and in their order, per side.
    for side in ["client", "target"] {
        let ns: Vec<u64> = printed
            .iter()
            .filter(|l| l["from"] == side)
            .map(|l| l["box"]["n"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(ns.windows(2).all(|w| w[0] < w[1]), "{side}: out of order");
    }
}

#[test]
fn call_and_serve_through_a_proxy_on_unix_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let schema = fixture("cli.toml");
    let responses = dir.path().join("responses.toml");
    std::fs::write(&responses, "[Sum]\nresponse = { total = 42 }\n").unwrap();
    let serve_at = format!("unix:{}", dir.path().join("serve.sock").display());
    let proxy_at = format!("unix:{}", dir.path().join("proxy.sock").display());
    let serve = Serve::start(&schema, &serve_at, Some(&responses));
    let mut proxy = Proxy::start(&["--listen", &proxy_at, "--to", &serve_at, "--schema", schema.to_str().unwrap()]);
    assert_eq!(proxy.addr, proxy_at);
    amp(&["call", "--schema", schema.to_str().unwrap(), &proxy_at, "Sum", "a=1", "b=2"])
        .assert_prints(r#"{"total":42}"#);
    let call = proxy.wait_for("for Sum", |l| l["command"] == "Sum");
    assert_eq!(call["arguments"], json!({ "a": 1, "b": 2 }));
    let answer = proxy.wait_for("for its answer", |l| l["answer_to"] == "Sum");
    assert_eq!((answer["from"].as_str(), &answer["response"]), (Some("target"), &json!({ "total": 42 })));
    let (code, stderr, _) = proxy.stop();
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    assert!(!dir.path().join("proxy.sock").exists(), "the socket file is removed at the stop");
    assert_eq!(serve.stop().0, Some(0));
}

/// `amp call` through `amp proxy --schema` to Twisted: the answers are
/// Twisted's, and every box is printed typed, answers matched to calls.
fn proxy_to_twisted(peer: Peer) {
    let mut server = Running::start(peer.script("tests/interop/cli_server.py"), "cli_server.py", LIMIT * 2);
    let twisted = format!("127.0.0.1:{}", server.line().trim());
    let schema = fixture("cli.toml");
    let schema = schema.to_str().unwrap();
    let mut proxy = Proxy::start(&["--listen", "127.0.0.1:0", "--to", &twisted, "--schema", schema]);
    let mut failures = Failures::default();
    let call = |args: &[&str]| {
        let mut all = vec!["call", "--schema", schema, proxy.addr.as_str()];
        all.extend(args);
        amp(&all)
    };
    let direct = |args: &[&str]| {
        let mut all = vec!["call", "--schema", schema, twisted.as_str()];
        all.extend(args);
        amp(&all)
    };
    for args in [
        &["Sum", "a=13", "b=81"][..],
        &["Divide", "numerator=1", "denominator=0"],
        &["all-types", "big=1606938044258990275541962092341162602522202993782792835301377", "float=-inf"],
        &["Nope"],
    ] {
        let (through, plain) = (call(args), direct(args));
        failures.check(args[0], (through.code, &through.stdout) == (plain.code, &plain.stdout), || {
            format!("through the proxy {through:?}, directly {plain:?}")
        });
    }
    let lines: Vec<Value> = (0..8).map(|i| proxy.wait_for(&format!("box {i}"), |l| l.get("box").is_some())).collect();
    let summary: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            let what = l["command"].as_str().or(l["answer_to"].as_str()).unwrap_or("?").to_owned();
            (l["from"].as_str().unwrap().to_owned(), what)
        })
        .collect();
    let expected: Vec<(String, String)> = ["Sum", "Divide", "all-types", "Nope"]
        .iter()
        .flat_map(|c| [("client".to_owned(), c.to_string()), ("target".to_owned(), c.to_string())])
        .collect();
    failures.check("lines", summary == expected, || format!("{summary:?}\n{}", proxy.dump()));
    failures.check("sum_typed", lines[0]["arguments"] == json!({ "a": 13, "b": 81 }), || lines[0].to_string());
    failures.check("sum_answer", lines[1]["response"] == json!({ "total": 94 }), || lines[1].to_string());
    failures.check(
        "divide_error",
        lines[3]["error"] == json!({ "code": "ZERO_DIVISION", "description": "division by zero" }),
        || lines[3].to_string(),
    );
    failures.check(
        "big_typed",
        lines[5]["response"]["big"]
            == serde_json::from_str::<Value>("1606938044258990275541962092341162602522202993782792835301377").unwrap(),
        || lines[5].to_string(),
    );
    failures.check("unhandled", lines[7]["error"]["code"] == "UNHANDLED", || lines[7].to_string());
    let (code, stderr, _) = proxy.stop();
    failures.check("stop", code == Some(0) && stderr.is_empty(), || format!("{code:?} {stderr}"));
    server.close_stdin();
    assert!(failures.is_empty(), "amp proxy to {}:\n{}", peer.label(), failures.list().join("\n"));
}

#[test]
fn proxy_to_twisted_26() {
    proxy_to_twisted(Peer::Twisted26);
}

#[test]
fn proxy_to_twisted_24_evennia() {
    proxy_to_twisted(Peer::Evennia61);
}

#[test]
fn the_connection_limit_closes_extra_clients() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap().to_string();
    let mut proxy = Proxy::start(&["--listen", "127.0.0.1:0", "--to", &target, "--max-connections", "1"]);
    let _first = TcpStream::connect(&proxy.addr).unwrap();
    let (_held, _) = listener.accept().unwrap();
    proxy.wait_for("for the first connection", |l| l["event"] == "open");
    let second = TcpStream::connect(&proxy.addr).unwrap();
    let refused = proxy.wait_for("refusing the second", |l| l["event"] == "refused");
    assert_eq!(refused["conn"], 2);
    assert_eq!(read_all(second).recv_timeout(LIMIT).unwrap(), b"");
    assert_eq!(proxy.stop().0, Some(0));
}
