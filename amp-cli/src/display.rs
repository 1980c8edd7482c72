//! How decoded fields are shown: the JSON mapping, plus Evennia's pickles.
//!
//! Evennia carries Python pickles in some fields. Everything `amp` prints
//! (`call` responses, `serve` calls, `decode` and `proxy` lines) shows these in the
//! pickle mapping ([`crate::pickle_json`]) by this table, applied to a
//! command of that wire name whose field has the listed type:
//!
//! | command | field | type | shown as a pickle |
//! |---------|-------|------|-------------------|
//! | MsgPortal2Server, MsgServer2Portal, AdminPortal2Server, AdminServer2Portal | packed_data | a custom type (Compressed) | always |
//! | FunctionCall | args, kwargs, result | String | when the bytes are one complete pickle starting with PROTO |
//! | MsgStatus | status | String | same |
//! | MsgLauncher2Portal | arguments | String | same |
//!
//! "Always" means: when the bytes do not decode as a pickle, the String
//! mapping is shown and the reason is reported (`pickle_errors`). The other
//! fields fall back to the String mapping silently, since a String may hold
//! anything: a pickle is shown only when the value starts with the PROTO
//! opcode (`0x80`, written by every protocol from 2 on, so by every Evennia
//! peer) and decodes completely, with no byte left over.

use amp_runtime::dynamic::{Fields, Value};
use amp_schema::{CommandDef, Field, TypeRef};
use serde_json::{Map, Value as Json};

use crate::json::value_to_json;
use crate::pickle_json::pickle_to_json;

/// Pickle's PROTO opcode, the first byte of every pickle of protocol 2 and up.
const PROTO: u8 = 0x80;

/// When a field holds a pickle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pickled {
    /// Always (Evennia's packed_data).
    Always,
    /// When the bytes are one complete pickle starting with PROTO.
    IfComplete,
}

/// The table above.
fn pickled(command: &str, field: &Field) -> Option<Pickled> {
    const PACKED: [&str; 4] = ["MsgPortal2Server", "MsgServer2Portal", "AdminPortal2Server", "AdminServer2Portal"];
    match (&field.ty, command, field.name.as_str()) {
        (TypeRef::Custom(_), c, "packed_data") if PACKED.contains(&c) => Some(Pickled::Always),
        (TypeRef::String, "FunctionCall", "args" | "kwargs" | "result")
        | (TypeRef::String, "MsgStatus", "status")
        | (TypeRef::String, "MsgLauncher2Portal", "arguments") => Some(Pickled::IfComplete),
        _ => None,
    }
}

/// Decodes one whole pickle: every byte must belong to it.
fn decode_pickle(raw: &[u8]) -> Result<amp_evennia::codec::pickle::Value, String> {
    // The default options refuse bytes after STOP.
    amp_evennia::codec::pickle::decode(raw).map_err(|e| e.to_string())
}

/// Decoded fields shown for printing.
#[derive(Debug)]
pub struct Shown {
    /// The fields as a JSON object.
    pub fields: Json,
    /// Fields that should hold a pickle but do not, with the reason.
    pub pickle_errors: Map<String, Json>,
}

/// Shows `values` (the decoded `fields` of `command`, as the schema writes
/// them) in the JSON mapping, with Evennia's pickles in the pickle mapping.
pub fn show_fields(command: &CommandDef, fields: &[Field], values: &Fields) -> Shown {
    let mut map = Map::new();
    let mut pickle_errors = Map::new();
    for (name, value) in values.iter() {
        let rule = fields.iter().find(|f| f.name == name).and_then(|f| pickled(&command.name, f));
        let shown = match (value, rule) {
            (Some(Value::String(raw)), Some(Pickled::Always)) => match decode_pickle(raw) {
                Ok(py) => pickle_to_json(&py),
                Err(why) => {
                    pickle_errors.insert(name.to_owned(), Json::String(why));
                    value_to_json(&Value::String(raw.clone()))
                }
            },
            (Some(Value::String(raw)), Some(Pickled::IfComplete)) if raw.first() == Some(&PROTO) => {
                match decode_pickle(raw) {
                    Ok(py) => pickle_to_json(&py),
                    Err(_) => value_to_json(&Value::String(raw.clone())),
                }
            }
            (Some(v), _) => value_to_json(v),
            (None, _) => Json::Null,
        };
        map.insert(name.to_owned(), shown);
    }
    Shown { fields: Json::Object(map), pickle_errors }
}
