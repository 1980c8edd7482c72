//! The arguments of `amp call`: `NAME=VALUE` words and `--json`, checked
//! against the command's fields before anything is sent.
//!
//! A `NAME=VALUE` word splits on its first `=`; the value is read from its
//! text by the field's type: an Integer as Python's `int()` reads it (any
//! size), a Boolean exactly `True` or `False`, a Float as Python's `float()`,
//! a Decimal as Python's `Decimal()`, a DateTime only in its 32-character
//! wire form, a String as the given bytes and a Unicode or Path as the given
//! text (UTF-8). ListOf and AmpList values come only through `--json`.

use std::ffi::OsString;
use std::fmt;
use std::os::unix::ffi::OsStrExt;

use amp_runtime::dynamic::{Fields, TypeRegistry, Value};
use amp_schema::{CommandDef, Field, TypeRef};
use bytes::Bytes;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value as Json;

use crate::json::{field_names, json_to_value, parse_text};
use crate::schema::descriptor_field;

/// A JSON object as its key/value pairs in order, duplicates kept (a
/// `serde_json::Map` would keep only the last of a repeated key).
pub struct JsonPairs(pub Vec<(String, Json)>);

impl<'de> Deserialize<'de> for JsonPairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<JsonPairs, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = JsonPairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonPairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, Json>()? {
                    pairs.push(pair);
                }
                Ok(JsonPairs(pairs))
            }
        }
        d.deserialize_map(PairsVisitor)
    }
}

/// Builds the arguments of `command` (the command line's view; `original`
/// is the command as written) from `NAME=VALUE` words and the `--json`
/// object. The error is one line naming the argument.
pub fn parse_arguments(
    command: &CommandDef,
    original: &CommandDef,
    words: &[OsString],
    json: Option<&str>,
    registry: &TypeRegistry,
) -> Result<Fields, String> {
    let mut given: Vec<(String, Option<Value>)> = Vec::new();
    let find = |name: &str| -> Result<&Field, String> {
        command.arguments.iter().find(|f| f.name == name).ok_or_else(|| {
            format!(
                "unknown argument `{name}` of command `{}` (its arguments: {})",
                command.name,
                field_names(&command.arguments)
            )
        })
    };
    let check_descriptor = |name: &str| -> Result<(), String> {
        let field = original.arguments.iter().find(|f| f.name == name);
        match field.and_then(|f| descriptor_field(std::slice::from_ref(f))) {
            Some(_) => Err(format!("argument `{name}` is a Descriptor, which the command line cannot pass")),
            None => Ok(()),
        }
    };

    for word in words {
        let raw = word.as_bytes();
        let Some(eq) = raw.iter().position(|&b| b == b'=') else {
            return Err(format!("expected NAME=VALUE, got `{}`", word.to_string_lossy()));
        };
        let name = std::str::from_utf8(&raw[..eq])
            .map_err(|_| format!("argument name `{}` is not UTF-8", String::from_utf8_lossy(&raw[..eq])))?;
        let field = find(name)?;
        check_descriptor(name)?;
        if given.iter().any(|(n, _)| n == name) {
            return Err(format!("argument `{name}` given twice"));
        }
        let value = word_value(field, &raw[eq + 1..], registry).map_err(|e| format!("argument `{name}`: {e}"))?;
        given.push((name.to_owned(), Some(value)));
    }

    if let Some(text) = json {
        let pairs: JsonPairs = serde_json::from_str(text).map_err(|e| format!("--json: not a JSON object: {e}"))?;
        let from_words = given.len();
        for (name, j) in pairs.0 {
            let field = find(&name).map_err(|e| format!("--json: {e}"))?;
            check_descriptor(&name).map_err(|e| format!("--json: {e}"))?;
            if given[..from_words].iter().any(|(n, _)| *n == name) {
                return Err(format!("argument `{name}` given both as NAME=VALUE and in --json"));
            }
            if given.iter().any(|(n, _)| *n == name) {
                return Err(format!("argument `{name}` given twice in --json"));
            }
            let value = match j {
                Json::Null => None,
                j => Some(
                    json_to_value(&field.ty, &j, registry).map_err(|e| format!("--json: argument `{name}`: {e}"))?,
                ),
            };
            given.push((name, value));
        }
    }

    for field in &command.arguments {
        let present = given.iter().any(|(n, v)| *n == field.name && v.is_some());
        if !field.optional && !present {
            return Err(format!("missing required argument `{}` of command `{}`", field.name, command.name));
        }
    }
    Ok(Fields::from(given))
}

/// Reads the text of one `NAME=VALUE` word as `field`'s type.
fn word_value(field: &Field, raw: &[u8], registry: &TypeRegistry) -> Result<Value, String> {
    let ty = registry.resolve(&field.ty)?;
    let text = || std::str::from_utf8(raw).map_err(|_| "the value is not UTF-8".to_owned());
    match &ty {
        TypeRef::String => Ok(Value::String(Bytes::copy_from_slice(raw))),
        TypeRef::Unicode => Ok(Value::Unicode(text()?.to_owned())),
        TypeRef::Path => Ok(Value::Path(text()?.to_owned())),
        TypeRef::Integer(_) | TypeRef::Boolean | TypeRef::Float | TypeRef::Decimal | TypeRef::DateTime => {
            parse_text(&ty, text()?.as_bytes(), registry)
        }
        TypeRef::ListOf(_) => Err(format!("a ListOf is given only with --json '{{\"{}\": [...]}}'", field.name)),
        TypeRef::AmpList(_) => {
            Err(format!("an AmpList is given only with --json '{{\"{}\": [{{...}}, ...]}}'", field.name))
        }
        TypeRef::Descriptor => Err("a Descriptor cannot be passed from the command line".to_owned()),
        TypeRef::Custom(name) => Err(format!("type {name} has no value form")),
    }
}
