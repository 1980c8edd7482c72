//! Decompressing slices back into the payload, under a size cap.

use amp_runtime::{DecodeError, DecodeErrorKind};
use bytes::Bytes;
use flate2::{Decompress, FlushDecompress, Status};

use super::slices::{slice_key, CompressedSlices};
use super::CompressedCodec;

/// Why received slices could not be decompressed. Slices are numbered from 1
/// (slice 1 is `name`, slice 2 is `name.2`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecompressError {
    /// Not a valid zlib stream (bad header, checksum or deflate data).
    #[error("slice {slice}: corrupt zlib data ({reason})")]
    Corrupt {
        /// 1-based slice number.
        slice: usize,
        /// The zlib library's message.
        reason: String,
    },
    /// The zlib stream stops before its end (an empty slice included).
    #[error("slice {slice}: incomplete or truncated zlib stream")]
    Truncated {
        /// 1-based slice number.
        slice: usize,
    },
    /// Bytes follow the end of the zlib stream (Python ignores them).
    #[error("slice {slice}: {extra} bytes follow the end of the zlib stream")]
    TrailingBytes {
        /// 1-based slice number.
        slice: usize,
        /// How many bytes follow.
        extra: usize,
    },
    /// The payload would exceed [`CompressedCodec::max_decompressed`].
    #[error("decompressed payload exceeds the cap of {cap} bytes (CompressedCodec::max_decompressed)")]
    TooLarge {
        /// The cap in force.
        cap: usize,
    },
    /// No slices at all.
    #[error("no slices")]
    NoSlices,
}

impl DecompressError {
    /// The error as a [`DecodeError`] of argument `name`, the message naming
    /// the slice's key.
    pub fn into_decode_error(self, name: &str) -> DecodeError {
        let message = match &self {
            DecompressError::Corrupt { slice, reason } => {
                format!("slice \"{}\": corrupt zlib data ({reason})", slice_key(name, *slice))
            }
            DecompressError::Truncated { slice } => {
                format!("slice \"{}\": incomplete or truncated zlib stream", slice_key(name, *slice))
            }
            DecompressError::TrailingBytes { slice, extra } => {
                format!("slice \"{}\": {extra} bytes follow the end of the zlib stream", slice_key(name, *slice))
            }
            DecompressError::TooLarge { .. } | DecompressError::NoSlices => self.to_string(),
        };
        DecodeError::new(name, DecodeErrorKind::Custom(message))
    }
}

impl CompressedCodec {
    /// Decompresses each slice and concatenates them, failing as soon as the
    /// total passes [`max_decompressed`](Self::max_decompressed).
    pub fn decompress(&self, slices: &CompressedSlices) -> Result<Bytes, DecompressError> {
        if slices.is_empty() {
            return Err(DecompressError::NoSlices);
        }
        let cap = self.max_decompressed;
        // Senders cut at most 65,535 payload bytes per slice (Evennia exactly
        // that): a multi-slice payload fits n * 65,535. One slice is usually a
        // message of a few hundred bytes: guess small. Grow by doubling, never
        // past cap + 1 bytes of room.
        let guess = match slices.len() {
            1 => slices.compressed_len().saturating_mul(4).saturating_add(64),
            n => n.saturating_mul(amp_runtime::wire::MAX_VALUE_LEN),
        };
        let mut out = Vec::with_capacity(guess.min(cap.saturating_add(1)));
        let mut zlib = Decompress::new(true);
        for (i, slice) in slices.slices().iter().enumerate() {
            zlib.reset(true);
            inflate(&mut zlib, slice, i + 1, &mut out, cap)?;
        }
        Ok(Bytes::from(out))
    }
}

/// Inflates one complete zlib stream `slice` onto the end of `out`.
fn inflate(
    zlib: &mut Decompress,
    slice: &[u8],
    index: usize,
    out: &mut Vec<u8>,
    cap: usize,
) -> Result<(), DecompressError> {
    loop {
        if out.len() == out.capacity() {
            if out.len() > cap {
                return Err(DecompressError::TooLarge { cap });
            }
            let room = out.len().max(64 * 1024).min(cap + 1 - out.len());
            out.reserve_exact(room);
        }
        let consumed = zlib.total_in() as usize;
        let produced = out.len();
        let status = zlib
            .decompress_vec(&slice[consumed..], out, FlushDecompress::None)
            .map_err(|e| DecompressError::Corrupt { slice: index, reason: e.to_string() })?;
        if out.len() > cap {
            return Err(DecompressError::TooLarge { cap });
        }
        match status {
            Status::StreamEnd => {
                let extra = slice.len() - zlib.total_in() as usize;
                if extra > 0 {
                    return Err(DecompressError::TrailingBytes { slice: index, extra });
                }
                return Ok(());
            }
            Status::Ok | Status::BufError => {
                let progressed = zlib.total_in() as usize != consumed || out.len() != produced;
                // No progress with room left to write: the input ran out.
                if !progressed && out.len() < out.capacity() {
                    return Err(DecompressError::Truncated { slice: index });
                }
            }
        }
    }
}
