//! The payload models: what Evennia's pickles mean.

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
