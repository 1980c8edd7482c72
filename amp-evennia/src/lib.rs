#![doc = include_str!("../README.md")]

// `schema/evennia.toml` names `amp_evennia::Compressed`: this makes that path
// resolve inside this crate too (for `commands`).
extern crate self as amp_evennia;

pub mod codec;
pub mod commands;
pub mod payload;
pub mod role;
pub mod sample_text;

pub use codec::compressed::{Compressed, CompressedCodec, CompressedSlices};
pub use commands::packed_data::{PackedDataCodec, PackedDataError};
pub use payload::admin::{AdminFromLauncher, AdminFromPortal, AdminFromServer, PortalSync, ServerInfo};
pub use payload::message::{Message, MsgCommand};
pub use payload::operation::Operation;
pub use payload::session::SessionData;
pub use payload::status::PortalStatus;
pub use payload::{Envelope, Kwargs, PayloadError, SessId};
pub use role::server::EvenniaServer;
