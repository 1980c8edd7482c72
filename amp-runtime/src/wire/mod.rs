//! The wire layer: boxes, their byte framing and the limits that guard it.
//!
//! Nothing here knows about commands or argument types; higher layers build on
//! [`AmpBox`] and [`AmpCodec`].

mod amp_box;
mod codec;
mod error;
mod limits;
mod out_buf;

pub use amp_box::AmpBox;
pub use codec::AmpCodec;
pub use error::{EncodeError, Lossy, ProtocolError};
pub use limits::{Limits, MAX_KEY_LEN, MAX_VALUE_LEN};
pub(crate) use out_buf::{OutBuf, BY_REFERENCE};
