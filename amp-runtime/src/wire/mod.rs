//! The wire layer: boxes, their byte framing, AMP's own keys and the limits
//! that guard it.
//!
//! Nothing here knows about commands or argument types; higher layers build on
//! [`AmpBox`] and [`AmpCodec`].

mod amp_box;
mod codec;
mod error;
mod keys;
mod limits;
mod out_buf;

pub use amp_box::AmpBox;
pub use codec::AmpCodec;
pub use error::{EncodeError, Lossy, ProtocolError};
pub use keys::{
    ANSWER, ASK, COMMAND, ERROR, ERROR_CODE, ERROR_DESCRIPTION, MAX_KEY_LEN, MAX_VALUE_LEN, RESERVED_KEYS,
    UNHANDLED_ERROR_CODE, UNKNOWN_ERROR_CODE,
};
pub use limits::Limits;
pub(crate) use out_buf::{OutBuf, BY_REFERENCE};
