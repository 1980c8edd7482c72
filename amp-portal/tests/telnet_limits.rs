//! The bounds Evennia lacks, and the API's edges that the differential test
//! does not reach: what happens to overlong lines, endless subnegotiations,
//! too-deep JSON, the live MSSP player count, and bad OOB arguments.

use std::sync::Arc;

use amp_portal::telnet::codes::*;
use amp_portal::telnet::mssp::{evennia_table, Mssp, MsspSettings, MsspTable, MsspValue};
use amp_portal::telnet::{
    EvenniaOutcome, Event, InputError, Limits, OobCommand, OobError, SyncReason, Telnet, TelnetConfig, Value,
};

fn telnet(limits: Limits) -> Telnet {
    let mut t = Telnet::new(Arc::new(TelnetConfig { limits, ..TelnetConfig::default() }));
    t.take_output();
    t.drain_events().for_each(drop);
    t
}

fn events(t: &mut Telnet) -> Vec<Event> {
    t.drain_events().collect()
}

fn limits(max_line: usize, max_subnegotiation: usize) -> Limits {
    Limits { max_line, max_subnegotiation, ..Limits::default() }
}

#[test]
fn a_line_over_the_limit_is_dropped_whole_and_the_next_one_arrives() {
    let mut t = telnet(limits(10, 64));
    t.receive(b"0123456789\r\n01234567890\r\nok\r\n");
    assert_eq!(
        events(&mut t),
        vec![
            Event::Text(b"0123456789\n".to_vec()),
            Event::InputError(InputError::LineTooLong { length: 11 }),
            Event::Text(b"ok\n".to_vec())
        ]
    );
    // Over the limit across reads: nothing is kept, the length is still counted.
    for _ in 0..100 {
        t.receive(b"abcdefgh");
        assert!(t.buffered() < 64, "holding {} bytes", t.buffered());
    }
    t.receive(b"\nafter\n");
    assert_eq!(
        events(&mut t),
        vec![Event::InputError(InputError::LineTooLong { length: 800 }), Event::Text(b"after\n".to_vec())]
    );
    assert!(InputError::LineTooLong { length: 1 }.evennia() == EvenniaOutcome::Unbounded);
}

#[test]
fn an_endless_subnegotiation_holds_bounded_memory_and_the_connection_stays() {
    let mut t = telnet(limits(1024, 4096));
    t.receive(&[IAC, SB, GMCP]);
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..160 {
        // 10 MiB of subnegotiation: everything is part of it until IAC SE.
        t.receive(&chunk);
        t.receive(b"look\r\n");
        assert!(t.buffered() <= 2 * 4096 + 4096, "holding {} bytes", t.buffered());
    }
    assert!(events(&mut t).is_empty(), "nothing comes out of an unfinished subnegotiation");
    t.receive(&[IAC, SE]);
    t.receive(b"look\r\n");
    let length = 1 + 160 * (64 * 1024 + 6);
    assert_eq!(
        events(&mut t),
        vec![
            Event::InputError(InputError::SubnegotiationTooLong { option: GMCP, length }),
            Event::Text(b"look\n".to_vec())
        ]
    );
    assert!(!t.is_closed());
}

#[test]
fn json_deeper_than_the_limit_is_passed_on_as_text() {
    let mut t = telnet(Limits { max_json_depth: 3, ..Limits::default() });
    let deep = b"Core.X [[[[1]]]]";
    t.receive(&[&[IAC, SB, GMCP][..], deep, &[IAC, SE]].concat());
    t.receive(&[&[IAC, SB, GMCP][..], b"Core.X [[[1]]]", &[IAC, SE]].concat());
    let text = Value::Str("[[[[1]]]]".into());
    let three = Value::List(vec![Value::List(vec![Value::List(vec![Value::Int(1)])])]);
    assert_eq!(
        events(&mut t),
        vec![
            Event::InputError(InputError::JsonTooDeep),
            Event::Oob(vec![OobCommand { name: "x".into(), args: vec![text], kwargs: vec![] }]),
            Event::Oob(vec![OobCommand {
                name: "x".into(),
                args: three.as_seq().expect("list").to_vec(),
                kwargs: vec![]
            }]),
        ]
    );
}

#[test]
fn mssp_reports_the_live_player_count_and_the_game_table() {
    let mut table = evennia_table(&MsspSettings {
        servername: "Test".into(),
        telnet_ports: vec!["4000".into(), "4001".into()],
        telnet_oob_enabled: true,
        ssl_enabled: false,
        evennia_version: "6.1.0 (rev abc)".into(),
        portal_start_time: 1700000000.5,
    });
    let mut custom = MsspTable::new();
    custom.set("GENRE", MsspValue::Text("Fantasy".into()));
    custom.set("NAME", MsspValue::Text("Renamed".into()));
    table.update(custom);
    let mssp = Arc::new(Mssp::new(table));
    let config = Arc::new(TelnetConfig { mssp: Arc::clone(&mssp), ..TelnetConfig::default() });
    let payload = |players: usize| {
        mssp.set_players(players);
        let mut t = Telnet::new(Arc::clone(&config));
        t.take_output();
        t.receive(&[IAC, DO, MSSP]);
        t.take_output()
    };
    let expected = |players: &str| {
        let entries = [
            ("NAME", "Renamed"),
            ("PLAYERS", players),
            ("UPTIME", "1700000000.5"),
            ("PORT", "4001"),
            ("PORT", "4000"),
            ("CRAWL DELAY", "-1"),
            ("CODEBASE", "Evennia 6.1.0"),
            ("FAMILY", "Custom"),
            ("ANSI", "1"),
            ("GMCP", "1"),
            ("ATCP", "0"),
            ("MCCP", "1"),
            ("MCP", "0"),
            ("MSDP", "1"),
            ("MSP", "0"),
            ("MXP", "1"),
            ("PUEBLO", "0"),
            ("SSL", "0"),
            ("UTF-8", "1"),
            ("ZMP", "0"),
            ("VT100", "1"),
            ("XTERM 256 COLORS", "1"),
            ("GENRE", "Fantasy"),
        ];
        let mut out = vec![IAC, SB, MSSP];
        for (name, value) in entries {
            out.push(VAR);
            out.extend_from_slice(name.as_bytes());
            out.push(VAL);
            out.extend_from_slice(value.as_bytes());
        }
        out.extend_from_slice(&[IAC, SE]);
        out
    };
    assert_eq!(String::from_utf8_lossy(&payload(7)), String::from_utf8_lossy(&expected("7")));
    assert_eq!(payload(12), expected("12"));
}

#[test]
fn oob_arguments_python_cannot_send() {
    let mut t = telnet(Limits::default());
    t.receive(&[IAC, DO, MSDP, IAC, DO, GMCP]);
    t.take_output();
    assert_eq!(t.send_oob("x", &[], &[(Value::Int(1), Value::None)]), Err(OobError::KeywordNotStr("int")));
    assert!(t.take_output().is_empty(), "nothing is sent");
    // MSDP can print bytes, GMCP cannot serialize them: MSDP goes out, as in Evennia.
    let err = t.send_oob("x", &[Value::Bytes(b"b".to_vec())], &[]).expect_err("bytes are not JSON");
    assert!(matches!(err, OobError::Gmcp(_)), "{err:?}");
    assert_eq!(t.take_output(), [&[IAC, SB, MSDP, VAR][..], b"x", &[VAL], b"b'b'", &[IAC, SE]].concat());
    assert_eq!(t.send_oob("options", &[Value::Int(1)], &[]), Ok(()));
    assert!(t.take_output().is_empty());
}

#[test]
fn handshakes_count_down_and_sync() {
    let mut t = telnet(Limits::default());
    assert_eq!(t.handshakes(), 8);
    for (c, o) in [(DONT, SGA), (WONT, NAWS), (WONT, TTYPE), (DONT, MCCP), (DONT, MSSP), (DONT, MSDP), (DONT, GMCP)] {
        t.receive(&[IAC, c, o]);
    }
    assert_eq!(t.handshakes(), 1);
    assert!(events(&mut t).is_empty());
    t.receive(&[IAC, DONT, MXP]);
    assert!(matches!(&events(&mut t)[..], [Event::Sync { reason: SyncReason::Handshakes, .. }]));
    t.handshake_timeout();
    assert!(events(&mut t).is_empty(), "the timeout syncs only when handshakes are pending");
}

#[test]
fn a_connection_can_move_between_threads() {
    fn send<T: Send + 'static>() {}
    send::<Telnet>();
    send::<Event>();
}
