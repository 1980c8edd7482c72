//! Every box of the real Evennia 6.1 Portal <-> Server traffic
//! (tests/fixtures/evennia-6.1/conn*.bin) decoded with amp_evennia's typed
//! helpers: the AMP box, the generated command arguments (Compressed and
//! pre-compressed forms), the pickle, and the typed admin message or
//! input/output. Each typed value is rebuilt and must give back exactly the
//! Python value Evennia sent (captures.txt holds Python's repr of each).
//! The launcher/test-client captures check MsgStatus and FunctionCall.

use std::path::PathBuf;

use amp_evennia::codec::pickle::{self, Value};
use amp_evennia::commands::packed_data::PackedDataCodec;
use amp_evennia::commands::slices::{AdminPortal2ServerSlicesArguments, MsgServer2PortalSlicesArguments};
use amp_evennia::commands::{
    AdminPortal2ServerArguments, AdminServer2PortalArguments, MsgPortal2ServerArguments, MsgServer2PortalArguments,
};
use amp_evennia::payload::admin::{AdminFromPortal, AdminFromServer};
use amp_evennia::payload::status::PortalStatus;
use amp_evennia::{Envelope, Message, Operation};
use amp_runtime::{AmpBox, AmpCodec, ArgContext, BoxFields};
use bytes::BytesMut;
use tokio_util::codec::Decoder;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/evennia-6.1")
}

fn boxes(file: &str) -> Vec<AmpBox> {
    let bytes = std::fs::read(fixtures().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut buf = BytesMut::from(&bytes[..]);
    let mut codec = AmpCodec::new();
    let mut out = Vec::new();
    while let Some(b) = codec.decode(&mut buf).expect("Evennia's boxes frame") {
        out.push(b);
    }
    assert!(buf.is_empty(), "{file}: {} bytes after the last box", buf.len());
    out
}

/// Python's repr of each box's packed_data, per file, from captures.txt
/// (`None` for boxes without one), in the Portal <-> Server section.
fn python_reprs(file: &str) -> Vec<Option<String>> {
    let text = std::fs::read_to_string(fixtures().join("captures.txt")).expect("captures.txt");
    let section = text.split("################ test clients").next().expect("the Portal <-> Server section");
    let mut out = Vec::new();
    let mut in_file = false;
    for line in section.lines() {
        if line.starts_with("conn") {
            in_file = line.starts_with(&format!("{file} "));
        } else if in_file && line.starts_with("-- box ") {
            out.push(None);
        } else if in_file {
            if let Some(repr) = line.strip_prefix("   repr: ") {
                *out.last_mut().expect("a box before its repr") = Some(repr.to_owned());
            }
        }
    }
    out
}

fn read<T: BoxFields>(b: &AmpBox) -> T {
    T::read_fields(b, &mut ArgContext::new()).expect("the generated arguments decode")
}

/// Decodes one box of `file`; returns a one-line description and checks
/// that the typed value rebuilds to exactly what Python sent.
fn describe(b: &AmpBox, python: Option<&str>) -> String {
    if let Some(tag) = b.get("_answer") {
        assert_eq!(b.len(), 1, "Evennia's answers here carry no fields");
        return format!("answer {}", String::from_utf8_lossy(tag));
    }
    let command = String::from_utf8_lossy(b.get("_command").expect("a command")).into_owned();
    // The pickle, from the schema-generated arguments (Compressed).
    let pickle_bytes = match command.as_str() {
        "AdminPortal2Server" => read::<AdminPortal2ServerArguments>(b).packed_data,
        "AdminServer2Portal" => read::<AdminServer2PortalArguments>(b).packed_data,
        "MsgPortal2Server" => read::<MsgPortal2ServerArguments>(b).packed_data,
        "MsgServer2Portal" => read::<MsgServer2PortalArguments>(b).packed_data,
        other => panic!("unexpected command {other}"),
    };
    let raw = pickle::decode(&pickle_bytes).expect("Evennia's pickle decodes");
    let python = python.expect("captures.txt has the repr of every packed_data");
    assert_eq!(raw.to_string(), python, "the pickle as Python saw it");
    let envelope = Envelope::from_pickle(&pickle_bytes).expect("a (sessid, kwargs) pair");
    let (rebuilt, line) = match command.as_str() {
        "AdminPortal2Server" => {
            let admin = AdminFromPortal::from_envelope(envelope).expect("a typed Portal admin message");
            // The pre-compressed form of the command reads the same slices.
            let slices = read::<AdminPortal2ServerSlicesArguments>(b).packed_data;
            assert_eq!(PackedDataCodec::default().decode_now(&slices, AdminFromPortal::from_pickle).unwrap(), admin);
            (admin.to_envelope(), describe_portal(&admin))
        }
        "AdminServer2Portal" => {
            let admin = AdminFromServer::from_envelope(envelope).expect("a typed Server admin message");
            assert!(!matches!(admin, AdminFromServer::Other(_)), "{admin:?}");
            (admin.to_envelope(), describe_server(&admin))
        }
        "MsgPortal2Server" => {
            let (sessid, message) = Message::from_envelope(envelope).expect("player input");
            let line = format!("IN {sessid} {}", message.line().expect("a text line"));
            (message.to_envelope(sessid), line)
        }
        _ => {
            let (sessid, message) = Message::from_envelope(envelope).expect("game output");
            let slices = read::<MsgServer2PortalSlicesArguments>(b).packed_data;
            assert_eq!(
                PackedDataCodec::default().decode_now(&slices, Message::from_pickle).unwrap(),
                (sessid, message.clone())
            );
            let names: Vec<&str> = message.commands.iter().map(|c| c.name.as_str()).collect();
            (message.to_envelope(sessid), format!("OUT {sessid} {}", names.join(",")))
        }
    };
    // Typed, then built again: the very value Evennia pickled (key order,
    // types, tuples and lists included).
    assert_eq!(rebuilt.to_value(), raw, "{line}");
    assert_eq!(rebuilt.to_value().to_string(), python);
    // And through our own pickle and back.
    assert_eq!(pickle::decode(&rebuilt.to_pickle().unwrap()).unwrap(), raw);
    line
}

fn ids(sessions: &[(u64, amp_evennia::SessionData)]) -> Vec<u64> {
    sessions.iter().map(|(id, _)| *id).collect()
}

fn describe_portal(admin: &AdminFromPortal) -> String {
    let op = admin.operation().expect("a known operation").name();
    match admin {
        AdminFromPortal::Psync(s) => {
            format!("{op} {} {:?}", s.server_restart_mode.as_deref().unwrap_or("-"), ids(&s.sessions))
        }
        AdminFromPortal::Pconn { sessid, session } => {
            assert_eq!(session.sessid(), Some(*sessid));
            format!("{op} {sessid} {}", session.protocol_key().unwrap_or("-"))
        }
        AdminFromPortal::Pconnsync { sessid, session } => {
            assert_eq!(session.screen_width(), Some(78));
            format!("{op} {sessid}")
        }
        AdminFromPortal::Pdisconn { sessid } => format!("{op} {sessid}"),
        AdminFromPortal::Sreload { server_restart_mode }
        | AdminFromPortal::Sreset { server_restart_mode }
        | AdminFromPortal::Sshutd { server_restart_mode } => {
            format!("{op} {}", server_restart_mode.as_deref().unwrap_or("-"))
        }
        other => format!("{op} {other:?}"),
    }
}

fn describe_server(admin: &AdminFromServer) -> String {
    let op = admin.operation().expect("a known operation").name();
    match admin {
        AdminFromServer::Psync { spid, info } => format!("{op} {spid} {}", info.servername().unwrap_or("-")),
        AdminFromServer::Slogin { sessid, sessiondata } => format!("{op} {sessid} uid={:?}", sessiondata.uid()),
        AdminFromServer::Sdisconn { sessid, reason } => format!("{op} {sessid} {}", reason.as_deref().unwrap_or("-")),
        AdminFromServer::Ssync { sessions, clean } => format!("{op} {:?} clean={clean:?}", ids(sessions)),
        _ => op.to_owned(),
    }
}

fn check(file: &str, expected: &[&str]) {
    let boxes = boxes(file);
    let reprs = python_reprs(file);
    assert_eq!(boxes.len(), reprs.len(), "{file}: boxes in the .bin and in captures.txt");
    let got: Vec<String> = boxes.iter().zip(&reprs).map(|(b, r)| describe(b, r.as_deref())).collect();
    assert_eq!(got, expected, "{file}");
}

#[test]
fn first_server_run_initial_setup_then_reset() {
    check("conn1.p2s.bin", &["PSYNC shutdown []", "answer 1", "SRESET reset", "answer 2", "answer 3", "answer 4"]);
    check(
        "conn1.s2p.bin",
        &["PSYNC 13423 game", "SRESET", "answer 1", "SSYNC [] clean=None", "SSYNC [] clean=None", "answer 2"],
    );
}

#[test]
fn second_server_run_telnet_login_look_quit() {
    let answers = |tags: &[&'static str]| tags.iter().map(|t| format!("answer {t}")).collect::<Vec<_>>();
    let mut p2s: Vec<String> = vec!["PSYNC reset []".into()];
    p2s.extend(answers(&["1"]));
    p2s.extend(["PCONN 1 telnet".into()]);
    p2s.extend(answers(&["2"]));
    p2s.extend(["PCONNSYNC 1".into(), "IN 1 connect admin interop-pass-123".into()]);
    p2s.extend(answers(&["3", "4", "5", "6", "7"]));
    p2s.push("IN 1 look".into());
    p2s.extend(answers(&["8"]));
    p2s.push("IN 1 quit".into());
    p2s.extend(answers(&["9", "a"]));
    // Evennia's Portal reports the closed session twice.
    p2s.push("PDISCONN 1".into());
    p2s.extend(answers(&["b"]));
    p2s.extend(["PDISCONN 1".into(), "PCONN 2 telnet".into()]);
    p2s.extend(answers(&["c"]));
    p2s.extend(["IN 2 connect admin interop-pass-123".into(), "PCONNSYNC 2".into()]);
    p2s.extend(answers(&["d", "e", "f", "10", "11"]));
    p2s.push("SRELOAD reload".into());
    p2s.extend(answers(&["12", "13"]));
    check("conn2.p2s.bin", &p2s.iter().map(String::as_str).collect::<Vec<_>>());

    let mut s2p: Vec<String> = vec!["PSYNC 13557 game".into()];
    s2p.extend(answers(&["1", "2"]));
    s2p.push("OUT 1 text".into());
    s2p.extend(answers(&["3"]));
    s2p.extend(["SLOGIN 1 uid=Some(1)".into(), "OUT 1 logged_in".into(), "OUT 1 text".into(), "OUT 1 text".into()]);
    s2p.push("OUT 1 text".into());
    s2p.extend(answers(&["4"]));
    s2p.push("OUT 1 text".into());
    s2p.extend(answers(&["5"]));
    s2p.extend(["OUT 1 text".into(), "OUT 1 text".into(), "SDISCONN 1 quit".into()]);
    s2p.extend(answers(&["6", "7", "8", "9"]));
    s2p.extend(["OUT 2 text".into(), "SLOGIN 2 uid=Some(1)".into(), "OUT 2 logged_in".into()]);
    s2p.extend(["OUT 2 text".into(), "OUT 2 text".into(), "OUT 2 text".into()]);
    s2p.extend(answers(&["a", "b"]));
    s2p.extend(["SSYNC [2] clean=None".into(), "SSYNC [2] clean=None".into()]);
    s2p.extend(answers(&["c"]));
    check("conn2.s2p.bin", &s2p.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn third_server_run_after_reload_then_stop() {
    check(
        "conn3.p2s.bin",
        &[
            "PSYNC reload [2]",
            "answer 1",
            "answer 2",
            "IN 2 look",
            "answer 3",
            "IN 2 quit",
            "answer 4",
            "answer 5",
            "PDISCONN 2",
            "answer 6",
            "PDISCONN 2",
            "SSHUTD shutdown",
        ],
    );
    check(
        "conn3.s2p.bin",
        &[
            "PSYNC 14721 game",
            "OUT 2 text",
            "answer 1",
            "OUT 2 text",
            "answer 2",
            "OUT 2 text",
            "OUT 2 text",
            "SDISCONN 2 quit",
            "answer 3",
            "answer 4",
            "answer 5",
            "answer 6",
        ],
    );
}

#[test]
fn session_data_and_texts_read_typed() {
    let incoming = boxes("conn3.p2s.bin");
    let args = read::<AdminPortal2ServerArguments>(&incoming[0]);
    let AdminFromPortal::Psync(sync) = AdminFromPortal::from_pickle(&args.packed_data).unwrap() else {
        panic!("PSYNC first")
    };
    assert_eq!(sync.portal_start_time, Some(1795755311.3566732));
    let (sessid, session) = &sync.sessions[0];
    assert_eq!(*sessid, 2);
    assert!(session.logged_in());
    assert_eq!((session.uid(), session.uname(), session.address()), (Some(1), Some("admin"), Some("127.0.0.1")));
    assert_eq!(session.encoding(), Some("utf-8"));

    let out = boxes("conn3.s2p.bin");
    let (to, message) = Message::from_pickle(&read::<MsgServer2PortalArguments>(&out[1]).packed_data).unwrap();
    assert_eq!((to, message.text_arg()), (2, Some(" ... Server restarted.")));
    assert_eq!(message.get("text").unwrap().kwargs.to_value().to_string(), "{'options': {}}");
    let sdisconn = AdminFromServer::from_pickle(&read::<AdminServer2PortalArguments>(&out[7]).packed_data).unwrap();
    assert_eq!(sdisconn.operation(), Some(Operation::Sdisconn));
    assert_eq!(sdisconn.sessid(), 2);
}

/// The test-client section of captures.txt: hex of each box, in order.
fn client_boxes(file: &str) -> Vec<AmpBox> {
    let text = std::fs::read_to_string(fixtures().join("captures.txt")).expect("captures.txt");
    let section = text.split("################ test clients").nth(1).expect("the test-client section");
    let section = section.split("################ non-AMP").next().unwrap();
    let mut out = Vec::new();
    let mut in_file = false;
    for line in section.lines() {
        if line.starts_with("conn") {
            in_file = line.starts_with(&format!("{file} "));
        } else if let Some(hex) = line.strip_prefix("   raw hex: ").filter(|_| in_file) {
            let bytes: Vec<u8> =
                (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect();
            let mut buf = BytesMut::from(&bytes[..]);
            out.push(AmpCodec::new().decode(&mut buf).expect("a box").expect("a whole box"));
        }
    }
    out
}

#[test]
fn portal_status_and_the_broken_function_call() {
    // The Portal's status answer to a test client, with and without a Server.
    let answer = &client_boxes("conn2.p2s.bin")[0];
    let status = PortalStatus::from_pickle(answer.get("status").unwrap()).unwrap();
    assert!(status.portal_running && status.server_running);
    assert_eq!((status.portal_pid, status.server_pid), (Some(13382), Some(13557)));
    assert_eq!(status.server_info.get("servername"), Some(&Value::from("game")));
    assert_eq!(status.portal_info.get("telnet").map(|v| v.to_string()), Some("['telnet-127.0.0.1: 4000']".into()));
    let stopping = &client_boxes("conn4.s2p.bin")[4];
    assert_eq!(stopping.get("_answer").map(|b| &b[..]), Some(&b"1"[..]));
    let to_launcher = &client_boxes("conn4.p2s.bin")[2];
    let status = PortalStatus::from_pickle(to_launcher.get("status").unwrap()).unwrap();
    assert!(status.portal_running && !status.server_running);
    assert!(status.server_info.is_empty());

    // Evennia 6.1 answers every FunctionCall with this error (see amp_evennia::role::function_call).
    let call = &client_boxes("conn2.s2p.bin")[1];
    assert_eq!(call.get("_command").map(|b| &b[..]), Some(&b"FunctionCall"[..]));
    assert_eq!(pickle::decode(call.get("args").unwrap()).unwrap(), Value::Tuple(vec![Value::from(3600)]));
    let error = &client_boxes("conn2.p2s.bin")[1];
    assert_eq!(error.get("_error_code").map(|b| &b[..]), Some(&b"EXCEPTION"[..]));
    assert_eq!(
        String::from_utf8_lossy(error.get("_error_description").unwrap()),
        "catch_traceback() got an unexpected keyword argument 'args' (error logged on other side)"
    );
    // The launcher's SSHUTD and PSHUTD are the operation codes.
    let launcher = client_boxes("conn4.s2p.bin");
    let op = |b: &AmpBox| Operation::parse(std::str::from_utf8(b.get("operation").unwrap()).unwrap());
    assert_eq!((op(&launcher[1]), op(&launcher[2])), (Some(Operation::Sshutd), Some(Operation::Pshutd)));
}
