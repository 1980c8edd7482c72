//! The command's own items: its unit struct (module form only: the attribute
//! keeps the user's struct) and `impl Command`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;

use super::paths::{private, runtime};
use crate::ir::{CommandIr, VariantIr};

/// `pub struct Key;` for a command of the module form.
pub fn unit_struct(c: &CommandIr) -> TokenStream {
    let pv = private();
    let (vis, ident) = (&c.vis, &c.ident);
    let doc = format!(
        "The `{}` command (wire name `{}`), {}. Its items: [`{}`], [`{}`], [`{}`].",
        c.key,
        c.wire_name.escape_debug(),
        c.source,
        c.arguments.ident,
        c.response.ident,
        c.error.ident
    );
    quote! {
        #[doc = #doc]
        #[derive(#pv::Debug, #pv::Clone, #pv::Copy, #pv::PartialEq, #pv::Eq, #pv::Hash, #pv::Default)]
        #vis struct #ident;
    }
}

/// `impl ::amp_runtime::Command for Key`.
pub fn command_impl(c: &CommandIr) -> TokenStream {
    let rt = runtime();
    let ident = &c.ident;
    let name = LitStr::new(&c.wire_name, Span::call_site());
    let requires_answer = c.requires_answer;
    let rows = |fatal: bool| {
        let rows = c.error.variants.iter().filter(|v| v.fatal == fatal).map(|v: &VariantIr| {
            let exception = LitStr::new(&v.exception, Span::call_site());
            let code = LitStr::new(&v.code, Span::call_site());
            quote!(#rt::ErrorCode { exception: #exception, code: #code },)
        });
        quote!(&[#(#rows)*])
    };
    let (errors, fatal_errors) = (rows(false), rows(true));
    let (args, response, error) = (&c.arguments.ident, &c.response.ident, &c.error.ident);
    quote! {
        const _: () = {
            impl #rt::Command for #ident {
                const NAME: &'static str = #name;
                const REQUIRES_ANSWER: bool = #requires_answer;
                const ERRORS: &'static [#rt::ErrorCode] = #errors;
                const FATAL_ERRORS: &'static [#rt::ErrorCode] = #fatal_errors;
                type Arguments = #args;
                type Response = #response;
                type Error = #error;
            }
        };
    }
}
