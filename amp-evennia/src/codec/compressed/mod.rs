//! Evennia's `Compressed` argument: a byte payload cut into slices, each
//! zlib-compressed on its own and sent under `name`, `name.2`, `name.3`, ...
//!
//! This is the argument of `MsgPortal2Server`, `MsgServer2Portal`,
//! `AdminPortal2Server` and `AdminServer2Portal` (`packed_data`, a pickle of
//! `(sessid, kwargs)`). The value is the raw, uncompressed payload.
//!
//! # On the wire (as Evennia 6.1's `Compressed` reads and writes it)
//! - Slice 1 goes under `name`, slice *n* (n ≥ 2) under `name.n` (decimal, no
//!   padding). An empty payload is one slice: the zlib stream of nothing.
//! - Reading stops at the first missing `name.n`: a gap ends the payload and
//!   any later slices are ignored, exactly as Evennia's `fromBox` does.
//! - Evennia cuts 65,535-byte slices and compresses them at level 9. An
//!   incompressible slice then grows past AMP's 65,535-byte value limit and
//!   Evennia's send fails with `TooLong`. This codec cuts smaller slices
//!   ([`DEFAULT_SLICE_SIZE`], 56 KiB) so even the zlib worst case
//!   ([`zlib_bound`]) fits; Evennia accepts any slice size on receive.
//!   Compressed bytes differ from Python's (another zlib implementation), the
//!   decompressed payload is the same.
//!
//! # Differences from Evennia, on receive
//! - An absent `name` is `None` (a missing argument); Evennia raises a
//!   `TypeError` from `zlib.decompress(None)`.
//! - Bytes after the end of a slice's zlib stream are an error; Python's
//!   `zlib.decompress` silently drops them. No correct sender writes any.
//! - The decompressed payload is capped
//!   ([`CompressedCodec::max_decompressed`], 64 MiB by default) so a small
//!   "zlib bomb" cannot exhaust memory; Evennia has no cap.
//!
//! Receive limits matter too: with the default
//! [`Limits`](amp_runtime::Limits) (1,024 pairs, 16 MiB per box) a box holds
//! at most about 1,020 slices, roughly 57 MB of payload at 56 KiB per slice.

mod bound;
mod decode;
mod encode;
mod slices;

pub use bound::{zlib_bound, DEFAULT_SLICE_SIZE, MAX_SLICE_SIZE};
pub use decode::DecompressError;
pub use encode::CompressError;
pub use slices::{slice_key, CompressedSlices, PreCompressed};

use amp_runtime::wire::{AmpBox, EncodeError};
use amp_runtime::{ArgContext, ArgumentType, DecodeError};
use bytes::Bytes;

/// Evennia's `Compressed` argument type, with the default [`CompressedCodec`]
/// (level 9, 56 KiB slices, 64 MiB cap).
///
/// Payloads of [`CompressedCodec::PARALLEL_MIN_BYTES`] and more are
/// compressed on several threads (see [`CompressedCodec::encode_parallel`]).
/// For other settings, call a [`CompressedCodec`] directly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compressed;

impl ArgumentType for Compressed {
    type Value = Bytes;

    fn to_box(name: &str, value: &Bytes, out: &mut AmpBox, _cx: &mut ArgContext) -> Result<(), EncodeError> {
        CompressedCodec::DEFAULT.encode_parallel(name, value, out)
    }

    fn from_box(name: &str, input: &AmpBox, _cx: &mut ArgContext) -> Result<Option<Bytes>, DecodeError> {
        CompressedCodec::DEFAULT.decode(name, input)
    }
}

/// Settings for compressing and decompressing a `Compressed` argument.
///
/// The fields are checked when used: a level above 9 or a slice size outside
/// `1..=`[`MAX_SLICE_SIZE`] makes encoding fail with an error, never a panic.
///
/// ```
/// use amp_evennia::codec::compressed::CompressedCodec;
/// let fast = CompressedCodec { level: 1, ..CompressedCodec::DEFAULT };
/// let mut out = amp_runtime::AmpBox::new();
/// fast.encode("packed_data", b"hello", &mut out).unwrap();
/// assert_eq!(fast.decode("packed_data", &out).unwrap().unwrap(), &b"hello"[..]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressedCodec {
    /// zlib level, 0 (stored) to 9 (smallest, Evennia's choice). Default 9.
    pub level: u32,
    /// Most bytes a decoded payload may have, all slices together; more is a
    /// decode error naming this cap. Default 64 MiB.
    pub max_decompressed: usize,
    /// Payload bytes per slice when encoding, `1..=`[`MAX_SLICE_SIZE`].
    /// Default [`DEFAULT_SLICE_SIZE`] (56 KiB). Receiving accepts any size.
    pub slice_size: usize,
}

impl CompressedCodec {
    /// Evennia's level.
    pub const DEFAULT_LEVEL: u32 = 9;
    /// 64 MiB: six times Evennia's largest benchmarked message (10 MB).
    pub const DEFAULT_MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;
    /// Payload size from which [`encode_parallel`](Self::encode_parallel)
    /// uses threads: 256 KiB, about 5 ms of level-9 work on one core, far
    /// more than starting a thread costs (tens of microseconds).
    pub const PARALLEL_MIN_BYTES: usize = 256 * 1024;

    /// Level 9, 64 MiB cap, 56 KiB slices.
    pub const DEFAULT: CompressedCodec = CompressedCodec {
        level: Self::DEFAULT_LEVEL,
        max_decompressed: Self::DEFAULT_MAX_DECOMPRESSED,
        slice_size: DEFAULT_SLICE_SIZE,
    };

    /// Compresses `value` on the calling thread and writes its slices under
    /// `name`, `name.2`, ... (replacing any slices of `name` already in `out`).
    pub fn encode(&self, name: &str, value: &[u8], out: &mut AmpBox) -> Result<(), EncodeError> {
        let slices = self.compress_slices(value).map_err(|e| e.into_encode_error(name))?;
        slices.write_into(name, out)
    }

    /// As [`encode`](Self::encode), but a payload of at least
    /// [`PARALLEL_MIN_BYTES`](Self::PARALLEL_MIN_BYTES) is compressed on up to
    /// one thread per core (the slices are independent). The call blocks until
    /// done: from async code, run it under `tokio::task::spawn_blocking` or
    /// compress first with [`compress_slices_parallel`](Self::compress_slices_parallel)
    /// and send the result as a [`PreCompressed`] argument.
    pub fn encode_parallel(&self, name: &str, value: &[u8], out: &mut AmpBox) -> Result<(), EncodeError> {
        let slices = self.compress_slices_parallel(value).map_err(|e| e.into_encode_error(name))?;
        slices.write_into(name, out)
    }

    /// Reads the slices of `name` from `input` and decompresses them: `None`
    /// when `name` is absent. Errors name the argument and the slice key.
    pub fn decode(&self, name: &str, input: &AmpBox) -> Result<Option<Bytes>, DecodeError> {
        match CompressedSlices::read(name, input) {
            None => Ok(None),
            Some(slices) => self.decompress(&slices).map(Some).map_err(|e| e.into_decode_error(name)),
        }
    }

    /// Checks the settings used for encoding.
    pub fn check(&self) -> Result<(), CompressError> {
        if self.level > 9 {
            return Err(CompressError::BadLevel(self.level));
        }
        if self.slice_size == 0 || self.slice_size > MAX_SLICE_SIZE {
            return Err(CompressError::BadSliceSize(self.slice_size));
        }
        Ok(())
    }
}

impl Default for CompressedCodec {
    fn default() -> Self {
        Self::DEFAULT
    }
}
