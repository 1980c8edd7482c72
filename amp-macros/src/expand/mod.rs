//! Code generation: one file per kind of emitted item, like serde_derive's
//! `ser.rs` / `de.rs`.

mod command;
mod error;
mod fields;
pub mod paths;
mod protocol;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{CommandIr, ProtocolIr};

pub use command::unit_struct;
pub use protocol::protocol;

/// Everything a command generates besides its own struct: its arguments,
/// response and error types and `impl Command`.
pub fn command_items(c: &CommandIr) -> TokenStream {
    let arguments = fields::box_struct(&c.vis, &c.arguments);
    let response = fields::box_struct(&c.vis, &c.response);
    let error = error::error_enum(&c.vis, &c.error);
    let command = command::command_impl(c);
    quote!(#arguments #response #error #command)
}

/// The handler trait and dispatcher of a protocol.
pub fn protocol_items(p: &ProtocolIr) -> TokenStream {
    protocol(p)
}
