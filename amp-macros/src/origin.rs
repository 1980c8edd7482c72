//! Where a model came from, so errors about it point at the right place: the
//! user's tokens for an inline declaration, `file:line:col` plus an excerpt
//! (and the path literal's span) for a schema file.

use std::fmt::Display;

use amp_schema::Span as At;
use proc_macro2::Span;

use crate::ctxt::Ctxt;
use crate::file::SchemaFile;

/// The source of a model's spans.
#[derive(Clone, Copy)]
pub enum Origin<'a> {
    /// Model spans index this list of token spans (see `inline.rs`).
    Tokens(&'a [Span]),
    /// Model spans are byte ranges of this file's text.
    File(&'a SchemaFile),
}

impl Origin<'_> {
    /// Reports `message` about the model item at `at`.
    pub fn error(&self, cx: &Ctxt, at: At, message: impl Display) {
        match self {
            Origin::Tokens(_) => cx.error(self.span(at), message),
            Origin::File(file) => cx.error(file.lit_span, file.render(at, message.to_string())),
        }
    }

    /// Reports a schema validation error.
    pub fn schema_error(&self, cx: &Ctxt, e: &amp_schema::SchemaError) {
        self.error(cx, e.span, &e.message)
    }

    /// The span of the model item at `at` (its first token for inline input).
    pub fn span(&self, at: At) -> Span {
        match self {
            Origin::Tokens(spans) => spans.get(at.start).copied().unwrap_or_else(Span::call_site),
            Origin::File(file) => file.lit_span,
        }
    }

    /// The span of a field's type (the second token span of a field).
    pub fn type_span(&self, at: At) -> Span {
        match self {
            Origin::Tokens(spans) if at.end > at.start + 1 => {
                spans.get(at.end - 1).copied().unwrap_or_else(Span::call_site)
            }
            _ => self.span(at),
        }
    }

    /// The span generated names of the item at `at` get: the user's token
    /// inline (so errors about them point there), call-site for a file.
    pub fn name_span(&self, at: At) -> Span {
        match self {
            Origin::Tokens(_) => self.span(at),
            Origin::File(_) => Span::call_site(),
        }
    }
}
