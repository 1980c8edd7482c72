//! GMCP (Generic Mud Communication Protocol) both ways, as Evennia's `gmcp_utils.py`.
//!
//! **Input** (`decode_gmcp`): the payload is decoded as UTF-8 with `U+FFFD`
//! for bad bytes, then split with Python's `split(None, 1)` into a package
//! name and a structure. With no structure the *whole* text is the name,
//! whitespace included (`"Core.Ping "` names `ping ` with its space). The
//! name maps back through Evennia's table (`Core.Supports.Get` ->
//! `client_options`, `Core.Commands.Get` -> `get_inputfuncs`, `Char.Value.Get`
//! -> `get_value`, `Char.Repeat.Update` -> `repeat`, `Char.Monitor.Update` ->
//! `monitor`), or else `.` becomes `_`, a leading `core_` (any case) goes and
//! the rest is lower-cased (Python's `lower()`). The structure goes through
//! `json.loads`; when that fails it stays the text it is. A JSON object gives
//! the keyword arguments (empty keys dropped), an array the positional ones,
//! anything else (or the text) one positional argument; no structure, none.
//!
//! **Output** (`encode_gmcp`): the name maps through the same table, else a
//! name with `_` becomes its words joined by `.`, each `capitalize()`d unless
//! it `isupper()` (`char_vitals` -> `Char.Vitals`, `HP_max` -> `HP.Max`), and
//! a name without becomes `Core.` + the name, `capitalize()`d unless it
//! `istitle()`. Then `name`, or `name json` with one argument as itself,
//! several as an array, keyword arguments as an object, or both as
//! `[args, {kwargs}]`, all with `json.dumps` defaults. Sent as
//! `IAC SB GMCP ... IAC SE` without `IAC` doubling (the text is UTF-8 and the
//! JSON ASCII: no 255 byte can occur).

use super::event::{InputError, OobCommand};
use super::Value;
use crate::python::case::{capitalize, is_title, is_upper, lower, split_first_word};
use crate::python::json::{self, JsonError};

/// Evennia's `EVENNIA_TO_GMCP`.
const EVENNIA_TO_GMCP: [(&str, &str); 5] = [
    ("client_options", "Core.Supports.Get"),
    ("get_inputfuncs", "Core.Commands.Get"),
    ("get_value", "Char.Value.Get"),
    ("repeat", "Char.Repeat.Update"),
    ("monitor", "Char.Monitor.Update"),
];

/// The inputfunc name for a GMCP package name.
fn evennia_name(gmcp: &str) -> String {
    if let Some((evennia, _)) = EVENNIA_TO_GMCP.iter().find(|(_, g)| *g == gmcp) {
        return (*evennia).to_owned();
    }
    let name = gmcp.replace('.', "_");
    // Only ASCII lowers to "core_", so its five characters are five bytes.
    let name = match name.get(..5) {
        Some(head) if head.eq_ignore_ascii_case("core_") => &name[5..],
        _ => &name[..],
    };
    lower(name)
}

/// Evennia's `decode_gmcp`: one inputfunc call, and an error to report when
/// the JSON was too deep to read (it is then passed on as text).
pub fn decode(data: &[u8], max_json_depth: usize) -> (OobCommand, Option<InputError>) {
    let text = String::from_utf8_lossy(data);
    let (name, structure) = match split_first_word(&text) {
        Some((name, structure)) => (name, Some(structure)),
        None => (&text[..], None),
    };
    let mut cmd = OobCommand { name: evennia_name(name), args: Vec::new(), kwargs: Vec::new() };
    let Some(structure) = structure else { return (cmd, None) };
    let (value, error) = match json::loads(structure, max_json_depth) {
        Ok(value) => (value, None),
        Err(JsonError::TooDeep(_)) => (Value::Str(structure.to_owned()), Some(InputError::JsonTooDeep)),
        Err(_) => (Value::Str(structure.to_owned()), None),
    };
    match value {
        Value::Dict(pairs) => {
            cmd.kwargs = pairs
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Value::Str(k) if !k.is_empty() => Some((k, v)),
                    _ => None,
                })
                .collect();
        }
        Value::List(items) => cmd.args = items,
        other => cmd.args.push(other),
    }
    (cmd, error)
}

/// The GMCP package name for an Evennia command name.
pub fn gmcp_name(cmdname: &str) -> String {
    if let Some((_, gmcp)) = EVENNIA_TO_GMCP.iter().find(|(e, _)| *e == cmdname) {
        return (*gmcp).to_owned();
    }
    if cmdname.contains('_') {
        let words: Vec<String> =
            cmdname.split('_').map(|w| if is_upper(w) { w.to_owned() } else { capitalize(w) }).collect();
        return words.join(".");
    }
    if is_title(cmdname) {
        format!("Core.{cmdname}")
    } else {
        format!("Core.{}", capitalize(cmdname))
    }
}

/// Evennia's `encode_gmcp(cmdname, *args, **kwargs)`; `kwargs` without `options`.
pub fn encode(cmdname: &str, args: &[Value], kwargs: &[(&str, &Value)]) -> Result<String, JsonError> {
    let mut out = gmcp_name(cmdname);
    if args.is_empty() && kwargs.is_empty() {
        return Ok(out);
    }
    out.push(' ');
    let args_json = |out: &mut String| match args {
        [one] => json::dump_into(one, out),
        many => json::dump_seq_into(many, out),
    };
    match (args.is_empty(), kwargs.is_empty()) {
        (false, true) => args_json(&mut out)?,
        (false, false) => {
            out.push('[');
            args_json(&mut out)?;
            out.push_str(", ");
            json::dump_kwargs_into(kwargs, &mut out)?;
            out.push(']');
        }
        _ => json::dump_kwargs_into(kwargs, &mut out)?,
    }
    Ok(out)
}
