#![doc = include_str!("../README.md")]

mod detail;
pub mod error;
pub mod model;
pub mod naming;
mod parse;
mod suggest;
mod validate;
pub mod wire;

use std::path::Path;

pub use error::{line_col, render_all, SchemaError};
pub use model::{CommandDef, CustomType, ErrorDef, Field, IntRepr, ProtocolDef, Schema, Span, TypeRef, BUILTIN_TYPES};
pub use validate::validate;

/// Parses a TOML schema and validates it. On failure, returns every error
/// found (syntax errors stop the parse; all others are collected), sorted by
/// position; render them with [`SchemaError::render`].
pub fn parse(text: &str) -> Result<Schema, Vec<SchemaError>> {
    match parse_lenient(text) {
        (Some(schema), errors) if errors.is_empty() => Ok(schema),
        (_, errors) => Err(errors),
    }
}

/// Parses and validates like [`parse`], but keeps the model when validation
/// finds problems: it is `None` only when the TOML itself cannot be read.
/// Such a model may hold unknown types, duplicates, reserved or overlong
/// names; it is for tools that report every error and still go on (the
/// macros emit stub items from it, so one mistake in a file does not turn
/// into errors at every use of its commands).
pub fn parse_lenient(text: &str) -> (Option<Schema>, Vec<SchemaError>) {
    let (schema, mut errors, detail) = parse::parse_toml(text);
    if let Some(schema) = &schema {
        errors.extend(validate::validate_with(schema, &detail));
    }
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    (schema, errors)
}

/// Reads, parses and validates the schema file at `path`. The error is every
/// problem rendered (`path:LINE:COL: message` with the source line) into one
/// message, ready to print.
pub fn load(path: &Path) -> Result<Schema, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read the schema: {e}", path.display()))?;
    parse(&text).map_err(|errors| render_all(&errors, &path.display().to_string(), &text))
}
