//! Rust-level checks the schema validator cannot make, and the clean-up that
//! keeps generated code valid after a reported mistake.
//!
//! `amp_schema::validate` reports duplicate fields, fields mapping to the
//! same Rust identifier, exceptions declared twice and colliding handler
//! methods of a schema; here those duplicates are only dropped (the later
//! one), so the emitted struct or enum stays valid. What the validator cannot
//! see is reported here: generated type names that collide in one scope
//! (`Sum` beside a command `SumArguments`), and handler methods of an inline
//! protocol (`amp_protocol!`), whose commands the validator never sees.

use amp_schema::Span as At;

use crate::ctxt::Ctxt;
use crate::ir::{CommandIr, ProtocolIr, StructIr};
use crate::origin::Origin;

/// Drops duplicate fields and error variants of one command (the validator
/// reported them).
pub fn command(c: &mut CommandIr) {
    box_struct(&mut c.arguments);
    box_struct(&mut c.response);
    let mut seen: Vec<String> = Vec::new();
    c.error.variants.retain(|v| {
        let ident = v.ident.to_string();
        if seen.contains(&ident) {
            return false;
        }
        seen.push(ident);
        true
    });
}

fn box_struct(s: &mut StructIr) {
    let mut seen: Vec<String> = Vec::new();
    s.fields.retain(|f| {
        let ident = f.ident.to_string();
        if seen.contains(&ident) {
            return false;
        }
        seen.push(ident);
        true
    });
    s.nested.iter_mut().for_each(box_struct);
}

/// Drops handler methods whose names collide; `report` says whether to
/// report them (the validator already did for a schema file's protocols).
pub fn protocol(cx: &Ctxt, origin: Origin, p: &mut ProtocolIr, report: bool) {
    let mut seen: Vec<(String, String)> = Vec::new();
    let name = p.name.clone();
    p.methods.retain(|m| {
        let ident = m.ident.to_string();
        if let Some((_, first)) = seen.iter().find(|(i, _)| *i == ident) {
            if !report {
                return false;
            }
            origin.error(
                cx,
                m.at,
                format_args!(
                    "protocol `{name}`: the handler methods of `{first}` and `{}` would both be named `{ident}`; \
                     rename one with `as`, e.g. `{} as other_name`",
                    m.command_name, m.command_name
                ),
            );
            return false;
        }
        seen.push((ident, m.command_name.clone()));
        true
    });
}

/// The Rust type names one command generates, with what each one is.
pub fn type_names(c: &CommandIr) -> Vec<(String, String)> {
    let cmd = c.ident.to_string();
    let mut out = vec![
        (cmd.clone(), format!("the command `{cmd}`")),
        (c.arguments.ident.to_string(), format!("the arguments of `{cmd}`")),
        (c.response.ident.to_string(), format!("the response of `{cmd}`")),
        (c.error.ident.to_string(), format!("the errors of `{cmd}`")),
    ];
    fn nested(s: &StructIr, out: &mut Vec<(String, String)>) {
        for n in &s.nested {
            out.push((n.ident.to_string(), format!("an AmpList element of `{}`", s.ident)));
            nested(n, out);
        }
    }
    nested(&c.arguments, &mut out);
    nested(&c.response, &mut out);
    out
}

/// Reports generated type names that collide, in one scope. `items` are
/// (names, span) per item; returns, per item, whether to keep it (the
/// later of two colliding items is dropped).
pub fn scope(cx: &Ctxt, origin: Origin, items: &[(Vec<(String, String)>, At)]) -> Vec<bool> {
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut keep = Vec::with_capacity(items.len());
    for (names, at) in items {
        let mut ok = true;
        let mut mine: Vec<(String, String)> = Vec::new();
        for (name, what) in names {
            let clash = seen.iter().chain(&mine).find(|(n, _)| n == name).map(|(_, w)| w.clone());
            if let Some(first) = clash {
                origin.error(
                    cx,
                    *at,
                    format_args!("colliding names: {what} and {first} are both named `{name}`; rename one of them"),
                );
                ok = false;
            }
            mine.push((name.clone(), what.clone()));
        }
        if ok {
            seen.extend(mine);
        }
        keep.push(ok);
    }
    keep
}
