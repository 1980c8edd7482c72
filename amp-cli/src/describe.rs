//! `amp list` and `amp describe`: what a schema declares, for people (an
//! aligned text) and for scripts (`--json`), as grpcurl's `list` and
//! `describe` do for a gRPC service.
//!
//! The Rust names are the ones `#[amp_command]` and `amp_schema!` generate,
//! from `amp_schema::naming` (the macros' own rules); the Python class is
//! the table key, which is the class name in a schema exported from Python
//! (`tools/export_schema.py` writes it there).

use std::fmt::Write as _;
use std::path::Path;

use amp_schema::{naming, CommandDef, ErrorDef, Field, IntRepr, Schema, TypeRef};
use serde_json::{json, Map, Value as Json};

use crate::exit::{Failure, Outcome};
use crate::output;

/// Runs `amp list`.
pub fn list(path: &Path, as_json: bool) -> Outcome {
    let schema = amp_schema::load(path).map_err(Failure::usage)?;
    if as_json {
        for command in &schema.commands {
            output::json_line(&command_json(&schema, command));
        }
    } else {
        let mut text = String::new();
        for command in &schema.commands {
            text.push_str(&signature(command));
            text.push('\n');
        }
        output::text(&text);
    }
    Ok(())
}

/// Runs `amp describe`.
pub fn describe(path: &Path, wire_name: &str, as_json: bool) -> Outcome {
    let schema = amp_schema::load(path).map_err(Failure::usage)?;
    let Some(command) = schema.command_by_wire_name(wire_name.as_bytes()) else {
        return Err(unknown_command(&schema, path, wire_name));
    };
    if as_json {
        output::json_line(&command_json(&schema, command));
    } else {
        output::text(&describe_text(&schema, command));
    }
    Ok(())
}

/// The usage error for a wire name the schema does not declare, with a hint
/// when it is a table key whose wire name differs.
pub fn unknown_command(schema: &Schema, path: &Path, wire_name: &str) -> Failure {
    let known: Vec<&str> = schema.commands.iter().map(|c| c.name.as_str()).collect();
    let hint = match schema.command(wire_name) {
        Some(c) => format!(" (`{wire_name}` is the table key of the command whose wire name is `{}`)", c.name),
        None => String::new(),
    };
    Failure::usage(format!(
        "unknown command `{wire_name}`: {} declares {}{hint}",
        path.display(),
        if known.is_empty() { "no command".to_owned() } else { known.join(", ") }
    ))
}

/// `Sum(a: Integer, b?: Integer) -> (total: Integer)`, plus `  [no answer]`
/// for a command sent without `_ask`.
pub fn signature(command: &CommandDef) -> String {
    let mut line =
        format!("{}({}) -> ({})", command.name, field_list(&command.arguments), field_list(&command.response));
    if !command.requires_answer {
        line.push_str("  [no answer]");
    }
    line
}

fn field_list(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| format!("{}{}: {}", f.name, if f.optional { "?" } else { "" }, type_text(&f.ty)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A type as the text views write it: `Integer`, `Integer(big)` (a `repr`
/// other than the default `i64`), `ListOf(Unicode)`, `AmpList(x: Integer)`,
/// or a custom type's name.
fn type_text(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Integer(IntRepr::I64) => "Integer".to_owned(),
        TypeRef::Integer(repr) => format!("Integer({})", repr.as_str()),
        TypeRef::ListOf(inner) => format!("ListOf({})", type_text(inner)),
        TypeRef::AmpList(fields) => format!("AmpList({})", field_list(fields)),
        other => other.type_name().to_owned(),
    }
}

/// The Rust type name of a command (its table key, as the macros name it).
fn rust_type(command: &CommandDef) -> Result<String, String> {
    naming::type_ident(&command.key)
}

/// The protocols answering `command`: (protocol, handler trait, method).
fn handlers(schema: &Schema, command: &CommandDef) -> Vec<(String, String, String)> {
    schema
        .protocols
        .iter()
        .filter(|p| p.answers.contains(&command.key))
        .map(|p| (p.name.clone(), naming::handler_trait(&p.name), naming::snake_case(&command.key)))
        .collect()
}

/// The custom types the command's fields use, with their `rust` codec path.
fn custom_types<'a>(schema: &'a Schema, command: &CommandDef) -> Vec<(&'a str, &'a str)> {
    fn collect(ty: &TypeRef, names: &mut Vec<String>) {
        match ty {
            TypeRef::Custom(name) if !names.contains(name) => names.push(name.clone()),
            TypeRef::ListOf(inner) => collect(inner, names),
            TypeRef::AmpList(fields) => fields.iter().for_each(|f| collect(&f.ty, names)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    command.arguments.iter().chain(&command.response).for_each(|f| collect(&f.ty, &mut names));
    names.iter().filter_map(|n| schema.custom_type(n)).map(|t| (t.name.as_str(), t.rust.as_str())).collect()
}

/// A Rust name, or why there is none, as JSON.
fn name_json(name: Result<String, String>) -> Json {
    name.map_or(Json::Null, Json::String)
}

/// The JSON view of one command (`describe --json`, each line of `list --json`).
pub fn command_json(schema: &Schema, command: &CommandDef) -> Json {
    let rust = rust_type(command);
    let owner = |suffix: fn(&str) -> String| rust.as_ref().ok().map(|r| suffix(r));
    let arguments_struct = owner(naming::arguments_struct);
    let response_struct = owner(naming::response_struct);
    let error_enum = owner(naming::error_enum);
    let errors = |rows: &[ErrorDef]| -> Json {
        Json::Array(
            rows.iter()
                .map(|e| {
                    let variant = match (&error_enum, naming::type_ident(&e.exception)) {
                        (Some(owner), Ok(v)) => Json::String(format!("{owner}::{v}")),
                        _ => Json::Null,
                    };
                    json!({ "code": e.code, "exception": e.exception, "rust": variant })
                })
                .collect(),
        )
    };
    let handlers: Vec<Json> = handlers(schema, command)
        .into_iter()
        .map(|(protocol, handler, method)| json!({ "protocol": protocol, "trait": handler, "method": method }))
        .collect();
    let mut types = Map::new();
    for (name, path) in custom_types(schema, command) {
        types.insert(name.to_owned(), Json::String(path.to_owned()));
    }
    json!({
        "name": command.name,
        "key": command.key,
        "python_class": command.key,
        "requires_answer": command.requires_answer,
        "arguments": fields_json(&command.arguments, arguments_struct.as_deref()),
        "response": fields_json(&command.response, response_struct.as_deref()),
        "errors": errors(&command.errors),
        "fatal_errors": errors(&command.fatal_errors),
        "rust": {
            "command": name_json(rust.clone()),
            "arguments": arguments_struct,
            "response": response_struct,
            "error": error_enum,
            "handlers": handlers,
        },
        "types": types,
    })
}

/// Fields as the schema's own field tables, plus `"rust"` (the field's
/// identifier) and, for an AmpList, `"element"` (its struct).
fn fields_json(fields: &[Field], owner: Option<&str>) -> Json {
    Json::Array(
        fields
            .iter()
            .map(|f| {
                let ident = naming::rust_ident(&f.name).ok();
                let mut map = Map::new();
                map.insert("name".into(), Json::String(f.name.clone()));
                type_json(&f.ty, &mut map);
                map.insert("optional".into(), Json::Bool(f.optional));
                map.insert("rust".into(), name_json(ident.clone().ok_or_else(String::new)));
                if let TypeRef::AmpList(inner) = &f.ty {
                    let element = owner.zip(ident.as_deref()).map(|(o, i)| naming::element_struct(o, i));
                    map.insert("fields".into(), fields_json(inner, element.as_deref()));
                    map.insert("element".into(), element.map_or(Json::Null, Json::String));
                }
                Json::Object(map)
            })
            .collect(),
    )
}

/// `"type"`, plus `"repr"` for an Integer and `"of"` for a ListOf (an
/// AmpList's `"fields"` are added by [`fields_json`]).
fn type_json(ty: &TypeRef, map: &mut Map<String, Json>) {
    map.insert("type".into(), Json::String(ty.type_name().to_owned()));
    match ty {
        TypeRef::Integer(repr) => {
            map.insert("repr".into(), Json::String(repr.as_str().to_owned()));
        }
        TypeRef::ListOf(inner) => {
            let mut of = Map::new();
            type_json(inner, &mut of);
            if let TypeRef::AmpList(fields) = &**inner {
                // Refused by the validator; shown rather than lost.
                of.insert("fields".into(), fields_json(fields, None));
            }
            map.insert("of".into(), Json::Object(of));
        }
        _ => {}
    }
}

/// Rows of text in aligned columns, each row indented by `indent` spaces.
#[derive(Default)]
struct Table {
    rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    fn row(&mut self, indent: usize, cells: &[&str]) {
        self.rows.push((indent, cells.iter().map(|c| c.to_string()).collect()));
    }

    fn render(&self, out: &mut String) {
        let columns = self.rows.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
        let width = |col: usize| {
            self.rows
                .iter()
                .filter_map(|(indent, r)| {
                    let extra = if col == 0 { *indent } else { 0 };
                    r.get(col).map(|c| c.chars().count() + extra)
                })
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..columns).map(width).collect();
        for (indent, row) in &self.rows {
            let mut line = " ".repeat(2 + indent);
            for (col, cell) in row.iter().enumerate() {
                line.push_str(cell);
                if col + 1 < row.len() {
                    let used = cell.chars().count() + if col == 0 { *indent } else { 0 };
                    line.push_str(&" ".repeat(widths[col] - used + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

/// The text of `amp describe`.
fn describe_text(schema: &Schema, command: &CommandDef) -> String {
    let mut out = String::new();
    let rust = rust_type(command);
    let shown = |name: &Result<String, String>| match name {
        Ok(n) => n.clone(),
        Err(why) => format!("(none: {why})"),
    };
    let _ = writeln!(out, "{}", command.name);
    let mut head = Table::default();
    let python = if command.name == command.key {
        format!("{}(amp.Command)", command.key)
    } else {
        format!("{}(amp.Command), commandName = {}", command.key, python_bytes(&command.name))
    };
    head.row(0, &["Python class", &python]);
    let answer = if command.requires_answer { "yes" } else { "no (sent without _ask; requires_answer = false)" };
    head.row(0, &["requires answer", answer]);
    head.row(0, &["Rust command", &shown(&rust)]);
    for (protocol, handler, method) in handlers(schema, command) {
        head.row(0, &["handler", &format!("{handler}::{method} (protocol {protocol})")]);
    }
    for (name, path) in custom_types(schema, command) {
        head.row(0, &["custom type", &format!("{name} = {path}")]);
    }
    head.render(&mut out);

    let owner = rust.as_ref().ok();
    for (title, fields, suffix) in [
        ("arguments", &command.arguments, naming::arguments_struct as fn(&str) -> String),
        ("response", &command.response, naming::response_struct),
    ] {
        let owner = owner.map(|o| suffix(o));
        out.push('\n');
        let _ = writeln!(out, "{title}: {}", owner.as_deref().unwrap_or("(no Rust struct)"));
        if fields.is_empty() {
            out.push_str("  (none)\n");
            continue;
        }
        let mut table = Table::default();
        table.row(0, &["WIRE NAME", "TYPE", "OPTIONAL", "RUST FIELD"]);
        field_rows(&mut table, 0, fields, owner.as_deref());
        table.render(&mut out);
    }

    out.push('\n');
    let error_enum = owner.map(|o| naming::error_enum(o));
    let _ = writeln!(out, "errors: {}", error_enum.as_deref().unwrap_or("(no Rust enum)"));
    if command.errors.is_empty() && command.fatal_errors.is_empty() {
        out.push_str("  (none)\n");
    } else {
        let mut table = Table::default();
        table.row(0, &["CODE", "EXCEPTION", "FATAL", "RUST VARIANT"]);
        for (rows, fatal) in [(&command.errors, "no"), (&command.fatal_errors, "yes (the connection closes)")] {
            for e in rows.iter() {
                let variant = match (&error_enum, naming::type_ident(&e.exception)) {
                    (Some(owner), Ok(v)) => format!("{owner}::{v}"),
                    (_, Err(why)) => format!("(none: {why})"),
                    (None, _) => "(none)".to_owned(),
                };
                table.row(0, &[&e.code, &e.exception, fatal, &variant]);
            }
        }
        table.render(&mut out);
    }
    out
}

/// One row per field, an AmpList's fields indented under it.
fn field_rows(table: &mut Table, indent: usize, fields: &[Field], owner: Option<&str>) {
    for f in fields {
        let ident = naming::rust_ident(&f.name);
        let ty = match &f.ty {
            TypeRef::AmpList(_) => "AmpList".to_owned(),
            other => type_text(other),
        };
        let element = match (&f.ty, owner, &ident) {
            (TypeRef::AmpList(_), Some(o), Ok(i)) => Some(naming::element_struct(o, i)),
            _ => None,
        };
        let rust = match (&ident, &element) {
            (Ok(i), Some(e)) => format!("{i} (elements: {e})"),
            (Ok(i), None) => i.clone(),
            (Err(why), _) => format!("(none: {why})"),
        };
        table.row(indent, &[&f.name, &ty, if f.optional { "yes" } else { "no" }, &rust]);
        if let TypeRef::AmpList(inner) = &f.ty {
            field_rows(table, indent + 2, inner, element.as_deref());
        }
    }
}

/// A wire name as a Python bytes literal (`b'all-types'`).
fn python_bytes(text: &str) -> String {
    let mut out = String::from("b'");
    for b in text.bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_bytes_literals() {
        assert_eq!(python_bytes("all-types"), "b'all-types'");
        assert_eq!(python_bytes("a'b\\c\n"), r"b'a\'b\\c\n'");
        assert_eq!(python_bytes("é"), r"b'\xc3\xa9'");
    }

    #[test]
    fn signatures() {
        let schema = amp_schema::parse(
            r#"
[commands.Sum]
arguments = [{ name = "a", type = "Integer" }, { name = "b", type = "Integer", repr = "big", optional = true }]
response = [{ name = "rows", type = "AmpList", fields = [{ name = "x", type = "ListOf", of = "Unicode" }] }]
[commands.Note]
name = "note-it"
arguments = [{ name = "text", type = "Unicode" }]
requires_answer = false
"#,
        )
        .unwrap();
        assert_eq!(
            signature(&schema.commands[0]),
            "Sum(a: Integer, b?: Integer(big)) -> (rows: AmpList(x: ListOf(Unicode)))"
        );
        assert_eq!(signature(&schema.commands[1]), "note-it(text: Unicode) -> ()  [no answer]");
    }
}
