#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// Lets `#[amp_command]` output, which names `::amp_runtime`, compile inside this crate too.
extern crate self as amp_runtime;

pub mod client;
pub mod command;
pub mod connection;
pub mod dynamic;
pub mod python;
mod router;
pub mod server;
pub mod types;
pub mod values;
pub mod wire;

pub use command::{CallError, Command, CommandError, ErrorCode, NoError, RemoteError};
pub use connection::{BoxFuture, Context, ErrorReply, NoResponder, Peer, PeerAddr, Reply, Responder};
pub use connection::{CloseReason, Connection, ConnectionBuilder, ConnectionConfig, SwitchedStream, TlsRole};
pub use router::Router;
pub use server::{Server, ServerHandle};
pub use types::{ArgContext, ArgumentType, BoxFields, DecodeError, DecodeErrorKind, StringArgument};
pub use values::{DateTime, Decimal};
pub use wire::{AmpBox, AmpCodec, EncodeError, Limits, ProtocolError};

pub use amp_macros::{amp_command, amp_protocol, amp_schema};

/// Re-exported for the big-integer form of `Integer`.
pub use num_bigint::BigInt;

/// Items the generated code of `#[amp_command]` uses. Not a public API.
#[doc(hidden)]
pub mod __private;

/// Round-trip checks shared by this repository's tests and fuzz targets.
/// Not a public API.
#[doc(hidden)]
pub mod testing;

// The README's Rust examples are compiled and run as doctests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
