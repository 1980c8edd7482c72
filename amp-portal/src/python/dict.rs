//! Reading Evennia's pickled dicts (`protocol_flags`, send `options`) the way
//! its Python code reads them: `d.get(key, default)` and truthiness.

use amp_evennia::codec::pickle::Value;

/// Python's `bool(value)` for a value decoded from a pickle.
///
/// Built-in values follow Python exactly. An object is true, except an
/// `OrderedDict`/`defaultdict`/`Counter` (true when it holds items), since
/// nothing else of its class is known (a class with `__bool__` or `__len__`
/// could say otherwise; Evennia's flags never hold one).
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        // The decoder only puts ints outside the i64 range here.
        Value::BigInt(_) => true,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::Bytes(b) | Value::ByteArray(b) => !b.is_empty(),
        Value::List(v) | Value::Tuple(v) | Value::Set(v) | Value::FrozenSet(v) => !v.is_empty(),
        Value::Dict(d) => !d.is_empty(),
        Value::Global(_) => true,
        Value::Object(o) => match o.global() {
            Some(g)
                if g.module == "collections"
                    && matches!(g.name.as_str(), "OrderedDict" | "defaultdict" | "Counter") =>
            {
                !o.dict_items.is_empty()
            }
            _ => true,
        },
    }
}

/// `d.get(key)` for a dict with `str` keys (the last of duplicate keys wins,
/// as it would have when Python built the dict).
pub fn get<'a>(dict: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    dict.iter().rev().find(|(k, _)| matches!(k, Value::Str(s) if s == key)).map(|(_, v)| v)
}

/// `bool(d[key])` if the key is present.
pub fn get_bool(dict: &[(Value, Value)], key: &str) -> Option<bool> {
    get(dict, key).map(truthy)
}

/// The pairs of a dict value (an `OrderedDict` object's items too).
pub fn dict_items(value: &Value) -> Option<&[(Value, Value)]> {
    match value {
        Value::Dict(d) => Some(d),
        Value::Object(o) if o.global().is_some_and(|g| g.module == "collections") && o.args.is_empty() => {
            Some(&o.dict_items)
        }
        _ => None,
    }
}
