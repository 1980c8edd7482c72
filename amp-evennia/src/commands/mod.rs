//! The command sets: Evennia 6.1's AMP commands as this crate sends and
//! answers them.
//!
//! - Here: the commands and the two protocols generated from
//!   `schema/evennia.toml` (the file the drift test checks against the
//!   installed Evennia): [`MsgLauncher2Portal`], [`MsgPortal2Server`],
//!   [`MsgServer2Portal`], [`AdminPortal2Server`], [`AdminServer2Portal`],
//!   [`MsgStatus`], [`FunctionCall`]; each with its `...Arguments`,
//!   `...Response` and `...Error` (every command declares
//!   `errors = {Exception: b"EXCEPTION"}`: the variant `Exception(String)`).
//!   Protocols: [`ServerHandler`] / [`ServerDispatcher`] (what a Server
//!   answers) and [`PortalHandler`] / [`PortalDispatcher`] (what a Portal
//!   answers). `packed_data` is a [`Compressed`](crate::Compressed)
//!   argument: its value is the raw pickle, which [`crate::payload`] reads
//!   and builds.
//! - [`slices`]: the four payload commands with `packed_data` left
//!   compressed, for sending and receiving large payloads off the async
//!   executor; [`packed_data`] is their codec.
//! - `MsgLauncher2Portal`'s arguments convert to and from
//!   [`AdminFromLauncher`](crate::payload::admin::AdminFromLauncher) with
//!   `TryFrom`.

amp_runtime::amp_schema!("../schema/evennia.toml");

mod launcher;
pub mod packed_data;
pub mod slices;
