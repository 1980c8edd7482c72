//! Parses `amp_protocol!` input:
//!
//! ```text
//! /// docs
//! pub Calc: Sum, Divide, other::Ping as ping_other;
//! Another: Sum
//! ```

use amp_schema::{naming, Span as At};
use proc_macro2::Span;
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, Token, Visibility};

use crate::expand::paths::runtime;
use crate::ir::{MethodIr, ProtocolIr};

/// Protocols declared in one `amp_protocol!`.
pub struct ProtocolDecls(pub Vec<ProtocolDecl>);

/// `vis Name: Command, ...`.
pub struct ProtocolDecl {
    pub docs: Vec<String>,
    pub vis: Visibility,
    pub name: Ident,
    pub commands: Vec<CommandRef>,
}

/// `path::To::Command` or `path::To::Command as method_name`.
pub struct CommandRef {
    pub path: syn::Path,
    pub method: Option<Ident>,
}

impl Parse for ProtocolDecls {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut out = Vec::new();
        while !input.is_empty() {
            out.push(input.parse()?);
            if !input.is_empty() {
                input.parse::<Token![;]>()?;
            }
        }
        if out.is_empty() {
            return Err(input.error("expected a protocol: `pub Calc: Sum, Divide`"));
        }
        Ok(ProtocolDecls(out))
    }
}

impl Parse for ProtocolDecl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut docs = Vec::new();
        for attr in input.call(Attribute::parse_outer)? {
            match &attr.meta {
                syn::Meta::NameValue(nv) if attr.path().is_ident("doc") => {
                    if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value {
                        docs.push(s.value());
                    }
                }
                _ => return Err(syn::Error::new_spanned(attr, "only doc comments are allowed on a protocol")),
            }
        }
        let vis = input.parse()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let mut commands = Vec::new();
        while !input.is_empty() && !input.peek(Token![;]) {
            let path: syn::Path = input.parse()?;
            let method = if input.peek(Token![as]) {
                input.parse::<Token![as]>()?;
                Some(input.call(Ident::parse_any)?)
            } else {
                None
            };
            commands.push(CommandRef { path, method });
            if input.is_empty() || input.peek(Token![;]) {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(ProtocolDecl { docs, vis, name, commands })
    }
}

impl ProtocolDecl {
    /// The protocol as the generator wants it, and the token spans its model
    /// spans index (entry 0: the name; then one per command).
    pub fn lower(&self) -> syn::Result<(ProtocolIr, Vec<Span>)> {
        let rt = runtime();
        let mut spans = vec![self.name.span()];
        let mut methods = Vec::new();
        for c in &self.commands {
            let last = c
                .path
                .segments
                .last()
                .map(|s| &s.ident)
                .ok_or_else(|| syn::Error::new_spanned(&c.path, "expected the path of a command type"))?;
            let ident = match &c.method {
                Some(m) => m.clone(),
                None => {
                    let text = naming::snake_case(&last.unraw().to_string());
                    let mut ident = syn::parse_str::<Ident>(&text).map_err(|_| {
                        syn::Error::new(
                            last.span(),
                            format_args!("`{last}` gives no valid method name; add `as method_name`"),
                        )
                    })?;
                    ident.set_span(last.span());
                    ident
                }
            };
            let at = At { start: spans.len(), end: spans.len() + 1 };
            spans.push(c.method.as_ref().unwrap_or(last).span());
            let path = &c.path;
            let path_text = path.to_token_stream().to_string().replace(' ', "");
            methods.push(MethodIr {
                ident,
                command: path.to_token_stream(),
                arguments: quote!(<#path as #rt::Command>::Arguments),
                response: quote!(<#path as #rt::Command>::Response),
                error: quote!(<#path as #rt::Command>::Error),
                command_doc: format!("[`{path_text}`]"),
                command_name: path_text,
                at,
            });
        }
        let name = self.name.unraw().to_string();
        let span = self.name.span();
        Ok((
            ProtocolIr {
                vis: self.vis.clone(),
                handler: Ident::new(&naming::handler_trait(&name), span),
                dispatcher: Ident::new(&naming::dispatcher_struct(&name), span),
                name,
                docs: self.docs.clone(),
                methods,
                at: At { start: 0, end: 1 },
                check_wire_names: true,
            },
            spans,
        ))
    }
}
