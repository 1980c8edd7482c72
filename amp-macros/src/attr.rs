//! Parses the arguments of `#[amp_command(...)]` into an AST that keeps the
//! user's spans. Each comma-separated item is parsed on its own, so one bad
//! item is reported without hiding the others.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitBool, LitStr, Token};

use crate::ctxt::Ctxt;

/// What `#[amp_command(...)]` asks for.
pub enum CommandArgs {
    /// The command is declared in the attribute itself.
    Inline(InlineCommand),
    /// The command is an entry of a schema file.
    Schema(SchemaRef),
}

/// `schema = "path"` with an optional `command = "Key"`.
pub struct SchemaRef {
    pub path: LitStr,
    pub command: Option<LitStr>,
}

/// An inline declaration.
#[derive(Default)]
pub struct InlineCommand {
    pub name: Option<LitStr>,
    pub requires_answer: Option<LitBool>,
    pub arguments: Vec<FieldAst>,
    pub response: Vec<FieldAst>,
    pub errors: Vec<ErrorAst>,
    pub fatal_errors: Vec<ErrorAst>,
}

/// `name: Type` or `"wire-name": Type`.
pub struct FieldAst {
    /// The wire name (a raw identifier `r#type` stands for `type`).
    pub wire: String,
    pub name_span: Span,
    pub ty: TypeAst,
    /// Written as `Option<T>`.
    pub optional: bool,
}

/// A field type as written.
pub enum TypeAst {
    Integer(amp_schema::IntRepr, Span),
    /// A built-in type without parameters; the string is its schema name.
    Simple(amp_schema::TypeRef, Span),
    ListOf(Box<TypeAst>, Span),
    AmpList(Vec<FieldAst>, Span),
    /// A Rust path to a type implementing `ArgumentType`.
    Custom(syn::Path),
}

impl TypeAst {
    pub fn span(&self) -> Span {
        match self {
            TypeAst::Integer(_, s) | TypeAst::Simple(_, s) | TypeAst::ListOf(_, s) | TypeAst::AmpList(_, s) => *s,
            TypeAst::Custom(p) => syn::spanned::Spanned::span(p),
        }
    }
}

/// `ExceptionName = "CODE"`.
pub struct ErrorAst {
    pub exception: Ident,
    pub code: LitStr,
}

const KEYS: &str = "`arguments(...)`, `response(...)`, `errors(...)`, `fatal_errors(...)`, `name = \"...\"`, \
                    `requires_answer = bool`, `schema = \"path\"`, `command = \"Key\"`";

const TYPES: &str = "Integer, Integer<u64>, Integer<i128>, Integer<BigInt>, String, Unicode, Path, Boolean, Float, \
                     Decimal, DateTime, Descriptor, ListOf(T), AmpList(field: T, ...), Option<T>";

/// Parses the attribute's arguments; problems go to `cx`.
pub fn parse_command_args(cx: &Ctxt, args: TokenStream) -> CommandArgs {
    let mut inline = InlineCommand::default();
    let mut schema: Option<LitStr> = None;
    let mut command: Option<LitStr> = None;
    let mut seen: Vec<String> = Vec::new();
    let mut first_inline: Option<Span> = None;

    for chunk in split_commas(args) {
        let parsed = (|input: ParseStream| {
            let key = input.call(Ident::parse_any)?;
            let name = key.to_string();
            if seen.contains(&name) {
                cx.error(key.span(), format_args!("`{name}` is given twice"));
            }
            seen.push(name.clone());
            match name.as_str() {
                "arguments" | "response" | "errors" | "fatal_errors" => {
                    first_inline.get_or_insert(key.span());
                    let content;
                    syn::parenthesized!(content in input);
                    let body: TokenStream = content.parse()?;
                    match name.as_str() {
                        "arguments" => inline.arguments = parse_fields(cx, body),
                        "response" => inline.response = parse_fields(cx, body),
                        "errors" => inline.errors = parse_errors(cx, body),
                        _ => inline.fatal_errors = parse_errors(cx, body),
                    }
                }
                "name" => {
                    first_inline.get_or_insert(key.span());
                    input.parse::<Token![=]>()?;
                    inline.name = Some(input.parse()?);
                }
                "requires_answer" => {
                    first_inline.get_or_insert(key.span());
                    input.parse::<Token![=]>()?;
                    inline.requires_answer = Some(input.parse()?);
                }
                "schema" => {
                    input.parse::<Token![=]>()?;
                    schema = Some(input.parse()?);
                }
                "command" => {
                    input.parse::<Token![=]>()?;
                    command = Some(input.parse()?);
                }
                _ => return Err(syn::Error::new(key.span(), format_args!("unknown key `{name}`; expected {KEYS}"))),
            }
            Ok(())
        })
        .parse2(chunk);
        if let Err(e) = parsed {
            cx.syn_error(e);
        }
    }

    match schema {
        Some(path) => {
            if let Some(span) = first_inline {
                cx.error(
                    span,
                    "a command comes either from `schema = \"...\"` or from an inline declaration, not both",
                );
            }
            CommandArgs::Schema(SchemaRef { path, command })
        }
        None => {
            if let Some(c) = command {
                cx.error(c.span(), "`command = \"...\"` picks an entry of a schema file: add `schema = \"path\"`");
            }
            CommandArgs::Inline(inline)
        }
    }
}

/// Parses `name: Type, ...`.
pub fn parse_fields(cx: &Ctxt, body: TokenStream) -> Vec<FieldAst> {
    let mut fields = Vec::new();
    for chunk in split_commas(body) {
        match (|input: ParseStream| parse_field(cx, input)).parse2(chunk) {
            Ok(f) => fields.push(f),
            Err(e) => cx.syn_error(e),
        }
    }
    fields
}

fn parse_field(cx: &Ctxt, input: ParseStream) -> syn::Result<FieldAst> {
    let (wire, name_span) = if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        (lit.value(), lit.span())
    } else if input.peek(Ident::peek_any) {
        let ident = input.call(Ident::parse_any)?;
        (ident.unraw().to_string(), ident.span())
    } else {
        return Err(input.error("expected a field: `name: Type` or `\"wire-name\": Type`"));
    };
    input
        .parse::<Token![:]>()
        .map_err(|e| syn::Error::new(e.span(), "expected `:` between the field name and its type"))?;
    let (ty, optional) = if input.peek(Ident) && input.fork().parse::<Ident>().is_ok_and(|i| i == "Option") {
        input.parse::<Ident>()?;
        input.parse::<Token![<]>()?;
        let ty = parse_type(cx, input)?;
        input.parse::<Token![>]>()?;
        (ty, true)
    } else {
        (parse_type(cx, input)?, false)
    };
    if !input.is_empty() {
        return Err(input.error("unexpected tokens after the field's type; fields are separated by commas"));
    }
    Ok(FieldAst { wire, name_span, ty, optional })
}

fn parse_type(cx: &Ctxt, input: ParseStream) -> syn::Result<TypeAst> {
    // A path with `::` names a custom argument type.
    let fork = input.fork();
    let is_path = input.peek(Token![::]) || fork.call(syn::Path::parse_mod_style).is_ok_and(|p| p.segments.len() > 1);
    if is_path {
        return Ok(TypeAst::Custom(input.parse()?));
    }
    let ident: Ident =
        input.parse().map_err(|e| syn::Error::new(e.span(), format_args!("expected a type: {TYPES}")))?;
    let span = ident.span();
    let simple = |t| Ok(TypeAst::Simple(t, span));
    use amp_schema::TypeRef as T;
    match ident.to_string().as_str() {
        "Integer" => {
            let mut repr = amp_schema::IntRepr::I64;
            if input.peek(Token![<]) {
                input.parse::<Token![<]>()?;
                let r: Ident = input.parse()?;
                repr = match r.to_string().as_str() {
                    "i64" => amp_schema::IntRepr::I64,
                    "u64" => amp_schema::IntRepr::U64,
                    "i128" => amp_schema::IntRepr::I128,
                    "BigInt" => amp_schema::IntRepr::Big,
                    other => {
                        return Err(syn::Error::new(
                            r.span(),
                            format_args!("unknown Integer representation `{other}`; expected i64, u64, i128 or BigInt"),
                        ))
                    }
                };
                input.parse::<Token![>]>()?;
            }
            Ok(TypeAst::Integer(repr, span))
        }
        "String" => simple(T::String),
        "Unicode" => simple(T::Unicode),
        "Path" => simple(T::Path),
        "Boolean" => simple(T::Boolean),
        "Float" => simple(T::Float),
        "Decimal" => simple(T::Decimal),
        "DateTime" => simple(T::DateTime),
        "Descriptor" => simple(T::Descriptor),
        "ListOf" => {
            let content;
            syn::parenthesized!(content in input);
            if content.peek(Ident) && content.fork().parse::<Ident>().is_ok_and(|i| i == "Option") {
                return Err(
                    content.error("ListOf elements cannot be optional: AMP has no encoding for a missing element")
                );
            }
            let inner = parse_type(cx, &content)?;
            if !content.is_empty() {
                return Err(content.error("ListOf takes one element type: `ListOf(Integer)`"));
            }
            Ok(TypeAst::ListOf(Box::new(inner), span))
        }
        "AmpList" => {
            let content;
            syn::parenthesized!(content in input);
            let body: TokenStream = content.parse()?;
            Ok(TypeAst::AmpList(parse_fields(cx, body), span))
        }
        "Option" => Err(syn::Error::new(span, "`Option<T>` is only allowed as the whole type of a field")),
        other => {
            let hint = match suggest(other) {
                Some(s) => format!(" (did you mean `{s}`?)"),
                None => String::new(),
            };
            Err(syn::Error::new(
                span,
                format_args!(
                    "unknown argument type `{other}`{hint}; expected one of {TYPES}, or the path of a custom \
                     `ArgumentType` written with `::` (e.g. `crate::{other}`)"
                ),
            ))
        }
    }
}

/// The built-in type closest to a misspelt one (at most 2 edits ignoring
/// case), or one it abbreviates.
fn suggest(word: &str) -> Option<&'static str> {
    const NAMES: [&str; 12] = [
        "Integer",
        "String",
        "Unicode",
        "Path",
        "Boolean",
        "Float",
        "Decimal",
        "DateTime",
        "Descriptor",
        "ListOf",
        "AmpList",
        "Option",
    ];
    let lower = word.to_ascii_lowercase();
    let close = NAMES
        .iter()
        .map(|n| (edit_distance(&lower, &n.to_ascii_lowercase()), *n))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n);
    // `Bool` for `Boolean`, `Int` for `Integer`.
    close.or_else(|| NAMES.iter().copied().find(|n| lower.len() >= 3 && n.to_ascii_lowercase().starts_with(&lower)))
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Parses `ExceptionName = "CODE", ...`.
fn parse_errors(cx: &Ctxt, body: TokenStream) -> Vec<ErrorAst> {
    let mut errors = Vec::new();
    for chunk in split_commas(body) {
        let parsed = (|input: ParseStream| {
            let exception: Ident = input
                .parse()
                .map_err(|e| syn::Error::new(e.span(), "expected an error: `ExceptionName = \"WIRE_CODE\"`"))?;
            input.parse::<Token![=]>()?;
            let code: LitStr = input.parse().map_err(|e| {
                syn::Error::new(e.span(), format_args!("expected the wire code as a string: `{exception} = \"CODE\"`"))
            })?;
            Ok(ErrorAst { exception, code })
        })
        .parse2(chunk);
        match parsed {
            Ok(e) => errors.push(e),
            Err(e) => cx.syn_error(e),
        }
    }
    errors
}

/// Splits a token stream at its top-level commas (commas inside brackets
/// belong to the bracketed group; `<...>` is not a group, so commas are only
/// split where no `<` is open). Empty pieces (a trailing comma) are dropped.
pub fn split_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut angle = 0usize;
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' && angle == 0 => {
                if !current.is_empty() {
                    out.push(current.drain(..).collect());
                }
                continue;
            }
            TokenTree::Punct(p) if p.as_char() == '<' => angle += 1,
            TokenTree::Punct(p) if p.as_char() == '>' => angle = angle.saturating_sub(1),
            _ => {}
        }
        current.push(tt);
    }
    if !current.is_empty() {
        out.push(current.into_iter().collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn split_commas_keeps_groups_and_generics_whole() {
        let parts =
            split_commas(quote!(a: Integer<BigInt>, b: AmpList(x: Integer, y: Unicode), c: Option<ListOf(Float)>,));
        let parts: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            parts,
            ["a : Integer < BigInt >", "b : AmpList (x : Integer , y : Unicode)", "c : Option < ListOf (Float) >"]
        );
        assert!(split_commas(quote!()).is_empty());
    }

    #[test]
    fn suggest_finds_typos_and_abbreviations() {
        assert_eq!(suggest("Integr"), Some("Integer"));
        assert_eq!(suggest("integer"), Some("Integer"));
        assert_eq!(suggest("Bool"), Some("Boolean"));
        assert_eq!(suggest("Listof"), Some("ListOf"));
        assert_eq!(suggest("Compressed"), None);
        assert_eq!(suggest("In"), None);
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_substitutions() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn fields_parse_names_types_and_optionals() {
        let cx = Ctxt::new();
        let fields =
            parse_fields(&cx, quote!(r#type: Option<Integer<u64>>, "dash-name": ListOf(ListOf(Float)), p: a::B));
        assert!(cx.into_compile_errors().is_empty());
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[0].wire, "type");
        assert!(fields[0].optional);
        assert!(matches!(fields[0].ty, TypeAst::Integer(amp_schema::IntRepr::U64, _)));
        assert_eq!(fields[1].wire, "dash-name");
        assert!(matches!(&fields[1].ty, TypeAst::ListOf(inner, _) if matches!(**inner, TypeAst::ListOf(..))));
        assert!(matches!(fields[2].ty, TypeAst::Custom(_)));
    }

    #[test]
    fn a_bad_field_is_reported_and_the_others_are_kept() {
        let cx = Ctxt::new();
        let fields = parse_fields(&cx, quote!(a: Integr, b: Integer, c Unicode));
        let errors = cx.into_compile_errors().to_string();
        assert!(errors.contains("did you mean `Integer`"), "{errors}");
        assert!(errors.contains("expected `:`"), "{errors}");
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].wire, "b");
    }
}
