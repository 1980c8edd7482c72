//! Lowers an inline `#[amp_command(...)]` declaration to the schema model, so
//! the inline and the file form share one validator and one generator.
//!
//! Model spans index into a list of token spans: `Span { start: i, end: i + 1 }`
//! is `spans[i]`. A field's span covers two entries (its name, then its type),
//! an error row's covers its exception name, then its code. Entry 0 is the
//! command itself.

use amp_schema::{CommandDef, CustomType, ErrorDef, Field, Schema, Span as At, TypeRef};
use proc_macro2::Span;
use quote::ToTokens;
use syn::Ident;

use crate::attr::{ErrorAst, FieldAst, InlineCommand, TypeAst};

/// An inline command as a one-command schema, with its spans.
pub struct Lowered {
    pub schema: Schema,
    pub spans: Vec<Span>,
    /// Custom types by model name, with the path as the user wrote it.
    pub customs: Vec<(String, syn::Path)>,
}

/// Lowers `inline`, declared on the struct `ident`.
pub fn lower(ident: &Ident, inline: &InlineCommand) -> Lowered {
    let mut l = Lowering { spans: vec![ident.span()], customs: Vec::new(), types: Vec::new() };
    let key = ident.unraw_string();
    let command = CommandDef {
        name: inline.name.as_ref().map_or_else(|| key.clone(), |n| n.value()),
        key,
        arguments: l.fields(&inline.arguments),
        response: l.fields(&inline.response),
        errors: l.errors(&inline.errors),
        fatal_errors: l.errors(&inline.fatal_errors),
        requires_answer: inline.requires_answer.as_ref().map_or(true, |b| b.value),
        span: At { start: 0, end: 1 },
    };
    Lowered {
        schema: Schema { commands: vec![command], types: l.types, protocols: Vec::new() },
        spans: l.spans,
        customs: l.customs,
    }
}

trait UnrawString {
    fn unraw_string(&self) -> String;
}

impl UnrawString for Ident {
    fn unraw_string(&self) -> String {
        syn::ext::IdentExt::unraw(self).to_string()
    }
}

struct Lowering {
    spans: Vec<Span>,
    customs: Vec<(String, syn::Path)>,
    types: Vec<CustomType>,
}

impl Lowering {
    fn at(&mut self, spans: &[Span]) -> At {
        let start = self.spans.len();
        self.spans.extend_from_slice(spans);
        At { start, end: self.spans.len() }
    }

    fn fields(&mut self, fields: &[FieldAst]) -> Vec<Field> {
        fields.iter().map(|f| self.field(f)).collect()
    }

    fn field(&mut self, f: &FieldAst) -> Field {
        let span = self.at(&[f.name_span, f.ty.span()]);
        Field { name: f.wire.clone(), ty: self.ty(&f.ty), optional: f.optional, span }
    }

    fn ty(&mut self, t: &TypeAst) -> TypeRef {
        match t {
            TypeAst::Integer(repr, _) => TypeRef::Integer(*repr),
            TypeAst::Simple(t, _) => t.clone(),
            TypeAst::ListOf(inner, _) => TypeRef::ListOf(Box::new(self.ty(inner))),
            TypeAst::AmpList(fields, _) => TypeRef::AmpList(self.fields(fields)),
            TypeAst::Custom(path) => {
                let rust = path.to_token_stream().to_string();
                // The model names a custom type like a `[types.X]` key; the
                // inline form has only the path, so each distinct path gets
                // a name of its own.
                if let Some(t) = self.types.iter().find(|t| t.rust == rust) {
                    return TypeRef::Custom(t.name.clone());
                }
                let name = format!("Custom{}", self.types.len());
                let span = self.at(&[syn::spanned::Spanned::span(path)]);
                self.types.push(CustomType { name: name.clone(), rust, span });
                self.customs.push((name.clone(), path.clone()));
                TypeRef::Custom(name)
            }
        }
    }

    fn errors(&mut self, errors: &[ErrorAst]) -> Vec<ErrorDef> {
        errors
            .iter()
            .map(|e| ErrorDef {
                exception: e.exception.unraw_string(),
                code: e.code.value(),
                span: self.at(&[e.exception.span(), e.code.span()]),
            })
            .collect()
    }
}
