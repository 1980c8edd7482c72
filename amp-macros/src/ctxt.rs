//! The error collector: every check reports here, so a user sees every
//! mistake of one macro call at once, each at its own span (as serde_derive's
//! `internals/ctxt.rs`).

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::{Span, TokenStream};

/// Collects the errors of one macro expansion.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// Reports `message` at `span`.
    pub fn error(&self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Reports a parse error from syn.
    pub fn syn_error(&self, error: syn::Error) {
        self.push(error);
    }

    fn push(&self, error: syn::Error) {
        let mut errors = self.errors.borrow_mut();
        // The schema validator and the Rust-level checks can notice the same
        // mistake; one report of it is enough.
        let text = error.to_string();
        let dup = errors.iter().any(|e| e.to_string() == text && same_span(e.span(), error.span()));
        if !dup {
            errors.push(error);
        }
    }

    /// Every reported error as `compile_error!` invocations, in report order.
    pub fn into_compile_errors(self) -> TokenStream {
        self.errors.into_inner().into_iter().map(|e| e.to_compile_error()).collect()
    }
}

fn same_span(a: Span, b: Span) -> bool {
    // Spans have no equality; their debug form names the source position.
    format!("{a:?}") == format!("{b:?}")
}
