//! Properties of `amp_portal::telnet` over generated input.
//!
//! - Reads cut anywhere give the same output and events as the stream read
//!   whole, for streams free of what makes Evennia itself depend on the cuts
//!   (a `\n`/`\r` pair split between two pieces of text, an HTTP line or a
//!   lone NUL per piece, a 9-byte read with byte 31 under AUTORESIZE, a
//!   malformed command that drops the rest of its read).
//! - `IAC` escaping round trip: a line the Portal sends, read back by a
//!   telnet parser, is the line.
//! - MSDP and GMCP messages the Portal encodes decode back, for the shapes
//!   where Evennia's two directions agree; `json.loads(json.dumps(v)) == v`.
//! - No input panics, whatever the limits; lines stay within them.

use std::sync::Arc;

use amp_portal::python::json::{dumps, loads};
use amp_portal::telnet::codes::*;
use amp_portal::telnet::{gmcp, msdp, Event, Limits, OobCommand, Telnet, TelnetConfig, Value};
use proptest::prelude::*;

fn run(config: &Arc<TelnetConfig>, reads: &[&[u8]]) -> (Vec<u8>, Vec<Event>) {
    let mut telnet = Telnet::new(Arc::clone(config));
    for read in reads {
        telnet.receive(read);
    }
    let events = telnet.drain_events().collect();
    (telnet.take_output(), events)
}

fn escape(payload: &[u8]) -> Vec<u8> {
    payload.iter().flat_map(|&b| if b == IAC { vec![IAC, IAC] } else { vec![b] }).collect()
}

fn sub(option: u8, payload: &[u8]) -> Vec<u8> {
    [&[IAC, SB, option][..], &escape(payload), &[IAC, SE]].concat()
}

/// Text bytes without CR, LF, NUL, byte 31 or '/' (so never an HTTP line).
fn text_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            (0x20u8..0x7f).prop_filter("no '/'", |b| *b != b'/'),
            Just(0xffu8),
            Just(0xc3u8),
            Just(0xa9u8),
            Just(b'\t'),
            Just(0x01u8),
        ],
        0..12,
    )
}

/// One piece of a stream a client may send, free of cut-dependent forms.
fn token() -> impl Strategy<Value = Vec<u8>> {
    let option = any::<u8>().prop_filter("no NAWS", |o| *o != NAWS);
    prop_oneof![
        4 => (text_bytes(), prop::bool::ANY).prop_map(|(t, crlf)| [escape(&t), if crlf { b"\r\n".to_vec() } else { b"\n".to_vec() }].concat()),
        2 => (prop::sample::select(vec![WILL, WONT, DO, DONT]), option.clone()).prop_map(|(c, o)| vec![IAC, c, o]),
        1 => prop::sample::select(vec![NOP, GA, EOR, AYT]).prop_map(|c| vec![IAC, c]),
        1 => "[A-Za-z0-9 .-]{0,12}".prop_map(|name| sub(TTYPE, &[&[TTYPE_IS][..], name.as_bytes()].concat())),
        1 => "[a-zA-Z.]{1,10}( [\\[\\]{}\":,0-9a-z ]{0,16})?".prop_map(|m| sub(GMCP, m.as_bytes())),
        1 => ("[A-Za-z_]{1,6}", "[a-z0-9 ]{0,6}").prop_map(|(n, v)| sub(MSDP, &[&[VAR][..], n.as_bytes(), &[VAL], v.as_bytes()].concat())),
        // Not TTYPE or MSDP: their bad UTF-8 drops the rest of a read.
        1 => (option.prop_filter("decoded as UTF-8", |o| *o != TTYPE && *o != MSDP), prop::collection::vec(any::<u8>(), 0..6)).prop_map(|(o, p)| sub(o, &p)),
    ]
}

fn cuts_of(len: usize, picks: &[usize]) -> Vec<usize> {
    let mut cuts: Vec<usize> = picks.iter().map(|p| p % (len + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

fn split<'a>(stream: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut reads = Vec::new();
    let mut at = 0;
    for &c in cuts.iter().chain(std::iter::once(&stream.len())) {
        if c > at {
            reads.push(&stream[at..c]);
            at = c;
        }
    }
    reads
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn cut_reads_as_whole(tokens in prop::collection::vec(token(), 0..24), picks in prop::collection::vec(any::<usize>(), 0..12)) {
        let config = Arc::new(TelnetConfig::default());
        let stream = tokens.concat();
        let whole = run(&config, &[&stream]);
        let cut = run(&config, &split(&stream, &cuts_of(stream.len(), &picks)));
        prop_assert_eq!(&whole.0, &cut.0, "output differs");
        prop_assert_eq!(&whole.1, &cut.1, "events differ");
        let one_byte: Vec<&[u8]> = stream.chunks(1).collect();
        let bytes = run(&config, &one_byte);
        prop_assert_eq!(&whole.1, &bytes.1, "events differ with 1-byte reads");
    }

    #[test]
    fn sent_lines_read_back(line in prop::collection::vec(any::<u8>().prop_filter("no line break", |b| *b != b'\r' && *b != b'\n'), 0..64)) {
        let config = Arc::new(TelnetConfig::default());
        let mut portal = Telnet::new(Arc::clone(&config));
        portal.take_output();
        portal.send_line(&line);
        let wire = portal.take_output();
        let mut reader = Telnet::new(config);
        reader.drain_events().for_each(drop);
        reader.receive(&wire);
        let events: Vec<Event> = reader.drain_events().collect();
        let lone_nul = line.iter().filter(|b| !b" \t\x0b\x0c".contains(b)).eq([0].iter());
        let expected = if lone_nul { b"idle\n\n".to_vec() } else { [&line[..], b"\n"].concat() };
        prop_assert_eq!(events, vec![Event::Text(expected)]);
    }

    #[test]
    fn msdp_round_trip(
        name in "[A-Za-z][A-Za-z0-9_]{0,8}",
        args in prop::collection::vec("[^\\x01-\\x06\\n]{0,8}", 0..4),
        kwargs in prop::collection::vec(("[a-z][a-z0-9]{0,4}", "[^\\x01-\\x06\\n]{0,8}"), 0..3),
    ) {
        let remapped = ["list", "report", "reset", "send", "unreport"].contains(&name.to_lowercase().as_str());
        prop_assume!(!remapped);
        prop_assume!(!args.is_empty() || !kwargs.is_empty());
        let mut kwargs = kwargs;
        kwargs.dedup_by(|a, b| a.0 == b.0);
        prop_assume!(kwargs.iter().map(|(k, _)| k).collect::<std::collections::HashSet<_>>().len() == kwargs.len());
        let args: Vec<Value> = args.into_iter().map(Value::Str).collect();
        let values: Vec<Value> = kwargs.iter().map(|(_, v)| Value::Str(v.clone())).collect();
        let named: Vec<(&str, &Value)> = kwargs.iter().map(|(k, _)| k.as_str()).zip(&values).collect();
        let wire = msdp::encode(&name, &args, &named).expect("str() of strings");
        let decoded = msdp::decode(&wire).expect("MSDP the Portal wrote");
        let kwargs: Vec<(String, Value)> = kwargs.into_iter().map(|(k, v)| (k, Value::Str(v))).collect();
        prop_assert_eq!(decoded, vec![OobCommand { name, args, kwargs }]);
    }

    #[test]
    fn gmcp_round_trip(words in prop::collection::vec("[a-z]{1,6}", 1..4), args in prop::collection::vec(json_value(), 2..4)) {
        prop_assume!(words[0] != "core");
        let name = words.join("_");
        let wire = gmcp::encode(&name, &args, &[]).expect("JSON values");
        let (decoded, error) = gmcp::decode(wire.as_bytes(), 500);
        prop_assert!(error.is_none());
        prop_assert_eq!(decoded, OobCommand { name, args, kwargs: vec![] });
    }

    #[test]
    fn json_round_trip(value in json_value()) {
        let text = dumps(&value).expect("JSON value");
        prop_assert!(text.is_ascii());
        prop_assert_eq!(loads(&text, 500).expect("our own JSON"), value);
    }

    #[test]
    fn any_bytes_any_limits(
        reads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..12),
        tiny in prop::bool::ANY,
        sends in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 0..3),
    ) {
        let limits = if tiny { Limits { max_line: 6, max_subnegotiation: 3, max_json_depth: 2 } } else { Limits::default() };
        let config = Arc::new(TelnetConfig { limits, ..TelnetConfig::default() });
        let mut telnet = Telnet::new(config);
        for (i, read) in reads.iter().enumerate() {
            telnet.receive(read);
            if let Some(data) = sends.get(i) {
                telnet.send_line(data);
                telnet.send_prompt(data);
                telnet.send_echo(i % 2 == 0);
                let _ = telnet.send_oob("x_y", &[Value::Bytes(data.clone())], &[]);
                telnet.nop_keepalive();
                telnet.handshake_timeout();
            }
            for event in telnet.drain_events() {
                if let Event::Text(line) = event {
                    prop_assert!(line.len() <= limits.max_line.max(5) + 1, "line over the limit: {}", line.len());
                }
            }
        }
        let _ = telnet.take_output();
        for read in &reads {
            let _ = msdp::decode(read);
            let _ = gmcp::decode(read, limits.max_json_depth);
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        "\\PC{0,8}".prop_map(Value::Str),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..4).prop_map(|pairs| {
                let mut seen = std::collections::HashSet::new();
                Value::Dict(
                    pairs
                        .into_iter()
                        .filter(|(k, _)| seen.insert(k.clone()))
                        .map(|(k, v)| (Value::Str(k), v))
                        .collect(),
                )
            }),
        ]
    })
}
