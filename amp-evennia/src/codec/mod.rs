//! The codecs: bytes in, values out, and back. Nothing here knows Evennia's
//! messages.
//!
//! - [`pickle`]: Python's pickle, every protocol, safe by construction.
//! - [`compressed`]: Evennia's `Compressed` AMP argument (zlib slices).

pub mod compressed;
pub mod pickle;
