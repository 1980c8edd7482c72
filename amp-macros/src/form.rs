//! The three macro forms, each: parse -> model -> validate + check ->
//! generate, with every error collected and emitted next to the generated
//! items (which exist even when something is wrong, so one mistake does not
//! cascade).

use amp_schema::{naming, CommandDef, Schema, Span as At};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use syn::ext::IdentExt;
use syn::{Ident, ItemStruct, LitStr, Visibility};

use crate::attr::{self, CommandArgs, SchemaRef};
use crate::ctxt::Ctxt;
use crate::file::{self, SchemaFile};
use crate::ir::{MethodIr, ProtocolIr};
use crate::origin::Origin;
use crate::protocol_decl::ProtocolDecls;
use crate::resolve::Resolver;
use crate::{check, expand, inline};

/// `#[amp_command(...)]` on a unit struct.
pub fn amp_command(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let item: ItemStruct = match syn::parse2(item.clone()) {
        Ok(s) => s,
        Err(e) => {
            cx.error(e.span(), "#[amp_command] goes on a unit struct, e.g. `pub struct Sum;`");
            let errors = cx.into_compile_errors();
            return quote!(#item #errors);
        }
    };
    if !matches!(item.fields, syn::Fields::Unit) {
        cx.error(
            syn::spanned::Spanned::span(&item.fields),
            "#[amp_command] goes on a unit struct (`pub struct Sum;`): the fields are generated in `SumArguments` \
             and `SumResponse`",
        );
    }
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        cx.error(syn::spanned::Spanned::span(&item.generics), "a command struct cannot be generic");
        // Every generated impl would name the struct without its parameters.
        let errors = cx.into_compile_errors();
        return quote!(#item #errors);
    }

    let generated = match attr::parse_command_args(&cx, args) {
        CommandArgs::Inline(decl) => {
            let lowered = inline::lower(&item.ident, &decl);
            let origin = Origin::Tokens(&lowered.spans);
            for e in amp_schema::validate(&lowered.schema) {
                origin.schema_error(&cx, &e);
            }
            command_from(
                &cx,
                origin,
                &lowered.schema,
                &lowered.customs,
                &lowered.schema.commands[0],
                &item,
                "declared inline",
            )
        }
        CommandArgs::Schema(sref) => command_from_file(&cx, &sref, &item),
    };
    let errors = cx.into_compile_errors();
    quote!(#item #generated #errors)
}

fn command_from(
    cx: &Ctxt,
    origin: Origin,
    schema: &Schema,
    customs: &[(String, syn::Path)],
    def: &CommandDef,
    item: &ItemStruct,
    source: &str,
) -> TokenStream {
    let resolver = Resolver::new(origin, schema, customs, source.to_string());
    let mut ir = resolver.command(def, item.ident.clone(), item.vis.clone());
    check::command(&mut ir);
    // One command is its own scope; a collision inside it is reported, and
    // the compiler's duplicate-definition error is unavoidable then.
    check::scope(cx, origin, &[(check::type_names(&ir), ir.at)]);
    expand::command_items(&ir)
}

fn command_from_file(cx: &Ctxt, sref: &SchemaRef, item: &ItemStruct) -> TokenStream {
    let key = sref.command.as_ref().map_or_else(|| item.ident.unraw().to_string(), LitStr::value);
    let file = file::read(cx, &sref.path);
    let include = file.as_ref().map(SchemaFile::include_bytes);
    let schema = file.as_ref().and_then(|f| file::parse(cx, f));
    let found = match (&file, &schema) {
        (Some(file), Some(schema)) => match schema.command(&key) {
            Some(def) => Some((file, schema, def)),
            None => {
                missing_entry(cx, sref, item, file, schema, &key);
                None
            }
        },
        _ => None,
    };
    let generated = match found {
        Some((file, schema, def)) => {
            let source = format!("declared in `{}`", file.written);
            command_from(cx, Origin::File(file), schema, &[], def, item, &source)
        }
        // A stub with no fields and no errors: the struct still implements
        // `Command`, so uses of it do not add errors of their own.
        None => {
            let stub = stub_command(&key);
            let schema = Schema { commands: Vec::new(), types: Vec::new(), protocols: Vec::new() };
            let spans = [item.ident.span()];
            command_from(cx, Origin::Tokens(&spans), &schema, &[], &stub, item, "from a schema file")
        }
    };
    quote!(#include #generated)
}

fn missing_entry(cx: &Ctxt, sref: &SchemaRef, item: &ItemStruct, file: &SchemaFile, schema: &Schema, key: &str) {
    let keys: Vec<String> = schema.commands.iter().map(|c| format!("`{}`", c.key)).collect();
    let declared =
        if keys.is_empty() { "it declares no command".to_string() } else { format!("it declares {}", keys.join(", ")) };
    let (span, how) = match &sref.command {
        Some(lit) => (lit.span(), String::new()),
        None => (
            item.ident.span(),
            "; the entry is chosen by the struct's name, pick another with `command = \"...\"`".to_string(),
        ),
    };
    cx.error(span, format_args!("no command `{key}` in `{}`: {declared}{how}", file.written));
}

fn stub_command(key: &str) -> CommandDef {
    CommandDef {
        key: key.to_string(),
        name: key.to_string(),
        arguments: Vec::new(),
        response: Vec::new(),
        errors: Vec::new(),
        fatal_errors: Vec::new(),
        requires_answer: true,
        span: At::default(),
    }
}

/// `amp_schema!("path")`: every command and protocol of a schema file.
pub fn amp_schema(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let lit = match syn::parse2::<SchemaInput>(input) {
        Ok(SchemaInput(lit)) => lit,
        Err(e) => return e.to_compile_error(),
    };
    let Some(file) = file::read(&cx, &lit) else { return cx.into_compile_errors() };
    let include = file.include_bytes();
    let Some(schema) = file::parse(&cx, &file) else {
        let errors = cx.into_compile_errors();
        return quote!(#include #errors);
    };
    let origin = Origin::File(&file);
    let resolver = Resolver::new(origin, &schema, &[], format!("declared in `{}`", file.written));
    let public: Visibility = syn::parse_quote!(pub);

    let mut commands = Vec::new();
    for def in &schema.commands {
        // `validate` reports table keys that cannot name a Rust type.
        let Ok(name) = naming::type_ident(&def.key) else { continue };
        let Ok(ident) = syn::parse_str::<Ident>(&name) else { continue };
        let mut ir = resolver.command(def, ident, public.clone());
        check::command(&mut ir);
        commands.push(ir);
    }
    let mut protocols = Vec::new();
    for p in &schema.protocols {
        let Ok(name) = naming::type_ident(&p.name) else { continue };
        let methods = p
            .answers
            .iter()
            .filter_map(|key| commands.iter().find(|c| c.key == *key))
            .filter_map(|c| {
                let ident = syn::parse_str::<Ident>(&naming::snake_case(&c.key)).ok()?;
                let (command, args, response, error) =
                    (&c.ident, &c.arguments.ident, &c.response.ident, &c.error.ident);
                Some(MethodIr {
                    ident,
                    command: command.to_token_stream(),
                    arguments: args.to_token_stream(),
                    response: response.to_token_stream(),
                    error: error.to_token_stream(),
                    command_doc: format!("[`{command}`] (wire name `{}`)", c.wire_name.escape_debug()),
                    command_name: command.to_string(),
                    at: c.at,
                })
            })
            .collect();
        let mut ir = ProtocolIr {
            vis: public.clone(),
            handler: format_ident!("{}", naming::handler_trait(&name)),
            dispatcher: format_ident!("{}", naming::dispatcher_struct(&name)),
            name: name.clone(),
            docs: vec![format!("The protocol `{name}` {}.", format_args!("declared in `{}`", file.written))],
            methods,
            at: p.span,
            check_wire_names: false,
        };
        check::protocol(&cx, origin, &mut ir, false);
        protocols.push(ir);
    }

    // Every generated type name lives in the caller's scope.
    let mut items: Vec<(Vec<(String, String)>, At)> = commands.iter().map(|c| (check::type_names(c), c.at)).collect();
    for p in &protocols {
        let what = format!("the protocol `{}`", p.name);
        items.push((vec![(p.handler.to_string(), what.clone()), (p.dispatcher.to_string(), what)], p.at));
    }
    let keep = check::scope(&cx, origin, &items);
    let (keep_commands, keep_protocols) = keep.split_at(commands.len());
    let kept: Vec<&crate::ir::CommandIr> =
        commands.iter().zip(keep_commands).filter(|(_, k)| **k).map(|(c, _)| c).collect();

    let command_tokens = kept.iter().map(|c| {
        let unit = expand::unit_struct(c);
        let items = expand::command_items(c);
        quote!(#unit #items)
    });
    let protocol_tokens = protocols.iter_mut().zip(keep_protocols).filter(|(_, k)| **k).map(|(p, _)| {
        // A method of a dropped command would name missing types.
        p.methods.retain(|m| kept.iter().any(|c| c.ident == m.command.to_string()));
        expand::protocol_items(p)
    });
    let out = quote!(#include #(#command_tokens)* #(#protocol_tokens)*);
    let errors = cx.into_compile_errors();
    quote!(#out #errors)
}

/// `"path"` with an optional trailing comma.
struct SchemaInput(LitStr);

impl syn::parse::Parse for SchemaInput {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let lit: LitStr = input
            .parse()
            .map_err(|e| syn::Error::new(e.span(), "expected the schema path: `amp_schema!(\"schema/app.toml\")`"))?;
        if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error("`amp_schema!` takes only the schema path"));
        }
        Ok(SchemaInput(lit))
    }
}

/// `amp_protocol!(pub Calc: Sum, Divide)`.
pub fn amp_protocol(input: TokenStream) -> TokenStream {
    let decls = match syn::parse2::<ProtocolDecls>(input) {
        Ok(d) => d,
        Err(e) => return e.to_compile_error(),
    };
    let cx = Ctxt::new();
    let mut out = TokenStream::new();
    for decl in &decls.0 {
        match decl.lower() {
            Ok((mut ir, spans)) => {
                check::protocol(&cx, Origin::Tokens(&spans), &mut ir, true);
                out.extend(expand::protocol_items(&ir));
            }
            Err(e) => cx.syn_error(e),
        }
    }
    let errors = cx.into_compile_errors();
    quote!(#out #errors)
}
