//! TOML text -> [`Schema`], keeping a span for every item.
//!
//! The parser reports what the model cannot hold (TOML syntax, unknown keys,
//! values of the wrong kind, a field without `name` or `type`, a bad `repr`,
//! `of`/`fields`/`repr` on the wrong type). Everything the model can hold but
//! that is wrong (unknown types, duplicates, reserved names, bad Rust names...)
//! is left to [`crate::validate`], so both paths report it the same way. The
//! parser records finer spans (the `type` value of a field, each `answers`
//! entry...) in a [`Detail`] so that validation of a parsed file can point at
//! the exact value.

use std::ops::Range;

use toml_edit::{ImDocument, Item, Key, TableLike, Value};

use crate::detail::{Detail, ErrorDetail, FieldDetail, AMPLIST_IN_LISTOF};
use crate::error::SchemaError;
use crate::model::{CommandDef, CustomType, ErrorDef, Field, IntRepr, ProtocolDef, Schema, Span, TypeRef};
use crate::suggest::suggest;

const ROOT_KEYS: &[&str] = &["commands", "types", "protocols"];
const COMMAND_KEYS: &[&str] = &["name", "arguments", "response", "errors", "fatal_errors", "requires_answer"];
const FIELD_KEYS: &[&str] = &["name", "type", "optional", "of", "fields", "repr"];
const OF_KEYS: &[&str] = &["type", "of", "fields", "repr"];
const TYPE_KEYS: &[&str] = &["rust"];
const PROTOCOL_KEYS: &[&str] = &["answers"];

/// Parses `text` into a model; also returns the parser's errors and the finer
/// spans for validation. `None` only on a TOML syntax error.
pub(crate) fn parse_toml(text: &str) -> (Option<Schema>, Vec<SchemaError>, Detail) {
    let doc = match ImDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let span = e.span().map_or(Span { start: 0, end: 0 }, to_span);
            let message = e.message().trim().lines().map(str::trim).collect::<Vec<_>>().join("; ");
            return (None, vec![SchemaError::new(format!("TOML syntax error: {message}"), span)], Detail::default());
        }
    };
    let mut p = Parser { errors: Vec::new(), detail: Detail::default() };
    let schema = p.document(doc.as_table());
    (Some(schema), p.errors, p.detail)
}

struct Parser {
    errors: Vec<SchemaError>,
    detail: Detail,
}

fn to_span(r: Range<usize>) -> Span {
    Span { start: r.start, end: r.end }
}

/// `r` as a span, else `fallback` (implicit tables and dotted keys have none).
fn span_or(r: Option<Range<usize>>, fallback: Span) -> Span {
    r.map_or(fallback, to_span)
}

/// A table written either as `[header]` or inline (`{ ... }`).
fn table_like(item: &Item) -> Option<&dyn TableLike> {
    item.as_table_like()
}

/// The entries of a table with the span of each key (else of its value).
fn entries(t: &dyn TableLike, fallback: Span) -> Vec<(&Key, &Item, Span)> {
    t.iter()
        .filter_map(|(k, _)| t.get_key_value(k))
        .map(|(key, item)| {
            let span = span_or(key.span(), span_or(item.span(), fallback));
            (key, item, span)
        })
        .collect()
}

fn value_span(item: &Item, fallback: Span) -> Span {
    span_or(item.span(), fallback)
}

/// The TOML kind of an item, for "must be a ..." messages.
fn kind(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => match v {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime(_) => "a datetime",
            Value::Array(_) => "an array",
            Value::InlineTable(_) => "an inline table",
        },
    }
}

impl Parser {
    fn error(&mut self, message: impl Into<String>, span: Span) {
        self.errors.push(SchemaError::new(message, span));
    }

    fn unknown_key(&mut self, key: &str, span: Span, context: &str, expected: &[&str]) {
        let mut message = format!("unknown key `{key}` in {context}; expected one of: {}", expected.join(", "));
        if let Some(s) = suggest(key, expected.iter().copied()) {
            message.push_str(&format!(" (did you mean `{s}`?)"));
        }
        self.error(message, span);
    }

    fn string<'a>(&mut self, item: &'a Item, span: Span, what: &str) -> Option<&'a str> {
        match item.as_str() {
            Some(s) => Some(s),
            None => {
                self.error(format!("{what} must be a string, not {}", kind(item)), value_span(item, span));
                None
            }
        }
    }

    fn boolean(&mut self, item: &Item, span: Span, what: &str) -> Option<bool> {
        match item.as_bool() {
            Some(b) => Some(b),
            None => {
                self.error(format!("{what} must be true or false, not {}", kind(item)), value_span(item, span));
                None
            }
        }
    }

    fn document(&mut self, root: &toml_edit::Table) -> Schema {
        let mut schema = Schema { commands: Vec::new(), types: Vec::new(), protocols: Vec::new() };
        let whole = Span { start: 0, end: 0 };
        for (key, item, span) in entries(root, whole) {
            let section = key.get();
            if !ROOT_KEYS.contains(&section) {
                self.unknown_key(section, span, "the schema", ROOT_KEYS);
                continue;
            }
            let Some(table) = table_like(item) else {
                self.error(format!("`{section}` must be a table, not {}", kind(item)), value_span(item, span));
                continue;
            };
            for (key, item, span) in entries(table, span) {
                match section {
                    "commands" => schema.commands.push(self.command(key.get(), item, span)),
                    "types" => schema.types.push(self.custom_type(key.get(), item, span)),
                    _ => schema.protocols.push(self.protocol(key.get(), item, span)),
                }
            }
        }
        schema
    }

    fn command(&mut self, key: &str, item: &Item, span: Span) -> CommandDef {
        let mut cmd = CommandDef {
            key: key.to_string(),
            name: key.to_string(),
            arguments: Vec::new(),
            response: Vec::new(),
            errors: Vec::new(),
            fatal_errors: Vec::new(),
            requires_answer: true,
            span,
        };
        let Some(table) = table_like(item) else {
            self.error(format!("`commands.{key}` must be a table, not {}", kind(item)), value_span(item, span));
            return cmd;
        };
        let context = format!("command `{key}`");
        for (k, v, kspan) in entries(table, span) {
            match k.get() {
                "name" => {
                    if let Some(name) = self.string(v, kspan, "`name`") {
                        cmd.name = name.to_string();
                        self.detail.command_name.insert(span, value_span(v, kspan));
                    }
                }
                "arguments" => cmd.arguments = self.fields(v, kspan, "`arguments`"),
                "response" => cmd.response = self.fields(v, kspan, "`response`"),
                "errors" => cmd.errors = self.errors(v, kspan, "`errors`"),
                "fatal_errors" => cmd.fatal_errors = self.errors(v, kspan, "`fatal_errors`"),
                "requires_answer" => {
                    if let Some(b) = self.boolean(v, kspan, "`requires_answer`") {
                        cmd.requires_answer = b;
                    }
                }
                other => self.unknown_key(other, kspan, &context, COMMAND_KEYS),
            }
        }
        cmd
    }

    /// `arguments`, `response` or an AmpList's `fields`: an array of inline
    /// tables, or an array of tables (`[[commands.X.arguments]]`).
    fn fields(&mut self, item: &Item, span: Span, what: &str) -> Vec<Field> {
        let shape = "a table like { name = \"a\", type = \"Integer\" }";
        let mut fields = Vec::new();
        match item {
            Item::Value(Value::Array(array)) => {
                for value in array.iter() {
                    let vspan = span_or(value.span(), span);
                    match value.as_inline_table() {
                        Some(t) => fields.extend(self.field(t, vspan)),
                        None => self.error(format!("each entry of {what} must be {shape}"), vspan),
                    }
                }
            }
            Item::ArrayOfTables(array) => {
                for t in array.iter() {
                    let tspan = span_or(t.span(), span);
                    fields.extend(self.field(t, tspan));
                }
            }
            _ => self.error(
                format!("{what} must be an array of fields ({shape}), not {}", kind(item)),
                value_span(item, span),
            ),
        }
        fields
    }

    fn field(&mut self, t: &dyn TableLike, span: Span) -> Option<Field> {
        let mut name = None;
        let mut optional = false;
        for (k, v, kspan) in entries(t, span) {
            match k.get() {
                "name" => {
                    if let Some(n) = self.string(v, kspan, "`name`") {
                        name = Some((n.to_string(), value_span(v, kspan)));
                    }
                }
                "optional" => optional = self.boolean(v, kspan, "`optional`").unwrap_or(false),
                "type" | "of" | "fields" | "repr" => {}
                other => self.unknown_key(other, kspan, "a field", FIELD_KEYS),
            }
        }
        let (ty, ty_span, of_span) = self.type_spec(t, span);
        let Some((name, name_span)) = name else {
            self.error("this field has no `name` (the box key)", span);
            return None;
        };
        let ty = ty?;
        self.detail.field.insert(span, FieldDetail { name: name_span, ty: ty_span, of: of_span });
        Some(Field { name, ty, optional, span })
    }

    /// The `type` of a field or of an `of` table, with `of`, `fields` and
    /// `repr`; `None` after reporting why it cannot be built. Also returns
    /// the span of the `type` value and of the `of` value, when present.
    fn type_spec(&mut self, t: &dyn TableLike, span: Span) -> (Option<TypeRef>, Span, Option<Span>) {
        let get = |key: &str| t.get_key_value(key).map(|(k, v)| (v, span_or(k.span(), span)));
        let of = get("of");
        let fields = get("fields");
        let repr = get("repr");
        let of_span = of.map(|(v, s)| value_span(v, s));
        let Some((ty_item, ty_key_span)) = get("type") else {
            self.error("this field has no `type`", span);
            return (None, span, of_span);
        };
        let ty_span = value_span(ty_item, ty_key_span);
        let Some(name) = self.string(ty_item, ty_key_span, "`type`") else { return (None, ty_span, of_span) };
        // `of`, `fields` and `repr` each belong to one type.
        let mut ok = true;
        for (present, key, owner) in [(&of, "of", "ListOf"), (&fields, "fields", "AmpList"), (&repr, "repr", "Integer")]
        {
            if let Some((_, kspan)) = present {
                if name != owner {
                    self.error(format!("`{key}` only applies to type = \"{owner}\", not \"{name}\""), *kspan);
                    ok = false;
                }
            }
        }
        let ty = match name {
            "Integer" => match repr {
                None => Some(TypeRef::Integer(IntRepr::I64)),
                Some((v, kspan)) => self.repr(v, kspan).map(TypeRef::Integer),
            },
            "ListOf" => match of {
                None => {
                    self.error("type = \"ListOf\" needs `of`, the element type (`of = \"Integer\"`)", ty_span);
                    None
                }
                Some((v, kspan)) => self.element(v, kspan).map(|inner| TypeRef::ListOf(Box::new(inner))),
            },
            "AmpList" => match fields {
                None => {
                    self.error("type = \"AmpList\" needs `fields`, the element's fields", ty_span);
                    None
                }
                Some((v, kspan)) => Some(TypeRef::AmpList(self.fields(v, kspan, "`fields`"))),
            },
            other => Some(simple_type(other)),
        };
        (if ok { ty } else { None }, ty_span, of_span)
    }

    /// The value of `of`: a type name, or a table `{ type = ..., of/repr/fields = ... }`.
    fn element(&mut self, item: &Item, span: Span) -> Option<TypeRef> {
        let vspan = value_span(item, span);
        if let Some(name) = item.as_str() {
            return match name {
                "ListOf" => {
                    self.error(
                        "`of = \"ListOf\"` needs its own element type: `of = { type = \"ListOf\", of = \"Integer\" }`",
                        vspan,
                    );
                    None
                }
                "AmpList" => {
                    self.error(AMPLIST_IN_LISTOF, vspan);
                    None
                }
                other => Some(simple_type(other)),
            };
        }
        let Some(t) = table_like(item) else {
            self.error(
                format!("`of` must be a type name or a table like {{ type = \"Integer\" }}, not {}", kind(item)),
                vspan,
            );
            return None;
        };
        for (k, _, kspan) in entries(t, vspan) {
            if !OF_KEYS.contains(&k.get()) {
                self.unknown_key(
                    k.get(),
                    kspan,
                    "an `of` table (a ListOf element has no name and cannot be optional)",
                    OF_KEYS,
                );
            }
        }
        self.type_spec(t, vspan).0
    }

    fn repr(&mut self, item: &Item, span: Span) -> Option<IntRepr> {
        let name = self.string(item, span, "`repr`")?;
        let r = IntRepr::from_name(name);
        if r.is_none() {
            self.error(
                format!("unknown repr `{name}`; expected \"i64\" (the default), \"u64\", \"i128\" or \"big\""),
                value_span(item, span),
            );
        }
        r
    }

    /// `errors` / `fatal_errors`: a table of exception name = wire code.
    fn errors(&mut self, item: &Item, span: Span, what: &str) -> Vec<ErrorDef> {
        let Some(t) = table_like(item) else {
            self.error(
                format!("{what} must be a table of exception = \"CODE\" (like {{ ZeroDivisionError = \"ZERO_DIVISION\" }}), not {}", kind(item)),
                value_span(item, span),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v, kspan) in entries(t, span) {
            let Some(code) = self.string(v, kspan, "an error code") else { continue };
            let code_span = value_span(v, kspan);
            let row = Span { start: kspan.start.min(code_span.start), end: kspan.end.max(code_span.end) };
            self.detail.error.insert(row, ErrorDetail { exception: kspan, code: code_span });
            out.push(ErrorDef { exception: k.get().to_string(), code: code.to_string(), span: row });
        }
        out
    }

    fn custom_type(&mut self, key: &str, item: &Item, span: Span) -> CustomType {
        let mut ty = CustomType { name: key.to_string(), rust: String::new(), span };
        let Some(t) = table_like(item) else {
            self.error(
                format!("`types.{key}` must be a table with `rust = \"path::To::Type\"`, not {}", kind(item)),
                value_span(item, span),
            );
            return ty;
        };
        for (k, v, kspan) in entries(t, span) {
            match k.get() {
                "rust" => {
                    if let Some(rust) = self.string(v, kspan, "`rust`") {
                        ty.rust = rust.to_string();
                        self.detail.rust.insert(span, value_span(v, kspan));
                    }
                }
                other => self.unknown_key(other, kspan, &format!("custom type `{key}`"), TYPE_KEYS),
            }
        }
        ty
    }

    fn protocol(&mut self, key: &str, item: &Item, span: Span) -> ProtocolDef {
        let mut proto = ProtocolDef { name: key.to_string(), answers: Vec::new(), span };
        let Some(t) = table_like(item) else {
            self.error(
                format!("`protocols.{key}` must be a table with `answers = [...]`, not {}", kind(item)),
                value_span(item, span),
            );
            return proto;
        };
        let mut seen_answers = false;
        for (k, v, kspan) in entries(t, span) {
            match k.get() {
                "answers" => {
                    seen_answers = true;
                    let vspan = value_span(v, kspan);
                    let Some(array) = v.as_array() else {
                        self.error(format!("`answers` must be an array of command table keys, not {}", kind(v)), vspan);
                        continue;
                    };
                    let mut spans = Vec::new();
                    for entry in array.iter() {
                        let espan = span_or(entry.span(), vspan);
                        match entry.as_str() {
                            Some(name) => {
                                proto.answers.push(name.to_string());
                                spans.push(espan);
                            }
                            None => {
                                self.error("each entry of `answers` must be a command's table key (a string)", espan)
                            }
                        }
                    }
                    self.detail.answers.insert(span, spans);
                }
                other => self.unknown_key(other, kspan, &format!("protocol `{key}`"), PROTOCOL_KEYS),
            }
        }
        if !seen_answers {
            self.error(
                format!("protocol `{key}` has no `answers` (write `answers = []` for a peer that answers nothing)"),
                span,
            );
        }
        proto
    }
}

/// A type name other than ListOf/AmpList: a built-in, else a custom type
/// (validation checks that it is declared).
pub(crate) fn simple_type(name: &str) -> TypeRef {
    match name {
        "Integer" => TypeRef::Integer(IntRepr::I64),
        "String" => TypeRef::String,
        "Unicode" => TypeRef::Unicode,
        "Path" => TypeRef::Path,
        "Boolean" => TypeRef::Boolean,
        "Float" => TypeRef::Float,
        "Decimal" => TypeRef::Decimal,
        "DateTime" => TypeRef::DateTime,
        "Descriptor" => TypeRef::Descriptor,
        other => TypeRef::Custom(other.to_string()),
    }
}
