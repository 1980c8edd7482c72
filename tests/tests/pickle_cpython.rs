//! The pickle codec against CPython 3.11 (Twisted 26 venv) and 3.12 (Evennia
//! 6.1 venv), driven through tests/python/pickle_corpus.py:
//! - every corpus value pickled by CPython at protocols 0 to 5 decodes to what
//!   CPython describes (types exact: tuple vs list, set, bytearray, objects);
//! - each decoded value, encoded by Rust at protocols 2 to 5, loads in CPython
//!   as a value equal to the original, of the same types;
//! - a few hundred random nested values survive Rust -> CPython -> (re-pickled
//!   at a random protocol) -> Rust.

use std::process::Command;

use amp_evennia::codec::pickle::{self, EncodeOptions, ObjectKind, Value};
use amp_tests::{run_checked, Peer};
use num_bigint::BigInt;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value as J;

const SCRIPT: &str = "tests/python/pickle_corpus.py";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex from python")).collect()
}

fn run(peer: Peer, args: &[&str], input: &str) -> Vec<J> {
    let mut cmd: Command = peer.script(SCRIPT);
    cmd.args(args).env("PYTHONHASHSEED", "0");
    let out = run_checked(cmd, input.as_bytes());
    String::from_utf8(out.stdout)
        .expect("utf-8 json lines")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a json line"))
        .collect()
}

/// `v` in the script's description format (see its doc), built independently
/// of the codec: this is what the test compares with CPython's view.
fn describe(v: &Value) -> J {
    use serde_json::json;
    let list = |vs: &[Value]| J::Array(vs.iter().map(describe).collect());
    let pairs = |vs: &[(Value, Value)]| J::Array(vs.iter().map(|(k, v)| json!([describe(k), describe(v)])).collect());
    match v {
        Value::None => json!({"t": "none"}),
        Value::Bool(b) => json!({"t": "bool", "v": b}),
        Value::Int(_) | Value::BigInt(_) => json!({"t": "int", "v": v.as_bigint().expect("an int").to_string()}),
        Value::Float(x) if x.is_nan() => json!({"t": "float", "v": "nan"}),
        Value::Float(x) => json!({"t": "float", "v": hex(&x.to_be_bytes())}),
        Value::Str(s) => json!({"t": "str", "v": s}),
        Value::Bytes(b) => json!({"t": "bytes", "v": hex(b)}),
        Value::ByteArray(b) => json!({"t": "bytearray", "v": hex(b)}),
        Value::List(vs) => json!({"t": "list", "v": list(vs)}),
        Value::Tuple(vs) => json!({"t": "tuple", "v": list(vs)}),
        Value::Dict(vs) => json!({"t": "dict", "v": pairs(vs)}),
        Value::Set(vs) => json!({"t": "set", "v": list(vs)}),
        Value::FrozenSet(vs) => json!({"t": "frozenset", "v": list(vs)}),
        Value::Global(g) => json!({"t": "global", "module": g.module, "name": g.name}),
        Value::Object(o) => json!({
            "t": "object",
            "callable": describe(&o.callable),
            "kind": match o.kind {
                ObjectKind::Reduce => "Reduce",
                ObjectKind::NewObj => "NewObj",
                ObjectKind::NewObjEx => "NewObjEx",
            },
            "args": list(&o.args),
            "kwargs": pairs(&o.kwargs),
            "list_items": list(&o.list_items),
            "dict_items": pairs(&o.dict_items),
            "state": list(o.state.as_slice()),
        }),
    }
}

/// A description with set members in a canonical order, so that equal sets
/// compare equal whatever order they were iterated in.
fn canonical(d: &J) -> J {
    match d {
        J::Array(items) => J::Array(items.iter().map(canonical).collect()),
        J::Object(map) => {
            let mut out: serde_json::Map<String, J> = map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect();
            let is_set = matches!(map.get("t").and_then(J::as_str), Some("set" | "frozenset"));
            if let (true, Some(J::Array(members))) = (is_set, out.get_mut("v")) {
                members.sort_by_cached_key(|m| m.to_string());
            }
            J::Object(out)
        }
        other => other.clone(),
    }
}

/// Whether `v` is the value CPython described as `d`.
fn same(d: &J, v: &Value) -> bool {
    canonical(d) == canonical(&describe(v))
}

/// Equality with set members in any order (Python re-orders sets it re-pickles).
fn same_value(a: &Value, b: &Value) -> bool {
    let all = |x: &[Value], y: &[Value]| x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b));
    match (a, b) {
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => all(x, y),
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((k1, v1), (k2, v2))| same_value(k1, k2) && same_value(v1, v2))
        }
        (Value::Set(x), Value::Set(y)) | (Value::FrozenSet(x), Value::FrozenSet(y)) => {
            let mut left: Vec<&Value> = y.iter().collect();
            x.len() == y.len()
                && x.iter().all(|v| match left.iter().position(|w| same_value(v, w)) {
                    Some(i) => {
                        left.swap_remove(i);
                        true
                    }
                    None => false,
                })
        }
        _ => a == b,
    }
}

fn corpus_round_trip(peer: Peer) {
    let corpus = run(peer, &["corpus"], "");
    assert!(corpus.len() > 200, "{}: corpus of {} pickles", peer.label(), corpus.len());
    let mut failures = Vec::new();
    let mut checks = String::new();
    for entry in &corpus {
        let name = entry["name"].as_str().expect("name");
        let protocol = entry["protocol"].as_u64().expect("protocol");
        let bytes = unhex(entry["pickle"].as_str().expect("pickle"));
        let value = match pickle::decode(&bytes) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name} p{protocol}: decode failed: {e}"));
                continue;
            }
        };
        // The comparison can fail: a wrong value is told apart.
        assert!(!same(&entry["desc"], &Value::Tuple(vec![value.clone()])), "{name}: the check must discriminate");
        if !same(&entry["desc"], &value) {
            failures.push(format!("{name} p{protocol}: decoded {value}\n  python: {}", entry["desc"]));
        }
        if let Some(repr) = entry["repr"].as_str() {
            if value.to_string() != repr {
                failures.push(format!("{name} p{protocol}: Display {value}\n  repr: {repr}"));
            }
        }
        for out in 2..=5u8 {
            let encoded = pickle::encode_with(&value, &EncodeOptions::protocol(out))
                .unwrap_or_else(|e| panic!("{name} p{protocol} -> p{out}: {e}"));
            assert_eq!(pickle::decode(&encoded).as_ref(), Ok(&value), "{name} p{protocol} -> p{out} -> Rust");
            let tag = format!("{name} p{protocol} -> p{out}");
            checks.push_str(&serde_json::json!({"name": name, "tag": tag, "pickle": hex(&encoded)}).to_string());
            checks.push('\n');
        }
    }
    let results = run(peer, &["check"], &checks);
    assert_eq!(results.len(), corpus.len() * 4, "one answer per pickle");
    for (result, line) in results.iter().zip(checks.lines()) {
        if result["ok"] != true {
            let tag: J = serde_json::from_str(line).expect("our json");
            failures.push(format!("{} loaded by CPython: {}", tag["tag"], result["why"]));
        }
    }
    assert!(failures.is_empty(), "{}: {} failures:\n{}", peer.label(), failures.len(), failures.join("\n"));
}

#[test]
fn cpython_3_11_pickles_decode_exactly_and_ours_load_back_equal() {
    corpus_round_trip(Peer::Twisted26);
}

#[test]
fn cpython_3_12_pickles_decode_exactly_and_ours_load_back_equal() {
    corpus_round_trip(Peer::Evennia61);
}

// ---- random values ----

fn hashable_key() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Int),
        ".{0,8}".prop_map(Value::Str),
        (any::<i32>(), "[a-z]{0,3}").prop_map(|(n, s)| Value::Tuple(vec![n.into(), s.into()])),
    ]
}

fn set_member() -> impl Strategy<Value = Value> {
    prop_oneof![any::<i64>().prop_map(Value::Int), ".{0,8}".prop_map(Value::Str)]
}

/// Keeps the first of equal keys: Python would merge them.
fn dedupe<T>(items: Vec<T>, key: impl Fn(&T) -> &Value) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.iter().any(|o| key(o) == key(&item)) {
            out.push(item);
        }
    }
    out
}

fn random_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        (any::<i128>(), any::<u64>()).prop_map(|(a, b)| Value::from(BigInt::from(a) * BigInt::from(b) * 7919)),
        any::<f64>().prop_map(Value::Float),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0)].prop_map(Value::Float),
        any::<String>().prop_map(Value::Str),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        proptest::collection::vec(any::<u8>(), 0..10).prop_map(Value::ByteArray),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Tuple),
            proptest::collection::vec((hashable_key(), inner), 0..8)
                .prop_map(|pairs| Value::Dict(dedupe(pairs, |(k, _)| k))),
            proptest::collection::vec(set_member(), 0..8).prop_map(|m| Value::Set(dedupe(m, |v| v))),
            proptest::collection::vec(set_member(), 0..8).prop_map(|m| Value::FrozenSet(dedupe(m, |v| v))),
        ]
    })
}

fn random_round_trip(peer: Peer, seed: u64) {
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = random_value();
    let values: Vec<Value> = (0..300).map(|_| strategy.new_tree(&mut runner).expect("a value").current()).collect();
    let mut input = String::new();
    for (i, v) in values.iter().enumerate() {
        let protocol = 2 + (i % 4) as u8;
        let bytes = pickle::encode_with(v, &EncodeOptions::protocol(protocol)).expect("random values encode");
        input.push_str(&serde_json::json!({"pickle": hex(&bytes)}).to_string());
        input.push('\n');
    }
    let seed = seed.to_string();
    let answers = run(peer, &["roundtrip", &seed], &input);
    assert_eq!(answers.len(), values.len());
    for (i, (v, answer)) in values.iter().zip(&answers).enumerate() {
        assert!(answer["error"].is_null(), "{}: value {i} ({v}): CPython failed: {}", peer.label(), answer["error"]);
        assert!(same(&answer["desc"], v), "{}: value {i}: CPython loaded {} for {v}", peer.label(), answer["desc"]);
        let back = pickle::decode(&unhex(answer["pickle"].as_str().expect("pickle")))
            .unwrap_or_else(|e| panic!("value {i} re-pickled at protocol {}: {e}", answer["protocol"]));
        assert!(same_value(&back, v), "value {i}, protocol {}: {back} != {v}", answer["protocol"]);
    }
}

#[test]
fn random_values_survive_rust_cpython_3_11_rust() {
    random_round_trip(Peer::Twisted26, 11);
}

#[test]
fn random_values_survive_rust_cpython_3_12_rust() {
    random_round_trip(Peer::Evennia61, 12);
}
