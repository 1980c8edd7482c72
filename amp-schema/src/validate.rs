//! Checks on a [`Schema`] model, wherever it came from (a TOML file or the
//! macro's inline form). Every error carries a span found in the model.

use std::collections::HashMap;

use crate::detail::{Detail, AMPLIST_IN_LISTOF};
use crate::error::SchemaError;
use crate::model::{CommandDef, ErrorDef, Field, Schema, Span, TypeRef, BUILTIN_TYPES};
use crate::naming::{is_rust_path, rust_ident, snake_case, type_ident};
use crate::suggest::suggest;
use crate::wire::{MAX_KEY_LEN, MAX_VALUE_LEN, RESERVED_KEYS};

/// Checks `schema` and returns every problem found (empty when it is valid).
///
/// Checks: table keys and exception names are valid Rust type names; command
/// wire names are 1 to 65535 bytes and unique; handler method names do not
/// collide; field names are 1 to 255 bytes, not reserved ([`RESERVED_KEYS`](crate::wire::RESERVED_KEYS),
/// top level only), unique, map to Rust identifiers ([`crate::naming::rust_ident`])
/// that are unique too; every type is built in or declared under `[types]`;
/// no AmpList or Descriptor inside a ListOf; error codes are non-empty and
/// unique within a command, exceptions declared once; custom types have a
/// valid `rust` path and do not shadow a built-in; protocols answer known
/// commands, each once.
pub fn validate(schema: &Schema) -> Vec<SchemaError> {
    validate_with(schema, &Detail::default())
}

pub(crate) fn validate_with(schema: &Schema, detail: &Detail) -> Vec<SchemaError> {
    let mut v = Validator { schema, detail, errors: Vec::new() };
    v.commands();
    v.types();
    v.protocols();
    v.errors
}

struct Validator<'a> {
    schema: &'a Schema,
    detail: &'a Detail,
    errors: Vec<SchemaError>,
}

/// Where a list of fields lives, for messages.
#[derive(Clone, Copy)]
enum Place<'a> {
    Arguments(&'a str),
    Response(&'a str),
    AmpList(&'a str),
}

impl Place<'_> {
    fn noun(self) -> &'static str {
        match self {
            Place::Arguments(_) => "argument",
            Place::Response(_) => "response field",
            Place::AmpList(_) => "AmpList field",
        }
    }

    fn owner(self) -> String {
        match self {
            Place::Arguments(c) | Place::Response(c) => format!("command `{c}`"),
            Place::AmpList(f) => format!("AmpList `{f}`"),
        }
    }
}

impl Validator<'_> {
    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.errors.push(SchemaError::new(message, span));
    }

    fn field_detail(&self, field: &Field) -> (Span, Span, Option<Span>) {
        match self.detail.field.get(&field.span) {
            Some(d) => (d.name, d.ty, d.of),
            None => (field.span, field.span, None),
        }
    }

    fn commands(&mut self) {
        let mut keys: HashMap<&str, &CommandDef> = HashMap::new();
        let mut wire: HashMap<&str, &CommandDef> = HashMap::new();
        let mut methods: HashMap<String, &CommandDef> = HashMap::new();
        for cmd in &self.schema.commands {
            if let Err(e) = type_ident(&cmd.key) {
                self.error(format!("command key: {e}"), cmd.span);
            }
            if keys.insert(&cmd.key, cmd).is_some() {
                self.error(format!("command `{}` is declared twice", cmd.key), cmd.span);
            } else if let Some(first) = methods.get(&snake_case(&cmd.key)).copied() {
                self.error(
                    format!(
                        "commands `{}` and `{}` both map to the handler method `{}`",
                        first.key,
                        cmd.key,
                        snake_case(&cmd.key)
                    ),
                    cmd.span,
                );
            } else {
                methods.insert(snake_case(&cmd.key), cmd);
            }
            let name_span = self.detail.command_name.get(&cmd.span).copied().unwrap_or(cmd.span);
            if cmd.name.is_empty() {
                self.error(format!("command `{}` has an empty wire name", cmd.key), name_span);
            } else if cmd.name.len() > MAX_VALUE_LEN {
                self.error(
                    format!(
                        "command `{}` has a wire name of {} bytes; AMP values hold at most {MAX_VALUE_LEN}",
                        cmd.key,
                        cmd.name.len()
                    ),
                    name_span,
                );
            } else if let Some(first) = wire.get(cmd.name.as_str()).copied() {
                if first.key != cmd.key {
                    self.error(
                        format!("commands `{}` and `{}` have the same wire name `{}`", first.key, cmd.key, cmd.name),
                        name_span,
                    );
                }
            } else {
                wire.insert(&cmd.name, cmd);
            }
            self.fields(&cmd.arguments, Place::Arguments(&cmd.key));
            self.fields(&cmd.response, Place::Response(&cmd.key));
            self.command_errors(cmd);
        }
    }

    fn fields(&mut self, fields: &[Field], place: Place<'_>) {
        let mut names: HashMap<&str, &Field> = HashMap::new();
        let mut idents: HashMap<String, &Field> = HashMap::new();
        let noun = place.noun();
        for field in fields {
            let (name_span, _, _) = self.field_detail(field);
            let name = field.name.as_str();
            if name.is_empty() || name.len() > MAX_KEY_LEN {
                self.error(
                    format!(
                        "{noun} name {} is {} bytes long; AMP keys are 1 to {MAX_KEY_LEN} bytes",
                        shorten(name),
                        name.len()
                    ),
                    name_span,
                );
            } else if !matches!(place, Place::AmpList(_)) && RESERVED_KEYS.contains(&name) {
                self.error(
                    format!("{noun} name `{name}` is reserved: AMP uses the key `{name}` in its own request and answer boxes"),
                    name_span,
                );
            }
            if names.insert(name, field).is_some() {
                self.error(format!("duplicate {noun} `{name}` in {}", place.owner()), name_span);
            } else if !name.is_empty() {
                match rust_ident(name) {
                    Err(e) => self.error(format!("{noun} name: {e}"), name_span),
                    Ok(ident) => {
                        let first = *idents.entry(ident.clone()).or_insert(field);
                        if !std::ptr::eq(first, field) {
                            self.error(
                                format!(
                                    "{noun}s `{}` and `{name}` of {} both map to the Rust field `{ident}`",
                                    first.name,
                                    place.owner()
                                ),
                                name_span,
                            );
                        }
                    }
                }
            }
            self.type_ref(&field.ty, field, false);
        }
    }

    /// Checks a field's type; `in_list` is true for a ListOf element.
    fn type_ref(&mut self, ty: &TypeRef, field: &Field, in_list: bool) {
        let (_, ty_span, of_span) = self.field_detail(field);
        let span = if in_list { of_span.unwrap_or(ty_span) } else { ty_span };
        match ty {
            TypeRef::ListOf(inner) => self.type_ref(inner, field, true),
            TypeRef::AmpList(fields) => {
                if in_list {
                    self.error(AMPLIST_IN_LISTOF, span);
                }
                self.fields(fields, Place::AmpList(&field.name));
            }
            TypeRef::Descriptor if in_list => self.error(
                "Descriptor cannot be a ListOf element: a descriptor travels beside the box (SCM_RIGHTS), \
                 and a ListOf element is only a string",
                span,
            ),
            TypeRef::Custom(name) if self.schema.custom_type(name).is_none() => {
                let mut message =
                    format!("unknown type `{name}`: use a built-in type or declare it under [types.{name}]");
                let mut candidates: Vec<&str> = BUILTIN_TYPES.to_vec();
                candidates.extend(self.schema.types.iter().map(|t| t.name.as_str()));
                if let Some(s) = suggest(name, candidates) {
                    message.push_str(&format!(" (did you mean `{s}`?)"));
                }
                self.error(message, span);
            }
            _ => {}
        }
    }

    fn command_errors(&mut self, cmd: &CommandDef) {
        let mut exceptions: HashMap<&str, &ErrorDef> = HashMap::new();
        let mut codes: HashMap<&str, &ErrorDef> = HashMap::new();
        for e in cmd.errors.iter().chain(&cmd.fatal_errors) {
            let (exc_span, code_span) = match self.detail.error.get(&e.span) {
                Some(d) => (d.exception, d.code),
                None => (e.span, e.span),
            };
            if let Err(msg) = type_ident(&e.exception) {
                self.error(format!("exception name: {msg}"), exc_span);
            }
            if exceptions.insert(&e.exception, e).is_some() {
                self.error(
                    format!(
                        "exception `{}` is declared twice in command `{}` (in `errors` and `fatal_errors`?)",
                        e.exception, cmd.key
                    ),
                    exc_span,
                );
            }
            if e.code.is_empty() || e.code.len() > MAX_VALUE_LEN {
                self.error(
                    format!(
                        "error code of `{}` is {} bytes; it must be 1 to {MAX_VALUE_LEN}",
                        e.exception,
                        e.code.len()
                    ),
                    code_span,
                );
            } else if let Some(first) = codes.insert(&e.code, e) {
                self.error(
                    format!(
                        "error code `{}` is used by both `{}` and `{}` in command `{}`: a peer could not tell them apart",
                        e.code, first.exception, e.exception, cmd.key
                    ),
                    code_span,
                );
            }
        }
    }

    fn types(&mut self) {
        let mut names: HashMap<&str, ()> = HashMap::new();
        for t in &self.schema.types {
            if BUILTIN_TYPES.contains(&t.name.as_str()) {
                self.error(format!("custom type `{}` has the name of a built-in type", t.name), t.span);
            } else if let Err(e) = type_ident(&t.name) {
                self.error(format!("custom type name: {e}"), t.span);
            }
            if names.insert(&t.name, ()).is_some() {
                self.error(format!("custom type `{}` is declared twice", t.name), t.span);
            }
            if t.rust.trim().is_empty() {
                self.error(
                    format!(
                        "custom type `{}` needs `rust = \"path::To::Type\"`, the Rust type implementing \
                         amp_runtime::ArgumentType",
                        t.name
                    ),
                    t.span,
                );
            } else if !is_rust_path(&t.rust) {
                let span = self.detail.rust.get(&t.span).copied().unwrap_or(t.span);
                self.error(
                    format!(
                        "`{}` is not a Rust type path (like `my_crate::codecs::Compressed`)",
                        t.rust.escape_debug()
                    ),
                    span,
                );
            }
        }
    }

    fn protocols(&mut self) {
        let mut names: HashMap<&str, ()> = HashMap::new();
        for p in &self.schema.protocols {
            if let Err(e) = type_ident(&p.name) {
                self.error(format!("protocol name: {e}"), p.span);
            }
            if names.insert(&p.name, ()).is_some() {
                self.error(format!("protocol `{}` is declared twice", p.name), p.span);
            }
            let spans = self.detail.answers.get(&p.span);
            let mut seen: HashMap<&str, ()> = HashMap::new();
            for (i, key) in p.answers.iter().enumerate() {
                let span = spans.and_then(|s| s.get(i)).copied().unwrap_or(p.span);
                if self.schema.command(key).is_none() {
                    let mut message =
                        format!("protocol `{}` answers `{key}`, which is not a command table key", p.name);
                    let keys = self.schema.commands.iter().map(|c| c.key.as_str());
                    if let Some(s) = suggest(key, keys) {
                        message.push_str(&format!(" (did you mean `{s}`?)"));
                    } else if let Some(c) = self.schema.command_by_wire_name(key.as_bytes()) {
                        message.push_str(&format!(" (it is the wire name of `{}`: list table keys)", c.key));
                    }
                    self.error(message, span);
                }
                if seen.insert(key, ()).is_some() {
                    self.error(format!("protocol `{}` lists `{key}` twice", p.name), span);
                }
            }
        }
    }
}

/// A name for a message: quoted, cut after 40 characters.
fn shorten(name: &str) -> String {
    if name.is_empty() {
        return "\"\"".to_string();
    }
    let mut s: String = name.chars().take(40).collect();
    if s.len() < name.len() {
        s.push_str("...");
    }
    format!("`{s}`")
}
