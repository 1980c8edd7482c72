//! Schema files read at compile time: path resolution against
//! `CARGO_MANIFEST_DIR` (absolute paths are refused), reading, parsing with
//! the one schema parser (`amp_schema::parse_lenient`), and the `include_bytes!` that
//! makes an edit of the file rebuild the crate.

use std::path::{Path, PathBuf};

use amp_schema::Span as At;
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;

use crate::ctxt::Ctxt;

/// A schema file's text and where it was named.
pub struct SchemaFile {
    /// The path as the user wrote it (shown in errors).
    pub written: String,
    /// The path that was read.
    pub abs: PathBuf,
    pub text: String,
    /// The span of the path literal: every error about the file points there.
    pub lit_span: Span,
}

impl SchemaFile {
    /// `path:line:col: message` with the excerpt at `at`.
    pub fn render(&self, at: At, message: String) -> String {
        amp_schema::SchemaError { message, span: at }.render(&self.written, &self.text)
    }

    /// `const _: &[u8] = include_bytes!("<abs path>");`: cargo then tracks
    /// the file, and editing it rebuilds the crate.
    pub fn include_bytes(&self) -> TokenStream {
        let pv = crate::expand::paths::private();
        let abs = LitStr::new(&self.abs.to_string_lossy(), self.lit_span);
        quote!(const _: &[u8] = #pv::include_bytes!(#abs);)
    }
}

/// Reads the schema file `lit` names, relative to `CARGO_MANIFEST_DIR`.
pub fn read(cx: &Ctxt, lit: &LitStr) -> Option<SchemaFile> {
    let written = lit.value();
    let span = lit.span();
    if written.is_empty() {
        cx.error(span, "the schema path is empty; write it relative to the crate root, e.g. \"schema/app.toml\"");
        return None;
    }
    if Path::new(&written).is_absolute() || written.starts_with('/') || written.starts_with('\\') {
        cx.error(
            span,
            format_args!(
                "absolute schema path `{written}`: write the path relative to the crate root (CARGO_MANIFEST_DIR), \
                 e.g. \"schema/app.toml\", so the crate builds on other machines"
            ),
        );
        return None;
    }
    let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        cx.error(span, "CARGO_MANIFEST_DIR is not set: schema files can only be read in a cargo build");
        return None;
    };
    let abs = PathBuf::from(root).join(&written);
    if abs.to_str().is_none() {
        cx.error(span, format_args!("the schema path `{}` is not valid UTF-8", abs.display()));
        return None;
    }
    match std::fs::read_to_string(&abs) {
        Ok(text) => Some(SchemaFile { written, abs, text, lit_span: span }),
        Err(e) => {
            cx.error(
                span,
                format_args!("cannot read schema file `{written}` (paths are relative to the crate root, CARGO_MANIFEST_DIR): {e}"),
            );
            None
        }
    }
}

/// Parses and validates `file` (`amp_schema::parse_lenient` does both);
/// every problem goes to `cx` with its `file:line:col` and excerpt. The model
/// comes back even when it has problems (not after a TOML syntax error), so
/// the items of the file are still generated and uses of them add no errors.
pub fn parse(cx: &Ctxt, file: &SchemaFile) -> Option<amp_schema::Schema> {
    let (schema, errors) = amp_schema::parse_lenient(&file.text);
    for e in errors {
        cx.error(file.lit_span, file.render(e.span, e.message));
    }
    schema
}
