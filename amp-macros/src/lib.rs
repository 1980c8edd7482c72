#![doc = include_str!("../README.md")]
//!
//! # Layout
//!
//! As serde_derive: this file holds only the entry points; `attr.rs` and
//! `protocol_decl.rs` parse the input, `inline.rs` lowers an inline
//! declaration to the schema model (`amp_schema::model`, the one the TOML
//! parser produces), `file.rs` reads schema files, `resolve.rs` turns the
//! model into Rust names and types (`ir.rs`), `check.rs` checks what the
//! schema validator cannot, `ctxt.rs` collects errors, `origin.rs` maps
//! model spans back to tokens or `file:line:col`, `form.rs` runs one macro
//! form, and `expand/` emits one kind of item per file.

mod attr;
mod check;
mod ctxt;
mod expand;
mod file;
mod form;
mod inline;
mod ir;
mod origin;
mod protocol_decl;
mod resolve;

use proc_macro::TokenStream;

/// Declares an AMP command (a Twisted `amp.Command`) on a unit struct,
/// inline or from a schema file.
///
/// ```
/// use amp_runtime::amp_command;
///
/// #[amp_command(
///     arguments(a: Integer, b: Option<Unicode>, "dash-name": ListOf(Float), rows: AmpList(x: Integer)),
///     response(total: Integer<BigInt>),
///     errors(ZeroDivisionError = "ZERO_DIVISION"),
///     fatal_errors(Disaster = "DEAD"),
///     name = "sum",
///     requires_answer = true,
/// )]
/// pub struct Sum;
///
/// let args = SumArguments { a: 1, b: None, dash_name: vec![0.5], rows: vec![SumArgumentsRows { x: 2 }] };
/// # let _ = (args, SumResponse { total: 3.into() }, SumError::Disaster(String::new()));
/// ```
///
/// `#[amp_command(schema = "schema/app.toml")]` takes the entry named like
/// the struct, `#[amp_command(schema = "...", command = "Key")]` another one.
/// Generates `XArguments`, `XResponse`, `XError` and `impl Command for X`;
/// see the crate documentation for the full syntax and the generated API.
#[proc_macro_attribute]
pub fn amp_command(args: TokenStream, item: TokenStream) -> TokenStream {
    form::amp_command(args.into(), item.into()).into()
}

/// Generates every command and protocol of a schema file, in place: for
/// each `[commands.Key]` the struct `Key` and what [`amp_command`] generates,
/// for each `[protocols.P]` a `PHandler` trait and a `PDispatcher<H>`
/// responder.
///
/// ```
/// # mod amp_evennia { pub use amp_runtime::types::String as Compressed; }
/// pub mod evennia {
/// #   use crate::amp_evennia;
///     // Relative to the crate's Cargo.toml.
///     amp_runtime::amp_schema!("../schema/evennia.toml");
/// }
/// # fn main() {
/// let _ = evennia::MsgStatusArguments { status: bytes::Bytes::from_static(b"ping") };
/// fn serve<H: evennia::ServerHandler>(h: H) -> evennia::ServerDispatcher<H> {
///     evennia::ServerDispatcher::new(h)
/// }
/// # let _ = serve::<std::convert::Infallible>;
/// # }
/// # impl evennia::ServerHandler for std::convert::Infallible {
/// #   async fn msg_portal2_server(&self, _: &amp_runtime::Context, _: evennia::MsgPortal2ServerArguments) -> Result<evennia::MsgPortal2ServerResponse, evennia::MsgPortal2ServerError> { match *self {} }
/// #   async fn admin_portal2_server(&self, _: &amp_runtime::Context, _: evennia::AdminPortal2ServerArguments) -> Result<evennia::AdminPortal2ServerResponse, evennia::AdminPortal2ServerError> { match *self {} }
/// #   async fn msg_status(&self, _: &amp_runtime::Context, _: evennia::MsgStatusArguments) -> Result<evennia::MsgStatusResponse, evennia::MsgStatusError> { match *self {} }
/// #   async fn function_call(&self, _: &amp_runtime::Context, _: evennia::FunctionCallArguments) -> Result<evennia::FunctionCallResponse, evennia::FunctionCallError> { match *self {} }
/// # }
/// ```
#[proc_macro]
pub fn amp_schema(input: TokenStream) -> TokenStream {
    form::amp_schema(input.into()).into()
}

/// Declares a protocol of commands declared with [`amp_command`]: a handler
/// trait `PHandler` and its dispatcher `PDispatcher<H>`, as [`amp_schema!`]
/// generates for `[protocols.P]`.
///
/// ```
/// use amp_runtime::{amp_command, amp_protocol, Context};
///
/// #[amp_command(arguments(a: Integer, b: Integer), response(total: Integer))]
/// pub struct Sum;
///
/// amp_protocol! {
///     /// What the calculator answers.
///     pub Calc: Sum
/// }
///
/// struct Calculator;
///
/// impl CalcHandler for Calculator {
///     async fn sum(&self, _cx: &Context, args: SumArguments) -> Result<SumResponse, SumError> {
///         Ok(SumResponse { total: args.a + args.b })
///     }
/// }
///
/// let _ = CalcDispatcher::new(Calculator);
/// ```
///
/// `vis Name: path::To::Command [as method], ...`; several protocols are
/// separated by `;`. Methods are the snake case of each path's last segment
/// unless renamed with `as`. Two commands with the same wire name are a
/// compile error.
#[proc_macro]
pub fn amp_protocol(input: TokenStream) -> TokenStream {
    form::amp_protocol(input.into()).into()
}
