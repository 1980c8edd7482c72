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
