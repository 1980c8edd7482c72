//! Evennia's payload commands with pre-compressed arguments, and moving the
//! heavy work of a payload off the async executor.
//!
//! Compressing at zlib level 9 runs at roughly 25-50 MB/s per core: a 1 MB
//! payload costs tens of milliseconds, far too long to run on a tokio worker
//! (every other connection on that worker would stall). The commands here
//! carry their `packed_data` as [`CompressedSlices`]: the sender compresses
//! first, under [`tokio::task::spawn_blocking`] and on several cores
//! ([`CompressedCodec::compress_slices_parallel`]) when the payload is large,
//! then sends with no further work; the receiver gets the slices as they
//! came and decompresses where it chooses. Same wire form as the commands in
//! [`crate::commands`] (same names, same `packed_data` keys).
//!
//! [`Packer`] does both steps (pickle + compress, decompress + unpickle),
//! inline for small payloads and on the blocking pool for large ones.

use amp_runtime::{amp_command, amp_protocol};
use bytes::Bytes;

use crate::codec::compressed::{CompressError, CompressedCodec, CompressedSlices, DecompressError};
use crate::codec::pickle;
use crate::payload::{Packed, PayloadError};

/// `MsgPortal2Server` (Portal -> Server: player input), slices as sent.
#[amp_command(
    name = "MsgPortal2Server",
    arguments(packed_data: crate::codec::compressed::PreCompressed),
    errors(Exception = "EXCEPTION")
)]
pub struct MsgPortal2ServerSlices;

/// `MsgServer2Portal` (Server -> Portal: output to a session), slices as sent.
#[amp_command(
    name = "MsgServer2Portal",
    arguments(packed_data: crate::codec::compressed::PreCompressed),
    errors(Exception = "EXCEPTION")
)]
pub struct MsgServer2PortalSlices;

/// `AdminPortal2Server` (Portal -> Server administration), slices as sent.
#[amp_command(
    name = "AdminPortal2Server",
    arguments(packed_data: crate::codec::compressed::PreCompressed),
    errors(Exception = "EXCEPTION")
)]
pub struct AdminPortal2ServerSlices;

/// `AdminServer2Portal` (Server -> Portal administration), slices as sent.
#[amp_command(
    name = "AdminServer2Portal",
    arguments(packed_data: crate::codec::compressed::PreCompressed),
    errors(Exception = "EXCEPTION")
)]
pub struct AdminServer2PortalSlices;

amp_protocol! {
    /// What a Server answers, with `packed_data` left compressed.
    pub ServerWire:
        MsgPortal2ServerSlices as msg_portal2_server,
        AdminPortal2ServerSlices as admin_portal2_server,
        crate::commands::MsgStatus,
        crate::commands::FunctionCall;
    /// What a Portal answers (launcher commands aside), with `packed_data`
    /// left compressed.
    pub PortalWire:
        MsgServer2PortalSlices as msg_server2_portal,
        AdminServer2PortalSlices as admin_server2_portal,
        crate::commands::MsgStatus,
        crate::commands::FunctionCall
}

/// Why a payload could not be packed or unpacked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
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

/// Pickles and compresses payloads, and the reverse, off the async executor
/// when they are large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packer {
    /// The compression settings (Evennia's: level 9).
    pub codec: CompressedCodec,
    /// Payloads from this many bytes are handled on the blocking pool;
    /// smaller ones inline, where a thread hop would cost more than the
    /// work. Received slices count from an eighth of it, compressed (zlib
    /// expands data 3 to 1,000 times).
    pub blocking_from: usize,
}

impl Default for Packer {
    fn default() -> Self {
        Packer { codec: CompressedCodec::DEFAULT, blocking_from: Packer::DEFAULT_BLOCKING_FROM }
    }
}

impl Packer {
    /// 32 KiB: under a millisecond of level-9 work inline.
    pub const DEFAULT_BLOCKING_FROM: usize = 32 * 1024;

    /// Compresses a pickle into slices (on several cores when large).
    pub async fn compress(&self, pickle: Bytes) -> Result<CompressedSlices, PackError> {
        let codec = self.codec;
        let heavy = pickle.len() >= self.blocking_from;
        Ok(offload(heavy, move || codec.compress_slices_parallel(&pickle)).await?)
    }

    /// Pickles `packed` (protocol 5, as Evennia) and compresses it.
    /// `size_hint` is a guess of the payload's size (for example
    /// [`Message::approx_len`](crate::payload::message::Message::approx_len)): from
    /// [`blocking_from`](Self::blocking_from), pickling runs on the blocking
    /// pool too.
    pub async fn pack(&self, packed: Packed, size_hint: usize) -> Result<CompressedSlices, PackError> {
        let codec = self.codec;
        let heavy = size_hint >= self.blocking_from;
        offload(heavy, move || {
            let bytes = pickle::encode(&packed.into_value()).map_err(|e| PayloadError::Pickle(e.into()))?;
            Ok(codec.compress_slices_parallel(&bytes)?)
        })
        .await
    }

    /// Decompresses slices into the raw pickle (on the blocking pool when large).
    pub async fn decompress(&self, slices: CompressedSlices) -> Result<Bytes, PackError> {
        let codec = self.codec;
        let heavy = self.is_heavy(&slices);
        Ok(offload(heavy, move || codec.decompress(&slices)).await?)
    }

    /// Decompresses and reads the payload with `read` (for example
    /// [`PortalAdmin::from_pickle`](crate::payload::admin::PortalAdmin::from_pickle)),
    /// all on the blocking pool when the slices are large.
    pub async fn unpack<T, F>(&self, slices: CompressedSlices, read: F) -> Result<T, PackError>
    where
        F: FnOnce(&[u8]) -> Result<T, PayloadError> + Send + 'static,
        T: Send + 'static,
    {
        let codec = self.codec;
        let heavy = self.is_heavy(&slices);
        offload(heavy, move || {
            let bytes = codec.decompress(&slices)?;
            Ok(read(&bytes)?)
        })
        .await
    }

    /// [`unpack`](Self::unpack) on the calling thread, whatever the size.
    pub fn unpack_now<T>(
        &self,
        slices: &CompressedSlices,
        read: impl FnOnce(&[u8]) -> Result<T, PayloadError>,
    ) -> Result<T, PackError> {
        let bytes = self.codec.decompress(slices)?;
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
    async fn pack_and_unpack_inline_and_offloaded() {
        for (text_len, blocking_from) in [(10, usize::MAX), (300_000, 1024)] {
            let packer = Packer { blocking_from, ..Packer::default() };
            let message = Message::text("x".repeat(text_len));
            let slices = packer.pack(message.to_packed(9), message.approx_len(usize::MAX)).await.unwrap();
            let (sessid, back) = packer.unpack(slices, Message::from_pickle).await.unwrap();
            assert_eq!((sessid, back), (9, message));
        }
    }

    #[tokio::test]
    async fn bad_slices_are_errors() {
        let packer = Packer::default();
        let slices = CompressedSlices::from_vec(vec![Bytes::from_static(b"not zlib")]);
        assert!(matches!(packer.unpack(slices, Message::from_pickle).await, Err(PackError::Decompress(_))));
        let slices = packer.compress(Bytes::from_static(b"not a pickle")).await.unwrap();
        assert!(matches!(packer.unpack(slices, Message::from_pickle).await, Err(PackError::Payload(_))));
    }
}
