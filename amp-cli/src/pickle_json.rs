//! The pickle mapping: a decoded Python pickle (`amp_evennia::codec::pickle::Value`)
//! as JSON.
//!
//! | Python | JSON |
//! |--------|------|
//! | `str`, `bool`, `None` | themselves |
//! | `int` | a number with exact digits, any size |
//! | `float` | a number; `"inf"`, `"-inf"`, `"nan"` as strings |
//! | `list` | an array |
//! | `tuple` | `{"tuple": [...]}` |
//! | `dict` with only `str` keys | an object (insertion order) |
//! | any other `dict` | `{"dict": [[k, v], ...]}` |
//! | `bytes` | `{"base64": "..."}` |
//! | `set`, `frozenset` | `{"set": [...]}`, `{"frozenset": [...]}` |
//! | anything else | `{"global": "module.name", "args": [...]}` |
//!
//! "Anything else" is an object the pickle builds by calling a global (a
//! `datetime` is `{"global": "datetime.datetime", "args": [{"base64": ...}]}`);
//! its other parts appear only when the pickle has them: `"kwargs"` (a
//! dict, as above), `"state"`, `"list_items"`, `"dict_items"`. A `bytearray`
//! is `{"global": "builtins.bytearray", "args": [{"base64": ...}]}`, as
//! Python pickles it before protocol 5. A bare reference to a global (a
//! class, not a call) is `{"global": "module.name"}` with no `"args"`; an
//! object whose callable is not a global shows it under `"callable"`.

use amp_evennia::codec::pickle::{Object, Value as Py};
use base64::Engine as _;
use serde_json::{Map, Value as Json};

use crate::json::{float_to_json, number};

fn tagged(tag: &str, inner: Json) -> Json {
    let mut map = Map::new();
    map.insert(tag.to_owned(), inner);
    Json::Object(map)
}

fn base64(raw: &[u8]) -> Json {
    tagged("base64", Json::String(base64::engine::general_purpose::STANDARD.encode(raw)))
}

fn list(items: &[Py]) -> Json {
    Json::Array(items.iter().map(pickle_to_json).collect())
}

/// A dict: an object when every key is a `str`, else `{"dict": [[k, v], ...]}`.
fn dict(pairs: &[(Py, Py)]) -> Json {
    if pairs.iter().all(|(k, _)| matches!(k, Py::Str(_))) {
        let mut map = Map::new();
        for (k, v) in pairs {
            if let Py::Str(key) = k {
                // A repeated key keeps the last value, as building the dict in Python does.
                map.insert(key.clone(), pickle_to_json(v));
            }
        }
        Json::Object(map)
    } else {
        let rows = pairs.iter().map(|(k, v)| Json::Array(vec![pickle_to_json(k), pickle_to_json(v)])).collect();
        tagged("dict", Json::Array(rows))
    }
}

fn object(obj: &Object) -> Json {
    let mut map = Map::new();
    match &obj.callable {
        Py::Global(g) => {
            map.insert("global".into(), Json::String(format!("{}.{}", g.module, g.name)));
        }
        other => {
            map.insert("callable".into(), pickle_to_json(other));
        }
    }
    map.insert("args".into(), list(&obj.args));
    if !obj.kwargs.is_empty() {
        map.insert("kwargs".into(), dict(&obj.kwargs));
    }
    if let Some(state) = &obj.state {
        map.insert("state".into(), pickle_to_json(state));
    }
    if !obj.list_items.is_empty() {
        map.insert("list_items".into(), list(&obj.list_items));
    }
    if !obj.dict_items.is_empty() {
        map.insert("dict_items".into(), dict(&obj.dict_items));
    }
    Json::Object(map)
}

/// One Python value in the pickle mapping.
pub fn pickle_to_json(value: &Py) -> Json {
    match value {
        Py::None => Json::Null,
        Py::Bool(b) => Json::Bool(*b),
        Py::Int(n) => number(&n.to_string()),
        Py::BigInt(n) => number(&n.to_string()),
        Py::Float(x) => float_to_json(*x),
        Py::Str(s) => Json::String(s.clone()),
        Py::Bytes(b) => base64(b),
        Py::ByteArray(b) => {
            let mut map = Map::new();
            map.insert("global".into(), Json::String("builtins.bytearray".into()));
            map.insert("args".into(), Json::Array(vec![base64(b)]));
            Json::Object(map)
        }
        Py::List(items) => list(items),
        Py::Tuple(items) => tagged("tuple", list(items)),
        Py::Dict(pairs) => dict(pairs),
        Py::Set(items) => tagged("set", list(items)),
        Py::FrozenSet(items) => tagged("frozenset", list(items)),
        Py::Global(g) => tagged("global", Json::String(format!("{}.{}", g.module, g.name))),
        Py::Object(obj) => object(obj),
    }
}

#[cfg(test)]
mod tests {
    use amp_evennia::codec::pickle::{self, Global, Object, ObjectKind};
    use base64::Engine as _;

    use super::*;

    fn from_b64(b64: &str) -> Json {
        let raw = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        pickle_to_json(&pickle::decode(&raw).unwrap())
    }

    /// pickle.dumps(v, P) for v = {'s': {2, 3}, 'b': b'\x00\xff', 't': (1.5, None, inf, -inf),
    /// 'f': frozenset([1]), 'd': datetime(2020, 1, 2, 3, 4, 5), 'big': 2**100, 'neg': -2**70,
    /// 'ba': bytearray(b'x'), 'l': [True, False, 'é'], 'n': nan}, written by CPython 3.11.
    const PROTOCOL_5: &str = "gAWVxQAAAAAAAAB9lCiMAXOUj5QoSwJLA5CMAWKUQwIA/5SMAXSUKEc/+AAAAAAAAE5Hf/AAAAAAAABH//AAAAAAAAB0lIwBZpQoSwGRlIwBZJSMCGRhdGV0aW1llIwIZGF0ZXRpbWWUk5RDCgfkAQIDBAUAAACUhZRSlIwDYmlnlIoNAAAAAAAAAAAAAAAAEIwDbmVnlIoJAAAAAAAAAADAjAJiYZSWAQAAAAAAAAB4lIwBbJRdlCiIiYwCw6mUZYwBbpRHf/gAAAAAAAB1Lg==";
    const PROTOCOL_2: &str = "gAJ9cQAoWAEAAABzcQFjX19idWlsdGluX18Kc2V0CnECXXEDKEsCSwNlhXEEUnEFWAEAAABicQZjX2NvZGVjcwplbmNvZGUKcQdYAwAAAADDv3EIWAYAAABsYXRpbjFxCYZxClJxC1gBAAAAdHEMKEc/+AAAAAAAAE5Hf/AAAAAAAABH//AAAAAAAAB0cQ1YAQAAAGZxDmNfX2J1aWx0aW5fXwpmcm96ZW5zZXQKcQ9dcRBLAWGFcRFScRJYAQAAAGRxE2NkYXRldGltZQpkYXRldGltZQpxFGgHWAsAAAAHw6QBAgMEBQAAAHEVaAmGcRZScReFcRhScRlYAwAAAGJpZ3Eaig0AAAAAAAAAAAAAAAAQWAMAAABuZWdxG4oJAAAAAAAAAADAWAIAAABiYXEcY19fYnVpbHRpbl9fCmJ5dGVhcnJheQpxHWgHWAEAAAB4cR5oCYZxH1JxIIVxIVJxIlgBAAAAbHEjXXEkKIiJWAIAAADDqXElZVgBAAAAbnEmR3/4AAAAAAAAdS4=";
    const EXPECTED: &str = concat!(
        r#"{"s":{"set":[2,3]},"b":{"base64":"AP8="},"t":{"tuple":[1.5,null,"inf","-inf"]},"f":{"frozenset":[1]},"#,
        r#""d":{"global":"datetime.datetime","args":[{"base64":"B+QBAgMEBQAAAA=="}]},"#,
        r#""big":1267650600228229401496703205376,"neg":-1180591620717411303424,"#,
        r#""ba":{"global":"builtins.bytearray","args":[{"base64":"eA=="}]},"l":[true,false,"é"],"n":"nan"}"#
    );

    #[test]
    fn every_row_of_the_mapping_from_a_real_pickle() {
        assert_eq!(from_b64(PROTOCOL_5).to_string(), EXPECTED);
    }

    #[test]
    fn old_protocols_map_the_same() {
        assert_eq!(from_b64(PROTOCOL_2).to_string(), EXPECTED);
    }

    #[test]
    fn dicts_with_other_keys_use_pairs() {
        // pickle.dumps({1: 'a', (2, 3): []}, 5)
        assert_eq!(
            from_b64("gAWVEwAAAAAAAAB9lChLAYwBYZRLAksDhpRdlHUu").to_string(),
            r#"{"dict":[[1,"a"],[{"tuple":[2,3]},[]]]}"#
        );
    }

    #[test]
    fn globals_and_object_parts() {
        let class = Py::Global(Box::new(Global::new("mod", "Cls")));
        assert_eq!(pickle_to_json(&class).to_string(), r#"{"global":"mod.Cls"}"#);
        let obj = Object {
            callable: class,
            kind: ObjectKind::NewObjEx,
            args: vec![Py::Int(1)],
            kwargs: vec![(Py::Str("k".into()), Py::None)],
            list_items: vec![Py::Str("x".into())],
            dict_items: vec![(Py::Int(1), Py::Int(2))],
            state: Some(Py::Dict(vec![(Py::Str("a".into()), Py::Bool(true))])),
        };
        assert_eq!(
            pickle_to_json(&Py::Object(Box::new(obj))).to_string(),
            concat!(
                r#"{"global":"mod.Cls","args":[1],"kwargs":{"k":null},"state":{"a":true},"#,
                r#""list_items":["x"],"dict_items":{"dict":[[1,2]]}}"#
            )
        );
        let nested = Object::reduce(Py::Object(Box::new(Object::reduce(Py::global("m", "f"), vec![]))), vec![]);
        assert_eq!(
            pickle_to_json(&Py::Object(Box::new(nested))).to_string(),
            r#"{"callable":{"global":"m.f","args":[]},"args":[]}"#
        );
    }
}
