//! A protocol's handler trait (one method per answered command) and its
//! dispatcher (a `Responder` that decodes, calls the method, encodes).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::paths::{private, runtime};
use crate::ir::ProtocolIr;

/// `trait NameHandler` and `struct NameDispatcher<H>`.
pub fn protocol(p: &ProtocolIr) -> TokenStream {
    let rt = runtime();
    let pv = private();
    let (vis, handler, dispatcher) = (&p.vis, &p.handler, &p.dispatcher);
    // The dispatcher's type parameter must not shadow a command type.
    let h =
        if p.methods.iter().any(|m| m.command.to_string() == "H") { format_ident!("__H") } else { format_ident!("H") };

    let docs = p.docs.iter().map(|d| quote!(#[doc = #d]));
    let trait_doc = format!(
        "Answers the commands of the protocol `{}`: one method per command, implementable with `async fn`. \
         Serve an implementation with [`{dispatcher}`].",
        p.name
    );
    let methods = p.methods.iter().map(|m| {
        let (ident, args, response, error) = (&m.ident, &m.arguments, &m.response, &m.error);
        let doc = format!("Answers {}.", m.command_doc);
        quote! {
            #[doc = #doc]
            fn #ident(
                &self,
                cx: &#rt::Context,
                args: #args,
            ) -> impl #pv::Future<Output = #pv::Result<#response, #error>> + #pv::Send;
        }
    });
    let arms = p.methods.iter().map(|m| {
        let (ident, command) = (&m.ident, &m.command);
        quote! {
            if #pv::is_command::<#command>(__command) {
                return #pv::respond_in::<#command, _, _>(__cx, __arguments, move |__args| {
                    <#h as #handler>::#ident(__handler, __cx, __args)
                });
            }
        }
    });
    // One assertion per pair, so the error names the two commands.
    let mut pairs = Vec::new();
    if p.check_wire_names {
        for (i, a) in p.methods.iter().enumerate() {
            for b in &p.methods[i + 1..] {
                let (ca, cb) = (&a.command, &b.command);
                let message = format!(
                    "protocol `{}`: `{}` and `{}` have the same wire name, so a dispatcher could not tell them apart",
                    p.name, a.command_name, b.command_name
                );
                pairs.push(quote! {
                    #pv::assert!(
                        !#pv::str_eq(<#ca as #rt::Command>::NAME, <#cb as #rt::Command>::NAME),
                        #message
                    );
                });
            }
        }
    }
    let distinct = if pairs.is_empty() { quote!() } else { quote!(const _: () = { #(#pairs)* };) };
    let dispatcher_doc = format!(
        "Answers calls with a [`{handler}`]: a [`Responder`](::amp_runtime::Responder) that decodes the arguments, \
         calls the handler method of the command and encodes its result. A command the protocol does not list \
         is answered `UNHANDLED`."
    );

    quote! {
        #(#docs)*
        #[doc = #trait_doc]
        #vis trait #handler: #pv::Send + #pv::Sync + 'static {
            #(#methods)*
        }

        #[doc = #dispatcher_doc]
        #[derive(#pv::Debug, #pv::Clone, #pv::Default)]
        #vis struct #dispatcher<#h> {
            handler: #h,
        }

        impl<#h: #handler> #dispatcher<#h> {
            /// A dispatcher calling the given handler.
            // `__` keeps the parameter from turning into a constant pattern
            // when the caller's scope has a constant `handler`.
            #vis fn new(__handler: #h) -> Self {
                Self { handler: __handler }
            }

            /// The handler.
            #vis fn handler(&self) -> &#h {
                &self.handler
            }

            /// Gives the handler back.
            #vis fn into_handler(self) -> #h {
                self.handler
            }
        }

        const _: () = {
            impl<#h: #handler> #rt::Responder for #dispatcher<#h> {
                fn respond<'__a>(
                    &'__a self,
                    __cx: &'__a #rt::Context,
                    __command: &'__a [u8],
                    __arguments: #rt::AmpBox,
                ) -> #rt::BoxFuture<'__a, #rt::Reply> {
                    let __handler = &self.handler;
                    #(#arms)*
                    #pv::unhandled()
                }
            }
        };

        #distinct
    }
}
