//! What the generator emits, fully resolved: Rust names, codec and value
//! types as tokens. Built from the schema model by `resolve.rs`, checked by
//! `check.rs`, emitted by `expand/`.

use amp_schema::Span as At;
use proc_macro2::TokenStream;
use syn::{Ident, Visibility};

/// One command: the items `#[amp_command]` generates for it.
pub struct CommandIr {
    /// The command's struct (`Sum`).
    pub ident: Ident,
    pub vis: Visibility,
    /// The schema table key (or the struct's name inline).
    pub key: String,
    /// `commandName` on the wire.
    pub wire_name: String,
    pub requires_answer: bool,
    pub arguments: StructIr,
    pub response: StructIr,
    pub error: ErrorIr,
    /// Where it was declared, for docs: "declared inline", "declared in `x.toml`".
    pub source: String,
    pub at: At,
}

/// A struct of box fields: arguments, response, or an AmpList element.
pub struct StructIr {
    pub ident: Ident,
    pub doc: String,
    pub fields: Vec<FieldIr>,
    /// The element structs of its AmpList fields (recursively).
    pub nested: Vec<StructIr>,
    /// Clone and PartialEq can be derived (no file descriptor inside).
    pub clone_eq: bool,
}

/// One field.
pub struct FieldIr {
    pub ident: Ident,
    /// The box key.
    pub wire: String,
    /// The codec (an `ArgumentType`).
    pub codec: TokenStream,
    /// The codec's value type (the field's type, before `Option`).
    pub value: TokenStream,
    pub optional: bool,
    pub doc: String,
}

/// The declared errors of a command.
pub struct ErrorIr {
    pub ident: Ident,
    pub doc: String,
    pub variants: Vec<VariantIr>,
}

/// One declared or fatal error.
pub struct VariantIr {
    pub ident: Ident,
    pub exception: String,
    pub code: String,
    pub fatal: bool,
}

/// A protocol: the commands one peer answers.
pub struct ProtocolIr {
    pub vis: Visibility,
    pub name: String,
    pub handler: Ident,
    pub dispatcher: Ident,
    /// Doc lines the user wrote (inline form), else generated ones.
    pub docs: Vec<String>,
    pub methods: Vec<MethodIr>,
    pub at: At,
    /// Emit a compile-time check that the commands' wire names differ (an
    /// inline protocol; a schema file's are checked by the validator).
    pub check_wire_names: bool,
}

/// One handler method: the command it answers and its types.
pub struct MethodIr {
    pub ident: Ident,
    /// The command's type (a path).
    pub command: TokenStream,
    pub arguments: TokenStream,
    pub response: TokenStream,
    pub error: TokenStream,
    /// How the docs name the command (a doc link).
    pub command_doc: String,
    /// How error messages name the command.
    pub command_name: String,
    pub at: At,
}
