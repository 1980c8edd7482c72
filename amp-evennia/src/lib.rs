//! Evennia on AMP (being built).

// `schema/evennia.toml` names `amp_evennia::Compressed`: this makes that path
// resolve inside this crate too (for `commands`).
extern crate self as amp_evennia;

pub mod codec;
pub mod commands;
pub mod payload;
pub mod role;
pub mod sample_text;

pub use codec::compressed::Compressed;
pub use payload::admin::{LauncherAdmin, PortalAdmin, ServerAdmin};
pub use payload::message::Message;
pub use payload::operation::Operation;
pub use payload::session::SessionData;
pub use payload::{Kwargs, Packed, SessId};
