//! A command's error enum: one variant per declared and fatal error, named
//! after the exception and carrying the description; `Display`,
//! `std::error::Error` and `CommandError`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{LitByteStr, LitStr, Visibility};

use super::paths::{private, runtime};
use crate::ir::ErrorIr;

/// The enum and its impls.
pub fn error_enum(vis: &Visibility, e: &ErrorIr) -> TokenStream {
    let rt = runtime();
    let pv = private();
    let ident = &e.ident;
    let doc = &e.doc;
    let lit = |s: &str| LitStr::new(s, Span::call_site());

    let variants = e.variants.iter().map(|v| {
        let doc = format!(
            "`{}`, wire code `{}`{}. Carries the error description.",
            v.exception,
            v.code.escape_debug(),
            if v.fatal { " (fatal: the connection closes once it is answered)" } else { "" }
        );
        let id = &v.ident;
        quote!(#[doc = #doc] #id(#pv::String),)
    });

    let (display, from_wire, code, description, fatal) = if e.variants.is_empty() {
        let never = quote!(match *self {});
        (never.clone(), quote!(#pv::None), never.clone(), never.clone(), never)
    } else {
        let ids: Vec<_> = e.variants.iter().map(|v| &v.ident).collect();
        let exceptions = e.variants.iter().map(|v| lit(&v.exception));
        let codes: Vec<_> = e.variants.iter().map(|v| lit(&v.code)).collect();
        let code_bytes = e.variants.iter().map(|v| LitByteStr::new(v.code.as_bytes(), Span::call_site()));
        let fatals = e.variants.iter().map(|v| v.fatal);
        (
            quote! {
                let (__exception, __description): (&str, &str) = match self {
                    #(Self::#ids(__d) => (#exceptions, #pv::String::as_str(__d)),)*
                };
                #pv::fmt::Formatter::write_str(__f, __exception)?;
                if __description.is_empty() {
                    #pv::Ok(())
                } else {
                    #pv::fmt::Formatter::write_str(__f, ": ")?;
                    #pv::fmt::Formatter::write_str(__f, __description)
                }
            },
            quote! {
                match __code {
                    #(#code_bytes => #pv::Some(Self::#ids(__description)),)*
                    _ => #pv::None,
                }
            },
            quote!(match self { #(Self::#ids(_) => #codes,)* }),
            quote!(match self { #(Self::#ids(__d) => #pv::String::as_str(__d),)* }),
            quote!(match self { #(Self::#ids(_) => #fatals,)* }),
        )
    };

    quote! {
        #[doc = #doc]
        #[derive(#pv::Debug, #pv::Clone, #pv::PartialEq, #pv::Eq)]
        #vis enum #ident {
            #(#variants)*
        }

        const _: () = {
            impl #pv::fmt::Display for #ident {
                fn fmt(&self, __f: &mut #pv::fmt::Formatter<'_>) -> #pv::fmt::Result {
                    #display
                }
            }

            impl #pv::StdError for #ident {}

            impl #rt::CommandError for #ident {
                fn from_wire(__code: &[u8], __description: #pv::String) -> #pv::Option<Self> {
                    #from_wire
                }

                fn code(&self) -> &'static str {
                    #code
                }

                fn description(&self) -> &str {
                    #description
                }

                fn is_fatal(&self) -> bool {
                    #fatal
                }
            }
        };
    }
}
