//! The JSON mapping of AMP values, both ways (the same for `call`, `serve`,
//! `decode` and the responses file):
//!
//! | type | JSON |
//! |------|------|
//! | Integer | a number with exact digits, any size (a string of digits is accepted on input) |
//! | String | a string when the bytes are UTF-8, else `{"base64": "..."}` |
//! | Unicode, Path | a string |
//! | Boolean | `true` / `false` |
//! | Float | a number; `"inf"`, `"-inf"`, `"nan"` as strings |
//! | Decimal, DateTime | their wire strings (a Decimal may also be given as a number) |
//! | ListOf | an array |
//! | AmpList | an array of objects |
//! | an absent optional | `null` |
//!
//! A custom type reads and writes as the built-in value it carries
//! (Evennia's `Compressed` as a String).

use std::os::fd::AsRawFd;
use std::str::FromStr;

use amp_runtime::dynamic::{Fields, TypeRegistry, Value};
use amp_runtime::types::{self, StringArgument};
use amp_runtime::AmpBox;
use amp_schema::{Field, TypeRef};
use base64::Engine as _;
use bytes::{Bytes, BytesMut};
use serde_json::{Map, Value as Json};

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A JSON number written exactly as `text` (which must be a JSON number:
/// an integer or Python's `repr` of a finite float).
pub fn number(text: &str) -> Json {
    match serde_json::Number::from_str(text) {
        Ok(n) => Json::Number(n),
        // Not reachable for the texts this module builds; keep the digits anyway.
        Err(_) => Json::String(text.to_owned()),
    }
}

/// Bytes in the String mapping: a string when UTF-8, else `{"base64": ...}`.
pub fn bytes_to_json(raw: &[u8]) -> Json {
    match std::str::from_utf8(raw) {
        Ok(text) => Json::String(text.to_owned()),
        Err(_) => {
            let mut map = Map::new();
            map.insert("base64".into(), Json::String(BASE64.encode(raw)));
            Json::Object(map)
        }
    }
}

/// The raw pairs of a box, in received order, values in the String mapping
/// (keys that are not UTF-8 are shown with replacement characters).
pub fn box_to_json(b: &AmpBox) -> Json {
    let mut map = Map::new();
    for (k, v) in b.iter() {
        map.insert(String::from_utf8_lossy(k).into_owned(), bytes_to_json(v));
    }
    Json::Object(map)
}

/// A Float as JSON: Python's `repr` digits, or the strings `inf`, `-inf`, `nan`.
pub fn float_to_json(x: f64) -> Json {
    let mut text = BytesMut::new();
    // Float's string form never fails.
    let _ = types::Float::to_string(&x, &mut text);
    let text = String::from_utf8_lossy(&text).into_owned();
    if x.is_finite() {
        number(&text)
    } else {
        Json::String(text)
    }
}

/// One value in the JSON mapping.
pub fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Integer(n) => number(&n.to_string()),
        Value::String(b) => bytes_to_json(b),
        Value::Unicode(s) | Value::Path(s) => Json::String(s.clone()),
        Value::Boolean(b) => Json::Bool(*b),
        Value::Float(x) => float_to_json(*x),
        Value::Decimal(d) => Json::String(d.to_string()),
        Value::DateTime(t) => Json::String(t.to_string()),
        // Never built by the command line (descriptors read as ordinals).
        Value::Descriptor(fd) => number(&fd.as_raw_fd().to_string()),
        Value::List(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::AmpList(rows) => Json::Array(rows.iter().map(fields_to_json).collect()),
    }
}

/// Named values as a JSON object, in order; an absent optional is `null`.
pub fn fields_to_json(fields: &Fields) -> Json {
    let mut map = Map::new();
    for (name, value) in fields.iter() {
        map.insert(name.to_owned(), value.map_or(Json::Null, value_to_json));
    }
    Json::Object(map)
}

/// What kind of JSON value `j` is, for messages.
fn kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn expected(what: &str, got: &Json) -> String {
    format!("expected {what}, got {}", kind(got))
}

/// Whether `text` is a JSON integer literal (no fraction, no exponent).
fn is_integer_literal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Parses `text` with the plain string codec of the built-in type `ty`: the
/// same rules as a value received from Twisted (Python's `int()`,
/// `float()`, `Decimal()`; the 32-character DateTime).
pub fn parse_text(ty: &TypeRef, text: &[u8], registry: &TypeRegistry) -> Result<Value, String> {
    amp_runtime::dynamic::value_from_string(ty, Bytes::copy_from_slice(text), registry).map_err(|e| e.to_string())
}

/// Reads a value of type `ty` (the command line's view of a schema type)
/// from its JSON form.
pub fn json_to_value(ty: &TypeRef, j: &Json, registry: &TypeRegistry) -> Result<Value, String> {
    match ty {
        TypeRef::Custom(_) => json_to_value(&registry.resolve(ty)?, j, registry),
        TypeRef::Integer(_) => match j {
            // Through the codec, for Python's limits (4300 digits).
            Json::Number(n) if is_integer_literal(&n.to_string()) => parse_text(ty, n.to_string().as_bytes(), registry),
            Json::Number(n) => Err(format!("expected an integer, got {n}")),
            Json::String(s) => parse_text(ty, s.as_bytes(), registry),
            other => Err(expected("an integer", other)),
        },
        TypeRef::String => match j {
            Json::String(s) => Ok(Value::String(Bytes::copy_from_slice(s.as_bytes()))),
            Json::Object(map) => match (map.len(), map.get("base64")) {
                (1, Some(Json::String(b64))) => BASE64
                    .decode(b64.as_bytes())
                    .map(|b| Value::String(Bytes::from(b)))
                    .map_err(|e| format!("bad base64: {e}")),
                _ => Err("expected a string or {\"base64\": \"...\"}, got another object".to_owned()),
            },
            other => Err(expected("a string or {\"base64\": \"...\"}", other)),
        },
        TypeRef::Unicode => match j {
            Json::String(s) => Ok(Value::Unicode(s.clone())),
            other => Err(expected("a string", other)),
        },
        TypeRef::Path => match j {
            Json::String(s) => Ok(Value::Path(s.clone())),
            other => Err(expected("a string", other)),
        },
        TypeRef::Boolean => match j {
            Json::Bool(b) => Ok(Value::Boolean(*b)),
            other => Err(expected("true or false", other)),
        },
        TypeRef::Float => match j {
            Json::Number(n) => parse_text(ty, n.to_string().as_bytes(), registry),
            Json::String(s) => parse_text(ty, s.as_bytes(), registry),
            other => Err(expected("a number (or \"inf\", \"-inf\", \"nan\")", other)),
        },
        TypeRef::Decimal => match j {
            Json::Number(n) => parse_text(ty, n.to_string().as_bytes(), registry),
            Json::String(s) => parse_text(ty, s.as_bytes(), registry),
            other => Err(expected("a Decimal string", other)),
        },
        TypeRef::DateTime => match j {
            Json::String(s) => parse_text(ty, s.as_bytes(), registry),
            other => Err(expected("a 32-character DateTime string", other)),
        },
        TypeRef::Descriptor => Err("a Descriptor cannot be given as a value".to_owned()),
        TypeRef::ListOf(element) => match j {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| json_to_value(element, item, registry).map_err(|e| format!("[{i}]: {e}")))
                .collect::<Result<Vec<Value>, String>>()
                .map(Value::List),
            other => Err(expected("an array", other)),
        },
        TypeRef::AmpList(fields) => match j {
            Json::Array(rows) => rows
                .iter()
                .enumerate()
                .map(|(i, row)| match row {
                    Json::Object(map) => json_to_fields(fields, map, registry).map_err(|e| format!("[{i}].{e}")),
                    other => Err(format!("[{i}]: {}", expected("an object", other))),
                })
                .collect::<Result<Vec<Fields>, String>>()
                .map(Value::AmpList),
            other => Err(expected("an array of objects", other)),
        },
    }
}

/// Reads the named values of `fields` from a JSON object: every key must
/// be a field, `null` is an absent optional, required fields must be there.
/// The error starts with the field's name (`total: expected ...`).
pub fn json_to_fields(fields: &[Field], map: &Map<String, Json>, registry: &TypeRegistry) -> Result<Fields, String> {
    for key in map.keys() {
        if !fields.iter().any(|f| &f.name == key) {
            return Err(format!("{key}: unknown field (expected {})", field_names(fields)));
        }
    }
    let mut out = Fields::new();
    for field in fields {
        match map.get(&field.name) {
            None | Some(Json::Null) if field.optional => {}
            None | Some(Json::Null) => return Err(format!("{}: required but missing", field.name)),
            Some(j) => {
                let value = json_to_value(&field.ty, j, registry).map_err(|e| format!("{}: {e}", field.name))?;
                out.push(field.name.clone(), Some(value));
            }
        }
    }
    Ok(out)
}

/// `a, b, c` (or `none`), for messages.
pub fn field_names(fields: &[Field]) -> String {
    if fields.is_empty() {
        return "none".to_owned();
    }
    fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use amp_schema::IntRepr;

    use super::*;

    fn big() -> TypeRef {
        TypeRef::Integer(IntRepr::Big)
    }

    fn read(ty: &TypeRef, text: &str) -> Result<Value, String> {
        json_to_value(ty, &serde_json::from_str(text).unwrap(), &TypeRegistry::new())
    }

    #[test]
    fn integers_keep_every_digit_both_ways() {
        let digits = "-123456789012345678901234567890123456789";
        let v = read(&big(), digits).unwrap();
        assert_eq!(value_to_json(&v).to_string(), digits);
        assert_eq!(read(&big(), &format!("\"{digits}\"")).unwrap(), v);
        assert!(read(&big(), "1.0").unwrap_err().contains("expected an integer, got 1.0"));
        assert!(read(&big(), "1e3").is_err());
        assert!(read(&big(), "true").unwrap_err().contains("got a boolean"));
    }

    #[test]
    fn floats_use_python_digits_and_special_strings() {
        for (x, text) in [(1e16, "1e+16"), (0.1, "0.1"), (-0.0, "-0.0"), (1e-5, "1e-05"), (3.5, "3.5")] {
            assert_eq!(float_to_json(x).to_string(), text);
        }
        assert_eq!(float_to_json(f64::INFINITY), Json::String("inf".into()));
        assert_eq!(float_to_json(f64::NEG_INFINITY), Json::String("-inf".into()));
        assert_eq!(float_to_json(f64::NAN), Json::String("nan".into()));
        assert_eq!(read(&TypeRef::Float, "\"-inf\"").unwrap(), Value::Float(f64::NEG_INFINITY));
        assert_eq!(read(&TypeRef::Float, "1e16").unwrap(), Value::Float(1e16));
        assert!(read(&TypeRef::Float, "\"one\"").is_err());
    }

    #[test]
    fn strings_are_text_or_base64() {
        assert_eq!(bytes_to_json(b"caf\xc3\xa9"), Json::String("café".into()));
        assert_eq!(bytes_to_json(b"\xff\x00").to_string(), r#"{"base64":"/wA="}"#);
        assert_eq!(
            read(&TypeRef::String, r#"{"base64": "/wA="}"#).unwrap(),
            Value::String(Bytes::from_static(b"\xff\x00"))
        );
        assert_eq!(read(&TypeRef::String, r#""é""#).unwrap(), Value::String(Bytes::from("é")));
        assert!(read(&TypeRef::String, r#"{"base64": "/wA=", "x": 1}"#).is_err());
    }

    #[test]
    fn decimals_and_datetimes_keep_their_wire_form() {
        let d = read(&TypeRef::Decimal, "\"-1.500E+7\"").unwrap();
        assert_eq!(value_to_json(&d), Json::String("-1.500E+7".into()));
        // A JSON number keeps its digits too.
        assert_eq!(value_to_json(&read(&TypeRef::Decimal, "1.50").unwrap()), Json::String("1.50".into()));
        let t = read(&TypeRef::DateTime, "\"2012-02-29T23:59:58.123456-05:30\"").unwrap();
        assert_eq!(value_to_json(&t), Json::String("2012-02-29T23:59:58.123456-05:30".into()));
        assert!(read(&TypeRef::DateTime, "\"2012-02-29\"").unwrap_err().contains("32"));
    }

    #[test]
    fn lists_and_amp_lists() {
        let row = vec![
            Field { name: "x".into(), ty: big(), optional: false, span: Default::default() },
            Field { name: "label".into(), ty: TypeRef::Unicode, optional: true, span: Default::default() },
        ];
        let ty = TypeRef::AmpList(row);
        let v = read(&ty, r#"[{"x": 1, "label": "one"}, {"x": 2, "label": null}, {"x": 3}]"#).unwrap();
        // Read from JSON, an absent optional is left out (decoding lists it as null).
        assert_eq!(value_to_json(&v).to_string(), r#"[{"x":1,"label":"one"},{"x":2},{"x":3}]"#);
        assert!(read(&ty, r#"[{"label": "no x"}]"#).unwrap_err().contains("[0].x: required but missing"));
        assert!(read(&ty, r#"[{"x": 1, "y": 2}]"#).unwrap_err().contains("[0].y: unknown field (expected x, label)"));
        let nested = TypeRef::ListOf(Box::new(TypeRef::ListOf(Box::new(TypeRef::Unicode))));
        let v = read(&nested, r#"[["a"], []]"#).unwrap();
        assert_eq!(value_to_json(&v).to_string(), r#"[["a"],[]]"#);
        assert!(read(&nested, r#"[["a"], [1]]"#).unwrap_err().starts_with("[1]: [0]: expected a string"));
    }

    #[test]
    fn boxes_show_raw_pairs_in_order() {
        let b = AmpBox::from_pairs(vec![
            (Bytes::from_static(b"_command"), Bytes::from_static(b"Sum")),
            (Bytes::from_static(b"a"), Bytes::from_static(b"\xff")),
        ]);
        assert_eq!(box_to_json(&b).to_string(), r#"{"_command":"Sum","a":{"base64":"/w=="}}"#);
    }
}
