//! Differential test: scripted telnet clients against Evennia 6.1's own
//! `TelnetProtocol` (Twisted 24.11, run at test time by
//! `tests/python/telnet_oracle.py`) and against `amp_portal::telnet::Telnet`.
//! For every step: the bytes written back (MCCP inflated), the session
//! handler's connect / sync / data_in calls, `protocol_flags`, the "Malformed
//! telnet input" logs, closing, and the handshake countdown must be the same.
//! Where Evennia's Portal lets an exception escape and Twisted drops the
//! connection, ours must report the matching error (and stays connected).

mod telnet_support;

use amp_portal::telnet::codes::*;
use amp_portal::telnet::Value;
use telnet_support::{compare, evennia, rust, Scenario, Step};

fn cmd(command: u8, option: u8) -> Vec<u8> {
    vec![IAC, command, option]
}

/// `IAC SB option payload IAC SE`, `IAC` in the payload doubled.
fn sb(option: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![IAC, SB, option];
    for &b in payload {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    out.extend_from_slice(&[IAC, SE]);
    out
}

fn recv(parts: &[&[u8]]) -> Step {
    Step::Recv(parts.concat())
}

fn text(s: &str) -> Step {
    Step::Recv(s.as_bytes().to_vec())
}

fn ttype(name: &str) -> Step {
    Step::Recv(sb(TTYPE, &[&[TTYPE_IS], name.as_bytes()].concat()))
}

fn gmcp(payload: &[u8]) -> Step {
    Step::Recv(sb(GMCP, payload))
}

fn msdp(payload: &[u8]) -> Step {
    Step::Recv(sb(MSDP, payload))
}

fn s(v: &str) -> Value {
    Value::from(v)
}

fn kw(pairs: &[(&str, Value)]) -> Vec<(Value, Value)> {
    pairs.iter().map(|(k, v)| (s(k), v.clone())).collect()
}

const REFUSE_ALL: [(u8, u8); 9] = [
    (WONT, LINEMODE),
    (DONT, SGA),
    (WONT, NAWS),
    (WONT, TTYPE),
    (DONT, MCCP),
    (DONT, MSSP),
    (DONT, MSDP),
    (DONT, GMCP),
    (DONT, MXP),
];

fn refuse_all() -> Scenario {
    let mut steps: Vec<Step> = REFUSE_ALL.iter().map(|&(c, o)| Step::Recv(cmd(c, o))).collect();
    steps.push(text("look\r\n"));
    steps.push(Step::Timeout);
    steps.push(Step::Line(b"You see nothing.\n".to_vec()));
    steps.push(Step::Prompt(b"HP 10>".to_vec()));
    steps.push(Step::Nop);
    Scenario::new("client refusing everything", steps)
}

fn agree_all() -> Scenario {
    Scenario::new(
        "client agreeing to everything",
        vec![
            recv(&[&cmd(WILL, LINEMODE), &cmd(DO, SGA), &cmd(WILL, NAWS)]),
            Step::Recv(sb(NAWS, &[0, 120, 0, 40])),
            Step::Recv(cmd(WILL, TTYPE)),
            ttype("Mudlet 4.17.2"),
            ttype("ANSI-TRUECOLOR"),
            ttype("MTTS 2831"),
            Step::Recv(cmd(DO, MSSP)),
            recv(&[&cmd(DO, MSDP), &cmd(DO, GMCP), &cmd(DO, MXP)]),
            Step::Recv(cmd(DO, MCCP)),
            text("look\r\nsay hi\r\n"),
            Step::Line(b"You see \xff nothing.\r\nA second line\n".to_vec()),
            Step::Prompt(b"HP \xff>\n".to_vec()),
            Step::Echo(false, b"Password:".to_vec()),
            Step::Echo(true, b"".to_vec()),
            Step::Oob(
                "vitals".into(),
                vec![Value::Int(10), s("ok")],
                kw(&[("hp", Value::Int(3)), ("options", Value::Dict(vec![]))]),
            ),
            Step::Nop,
            Step::Recv(cmd(DONT, MCCP)),
            Step::Line(b"uncompressed again".to_vec()),
            Step::Recv(cmd(DO, MCCP)),
            Step::Line(b"still uncompressed".to_vec()),
            Step::Recv(cmd(DONT, MCCP)),
            Step::Timeout,
        ],
    )
}

/// Mudlet 4.x's answers as it sends them: several commands per packet.
fn mudlet() -> Scenario {
    Scenario::new(
        "Mudlet-like client",
        vec![
            recv(&[&cmd(WONT, LINEMODE), &cmd(DO, SGA), &cmd(WILL, NAWS), &cmd(WILL, TTYPE), &cmd(DO, MCCP)]),
            recv(&[&sb(NAWS, &[0, 200, 0, 50]), &cmd(DO, MSSP), &cmd(DONT, MSDP), &cmd(DO, GMCP), &cmd(DO, MXP)]),
            ttype("MUDLET"),
            ttype("MUDLET"),
            ttype("MTTS 2825"),
            gmcp(br#"Core.Hello {"client": "Mudlet", "version": "4.17.2"}"#),
            gmcp(br#"Core.Supports.Set ["Char 1", "Char.Skills 1", "Char.Items 1", "Room 1", "IRE.Rift 1", "IRE.Composer 1"]"#),
            text("look\n"),
            Step::Oob("client_options".into(), vec![], kw(&[("screenwidth", Value::Int(200))])),
            Step::Prompt(b"> ".to_vec()),
            Step::Recv(sb(NAWS, &[0, 180, 0, 60])),
        ],
    )
}

fn mtts(value: &str) -> Scenario {
    Scenario::new(
        format!("MTTS {value:?}"),
        vec![Step::Recv(cmd(WILL, TTYPE)), ttype("TinTin++"), ttype("xterm-256color"), ttype(value), ttype("MTTS 1")],
    )
}

fn client_name(name: &str, term: &str) -> Scenario {
    Scenario::new(
        format!("client {name:?} / {term:?}"),
        vec![Step::Recv(cmd(DONT, SGA)), Step::Recv(cmd(WILL, TTYPE)), ttype(name), ttype(term), ttype("MTTS 9")],
    )
}

fn ttype_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    for value in [
        "MTTS 0",
        "MTTS 1",
        "MTTS 137",
        "MTTS 4095",
        "MTTS 4233",
        "MTTS 1099511627785",
        "MTTS  137  ",
        "MTTS\t64",
        "MTTS",
        "MTTS abc",
        "MTTS 12a",
        "mtts 137",
        "MTTS \u{b2}",
        "MTTS \u{663}\u{667}",
        "MTTS \u{ff11}\u{ff13}\u{ff17}",
        "MTTS \u{3000}9\u{3000}",
        "MTTS -1",
        "xterm",
        "",
    ] {
        out.push(mtts(value));
    }
    out.push(mtts(&format!("MTTS {}", "9".repeat(4300))));
    out.push(mtts(&format!("MTTS {}", "9".repeat(4301))));
    for (name, term) in [
        ("Mudlet 4.17.2", "ANSI-TRUECOLOR"),
        ("Mudlet 1.0", "ANSI"),
        ("MUDLET 1.1", "XTERM"),
        ("mudlet", "ansi"),
        ("Mudlet  1.2 ", "vt100"),
        ("MUSHclient", "xterm-color"),
        ("PuTTY", "XTERM-256COLOR"),
        ("TinTin++", "XTERM"),
        ("TINTIN", "dumb"),
        ("AXMUD", "ANSI"),
        ("xterm", "linux"),
        ("foo-256color", "foo-truecolor"),
        ("BeipMU", "x"),
        ("tinyfugue", "tf"),
        ("stra\u{df}e", "\u{df}-xterm"),
        ("\u{149}client", "\u{1f0}"),
        ("\u{3a3}\u{3a3}", "ab\u{3a3}"),
        ("\u{1c6}", "\u{fb00}"),
        ("\u{130}", "\u{212a}"),
        ("", ""),
    ] {
        out.push(client_name(name, term));
    }
    // SB TTYPE before WILL TTYPE, twice, three times: the callback's `True` at steps 1, 2, 3.
    for early in 1..=3 {
        let mut steps: Vec<Step> = (0..early).map(|i| ttype(&format!("early{i}"))).collect();
        steps.push(Step::Recv(cmd(WILL, TTYPE)));
        steps.push(ttype("late1"));
        steps.push(ttype("MTTS 3"));
        steps.push(ttype("after"));
        out.push(Scenario::new(format!("TTYPE answer {early}x before WILL TTYPE"), steps));
    }
    // Not UTF-8 at each step, and after TTYPE is done (ignored then).
    for bad_at in 0..4 {
        let mut steps = vec![Step::Recv(cmd(WILL, TTYPE))];
        for i in 0..4 {
            if i == bad_at {
                steps.push(recv(&[&sb(TTYPE, b"\x00\xff\xfebad"), b"text after\r\n"]));
            }
            steps.push(ttype(["Mudlet", "ANSI", "MTTS 5", "again"][i]));
        }
        out.push(Scenario::new(format!("TTYPE not UTF-8 at step {bad_at}"), steps));
    }
    out.push(Scenario::new(
        "TTYPE refused, then answered anyway",
        vec![Step::Recv(cmd(WONT, TTYPE)), ttype("x"), ttype("y"), ttype("MTTS 1"), ttype("z")],
    ));
    out.push(Scenario::new(
        "TTYPE IS with leading NULs and SEND byte",
        vec![
            Step::Recv(cmd(WILL, TTYPE)),
            Step::Recv(sb(TTYPE, b"\x00\x00\x00zmud")),
            Step::Recv(sb(TTYPE, b"\x01ansi")),
            ttype("MTTS 1"),
        ],
    ));
    out
}

fn naws_scenarios() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "NAWS sizes",
            vec![
                Step::Recv(cmd(WILL, NAWS)),
                Step::Recv(sb(NAWS, &[0, 80, 0, 24])),
                Step::Recv(sb(NAWS, &[1, 0, 255, 255])),
                Step::Recv(sb(NAWS, &[0, 80, 0])),
                Step::Recv(sb(NAWS, &[0, 80, 0, 24, 0])),
                Step::Recv(sb(NAWS, &[])),
                // IAC + a byte in a subnegotiation is that byte.
                Step::Recv(vec![IAC, SB, NAWS, 0, IAC, 99, 0, 50, IAC, SE]),
                // exactly 9 bytes with byte 31: AUTORESIZE syncs
                Step::Recv(sb(NAWS, &[0, 90, 0, 30])),
                text("abc\x1fdef\r\n"),
                text("ab\x1fdefg\r\n"),
                Step::Recv(cmd(WONT, NAWS)),
                Step::Recv(sb(NAWS, &[0, 91, 0, 31])),
            ],
        ),
        Scenario::new(
            "NAWS before AUTORESIZE, refused",
            vec![
                Step::Recv(sb(NAWS, &[0, 100, 0, 30])),
                Step::Recv(cmd(WONT, NAWS)),
                Step::Recv(sb(NAWS, &[0, 101, 0, 31])),
            ],
        ),
        Scenario::new(
            "NAWS after the game replaced SCREENWIDTH",
            vec![
                Step::Recv(cmd(WILL, NAWS)),
                Step::Flags(kw(&[(
                    "SCREENWIDTH",
                    Value::Dict(vec![(Value::Int(0), Value::Int(1)), (Value::Int(1), Value::Int(2))]),
                )])),
                Step::Recv(sb(NAWS, &[0, 100, 0, 30])),
                Step::Flags(kw(&[("SCREENHEIGHT", Value::Dict(vec![(Value::Bool(false), Value::Int(7))]))])),
                Step::Recv(sb(NAWS, &[0, 110, 0, 33])),
                Step::Flags(kw(&[("SCREENWIDTH", Value::Int(80))])),
                Step::Recv(sb(NAWS, &[0, 120, 0, 40])),
            ],
        ),
    ]
}

fn gmcp_inputs() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = [
        r#"Core.Hello {"client": "Mudlet", "version": "4.17"}"#,
        r#"Core.Supports.Set ["Char 1", "Room 1"]"#,
        r#"Core.Supports.Get"#,
        r#"Core.Commands.Get"#,
        r#"Char.Value.Get ["hp", "mp"]"#,
        r#"Char.Repeat.Update {"callback": "x", "interval": 2.5}"#,
        r#"Char.Monitor.Update "hp""#,
        "Core.Ping",
        "Core.Ping ",
        " Core.Ping",
        "Core.Ping \t ",
        "core.x 42",
        "CORE_y 1",
        "Core.X 3.5e10",
        "Core.X -0.0",
        "Core.X 1e400",
        "Core.X 123456789012345678901234567890",
        "Core.X NaN",
        "Core.X [Infinity, -Infinity]",
        r#"Core.X "\ud83d\ude00 \u00e9 \/ \b\f\n\r\t""#,
        r#"Core.X "\ud800""#,
        r#"Core.X "\udc00\ud800x""#,
        r#"Core.X "\ud800\u0041""#,
        r#"Core.X "\u12""#,
        r#"Core.X "\x""#,
        "Core.X \"tab\there\"",
        "Core.X not json at all  ",
        r#"Core.X {"": 1, "a": 2, "a": 3, "b": {"": 4}}"#,
        r#"Core.X {"a": 1,}"#,
        r#"Core.X [1, 2,]"#,
        r#"Core.X [1 2]"#,
        r#"Core.X  {"k" : [ 1 , { "z" : null } ] }  "#,
        "Core.X true",
        "Core.X false",
        "Core.X null",
        "Core.X 01",
        "Core.X 1.",
        "Core.X .5",
        "Core.X -",
        "Core.X 1e",
        "Core.X 1E+2",
        "Core.X \"unterminated",
        "Core.X [] extra",
        "Core.X \u{feff}[1]",
        "Core.X [\u{a0}1]",
        "Core.X\u{3000}[1]",
        "Core.X\u{85}2",
        "Core.X\u{1c}3",
        "Room.Info.Σ {\"ΣΑΣ\": \"ΟΔΟΣ\"}",
        "ΣΑΣ.ΟΔΟΣ",
        "Ǆ.İstanbul",
        "Core.Kelvin.\u{212a} 1",
        "a.b.c.d [[[[]]]]",
        "Char.Items.Inv []",
        "Char.Items.Inv {}",
        "Core",
        "Core.",
        "core_",
        ".",
        "Core.X \"\u{0}\"",
        "Core.X {\"a\": 1, \"a\": 2}",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    out.push(format!("Core.Big {}", "7".repeat(4300)).into_bytes());
    out.push(format!("Core.Big {}", "7".repeat(4301)).into_bytes());
    out.push(format!("Core.Big -{}", "7".repeat(4300)).into_bytes());
    // Both read 400 levels; at 2000 Evennia's Portal raises RecursionError.
    out.push(format!("Core.Deep {}1{}", "[".repeat(400), "]".repeat(400)).into_bytes());
    out.push(format!("Core.Deep {}1{}", "{\"a\":".repeat(300), "}".repeat(300)).into_bytes());
    out.push(format!("Core.Deep {}1{}", "[".repeat(2000), "]".repeat(2000)).into_bytes());
    out.push(b"Core.Bad \xff\xfe [1]".to_vec());
    out.push(b"Core.B\xe9 \"\xc3\x28\"".to_vec());
    out.push(b"Core.X \xed\xa0\x80".to_vec());
    out.push(b"Core.X \xf0\x9f\x98".to_vec());
    out.push(b"Core.X \xe2\x82".to_vec());
    out
}

fn gmcp_scenarios() -> Vec<Scenario> {
    let mut out = vec![Scenario::new("GMCP empty", vec![Step::Recv(sb(GMCP, b"")), gmcp(b" "), gmcp(b"\n")])];
    // One scenario each: where Evennia drops the connection, its scenario ends.
    for input in gmcp_inputs() {
        let name = format!("GMCP {:?}", String::from_utf8_lossy(&input[..input.len().min(40)]));
        out.push(Scenario::new(name, vec![Step::Recv(cmd(DO, GMCP)), gmcp(&input), text("after\r\n")]));
    }
    out
}

fn msdp_inputs() -> Vec<Vec<u8>> {
    const V: u8 = VAR;
    const L: u8 = VAL;
    const TO: u8 = MSDP_TABLE_OPEN;
    const TC: u8 = MSDP_TABLE_CLOSE;
    const AO: u8 = MSDP_ARRAY_OPEN;
    const AC: u8 = MSDP_ARRAY_CLOSE;
    let raw: Vec<Vec<u8>> = vec![
        [&[V][..], b"LIST", &[L], b"COMMANDS"].concat(),
        [&[V][..], b"list", &[L], b"REPORTABLE_VARIABLES"].concat(),
        [&[V][..], b"REPORT", &[L], b"HEALTH", &[L], b"MANA"].concat(),
        [&[V][..], b"Send", &[L], &[AO], &[L], b"a", &[L], b"b", &[AC]].concat(),
        [&[V][..], b"UNREPORT", &[L], &[AO], &[L], b"x", &[AC], &[V], b"UNREPORT", &[L], b"y"].concat(),
        [&[V][..], b"RESET", &[L], &[TO], &[V], b"k", &[L], b"v", &[V], b"k2", &[L], b"v2", &[TC]].concat(),
        [
            &[V][..],
            b" cmd ",
            &[L],
            b" ",
            &[TO],
            &[V],
            b"a",
            &[L],
            b"1",
            &[TC],
            &[V],
            b"cmd",
            &[L],
            &[AO],
            &[L],
            b"z",
            &[AC],
        ]
        .concat(),
        [
            &[V][..],
            b"cmd",
            &[L],
            &[TO],
            &[V],
            b"a",
            &[L],
            b"1",
            &[TC],
            &[V],
            b"cmd",
            &[L],
            &[TO],
            &[V],
            b"b",
            &[L],
            b"2",
            &[V],
            b"a",
            &[L],
            b"3",
            &[TC],
        ]
        .concat(),
        [&[V][..], b"cmd", &[L], &[TO], &[V], b"", &[L], b"1", &[V], b"a", &[L], b"x", &[L], b"y", &[TC]].concat(),
        [&[V][..], b"cmd", &[L], &[TO], &[V], b"novalue", &[TC]].concat(),
        [&[V][..], b"cmd", &[L], &[TO], &[V], b"a", &[L], b"line\nbreak", &[TC]].concat(),
        [&[V][..], b"cmd", &[L], &[AO], b"lead", &[L], b"one", &[AC]].concat(),
        [&[V][..], b"cmd", &[L], &[AO], &[AC]].concat(),
        [&[V][..], b"cmd-x", &[L], &[TO], &[V], b"a", &[L], b"1", &[TC]].concat(),
        [&[V][..], b"a", &[L], b"1", &[V], b"a", &[L], b"2", &[V], b"b", &[V], b"c", &[L], b"3", &[L], b"4"].concat(),
        [b"before", &[L][..], b"value", &[V], b"x", &[L], b"y"].concat(),
        [&[V][..], b"LIST", &[L], b"a", &[V], b"List", &[L], b"b", &[V], b"msdp_list", &[L], b"c"].concat(),
        [&[V][..], b"msdp_report", &[L], b"m", &[V], b"report", &[L], b"r"].concat(),
        [&[V][..], "LİST".as_bytes(), &[L], b"x", &[V], "\u{212a}".as_bytes(), &[L], b"k"].concat(),
        [&[V][..], "ΣΑΣ".as_bytes(), &[L], "ΟΔΟΣ".as_bytes()].concat(),
        [&[V][..], b"bad", &[L], b"\xff\xfe"].concat(),
        [&[V][..], b"cmd", &[L], &[TO], &[V], b"a", &[L], b"\xc3", &[TC]].concat(),
        [&[V][..], b"cmd", &[L], &[AO], &[L], b"\xe2\x82", &[AC]].concat(),
        b"".to_vec(),
        vec![V],
        vec![L],
        vec![V, L],
        vec![TO, TC, AO, AC],
        [&[V][..], b"t", &[L], &[TO], &[V], b"a", &[L], b"1"].concat(),
        [&[V][..], b"t", &[L], &[AO], &[L], b"1"].concat(),
        [&[V][..], b"t", &[L], &[TO], &[V], b"x", &[L], &[AO], &[L], b"1", &[AC], &[TC]].concat(),
        [&[V][..], b"\t\x0bt\x0c", &[L], b"\r\n", &[TO], &[TC]].concat(),
        [&[V][..], b"text", &[L], b"look"].concat(),
    ];
    raw
}

fn msdp_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    for (i, chunk) in msdp_inputs().chunks(5).enumerate() {
        let mut steps = vec![Step::Recv(cmd(DO, MSDP))];
        steps.extend(chunk.iter().map(|p| msdp(p)));
        out.push(Scenario::new(format!("MSDP inputs {i}"), steps));
    }
    // Several MSDP messages in one read, with text between; a bad one in the middle.
    out.push(Scenario::new(
        "MSDP in a read with text",
        vec![recv(&[
            b"one\r\n",
            &sb(MSDP, &[VAR, b'a', VAL, b'1']),
            b"two\r\n",
            &sb(MSDP, &[VAR, b'b', VAL, 0xff]),
            b"three\r\n",
        ])],
    ));
    out
}

fn mccp_scenarios() -> Vec<Scenario> {
    vec![
        Scenario::new(
            "MCCP on then off",
            vec![
                Step::Recv(cmd(DO, MCCP)),
                Step::Line(b"compressed line".to_vec()),
                recv(&[&cmd(DO, SGA), &cmd(WILL, NAWS), b"look\r\n"]),
                Step::Prompt(b"prompt> ".to_vec()),
                Step::Nop,
                Step::Recv(cmd(DO, MSSP)),
                Step::Recv(cmd(DONT, MCCP)),
                Step::Line(b"plain line".to_vec()),
                Step::Recv(cmd(DO, MCCP)),
                Step::Recv(cmd(DONT, MCCP)),
                Step::Recv(cmd(DONT, MCCP)),
            ],
        ),
        Scenario::new(
            "MCCP refused",
            vec![Step::Recv(cmd(DONT, MCCP)), Step::Line(b"x".to_vec()), Step::Recv(cmd(DO, MCCP))],
        ),
        Scenario::new(
            "HTTP under MCCP",
            vec![Step::Recv(cmd(DO, MCCP)), Step::Line(b"hello".to_vec()), text("GET / HTTP/1.1\r\nHost: x\r\n\r\n")],
        ),
        Scenario::new(
            "MCCP with newlines in subnegotiations",
            vec![
                Step::Recv(cmd(DO, MCCP)),
                Step::Recv(cmd(DO, MSDP)),
                Step::Oob("msg".into(), vec![s("two\nlines\r\n")], vec![]),
                Step::Recv(cmd(WILL, 10)),
            ],
        ),
    ]
}

fn text_scenarios() -> Vec<Scenario> {
    let t = |name: &str, reads: &[&[u8]]| Scenario::new(name, reads.iter().map(|r| Step::Recv(r.to_vec())).collect());
    vec![
        t("line endings", &[b"a\r\nb\nc\rd\n\re\r\n\r\nf\n\n", b"\r\r\n", b"g\r", b"\n", b"h\n", b"\ri\r\0j\r\0\n"]),
        t("line buffer across reads", &[b"lo", b"ok", b"\r", b"\nsay ", b"hi\nand", b" more", b"\n"]),
        t("CR NUL", &[b"abc\r\0def\r\n", b"\r\0\n", b"\r\0", b"\0x\r\n"]),
        t("CR IAC", &[b"a\r\xff\xf1b\r\n", b"c\r\xff\xffd\n", b"e\r"]),
        t("NUL keepalive", &[b"\0", b" \0 \r\n", b"\0\0", b"abc", b"\0", b"def\n", b"\r\0", b"\t\0\x0b"]),
        t("IAC IAC is data", &[b"a\xff\xffb\r\n", b"\xff", b"\xffc\n"]),
        t(
            "telnet commands in text",
            &[b"a\xff\xf1b\xff\xf9c\xff\xefd\xff\xf2e\xff\xf3f\r\n", b"g\xff\xf4h\xff\xf5\xff\xf6\xff\xf7\xff\xf8i\n"],
        ),
        t(
            "HTTP requests",
            &[b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl\r\n\r\n", b"after close is ignored\r\n"],
        ),
        t("HTTP lowercase", &[b"get /index.html http/1.0\n\n"]),
        t("HTTP double space", &[b"POST  HTTP/2.0\r\n\r\n"]),
        t("HTTP single space is no match", &[b"GET HTTP/1.1\r\n\r\n", b"next\r\n"]),
        t("HTTP one break is buffered", &[b"PUT /x HTTP/1.1\r\n", b"Host: y\r\n"]),
        t("HTTP without version", &[b"GET /\r\n\r\n"]),
        t("HTTP after buffered text", &[b"abc", b"OPTIONS * HTTP/1.1\r\n\r\n"]),
        t("HTTP method prefix", &[b"XGET / HTTP/1.1\r\n\r\n", b"GETX / HTTP/1.1\r\n\r\n"]),
        t(
            "HTTP version digits",
            &[b"TRACE / HTTP/a.1\r\n\r\n", b"DELETE / HTTP/1.x\r\n\r\n", b"PATCH /p HtTp/9.9 trailing\n\r\n"],
        ),
        t("HTTP with commands in between", &[b"CONNECT x:1 HTTP/1.1\r\n\xff\xf1\r\n\r\n"]),
        t("non-UTF-8 text", &[b"caf\xe9\r\n", b"\xff\xfe\r\n", b"\x80\x81\x82\n"]),
    ]
}

fn garbage_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    // IAC + every byte that is no command, followed by more reads: the state stays "after IAC".
    let mut steps = Vec::new();
    for b in (0u8..=238).chain([SE]) {
        steps.push(recv(&[b"text", &[IAC, b], b"lost\r\n"]));
        steps.push(text("next\r\n"));
    }
    out.push(Scenario::new("IAC + non-commands", steps));
    out.push(Scenario::new(
        "stumped state carries over",
        vec![
            recv(&[b"a\r\n", &[IAC, 0]]),
            Step::Recv(vec![IAC]),
            text("b\r\n"),
            Step::Recv(vec![IAC, 1]),
            Step::Recv(vec![WILL, NAWS]),
            text("c\n"),
        ],
    ));
    out.push(Scenario::new(
        "truncated subnegotiation",
        vec![
            Step::Recv(cmd(WILL, TTYPE)),
            recv(&[b"before\r\n", &[IAC, SB, TTYPE, TTYPE_IS], b"Mud"]),
            text("this is inside the subnegotiation\r\n"),
            recv(&[b"let", &[IAC, SE], b"after\r\n"]),
            recv(&[&[IAC, SB, GMCP], b"Core.X 1", &[IAC]]),
            recv(&[&[SE], b"x\n"]),
        ],
    ));
    out.push(Scenario::new("empty subnegotiation", vec![text("a\r\n"), recv(&[&[IAC, SB, IAC, SE], b"b\r\n"])]));
    out.push(Scenario::new(
        "unhandled subnegotiations",
        vec![
            Step::Recv(sb(LINEMODE, &[3, 1, 2, 3])),
            Step::Recv(sb(MSSP, b"x")),
            Step::Recv(sb(200, b"y")),
            Step::Recv(sb(MCCP, b"")),
            Step::Recv(vec![IAC, SB, 200, IAC, IAC, IAC, SB, IAC, SE]),
        ],
    ));
    // Seeded random bytes, in random-sized reads.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rand = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for n in 0..24 {
        let mut steps = Vec::new();
        for _ in 0..8 {
            let len = (rand() % 24) as usize + 1;
            // Mostly telnet-ish bytes so that commands and subnegotiations happen.
            let read: Vec<u8> = (0..len)
                .map(|_| match rand() % 8 {
                    0..=1 => IAC,
                    2 => [SB, SE, WILL, WONT, DO, DONT, NOP, GA][(rand() % 8) as usize],
                    3 => [TTYPE, NAWS, MSDP, GMCP, MCCP, MSSP, LINEMODE, SGA, ECHO, MXP][(rand() % 10) as usize],
                    4 => [b'\r', b'\n', 0, VAR, VAL][(rand() % 5) as usize],
                    _ => (rand() % 256) as u8,
                })
                .collect();
            steps.push(Step::Recv(read));
        }
        out.push(Scenario::new(format!("random {n}"), steps));
    }
    out
}

/// Every option with every command, unsolicited, twice; then once after the offers' answers.
fn negotiation_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    for command in [WILL, WONT, DO, DONT] {
        let steps: Vec<Step> = (0..=255u8).chain(0..=255).map(|o| Step::Recv(cmd(command, o))).collect();
        out.push(Scenario::new(format!("every option, command {command}"), steps));
    }
    for (a, b) in [(WILL, WONT), (DO, DONT), (WONT, WILL), (DONT, DO), (WILL, DO), (DO, WILL)] {
        let steps: Vec<Step> =
            (0..=255u8).flat_map(|o| [Step::Recv(cmd(a, o)), Step::Recv(cmd(b, o)), Step::Recv(cmd(a, o))]).collect();
        out.push(Scenario::new(format!("every option, commands {a} {b} {a}"), steps));
    }
    out.push(Scenario::new(
        "ECHO on demand",
        vec![
            Step::Echo(false, b"Password: ".to_vec()),
            Step::Recv(cmd(DO, ECHO)),
            Step::Echo(true, b"".to_vec()),
            Step::Recv(cmd(DONT, ECHO)),
            Step::Recv(cmd(WILL, ECHO)),
            Step::Recv(cmd(WONT, ECHO)),
        ],
    ));
    out.push(Scenario::new(
        "withdrawing agreed options",
        vec![
            recv(&[
                &cmd(DO, SGA),
                &cmd(DO, MSDP),
                &cmd(DO, GMCP),
                &cmd(DO, MXP),
                &cmd(DO, MSSP),
                &cmd(WILL, LINEMODE),
                &cmd(WILL, NAWS),
            ]),
            recv(&[
                &cmd(DONT, SGA),
                &cmd(DONT, MSDP),
                &cmd(DONT, GMCP),
                &cmd(DONT, MXP),
                &cmd(DONT, MSSP),
                &cmd(WONT, LINEMODE),
                &cmd(WONT, NAWS),
            ]),
            Step::Oob("still_sent".into(), vec![], vec![]),
            recv(&[&cmd(WILL, LINEMODE), &cmd(DO, LINEMODE), &cmd(DONT, LINEMODE)]),
            Step::Line(b"line".to_vec()),
        ],
    ));
    out.push(Scenario::new(
        "late answers after the timeout",
        vec![
            Step::Timeout,
            Step::Recv(cmd(DONT, SGA)),
            Step::Timeout,
            Step::Recv(cmd(WONT, NAWS)),
            Step::Recv(cmd(DO, MCCP)),
            Step::Recv(cmd(DONT, MCCP)),
        ],
    ));
    out
}

fn settings_scenarios() -> Vec<Scenario> {
    let answers: Vec<Step> = REFUSE_ALL.iter().map(|&(c, o)| Step::Recv(cmd(c, o))).collect();
    let mssp = || vec![Step::Recv(cmd(DO, MSSP))];
    vec![
        Scenario::new("MXP disabled", [answers.clone(), vec![Step::Timeout, Step::Recv(cmd(DO, MXP))]].concat())
            .with(|s| s.mxp_enabled = Some(false)),
        Scenario::new("no ENCODINGS", vec![]).with(|s| s.encodings = Some(vec![])),
        Scenario::new("latin-1 first", vec![]).with(|s| s.encodings = Some(vec!["latin-1".into(), "utf-8".into()])),
        Scenario::new("small default window", vec![Step::Recv(cmd(WILL, NAWS))]).with(|s| {
            s.width = Some(40);
            s.height = Some(10)
        }),
        Scenario::new("IDLE_COMMAND", vec![text("\0"), text("\r\n\0\r\n")])
            .with(|s| s.idle_command = Some("keepalive ä".into())),
        Scenario::new("MSSP defaults", mssp()),
        Scenario::new("MSSP settings", mssp()).with(|s| {
            s.servername = Some("Dragon's Lair \u{1f409}".into());
            s.telnet_ports = Some(vec![4000, 4001, 4002]);
            s.oob_enabled = Some(true);
            s.ssl_enabled = Some(true);
            s.players = 17;
        }),
        Scenario::new("MSSP custom table", mssp()).with(|s| {
            s.players = 3;
            s.mssp_custom = Some(kw(&[
                ("NAME", s_("My Game")),
                ("GENRE", s_("Fantasy")),
                ("PORT", Value::List(vec![Value::Int(23), Value::Int(4000)])),
                ("CONTACT", s_("admin@example.invalid")),
                ("MINIMUM AGE", Value::Int(13)),
                ("WEBSITE", s_("line\nbreak \u{ff}")),
                ("EMPTY", Value::List(vec![])),
                ("PLAYERS", s_("many")),
            ]));
        }),
    ]
}

fn s_(v: &str) -> Value {
    Value::from(v)
}

fn flags_scenarios() -> Vec<Scenario> {
    vec![Scenario::new(
        "Server flag updates",
        vec![
            Step::Flags(kw(&[("NOGOAHEAD", Value::Bool(false))])),
            Step::Line(b"with GA".to_vec()),
            Step::Prompt(b"prompt with GA>".to_vec()),
            Step::Flags(kw(&[("NOPROMPTGOAHEAD", Value::Bool(true)), ("FORCEDENDLINE", Value::Bool(false))])),
            Step::Line(b"no end".to_vec()),
            Step::Line(b"own end\r\n".to_vec()),
            Step::Prompt(b"p>".to_vec()),
            Step::Flags(kw(&[("NOPKEEPALIVE", Value::Bool(false)), ("NEWFLAG", Value::Int(1))])),
            Step::Nop,
            Step::Flags(kw(&[
                ("NOPKEEPALIVE", Value::Int(2)),
                ("NOGOAHEAD", Value::from("")),
                ("TTYPE", Value::Bool(true)),
            ])),
            Step::Nop,
            Step::Line(b"".to_vec()),
            Step::Recv(cmd(WILL, TTYPE)),
            ttype("ignored: TTYPE is true"),
            Step::Flags(kw(&[("AUTORESIZE", Value::Bool(true))])),
            Step::Recv(sb(NAWS, &[0, 100, 0, 50])),
        ],
    )]
}

fn oob_output_scenarios() -> Vec<Scenario> {
    let oobs = vec![
        Step::Oob("text".into(), vec![s("hello")], vec![]),
        Step::Oob("options".into(), vec![s("ignored")], vec![]),
        Step::Oob("char_vitals".into(), vec![], kw(&[("hp", Value::Int(10)), ("maxhp", Value::Int(20))])),
        Step::Oob("ping".into(), vec![], vec![]),
        Step::Oob("list".into(), vec![Value::List(vec![s("a"), Value::None])], kw(&[("options", Value::Dict(vec![]))])),
        Step::Oob("bad".into(), vec![Value::Bytes(b"raw".to_vec())], vec![]),
        Step::Oob("bad_key".into(), vec![Value::Dict(vec![(Value::Tuple(vec![]), Value::Int(1))])], vec![]),
    ];
    vec![
        Scenario::new("OOB output, no OOB client", oobs.clone()),
        Scenario::new("OOB output, MSDP client", [vec![Step::Recv(cmd(DO, MSDP))], oobs.clone()].concat()),
        Scenario::new("OOB output, GMCP client", [vec![Step::Recv(cmd(DO, GMCP))], oobs.clone()].concat()),
        Scenario::new("OOB output, both", [vec![recv(&[&cmd(DO, MSDP), &cmd(DO, GMCP)])], oobs].concat()),
    ]
}

/// The scripts whose reads are cut at every byte boundary.
fn split_bases() -> Vec<Scenario> {
    let mut steps = vec![
        recv(&[&cmd(WILL, LINEMODE), &cmd(DO, SGA), &cmd(WILL, NAWS), &sb(NAWS, &[0, 100, 0, 40])]),
        recv(&[&cmd(WILL, TTYPE), &sb(TTYPE, b"\0Mudlet 4"), &sb(TTYPE, b"\0XTERM"), &sb(TTYPE, b"\0MTTS 9")]),
        recv(&[
            &cmd(DO, GMCP),
            &cmd(DO, MSDP),
            &sb(GMCP, br#"Core.Hello {"a": 1}"#),
            &sb(MSDP, &[VAR, b'L', b'I', b'S', b'T', VAL, b'x']),
        ]),
        recv(&[b"look\r\nsay hi\n\rthere\r", b"\0emote\r\n\0\r\n"]),
    ];
    steps.push(recv(&[b"a\xff\xffb\r\nGET / HTTP/1.1\r\n\r\n"]));
    let with_mccp = vec![
        recv(&[&cmd(DO, MCCP), b"one\r\n", &cmd(DO, SGA), &sb(NAWS, &[0, 1, 0, 2])]),
        recv(&[b"two\r\n", &cmd(DONT, MCCP), b"three\r\n", &cmd(DONT, SGA)]),
    ];
    vec![Scenario::new("split: everything", steps), Scenario::new("split: MCCP", with_mccp)]
}

fn split_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    for base in split_bases() {
        let n = base.client_bytes().len();
        out.push(base.merged(format!("{} (one read)", base.name)));
        out.push(base.recut(format!("{} (1-byte reads)", base.name), &(1..n).collect::<Vec<_>>()));
        for k in 1..n {
            let merged = base.merged(base.name.clone());
            out.push(merged.recut(format!("{} (cut at {k})", base.name), &[k]));
        }
        out.push(base);
    }
    out
}

fn all_scenarios() -> Vec<Scenario> {
    let mut all = vec![refuse_all(), agree_all(), mudlet()];
    all.extend(ttype_scenarios());
    all.extend(naws_scenarios());
    all.extend(gmcp_scenarios());
    all.extend(msdp_scenarios());
    all.extend(mccp_scenarios());
    all.extend(text_scenarios());
    all.extend(garbage_scenarios());
    all.extend(negotiation_scenarios());
    all.extend(settings_scenarios());
    all.extend(flags_scenarios());
    all.extend(oob_output_scenarios());
    all.extend(split_scenarios());
    all
}

#[test]
fn evennia_and_ours_agree_on_every_scenario() {
    let scenarios = all_scenarios();
    let oracle = evennia(&scenarios, &[]);
    assert_eq!(oracle.runs.len(), scenarios.len());
    let mut failures = Vec::new();
    let (mut steps, mut crashes, mut surrogates) = (0, 0, 0);
    for (scenario, python) in scenarios.iter().zip(&oracle.runs) {
        let ours = rust(scenario, &oracle.evennia_version);
        steps += python.steps.len();
        crashes += python.steps.iter().filter(|s| s.crash.is_some()).count();
        surrogates += python.steps.iter().filter(|s| s.surrogates).count();
        if let Err(e) = compare(scenario, python, &ours) {
            failures.push(e);
        }
    }
    eprintln!(
        "{} scenarios, {steps} steps compared with Evennia {} ({crashes} where Evennia drops the connection, {surrogates} with lone surrogates)",
        scenarios.len(),
        oracle.evennia_version
    );
    assert!(
        failures.is_empty(),
        "{} of {} scenarios differ:\n{}",
        failures.len(),
        scenarios.len(),
        failures.join("\n\n")
    );
}

fn oob_corpus() -> Vec<telnet_support::OobMessage> {
    let names = [
        "ping",
        "text",
        "char_vitals",
        "HP_max",
        "client_options",
        "get_inputfuncs",
        "get_value",
        "repeat",
        "monitor",
        "Core",
        "already.Dotted",
        "ABC",
        "Abc",
        "aBC",
        "a_b_c",
        "__",
        "_x",
        "x_",
        "\u{1c6}_\u{1c5}",
        "\u{3c3}\u{3a3}",
        "\u{3a3}\u{391}\u{3a3}_\u{39f}\u{394}\u{39f}\u{3a3}",
        "stra\u{df}e",
        "\u{130}x",
        "\u{fb00}_x",
        "Hello World",
        "title Case",
        "1abc",
        "",
        "\u{e9}_\u{c9}",
        "\u{212a}_k",
        "a\nb",
        "msdp_list",
    ];
    let big = Value::from_bigint(format!("1{}", "0".repeat(4300)).parse().expect("digits"));
    let arg_sets: Vec<Vec<Value>> = vec![
        vec![],
        vec![Value::Int(1)],
        vec![Value::Int(1), Value::Int(2)],
        vec![Value::List(vec![Value::Int(1), Value::Int(2)])],
        vec![s("it's \"quoted\" \u{e9}\n\t\u{7f}")],
        vec![
            Value::None,
            Value::Bool(true),
            Value::Float(1.5),
            Value::Float(-0.0),
            Value::Float(f64::NAN),
            Value::Float(f64::INFINITY),
        ],
        vec![Value::Dict(vec![
            (s("a"), Value::Int(1)),
            (Value::Int(2), Value::Float(0.1)),
            (Value::None, Value::Bool(false)),
        ])],
        vec![Value::Tuple(vec![Value::Int(1), s("x")]), Value::Tuple(vec![Value::Int(1)])],
        vec![Value::Bytes(b"x'y".to_vec())],
        vec![Value::Set(vec![Value::Int(3)])],
        vec![big.clone()],
        vec![Value::from_bigint("123456789012345678901234567890".parse().expect("digits"))],
        vec![Value::Float(1e16), Value::Float(1e-5), Value::Float(123.456)],
        vec![Value::Dict(vec![(Value::Tuple(vec![]), Value::Int(1))])],
    ];
    let kwarg_sets: Vec<Vec<(Value, Value)>> = vec![
        vec![],
        kw(&[("k", Value::Int(1))]),
        kw(&[("k", s("v")), ("options", Value::Dict(vec![(s("raw"), Value::Bool(true))]))]),
        kw(&[("\u{e9}", Value::List(vec![Value::Int(1)])), ("n", Value::None)]),
        kw(&[("b", Value::Bytes(b"z".to_vec()))]),
        kw(&[("big", big)]),
    ];
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        out.push((name.to_string(), vec![], vec![]));
        out.push((name.to_string(), arg_sets[i % arg_sets.len()].clone(), kwarg_sets[i % kwarg_sets.len()].clone()));
    }
    for args in &arg_sets {
        for kwargs in &kwarg_sets {
            out.push(("char_vitals".into(), args.clone(), kwargs.clone()));
        }
    }
    out
}

#[test]
fn evennia_and_ours_encode_oob_alike() {
    use amp_portal::telnet::{gmcp, msdp};
    let corpus = oob_corpus();
    let oracle = evennia(&[], &corpus);
    let mut errors = 0;
    for ((cmd, args, kwargs), py) in corpus.iter().zip(&oracle.oob) {
        let named: Vec<(&str, &Value)> = kwargs
            .iter()
            .filter(|(k, _)| k.as_str() != Some("options"))
            .map(|(k, v)| (k.as_str().expect("str key"), v))
            .collect();
        let what = format!("{cmd:?} {args:?} {kwargs:?}");
        match (&py.msdp, msdp::encode(cmd, args, &named)) {
            (Ok(p), Ok(r)) => assert_eq!(String::from_utf8_lossy(&r), String::from_utf8_lossy(p), "MSDP of {what}"),
            (Err(e), Err(_)) if e == "ValueError" => errors += 1,
            (p, r) => panic!("MSDP of {what}: Evennia {p:?}, ours {r:?}"),
        }
        match (&py.gmcp, gmcp::encode(cmd, args, &named)) {
            (Ok(p), Ok(r)) => assert_eq!(r, String::from_utf8_lossy(p), "GMCP of {what}"),
            (Err(e), Err(r)) => {
                let ours = telnet_support::python_exception(&amp_portal::telnet::OobError::Gmcp(r));
                assert_eq!(e, ours, "GMCP error of {what}");
                errors += 1;
            }
            (p, r) => panic!("GMCP of {what}: Evennia {p:?}, ours {r:?}"),
        }
    }
    eprintln!("{} OOB messages encoded as Evennia ({errors} errors alike)", corpus.len());
}
