//! Evennia on AMP (being built).

// `schema/evennia.toml` names `amp_evennia::Compressed`: this makes that path
// resolve inside this crate too (for `commands`).
extern crate self as amp_evennia;

pub mod compressed;
pub mod pickle;
pub use compressed::Compressed;

pub mod admin;
pub mod commands;
pub mod exception;
pub mod function_call;
pub mod message;
pub mod ops;
pub mod payload;
pub mod portal;
pub mod sample_text;
pub mod server;
pub mod session;
pub mod status;
pub mod wire;

pub mod start_now;

pub use admin::{LauncherAdmin, PortalAdmin, ServerAdmin};
pub use message::Message;
pub use ops::Operation;
pub use payload::{Kwargs, Packed, SessId};
pub use session::SessionData;
