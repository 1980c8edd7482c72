//! The payload models: what Evennia's pickles mean, built and read as
//! Evennia 6.1 builds and reads them. Nothing here knows AMP.
//!
//! - [`Envelope`]: `(sessid, kwargs)`, the payload of `MsgPortal2Server`,
//!   `MsgServer2Portal`, `AdminPortal2Server` and `AdminServer2Portal`;
//!   [`Kwargs`] its `str`-keyed dict; [`SessId`] a session id.
//! - [`message`]: player input and game output ([`Message`](message::Message)).
//! - [`admin`]: the administrative operations, one type per sender
//!   ([`AdminFromPortal`](admin::AdminFromPortal),
//!   [`AdminFromServer`](admin::AdminFromServer),
//!   [`AdminFromLauncher`](admin::AdminFromLauncher)).
//! - [`session`]: a session's synced data ([`SessionData`](session::SessionData)).
//! - [`status`]: `MsgStatus` answers ([`PortalStatus`](status::PortalStatus)).
//! - [`operation`]: the one-character operation codes ([`Operation`](operation::Operation)).
//!
//! A payload that cannot be read is a [`PayloadError`].

mod envelope;
mod error;
mod kwargs;

pub mod admin;
pub mod message;
pub mod operation;
pub mod session;
pub mod status;

pub use envelope::{Envelope, SessId, DUMMY_SESSID};
pub use error::PayloadError;
pub use kwargs::Kwargs;
pub(crate) use kwargs::{bad_field, short_repr};
