//! Evennia 6.1's AMP commands and its two protocols, generated from
//! `schema/evennia.toml` (the file the drift test checks against the
//! installed Evennia).
//!
//! Commands: [`MsgLauncher2Portal`], [`MsgPortal2Server`],
//! [`MsgServer2Portal`], [`AdminPortal2Server`], [`AdminServer2Portal`],
//! [`MsgStatus`], [`FunctionCall`]; each with its `...Arguments`,
//! `...Response` and `...Error` (every command declares
//! `errors = {Exception: b"EXCEPTION"}`: the variant `Exception(String)`).
//! Protocols: [`ServerHandler`] / [`ServerDispatcher`] (what a Server
//! answers) and [`PortalHandler`] / [`PortalDispatcher`] (what a Portal
//! answers).
//!
//! `packed_data` is a [`Compressed`](crate::Compressed) argument holding the
//! raw pickle; [`crate::payload`], [`crate::payload::admin`] and [`crate::payload::message`]
//! read and build it. For payloads compressed ahead of time (off the async
//! executor) see [`crate::commands::slices`].

amp_runtime::amp_schema!("../schema/evennia.toml");

pub mod slices;
