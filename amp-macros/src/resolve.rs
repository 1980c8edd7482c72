//! Resolves the schema model into what the generator emits: Rust names (via
//! `amp_schema::naming`, the one naming rule), codec and value types.
//!
//! Resolution never fails as a whole: a name that cannot be a Rust identifier
//! drops its item, an unresolvable type becomes `__private::Unresolved`, and
//! the problem is reported. The generated items then still exist, so one
//! mistake does not cascade into errors at every use site.

use amp_schema::{naming, CommandDef, ErrorDef, Field, IntRepr, Schema, TypeRef};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::{Ident, Visibility};

use crate::expand::paths::{private, runtime};
use crate::ir::{CommandIr, ErrorIr, FieldIr, StructIr, VariantIr};
use crate::origin::Origin;

/// Resolves the commands of one schema (a file, or one inline command).
pub struct Resolver<'a> {
    origin: Origin<'a>,
    /// Custom types: model name -> codec path tokens.
    customs: Vec<(String, TokenStream)>,
    /// "declared inline" or "declared in `path`", for docs.
    source: String,
}

impl<'a> Resolver<'a> {
    /// A resolver for `schema`'s commands. `inline_customs` holds the paths
    /// of an inline declaration's custom types; a file's come from its
    /// `[types.X] rust = "..."` entries.
    pub fn new(origin: Origin<'a>, schema: &Schema, inline_customs: &[(String, syn::Path)], source: String) -> Self {
        let mut customs: Vec<(String, TokenStream)> =
            inline_customs.iter().map(|(name, path)| (name.clone(), path.to_token_stream())).collect();
        if let Origin::File(file) = origin {
            for t in &schema.types {
                // `validate` reports a `rust` that is not a path.
                if let Ok(path) = syn::parse_str::<syn::Path>(&t.rust) {
                    customs.push((t.name.clone(), respan(path.to_token_stream(), file.lit_span)));
                }
            }
        }
        Resolver { origin, customs, source }
    }

    /// The items of `def`, named after `ident` (the struct the attribute is
    /// on, or the table key in the module form).
    pub fn command(&self, def: &CommandDef, ident: Ident, vis: Visibility) -> CommandIr {
        let name = ident.to_string();
        let named = |text: String| Ident::new(&text, ident.span());
        let arguments = self.box_struct(named(naming::arguments_struct(&name)), &def.arguments, || {
            format!("The arguments of [`{name}`].")
        });
        let response = self.box_struct(named(naming::response_struct(&name)), &def.response, || {
            format!("The response of [`{name}`].")
        });
        let error_ident = named(naming::error_enum(&name));
        let mut variants = Vec::new();
        for (rows, fatal) in [(&def.errors, false), (&def.fatal_errors, true)] {
            variants.extend(rows.iter().filter_map(|e| self.variant(e, fatal)));
        }
        let error = ErrorIr {
            doc: format!(
                "The declared errors of [`{name}`]: one variant per exception, carrying the description{}.",
                if variants.is_empty() { " (it declares none, so this enum has no values)" } else { "" }
            ),
            ident: error_ident,
            variants,
        };
        CommandIr {
            ident,
            vis,
            key: def.key.clone(),
            wire_name: def.name.clone(),
            requires_answer: def.requires_answer,
            arguments,
            response,
            error,
            source: self.source.clone(),
            at: def.span,
        }
    }

    fn variant(&self, e: &ErrorDef, fatal: bool) -> Option<VariantIr> {
        // `validate` reports exception names that cannot name a Rust type.
        let name = naming::type_ident(&e.exception).ok()?;
        let ident = syn::parse_str::<Ident>(&name).ok()?;
        let ident = at_span(ident, self.origin.name_span(e.span));
        Some(VariantIr { ident, exception: e.exception.clone(), code: e.code.clone(), fatal })
    }

    fn box_struct(&self, ident: Ident, fields: &[Field], doc: impl FnOnce() -> String) -> StructIr {
        let mut nested = Vec::new();
        let mut out = Vec::new();
        let mut clone_eq = true;
        for f in fields {
            let Some(field_ident) = self.field_ident(f) else { continue };
            let ty = self.ty(&f.ty, f, &ident, &field_ident, &mut nested);
            clone_eq &= ty.clone_eq;
            out.push(FieldIr {
                doc: format!(
                    "`{}`{}: {}.",
                    f.name.escape_debug(),
                    if f.optional { ", optional (absent on the wire when `None`)" } else { "" },
                    self.describe(&f.ty)
                ),
                ident: field_ident,
                wire: f.name.clone(),
                codec: ty.codec,
                value: ty.value,
                optional: f.optional,
            });
        }
        StructIr { ident, doc: doc(), fields: out, nested, clone_eq }
    }

    fn field_ident(&self, f: &Field) -> Option<Ident> {
        // `validate` reports wire names that cannot be Rust identifiers.
        let text = naming::rust_ident(&f.name).ok()?;
        let ident = syn::parse_str::<Ident>(&text).ok()?;
        Some(at_span(ident, self.origin.name_span(f.span)))
    }

    fn ty(&self, t: &TypeRef, f: &Field, owner: &Ident, field: &Ident, nested: &mut Vec<StructIr>) -> Resolved {
        let rt = runtime();
        let pv = private();
        let span = self.origin.type_span(f.span);
        let simple = |codec: TokenStream, value: TokenStream| Resolved {
            codec: quote_spanned!(span=> #rt::types::#codec),
            value,
            clone_eq: true,
        };
        match t {
            TypeRef::Integer(repr) => {
                let v = match repr {
                    IntRepr::I64 => quote!(i64),
                    IntRepr::U64 => quote!(u64),
                    IntRepr::I128 => quote!(i128),
                    IntRepr::Big => quote!(#rt::BigInt),
                };
                simple(quote!(Integer<#v>), v)
            }
            TypeRef::String => simple(quote!(String), quote!(#pv::Bytes)),
            TypeRef::Unicode => simple(quote!(Unicode), quote!(#pv::String)),
            TypeRef::Path => simple(quote!(Path), quote!(#pv::PathBuf)),
            TypeRef::Boolean => simple(quote!(Boolean), quote!(bool)),
            TypeRef::Float => simple(quote!(Float), quote!(f64)),
            TypeRef::Decimal => simple(quote!(Decimal), quote!(#rt::Decimal)),
            TypeRef::DateTime => simple(quote!(DateTime), quote!(#rt::DateTime)),
            TypeRef::Descriptor => Resolved { clone_eq: false, ..simple(quote!(Descriptor), quote!(#pv::OwnedFd)) },
            // `validate` reports these; an unresolved field keeps the rest valid.
            TypeRef::ListOf(inner) if matches!(**inner, TypeRef::AmpList(_) | TypeRef::Descriptor) => {
                Resolved { codec: quote!(#pv::Unresolved), value: quote!(#pv::Unresolved), clone_eq: true }
            }
            TypeRef::ListOf(inner) => {
                let inner = self.ty(inner, f, owner, field, nested);
                let (codec, value) = (inner.codec, inner.value);
                Resolved {
                    codec: quote_spanned!(span=> #rt::types::ListOf<#codec>),
                    value: quote!(#pv::Vec<#value>),
                    clone_eq: inner.clone_eq,
                }
            }
            TypeRef::AmpList(fields) => {
                let elem = Ident::new(&naming::element_struct(&owner.to_string(), &field.to_string()), owner.span());
                let s = self.box_struct(elem.clone(), fields, || {
                    format!("One element of the AmpList field `{}` of [`{owner}`].", f.name.escape_debug())
                });
                let clone_eq = s.clone_eq;
                nested.push(s);
                Resolved {
                    codec: quote_spanned!(span=> #rt::types::AmpList<#elem>),
                    value: quote!(#pv::Vec<#elem>),
                    clone_eq,
                }
            }
            TypeRef::Custom(name) => match self.customs.iter().find(|(n, _)| n == name) {
                Some((_, path)) => Resolved {
                    codec: path.clone(),
                    value: quote_spanned!(span=> <#path as #rt::ArgumentType>::Value),
                    clone_eq: true,
                },
                // `validate` reports the unknown type; keep the field so uses
                // of it do not fail too.
                None => Resolved { codec: quote!(#pv::Unresolved), value: quote!(#pv::Unresolved), clone_eq: true },
            },
        }
    }
}

/// A resolved field type.
struct Resolved {
    codec: TokenStream,
    value: TokenStream,
    clone_eq: bool,
}

impl Resolver<'_> {
    /// The type as the docs show it.
    fn describe(&self, t: &TypeRef) -> String {
        match t {
            TypeRef::Integer(IntRepr::I64) => "Integer".into(),
            TypeRef::Integer(repr) => {
                format!("Integer (as {})", if *repr == IntRepr::Big { "BigInt" } else { repr.as_str() })
            }
            TypeRef::String => "String (bytes)".into(),
            TypeRef::Descriptor => "Descriptor (a file descriptor)".into(),
            TypeRef::ListOf(inner) => format!("ListOf({})", self.describe(inner)),
            TypeRef::Custom(name) => match self.customs.iter().find(|(n, _)| n == name) {
                Some((_, path)) => format!("custom type `{}`", path.to_string().replace(' ', "")),
                None => format!("custom type `{name}`"),
            },
            other => other.type_name().to_string(),
        }
    }
}

/// Gives every token of `tokens` the span `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

fn at_span(mut ident: Ident, span: Span) -> Ident {
    ident.set_span(span);
    ident
}
