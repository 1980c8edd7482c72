//! Finer spans the TOML parser records for validation, and a message both
//! report.

use std::collections::HashMap;

use crate::model::Span;

/// The error for an AmpList as a ListOf element (the parser meets it in
/// `of`, validation in a model built by other means).
pub(crate) const AMPLIST_IN_LISTOF: &str = "AmpList cannot be a ListOf element: a ListOf element needs a plain \
     string form, and Twisted raises TypeError for ListOf(AmpList(...)); use an AmpList field instead";

/// Finer spans the TOML parser knows, keyed by the model span they refine.
/// Empty for a model built by other means.
#[derive(Debug, Default)]
pub(crate) struct Detail {
    /// Field span -> its parts.
    pub(crate) field: HashMap<Span, FieldDetail>,
    /// Command span -> the `name = "..."` value.
    pub(crate) command_name: HashMap<Span, Span>,
    /// Error row span -> its parts.
    pub(crate) error: HashMap<Span, ErrorDetail>,
    /// Custom type span -> the `rust = "..."` value.
    pub(crate) rust: HashMap<Span, Span>,
    /// Protocol span -> the span of each `answers` entry.
    pub(crate) answers: HashMap<Span, Vec<Span>>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldDetail {
    pub(crate) name: Span,
    pub(crate) ty: Span,
    pub(crate) of: Option<Span>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorDetail {
    pub(crate) exception: Span,
    pub(crate) code: Span,
}
