//! The macros of `amp-runtime`: [`amp_command`], [`amp_schema!`] and
//! [`amp_protocol!`]. Depend on `amp-runtime` and use them from there
//! (`amp_runtime::amp_command`, ...): the generated code names
//! `::amp_runtime`.
//!
//! Layout (as serde_derive): this file holds only the entry points;
//! `attr.rs` / `protocol_decl.rs` parse the input, `inline.rs` lowers an
//! inline declaration to the schema model (`amp_schema::model`, the same one
//! the TOML parser produces), `file.rs` reads schema files, `resolve.rs`
//! turns the model into Rust names and types, `check.rs` checks what the
//! schema validator cannot, `ctxt.rs` collects errors and `expand/` emits
//! one kind of item per file.

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

/// Declares an AMP command (a Twisted `amp.Command`) on a unit struct.
///
/// Two forms generate identical items for the same command.
///
/// **Inline:**
///
/// ```
/// use amp_runtime::amp_command;
///
/// #[amp_command(
///     arguments(a: Integer, b: Integer),
///     response(total: Integer),
///     errors(ZeroDivisionError = "ZERO_DIVISION"),
/// )]
/// pub struct Sum;
///
/// let args = SumArguments { a: 1, b: 2 };
/// # let _ = (args, SumResponse { total: 3 });
/// ```
///
/// Items, in any order, each at most once:
///
/// - `arguments(field, ...)` and `response(field, ...)`: a field is
///   `name: Type` or `"wire-name": Type` (for a wire name that is not a Rust
///   identifier; `r#type: T` is the wire name `type`). The Rust field name
///   comes from `amp_schema::naming::rust_ident`: `-` becomes `_`, keywords
///   become raw identifiers (`r#type`).
/// - Types: `Integer` (`i64`), `Integer<u64>`, `Integer<i128>`,
///   `Integer<BigInt>`, `String` (`bytes::Bytes`), `Unicode` (`String`),
///   `Path` (`PathBuf`), `Boolean` (`bool`), `Float` (`f64`), `Decimal`
///   (`amp_runtime::Decimal`), `DateTime` (`amp_runtime::DateTime`),
///   `Descriptor` (`OwnedFd`), `ListOf(T)` (`Vec<T>`), `AmpList(field: T, ...)`
///   (`Vec` of a generated element struct), or a custom `ArgumentType`
///   written as a path with `::` (`amp_evennia::Compressed`, `crate::MyType`),
///   whose field type is `<MyType as ArgumentType>::Value`.
/// - `Option<T>` as the whole type of a field makes it optional (absent on
///   the wire when `None`). `ListOf` elements cannot be optional.
/// - `errors(Exception = "CODE", ...)` and `fatal_errors(...)`: one variant
///   each in the error enum; a fatal error closes the connection once answered.
/// - `name = "wire-name"`: the wire name (`commandName`); default: the
///   struct's name.
/// - `requires_answer = false`: calls are sent without `_ask`.
///
/// **From a schema file** (path relative to `CARGO_MANIFEST_DIR`; the entry
/// `[commands.<struct name>]`, or `command = "Key"` to choose another):
///
/// ```ignore
/// #[amp_command(schema = "schema/evennia.toml")]
/// pub struct MsgStatus;
/// #[amp_command(schema = "schema/evennia.toml", command = "MsgStatus")]
/// pub struct Status;
/// ```
///
/// **Generated**, for `struct X` (with its visibility):
///
/// - `XArguments` and `XResponse`: structs with one `pub` field per wire
///   field (a unit struct when there is none), deriving `Debug`, and `Clone`
///   and `PartialEq` unless they hold a `Descriptor`; they implement
///   `BoxFields`. An `AmpList` field `rows` of `XArguments` has the element
///   struct `XArgumentsRows`.
/// - `XError`: an enum with one variant per declared and fatal error, named
///   after the exception and carrying the description (`XError::ZeroDivisionError(String)`);
///   it has no variant when none is declared. It implements `CommandError`,
///   `Display` (`Exception: description`) and `std::error::Error`.
/// - `impl amp_runtime::Command for X`.
#[proc_macro_attribute]
pub fn amp_command(args: TokenStream, item: TokenStream) -> TokenStream {
    form::amp_command(args.into(), item.into()).into()
}

/// Generates every command and protocol of a schema file, in place.
///
/// ```ignore
/// pub mod evennia {
///     amp_runtime::amp_schema!("schema/evennia.toml");
/// }
/// ```
///
/// The path is relative to `CARGO_MANIFEST_DIR` (absolute paths are refused);
/// editing the file rebuilds the crate. For each `[commands.Key]` it emits a
/// unit struct `pub struct Key;` and the items [`amp_command`] generates; for
/// each `[protocols.P]` it emits:
///
/// - `pub trait PHandler: Send + Sync + 'static` with one method per command
///   the protocol answers, named after the snake case of the table key:
///   `fn msg_status(&self, cx: &amp_runtime::Context, args: MsgStatusArguments)
///   -> impl Future<Output = Result<MsgStatusResponse, MsgStatusError>> + Send;`
///   (implement it with `async fn`);
/// - `pub struct PDispatcher<H>` (`new(handler)`, `handler()`,
///   `into_handler()`), an `amp_runtime::Responder` that decodes the
///   arguments, calls the method and encodes its result; a command the
///   protocol does not answer gets `Reply::Unhandled`.
///
/// Errors in the file are reported as `path:line:col` with the offending
/// line, at the path literal.
#[proc_macro]
pub fn amp_schema(input: TokenStream) -> TokenStream {
    form::amp_schema(input.into()).into()
}

/// Declares a protocol of commands declared with [`amp_command`]: a handler
/// trait and its dispatcher, as [`amp_schema!`] generates for
/// `[protocols.X]`.
///
/// ```ignore
/// amp_runtime::amp_protocol! {
///     /// What a calculator answers.
///     pub Calc: Sum, Divide, other::Ping as ping
/// }
/// ```
///
/// Generates `pub trait CalcHandler` with methods `sum`, `divide` and `ping`
/// (the snake case of the last path segment, or the name after `as`), whose
/// argument, response and error types are the command's
/// (`<Sum as Command>::Arguments`, i.e. `SumArguments`), and
/// `pub struct CalcDispatcher<H>`. Several protocols can be declared in one
/// call, separated by `;`. Two commands with the same wire name are a
/// compile error.
#[proc_macro]
pub fn amp_protocol(input: TokenStream) -> TokenStream {
    form::amp_protocol(input.into()).into()
}
