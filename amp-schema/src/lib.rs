//! The AMP command schema: a TOML file mirroring Twisted `amp.Command`
//! classes, its model, parser and validation. Shared by `amp-macros` (at
//! compile time) and the `amp` CLI (at run time): there is one parser.

pub mod model;

pub use model::{CommandDef, CustomType, ErrorDef, Field, IntRepr, ProtocolDef, Schema, Span, TypeRef};
