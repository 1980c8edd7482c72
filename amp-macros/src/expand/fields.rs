//! A struct of box fields (a command's arguments or response, or an AmpList
//! element) and its `BoxFields` impl, plus the element structs it uses.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{LitStr, Visibility};

use super::paths::{private, runtime};
use crate::ir::StructIr;

/// The struct, its `BoxFields` impl, and its AmpList element structs.
pub fn box_struct(vis: &Visibility, s: &StructIr) -> TokenStream {
    let rt = runtime();
    let pv = private();
    let ident = &s.ident;
    let doc = &s.doc;
    let derives = if s.clone_eq {
        quote!(#[derive(#pv::Debug, #pv::Clone, #pv::PartialEq)])
    } else {
        // A file descriptor (OwnedFd) can be neither cloned nor compared.
        quote!(#[derive(#pv::Debug)])
    };

    let fields = s.fields.iter().map(|f| {
        let (id, doc, value) = (&f.ident, &f.doc, &f.value);
        let ty = if f.optional { quote!(#pv::Option<#value>) } else { value.clone() };
        quote!(#[doc = #doc] pub #id: #ty,)
    });
    let body = if s.fields.is_empty() { quote!(;) } else { quote!({ #(#fields)* }) };

    let writes = s.fields.iter().map(|f| {
        let (id, codec) = (&f.ident, &f.codec);
        let wire = LitStr::new(&f.wire, Span::call_site());
        if f.optional {
            quote! {
                if let #pv::Some(__value) = &self.#id {
                    <#codec as #rt::ArgumentType>::to_box_static(#wire, __value, __out, __cx)?;
                }
            }
        } else {
            quote!(<#codec as #rt::ArgumentType>::to_box_static(#wire, &self.#id, __out, __cx)?;)
        }
    });
    let reads = s.fields.iter().map(|f| {
        let (id, codec) = (&f.ident, &f.codec);
        let wire = LitStr::new(&f.wire, Span::call_site());
        let read = if f.optional { quote!(optional) } else { quote!(required) };
        quote!(#id: #rt::types::#read::<#codec>(#wire, __input, __cx)?,)
    });
    let nested = s.nested.iter().map(|n| box_struct(vis, n));

    quote! {
        #[doc = #doc]
        #derives
        #vis struct #ident #body

        const _: () = {
            impl #rt::BoxFields for #ident {
                fn write_fields(
                    &self,
                    __out: &mut #rt::AmpBox,
                    __cx: &mut #rt::ArgContext,
                ) -> #pv::Result<(), #rt::EncodeError> {
                    #(#writes)*
                    #pv::Ok(())
                }

                fn read_fields(
                    __input: &#rt::AmpBox,
                    __cx: &mut #rt::ArgContext,
                ) -> #pv::Result<Self, #rt::DecodeError> {
                    #pv::Ok(Self { #(#reads)* })
                }
            }
        };

        #(#nested)*
    }
}
