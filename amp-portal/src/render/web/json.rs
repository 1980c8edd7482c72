//! Python's `json.dumps(value)` with its defaults (`ensure_ascii=True`,
//! separators `", "` and `": "`, `allow_nan=True`), for pickled values.
//!
//! Strings escape `"`, `\`, `\b \f \n \r \t`, every other character below
//! U+0020 or from U+007F up as `\u00XX` (lowercase hex; astral characters as
//! a surrogate pair). Tuples are lists. Dict keys that are ints, floats,
//! bools or None become strings (`1` -> `"1"`, `True` -> `"true"`); any other
//! key, and bytes, sets and objects other than dict subclasses
//! (`OrderedDict`, `defaultdict`, `Counter`), make Python raise `TypeError`.

use std::fmt::Write;

use amp_evennia::codec::pickle::Value;

/// A value `json.dumps` refuses (Python's `TypeError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Object of type {0} is not JSON serializable")]
pub struct JsonError(pub &'static str);

/// `json.dumps(value)` appended to `out`.
pub fn dumps_into(value: &Value, out: &mut String) -> Result<(), JsonError> {
    match value {
        Value::None => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::BigInt(_) => {
            let _ = write!(out, "{value}");
        }
        Value::Float(x) => float_into(*x, out),
        Value::Str(s) => str_into(s, out),
        Value::List(items) | Value::Tuple(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dumps_into(item, out)?;
            }
            out.push(']');
        }
        Value::Dict(pairs) => dict_into(pairs, out)?,
        Value::Object(o) if is_dict_subclass(value) => dict_into(&o.dict_items, out)?,
        Value::Bytes(_) => return Err(JsonError("bytes")),
        Value::ByteArray(_) => return Err(JsonError("bytearray")),
        Value::Set(_) => return Err(JsonError("set")),
        Value::FrozenSet(_) => return Err(JsonError("frozenset")),
        Value::Global(_) => return Err(JsonError("type")),
        Value::Object(_) => return Err(JsonError("object")),
    }
    Ok(())
}

fn is_dict_subclass(value: &Value) -> bool {
    match value {
        Value::Object(o) => o.global().is_some_and(|g| {
            g.module == "collections" && matches!(g.name.as_str(), "OrderedDict" | "defaultdict" | "Counter")
        }),
        _ => false,
    }
}

/// `json.dumps(value)`.
pub fn dumps(value: &Value) -> Result<String, JsonError> {
    let mut out = String::new();
    dumps_into(value, &mut out)?;
    Ok(out)
}

fn float_into(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        // float.__repr__, which the pickle module's Display writes.
        let _ = write!(out, "{}", Value::Float(x));
    }
}

fn dict_into(pairs: &[(Value, Value)], out: &mut String) -> Result<(), JsonError> {
    out.push('{');
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match key {
            Value::Str(s) => str_into(s, out),
            Value::Float(x) => {
                let mut k = String::new();
                float_into(*x, &mut k);
                str_into(&k, out);
            }
            Value::Bool(b) => str_into(if *b { "true" } else { "false" }, out),
            Value::None => str_into("null", out),
            Value::Int(_) | Value::BigInt(_) => str_into(&key.to_string(), out),
            _ => return Err(JsonError("dict key")),
        }
        out.push_str(": ");
        dumps_into(value, out)?;
    }
    out.push('}');
    Ok(())
}

/// A JSON string of `s`, ASCII only, as `json.dumps` writes it.
pub fn str_into(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\' {
            i += 1;
            continue;
        }
        // `i` is always on a character boundary: ASCII steps by one byte.
        let Some(c) = s[i..].chars().next() else { break };
        out.push_str(&s[copied..i]);
        i += c.len_utf8();
        copied = i;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push_str(&s[copied..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_python() {
        let v = Value::List(vec![
            Value::Str("a\"é\u{1F600}\x7f\x1b".into()),
            Value::Dict(vec![(Value::Int(1), Value::Float(0.5)), (Value::Bool(true), Value::None)]),
            Value::Tuple(vec![Value::Float(f64::NAN)]),
        ]);
        assert_eq!(dumps(&v).unwrap(), r#"["a\"\u00e9\ud83d\ude00\u007f\u001b", {"1": 0.5, "true": null}, [NaN]]"#);
    }
}
