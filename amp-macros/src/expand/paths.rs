//! The absolute paths generated code uses. Everything goes through
//! `::amp_runtime` (and its hidden `__private` module for std items), so a
//! user's `Result`, `Option`, `String`, ... or `#![no_implicit_prelude]`
//! cannot change what the generated code means.

use proc_macro2::TokenStream;
use quote::quote;

/// `::amp_runtime`.
pub fn runtime() -> TokenStream {
    quote!(::amp_runtime)
}

/// `::amp_runtime::__private`.
pub fn private() -> TokenStream {
    quote!(::amp_runtime::__private)
}
