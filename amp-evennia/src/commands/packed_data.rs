//! The codec of the `packed_data` argument: an [`Envelope`]
//! pickled and compressed into slices, and back, off the async executor
//! when the payload is large.
//!
//! Compressing at zlib level 9 runs at roughly 25-50 MB/s per core: a 1 MB
//! payload costs tens of milliseconds, far too long to run on a tokio worker
//! (every other connection on that worker would stall). [`PackedDataCodec`] does the
//! heavy steps (pickle + compress, decompress + unpickle) inline for small
//! payloads and on tokio's blocking pool (and several cores, see
//! [`CompressedCodec::compress_slices_parallel`]) for large ones, for the
//! commands of [`super::slices`].

use bytes::Bytes;

use crate::codec::compressed::{CompressError, CompressedCodec, CompressedSlices, DecompressError};
use crate::codec::pickle;
use crate::payload::{Envelope, PayloadError};

/// Why a `packed_data` argument could not be made or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PackedDataError {
    /// The pickle or its shape.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// Compressing failed.
    #[error("cannot compress packed_data: {0}")]
    Compress(#[from] CompressError),
    /// The slices did not decompress.
    #[error("cannot decompress packed_data: {0}")]
    Decompress(#[from] DecompressError),
}

/// Runs `work` on the calling task when `heavy` is false, else on tokio's
/// blocking pool (a panic in `work` is resumed in the caller).
pub async fn offload<T, F>(heavy: bool, work: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    if !heavy {
        return work();
    }
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Only a runtime shutting down cancels blocking tasks.
            Err(e) => panic!("the blocking pool dropped a payload task: {e}"),
        },
    }
}

/// The codec of `packed_data`: pickles and compresses payloads, and the
/// reverse, off the async executor when they are large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedDataCodec {
    /// The compression settings (Evennia's: level 9).
    pub compression: CompressedCodec,
    /// Payloads from this many bytes are handled on the blocking pool;
    /// smaller ones inline, where a thread hop would cost more than the
    /// work. Received slices count from an eighth of it, compressed (zlib
    /// expands data 3 to 1,000 times).
    pub blocking_from: usize,
}

impl Default for PackedDataCodec {
    fn default() -> Self {
        PackedDataCodec { compression: CompressedCodec::DEFAULT, blocking_from: PackedDataCodec::DEFAULT_BLOCKING_FROM }
    }
}

impl PackedDataCodec {
    /// 32 KiB: under a millisecond of level-9 work inline.
    pub const DEFAULT_BLOCKING_FROM: usize = 32 * 1024;

    /// Compresses a pickle into slices (on several cores when large).
    pub async fn compress(&self, pickle: Bytes) -> Result<CompressedSlices, PackedDataError> {
        let codec = self.compression;
        let heavy = pickle.len() >= self.blocking_from;
        Ok(offload(heavy, move || codec.compress_slices_parallel(&pickle)).await?)
    }

    /// Pickles `envelope` (protocol 5, as Evennia) and compresses it.
    /// `size_hint` is a guess of the payload's size (for example
    /// [`Message::approx_len`](crate::payload::message::Message::approx_len)): from
    /// [`blocking_from`](Self::blocking_from), pickling runs on the blocking
    /// pool too.
    pub async fn encode(&self, envelope: Envelope, size_hint: usize) -> Result<CompressedSlices, PackedDataError> {
        let codec = self.compression;
        let heavy = size_hint >= self.blocking_from;
        offload(heavy, move || {
            let bytes = pickle::encode(&envelope.into_value()).map_err(|e| PayloadError::Pickle(e.into()))?;
            Ok(codec.compress_slices_parallel(&bytes)?)
        })
        .await
    }

    /// Decompresses slices into the raw pickle (on the blocking pool when large).
    pub async fn decompress(&self, slices: CompressedSlices) -> Result<Bytes, PackedDataError> {
        let codec = self.compression;
        let heavy = self.is_heavy(&slices);
        Ok(offload(heavy, move || codec.decompress(&slices)).await?)
    }

    /// Decompresses and reads the payload with `read` (for example
    /// [`AdminFromPortal::from_pickle`](crate::payload::admin::AdminFromPortal::from_pickle)),
    /// all on the blocking pool when the slices are large.
    pub async fn decode<T, F>(&self, slices: CompressedSlices, read: F) -> Result<T, PackedDataError>
    where
        F: FnOnce(&[u8]) -> Result<T, PayloadError> + Send + 'static,
        T: Send + 'static,
    {
        let codec = self.compression;
        let heavy = self.is_heavy(&slices);
        offload(heavy, move || {
            let bytes = codec.decompress(&slices)?;
            Ok(read(&bytes)?)
        })
        .await
    }

    /// [`decode`](Self::decode) on the calling thread, whatever the size.
    pub fn decode_now<T>(
        &self,
        slices: &CompressedSlices,
        read: impl FnOnce(&[u8]) -> Result<T, PayloadError>,
    ) -> Result<T, PackedDataError> {
        let bytes = self.compression.decompress(slices)?;
        Ok(read(&bytes)?)
    }

    /// Whether received slices are large enough for the blocking pool: from
    /// [`blocking_from`](Self::blocking_from) / 8 compressed bytes.
    pub fn is_heavy(&self, slices: &CompressedSlices) -> bool {
        slices.compressed_len().saturating_mul(8) >= self.blocking_from
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::message::Message;

    #[tokio::test]
    async fn encode_and_decode_inline_and_offloaded() {
        for (text_len, blocking_from) in [(10, usize::MAX), (300_000, 1024)] {
            let codec = PackedDataCodec { blocking_from, ..PackedDataCodec::default() };
            let message = Message::text("x".repeat(text_len));
            let slices = codec.encode(message.to_envelope(9), message.approx_len(usize::MAX)).await.unwrap();
            let (sessid, back) = codec.decode(slices, Message::from_pickle).await.unwrap();
            assert_eq!((sessid, back), (9, message));
        }
    }

    #[tokio::test]
    async fn bad_slices_are_errors() {
        let codec = PackedDataCodec::default();
        let slices = CompressedSlices::from_vec(vec![Bytes::from_static(b"not zlib")]);
        assert!(matches!(codec.decode(slices, Message::from_pickle).await, Err(PackedDataError::Decompress(_))));
        let slices = codec.compress(Bytes::from_static(b"not a pickle")).await.unwrap();
        assert!(matches!(codec.decode(slices, Message::from_pickle).await, Err(PackedDataError::Payload(_))));
    }
}
