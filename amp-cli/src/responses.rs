//! The responses file of `amp serve`: what to answer each command with.
//!
//! ```toml
//! [Sum]
//! response = { total = 42 }
//! [Divide]
//! error = { code = "ZERO_DIVISION", description = "divided by zero" }
//! [echo]
//! echo = true        # response fields copied from the same-named arguments
//! ```
//!
//! Table names are wire names. Values are in the JSON mapping, written as
//! TOML: integers beyond TOML's 64 bits, bytes that are not UTF-8 and the
//! float specials as strings or `{ base64 = "..." }` as in JSON (TOML's own
//! `inf` and `nan` work too). The whole file is checked at start.

use std::collections::HashMap;
use std::path::Path;

use amp_runtime::dynamic::{encode_fields, TypeRegistry};
use amp_runtime::{AmpBox, ArgContext};
use amp_schema::CommandDef;
use serde_json::{Map, Value as Json};

use crate::exit::Failure;
use crate::json::{float_to_json, json_to_fields, number};
use crate::schema::{descriptor_field, same_type, Loaded};

/// How one command is answered.
#[derive(Debug, Clone)]
pub enum Answer {
    /// These response fields, encoded once at start.
    Response(AmpBox),
    /// This error; `fatal` when the schema lists the code as a fatal error
    /// of the command (the connection closes after the answer).
    Error {
        /// `_error_code`.
        code: String,
        /// `_error_description`.
        description: String,
        /// Close the connection after answering.
        fatal: bool,
    },
    /// The response fields are the same-named arguments.
    Echo,
}

/// Answers by command wire name.
#[derive(Debug, Default)]
pub struct Responses {
    answers: HashMap<String, Answer>,
}

impl Responses {
    /// The answer for `command` (wire name), if the file has one.
    pub fn get(&self, command: &[u8]) -> Option<&Answer> {
        std::str::from_utf8(command).ok().and_then(|name| self.answers.get(name))
    }
}

/// Reads and checks the responses file at `path` against the schema.
pub fn load(path: &Path, loaded: &Loaded) -> Result<Responses, Failure> {
    let file = path.display().to_string();
    let fail = |why: String| Failure::usage(format!("{file}: {why}"));
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read the responses file: {e}")))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| fail(one_line(&e.to_string())))?;
    let mut answers = HashMap::new();
    for (name, entry) in &table {
        let command = loaded.command(name.as_bytes()).ok_or_else(|| fail(unknown_command(name, loaded)))?;
        let original = loaded.original_command(name.as_bytes()).unwrap_or(command);
        let toml::Value::Table(entry) = entry else {
            return Err(fail(format!("[{name}] must be a table (response, error or echo)")));
        };
        let answer =
            entry_answer(command, original, entry, &loaded.registry).map_err(|e| fail(format!("[{name}] {e}")))?;
        answers.insert(name.clone(), answer);
    }
    Ok(Responses { answers })
}

/// A TOML error message on one line: its text without the quoted source
/// (the lines drawn as `N | ...`).
fn one_line(text: &str) -> String {
    let quoted = |l: &str| l.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ').starts_with('|');
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !quoted(l)).collect::<Vec<_>>().join("; ")
}

fn unknown_command(name: &str, loaded: &Loaded) -> String {
    match loaded.schema.commands.iter().find(|c| c.key == name) {
        Some(c) => {
            format!("unknown command `{name}`: tables are named by wire name, and its wire name is `{}`", c.name)
        }
        None => {
            let known: Vec<&str> = loaded.schema.commands.iter().map(|c| c.name.as_str()).collect();
            format!("unknown command `{name}` (the schema declares {})", known.join(", "))
        }
    }
}

fn entry_answer(
    command: &CommandDef,
    original: &CommandDef,
    entry: &toml::Table,
    registry: &TypeRegistry,
) -> Result<Answer, String> {
    if let Some(key) = entry.keys().find(|k| !["response", "error", "echo"].contains(&k.as_str())) {
        return Err(format!("unknown key `{key}` (expected one of response, error, echo)"));
    }
    let given: Vec<&str> = ["response", "error", "echo"].into_iter().filter(|k| entry.contains_key(*k)).collect();
    if given.len() != 1 {
        return Err(format!("needs exactly one of response, error, echo (has {})", given.len()));
    }
    match given[0] {
        "response" => {
            if let Some(field) = descriptor_field(&original.response) {
                return Err(format!("response field `{field}` is a Descriptor, which a responses file cannot give"));
            }
            let toml::Value::Table(fields) = &entry["response"] else {
                return Err("response must be a table of response fields".to_owned());
            };
            let Json::Object(map) = toml_to_json(&toml::Value::Table(fields.clone())) else {
                unreachable!("a TOML table converts to a JSON object")
            };
            let values = json_to_fields(&command.response, &map, registry).map_err(|e| format!("response: {e}"))?;
            let boxed = encode_fields(&command.response, &values, registry, &mut ArgContext::new())
                .map_err(|e| format!("response: {e}"))?;
            Ok(Answer::Response(boxed))
        }
        "error" => {
            let toml::Value::Table(error) = &entry["error"] else {
                return Err("error must be a table { code = \"...\", description = \"...\" }".to_owned());
            };
            if let Some(key) = error.keys().find(|k| !["code", "description"].contains(&k.as_str())) {
                return Err(format!("error: unknown key `{key}` (expected code, description)"));
            }
            let code = match error.get("code") {
                Some(toml::Value::String(code)) if !code.is_empty() => code.clone(),
                Some(toml::Value::String(_)) => return Err("error: code is empty".to_owned()),
                Some(_) => return Err("error: code must be a string".to_owned()),
                None => return Err("error: code is missing".to_owned()),
            };
            if code.len() > amp_runtime::wire::MAX_VALUE_LEN {
                return Err("error: code is longer than an AMP value (65,535 bytes)".to_owned());
            }
            let description = match error.get("description") {
                Some(toml::Value::String(d)) => d.clone(),
                None => String::new(),
                Some(_) => return Err("error: description must be a string".to_owned()),
            };
            let fatal = command.fatal_errors.iter().any(|e| e.code == code);
            Ok(Answer::Error { code, description, fatal })
        }
        _ => {
            if entry["echo"] != toml::Value::Boolean(true) {
                return Err("echo must be true (leave the command out to answer UNHANDLED)".to_owned());
            }
            if let Some(field) = descriptor_field(&original.response) {
                return Err(format!("echo: response field `{field}` is a Descriptor, which cannot be echoed"));
            }
            for field in &command.response {
                let Some(arg) = command.arguments.iter().find(|a| a.name == field.name) else {
                    return Err(format!("echo: response field `{}` has no argument of that name", field.name));
                };
                if !same_type(&arg.ty, &field.ty) {
                    return Err(format!(
                        "echo: response field `{}` is a {} but the argument is a {}",
                        field.name,
                        field.ty.type_name(),
                        arg.ty.type_name()
                    ));
                }
                if arg.optional && !field.optional {
                    return Err(format!(
                        "echo: response field `{}` is required but the argument is optional",
                        field.name
                    ));
                }
            }
            Ok(Answer::Echo)
        }
    }
}

/// A TOML value as JSON: floats as Python writes them (the specials as
/// the strings `inf`, `-inf`, `nan`), dates as their TOML text.
fn toml_to_json(value: &toml::Value) -> Json {
    match value {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(n) => number(&n.to_string()),
        toml::Value::Float(x) => float_to_json(*x),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(items) => Json::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Json::Object(t.iter().map(|(k, v)| (k.clone(), toml_to_json(v))).collect::<Map<_, _>>())
        }
    }
}
