//! `amp_portal::python` against CPython 3.12 (Evennia 6.1's
//! interpreter, run at test time by `tests/python/python_text.py`): the
//! Unicode tables, every code point's properties and case mappings, string
//! methods on a corpus, `repr(float)`, `json.loads`, `json.dumps`, `repr()`
//! and `str()`.

mod telnet_support;

use amp_portal::python::case::{
    capitalize, decimal_value, int_of_digits_mod, is_digit, is_printable, is_space, is_title, is_upper, lower,
    split_first_word, strip, upper,
};
use amp_portal::python::json::{dumps, loads, JsonError};
use amp_portal::python::repr::{float_repr, repr, str as py_str};
use amp_portal::telnet::Value;
use serde_json::{json, Value as Json};
use telnet_support::{pickled, python_json, unhex, unpickle, workspace_root, Rng};

#[test]
fn tables_are_what_cpython_generates() {
    let script = workspace_root().join("amp-portal/tests/python/python_unicode_tables.py");
    let out =
        std::process::Command::new(telnet_support::evennia_python()).arg(&script).output().expect("run the generator");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let committed = std::fs::read(workspace_root().join("amp-portal/src/python/tables.rs")).expect("tables.rs");
    assert!(
        out.stdout == committed,
        "amp-portal/src/python/tables.rs is not what {} writes with this CPython: regenerate it",
        script.display()
    );
}

#[test]
fn every_code_point_as_cpython() {
    let reply = python_json("python_text.py", &json!({"chars": true}));
    let flags = unhex(reply["chars"].as_str().expect("chars"));
    let (space, printable, upper_bit, title_bit, digit, decimal) = (1, 2, 4, 16, 128, 256);
    let mut checked = 0;
    for cp in 0..0x110000u32 {
        let Some(c) = char::from_u32(cp) else { continue };
        let f = u16::from_le_bytes([flags[2 * cp as usize], flags[2 * cp as usize + 1]]);
        let one = c.to_string();
        let fail = |what: &str| panic!("U+{cp:04X}: {what} differs from CPython (flags {f:#x})");
        if is_space(c) != (f & space != 0) {
            fail("isspace");
        }
        if is_printable(c) != (f & printable != 0) {
            fail("isprintable");
        }
        if is_upper(&one) != (f & upper_bit != 0) {
            fail("isupper");
        }
        if is_title(&one) != (f & (title_bit | upper_bit) != 0) {
            fail("istitle");
        }
        if is_digit(&one) != (f & digit != 0) {
            fail("isdigit");
        }
        if decimal_value(c).is_some() != (f & decimal != 0) {
            fail("isdecimal");
        }
        if strip(&one).is_empty() != (f & space != 0) {
            fail("strip");
        }
        checked += 1;
    }
    for (name, f) in [("upper", upper as fn(&str) -> String), ("lower", lower), ("title", capitalize)] {
        let changed = reply["maps"][name].as_array().expect("maps");
        let mut expected = std::collections::HashMap::new();
        for pair in changed {
            expected.insert(pair[0].as_u64().expect("cp") as u32, pair[1].as_str().expect("text").to_owned());
        }
        for cp in 0..0x110000u32 {
            let Some(c) = char::from_u32(cp) else { continue };
            let want = expected.get(&cp).cloned().unwrap_or_else(|| c.to_string());
            assert_eq!(f(&c.to_string()), want, "{name}(U+{cp:04X})");
        }
    }
    eprintln!("{checked} code points as CPython");
}

const POOL: &[&str] = &[
    "a",
    "Z",
    "q",
    "0",
    "7",
    " ",
    "\t",
    "\n",
    "_",
    ".",
    "-",
    "'",
    ":",
    "^",
    "`",
    "\u{3a3}",
    "\u{3c3}",
    "\u{3c2}",
    "\u{301}",
    "\u{345}",
    "\u{2b0}",
    "\u{1c5}",
    "\u{1c6}",
    "\u{1c4}",
    "\u{130}",
    "\u{131}",
    "\u{df}",
    "\u{fb00}",
    "\u{212a}",
    "\u{1fb3}",
    "\u{1f88}",
    "\u{ff11}",
    "\u{b2}",
    "\u{663}",
    "\u{3000}",
    "\u{85}",
    "\u{1c}",
    "\u{a0}",
    "\u{200b}",
    "\u{1f600}",
    "\u{10d0}",
    "\u{1c90}",
    "\u{149}",
    "\u{1f0}",
    "\u{390}",
    "\u{587}",
    "\u{1e9e}",
    "\u{2c65}",
    "\u{a7c0}",
    "\u{10400}",
    "\u{1e900}",
    "\u{e0020}",
    "MTTS",
    "Mudlet",
    "xterm",
    "256COLOR",
];

fn random_string(rng: &mut Rng) -> String {
    let len = rng.below(7);
    (0..len).map(|_| *rng.pick(POOL)).collect()
}

#[test]
fn string_methods_as_cpython() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut strings: Vec<String> = POOL.iter().map(|s| s.to_string()).collect();
    strings.extend(
        [
            "",
            "ΣΑΣ",
            "ΑΣ",
            "Α\u{301}Σ\u{301}",
            "Σ",
            "aΣ",
            "Σa",
            "a'Σ'",
            "a\u{345}Σ",
            "ǅungla",
            "DŽ_x",
            "ǆ",
            "İstanbul",
            "ß",
            "ﬀ",
            "ᾳ",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    strings.extend(
        [
            "0",
            "007",
            "12",
            "\u{663}\u{664}",
            "\u{b2}",
            "1\u{b2}",
            "\u{ff11}\u{ff12}",
            "9".repeat(4300).as_str(),
            &"9".repeat(4301),
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    strings.extend((0..3000).map(|_| random_string(&mut rng)));
    let reply = python_json("python_text.py", &json!({ "strings": strings }));
    for (s, py) in strings.iter().zip(reply["strings"].as_array().expect("strings")) {
        let text = |k: &str| py[k].as_str().unwrap_or_else(|| panic!("{k}")).to_owned();
        assert_eq!(upper(s), text("upper"), "{s:?}.upper()");
        assert_eq!(lower(s), text("lower"), "{s:?}.lower()");
        assert_eq!(capitalize(s), text("capitalize"), "{s:?}.capitalize()");
        assert_eq!(is_upper(s), py["isupper"].as_bool().expect("isupper"), "{s:?}.isupper()");
        assert_eq!(is_title(s), py["istitle"].as_bool().expect("istitle"), "{s:?}.istitle()");
        assert_eq!(strip(s), text("strip"), "{s:?}.strip()");
        let split = split_first_word(s).map(|(a, b)| vec![a.to_owned(), b.to_owned()]);
        let py_split =
            py["split1"].as_array().map(|a| a.iter().map(|x| x.as_str().expect("part").to_owned()).collect());
        assert_eq!(split, py_split, "{s:?}.split(None, 1)");
        assert_eq!(is_digit(s), py["isdigit"].as_bool().expect("isdigit"), "{s:?}.isdigit()");
        if is_digit(s) {
            let ours = int_of_digits_mod(s, 4096).map_or("ValueError".to_owned(), |n| n.to_string());
            assert_eq!(ours, text("int"), "int({s:?}) % 4096");
        }
    }
}

#[test]
fn float_repr_as_cpython() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut floats: Vec<f64> = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1,
        1e16,
        1e15,
        9999999999999998.0,
        1e-4,
        1e-5,
        0.00012345,
        123456789012345680.0,
        5e-324,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1.5,
        2.5e-7,
        1e22,
        1e21,
        12345.678,
    ];
    floats.extend((0..5000).map(|_| f64::from_bits(rng.next())));
    floats.extend((0..2000).map(|i| (rng.next() % 100_000) as f64 / 10f64.powi(i % 30 - 10)));
    let hexes: Vec<String> = floats.iter().map(|f| format!("{:016x}", f.to_bits())).collect();
    let reply = python_json("python_text.py", &json!({ "floats": hexes }));
    for (f, py) in floats.iter().zip(reply["floats"].as_array().expect("floats")) {
        assert_eq!(float_repr(*f), py.as_str().expect("repr"), "repr({f:e}) (bits {:016x})", f.to_bits());
    }
}

fn json_corpus(rng: &mut Rng) -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        " ",
        "1",
        "-1",
        "-0",
        "-0.0",
        "1.5e3",
        "1E-2",
        "1e400",
        "-1e400",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "1e+",
        "NaN",
        "Infinity",
        "-Infinity",
        "nan",
        "infinity",
        "true",
        "false",
        "null",
        "True",
        "nul",
        "\"\"",
        "\"a\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud800\"",
        "\"\\ud800\\u0041\"",
        "\"\\udc00\"",
        "\"\\u12\"",
        "\"\\u00G0\"",
        "\"\\x\"",
        "\"\\/\"",
        "\"tab\there\"",
        "\"\u{0}\"",
        "\"\u{1f}\"",
        "\"\u{7f}\"",
        "[]",
        "{}",
        "[1,2]",
        "[1,]",
        "[,1]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "{\"a\":1,\"a\":2,\"b\":3,\"a\":4}",
        " \t\n\r[ 1 , 2 ] \r\n",
        "[1] x",
        "\u{feff}1",
        "\u{a0}1",
        "[\"\u{e9}\"]",
        "123456789012345678901234567890",
        "-9223372036854775808",
        "9223372036854775808",
        "[[[[[]]]]]",
        "{\"\":{\"\":[]}}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    out.push("7".repeat(4300));
    out.push("7".repeat(4301));
    out.push(format!("-{}", "7".repeat(4300)));
    // CPython pickles (for this comparison) no deeper than ~900.
    out.push(format!("{}1{}", "[".repeat(700), "]".repeat(700)));
    // Many keys, duplicates included (the indexed path).
    out.push(format!("{{{}}}", (0..60).map(|i| format!("\"k{}\": {i}", i % 23)).collect::<Vec<_>>().join(", ")));
    const TOKENS: &[&str] = &[
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        " ",
        "\"k\"",
        "\"v\\n\"",
        "1",
        "-2.5",
        "3e2",
        "true",
        "null",
        "NaN",
        "\"\\u00e9\"",
        "\"",
    ];
    for _ in 0..3000 {
        let n = 1 + rng.below(12);
        out.push((0..n).map(|_| *rng.pick(TOKENS)).collect());
    }
    // Valid documents (our dumps of random values), whole and with one byte changed.
    let mut valid = Vec::new();
    while valid.len() < 1500 {
        if let Ok(doc) = dumps(&random_value(rng, 4)) {
            valid.push(doc);
        }
    }
    for doc in valid {
        let mut bytes = doc.clone().into_bytes();
        let at = rng.below(bytes.len());
        bytes[at] = *rng.pick(b"[]{},:\"\\ 0e.-x");
        out.extend(String::from_utf8(bytes).ok());
        out.push(doc);
    }
    out
}

#[test]
fn json_loads_as_cpython() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let corpus = json_corpus(&mut rng);
    let reply = python_json("python_text.py", &json!({ "json": corpus }));
    let (mut values, mut errors) = (0, 0);
    for (s, py) in corpus.iter().zip(reply["json"].as_array().expect("json")) {
        let py = py.as_str().expect("result");
        // CPython's own depth limit (~1500) is not ours to match: read deep.
        let ours = loads(s, 100_000);
        match (py.strip_prefix('!'), ours) {
            (None, Ok(v)) => {
                assert_eq!(v, unpickle(py), "json.loads({s:?})");
                values += 1;
            }
            (Some("JSONDecodeError" | "ValueError"), Err(JsonError::Syntax { .. })) => errors += 1,
            (py, ours) => panic!("json.loads({s:?}): CPython {py:?}, ours {ours:?}"),
        }
    }
    eprintln!("json.loads: {values} values, {errors} errors as CPython");
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let leaf = |rng: &mut Rng| match rng.below(12) {
        0 => Value::None,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::Int(rng.next() as i64 >> rng.below(64)),
        3 => Value::Float(f64::from_bits(rng.next())),
        4 => Value::Float((rng.below(2000) as f64 - 1000.0) / 8.0),
        5 => Value::from_bigint(format!("{}{}", rng.next(), rng.next()).parse().expect("digits")),
        6 => Value::Bytes(vec![b'x', 0, 0xff, b'\'']),
        _ => {
            let quotes = rng.below(3);
            let mut text: String = (0..rng.below(4)).map(|_| *rng.pick(POOL)).collect();
            text.extend(["'", "\"", "\\", "\u{7f}", "\u{0}"].into_iter().take(quotes));
            Value::Str(text)
        }
    };
    if depth == 0 || rng.below(3) == 0 {
        return leaf(rng);
    }
    let n = rng.below(4);
    match rng.below(6) {
        0 => Value::List((0..n).map(|_| random_value(rng, depth - 1)).collect()),
        1 => Value::Tuple((0..n).map(|_| random_value(rng, depth - 1)).collect()),
        2 => Value::Set((0..n).map(|i| Value::Int(i as i64)).collect()),
        _ => Value::Dict(
            (0..n)
                .map(|i| {
                    // Keys unique by `i` also as Python compares them (0 == False).
                    let key = match (rng.below(6), i) {
                        (0, _) => Value::Int(100 + i as i64),
                        (1, _) => Value::Float(i as f64 + 0.5),
                        (2, 0) => Value::Bool(true),
                        (2, 1) => Value::Bool(false),
                        (3, 2) => Value::None,
                        (4, _) => Value::Tuple(vec![Value::Int(i as i64)]),
                        _ => Value::Str(format!("k{i}{}", rng.pick(POOL))),
                    };
                    (key, random_value(rng, depth - 1))
                })
                .collect(),
        ),
    }
}

#[test]
fn json_dumps_and_repr_as_cpython() {
    let mut rng = Rng(0x0bad_5eed_1234_4321);
    let mut values: Vec<Value> = (0..3000).map(|_| random_value(&mut rng, 3)).collect();
    values.push(Value::from_bigint(format!("1{}", "0".repeat(4299)).parse().expect("digits")));
    values.push(Value::from_bigint(format!("1{}", "0".repeat(4300)).parse().expect("digits")));
    values.push(Value::FrozenSet(vec![]));
    values.push(Value::FrozenSet(vec![Value::Int(1)]));
    values.push(Value::ByteArray(b"ab".to_vec()));
    values.push(Value::Tuple(vec![Value::Int(1)]));
    values.push(Value::Str("it's".into()));
    values.push(Value::Str("it's \"q\"".into()));
    values.push(Value::Bytes(b"it's".to_vec()));
    let hexes: Vec<String> = values.iter().map(pickled).collect();
    let reply = python_json("python_text.py", &json!({ "dumps": hexes, "repr": hexes }));
    for ((v, py_dump), py_repr) in
        values.iter().zip(reply["dumps"].as_array().expect("dumps")).zip(reply["repr"].as_array().expect("repr"))
    {
        let py_dump = py_dump.as_str().expect("dump");
        match (py_dump.strip_prefix('!'), dumps(v)) {
            (None, Ok(ours)) => assert_eq!(ours, py_dump, "json.dumps({v})"),
            (Some("TypeError"), Err(JsonError::NotSerializable(_))) => {}
            (Some("ValueError"), Err(JsonError::Repr(_))) => {}
            (py, ours) => panic!("json.dumps({v}): CPython {py:?}, ours {ours:?}"),
        }
        let (mut r, mut s) = (String::new(), String::new());
        match (py_repr, repr(v, &mut r).and_then(|_| py_str(v, &mut s))) {
            (Json::Array(pair), Ok(())) => {
                assert_eq!(r, pair[0].as_str().expect("repr"), "repr");
                assert_eq!(s, pair[1].as_str().expect("str"), "str");
            }
            (Json::String(e), Err(_)) if e == "!ValueError" => {}
            (py, ours) => panic!("repr({v}): CPython {py:?}, ours {ours:?}"),
        }
    }
}
