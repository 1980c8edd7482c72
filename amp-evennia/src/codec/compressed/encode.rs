//! Compressing a payload into slices, on one thread or several.

use amp_runtime::wire::{EncodeError, MAX_VALUE_LEN};
use bytes::Bytes;
use flate2::{Compress, Compression, FlushCompress, Status};

use super::bound::{zlib_bound, MAX_SLICE_SIZE};
use super::slices::{slice_key, CompressedSlices};
use super::CompressedCodec;

/// Why a payload could not be compressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompressError {
    /// [`CompressedCodec::level`] above 9.
    #[error("zlib level {0} is out of range 0..=9")]
    BadLevel(u32),
    /// [`CompressedCodec::slice_size`] of 0 or above [`MAX_SLICE_SIZE`].
    #[error("slice size {0} is outside 1..={MAX_SLICE_SIZE} (larger slices can compress past 65535 bytes)")]
    BadSliceSize(usize),
    /// A slice compressed to more than 65,535 bytes. Cannot happen with a
    /// valid slice size and the workspace's zlib backend; kept so that a
    /// backend breaking its documented bound fails cleanly.
    #[error("slice {index} compressed to more than 65535 bytes")]
    SliceTooLong {
        /// 1-based slice number.
        index: usize,
    },
    /// The zlib library reported an error.
    #[error("zlib: {0}")]
    Zlib(String),
}

impl CompressError {
    /// The error as an [`EncodeError`] for argument `name`.
    pub fn into_encode_error(self, name: &str) -> EncodeError {
        match self {
            CompressError::SliceTooLong { index } => {
                let key = slice_key(name, index);
                EncodeError::ValueTooLong { key: key.as_str().into(), len: MAX_VALUE_LEN + 1 }
            }
            other => EncodeError::Invalid { key: name.into(), reason: other.to_string() },
        }
    }
}

impl CompressedCodec {
    /// Cuts `value` into [`slice_size`](Self::slice_size) slices and
    /// compresses each on the calling thread. An empty payload gives one slice.
    pub fn compress_slices(&self, value: &[u8]) -> Result<CompressedSlices, CompressError> {
        self.check()?;
        let mut worker = SliceCompressor::new(self.level);
        let slices = pieces(value, self.slice_size)
            .enumerate()
            .map(|(i, piece)| worker.compress(piece, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CompressedSlices::from_vec(slices))
    }

    /// As [`compress_slices`](Self::compress_slices), but a payload of at
    /// least [`PARALLEL_MIN_BYTES`](Self::PARALLEL_MIN_BYTES) is split among
    /// up to one scoped thread per core, each compressing a run of
    /// consecutive slices. The output is the same as the serial form's.
    /// Blocks until done.
    pub fn compress_slices_parallel(&self, value: &[u8]) -> Result<CompressedSlices, CompressError> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        self.compress_slices_threads(value, cores)
    }

    /// As [`compress_slices_parallel`](Self::compress_slices_parallel) with
    /// at most `threads` threads (1 is serial; large payloads only).
    pub fn compress_slices_threads(&self, value: &[u8], threads: usize) -> Result<CompressedSlices, CompressError> {
        self.check()?;
        let count = value.len().div_ceil(self.slice_size).max(1);
        let threads = threads.min(count);
        if threads <= 1 || value.len() < Self::PARALLEL_MIN_BYTES {
            return self.compress_slices(value);
        }
        // Each thread takes a run of whole slices, so slice boundaries (and
        // the output) match the serial form.
        let per_thread = count.div_ceil(threads);
        let run_bytes = per_thread * self.slice_size;
        let level = self.level;
        let slice_size = self.slice_size;
        let runs: Vec<Result<Vec<Bytes>, CompressError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = value
                .chunks(run_bytes)
                .enumerate()
                .map(|(run, chunk)| {
                    scope.spawn(move || {
                        let mut worker = SliceCompressor::new(level);
                        chunk
                            .chunks(slice_size)
                            .enumerate()
                            .map(|(i, piece)| worker.compress(piece, run * per_thread + i + 1))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
        });
        let mut slices = Vec::with_capacity(count);
        for run in runs {
            slices.extend(run?);
        }
        Ok(CompressedSlices::from_vec(slices))
    }
}

/// The pieces a payload is cut into: at least one, even for an empty payload
/// (Evennia sends the zlib stream of nothing under `name`).
fn pieces(value: &[u8], slice_size: usize) -> impl Iterator<Item = &[u8]> {
    let empty: &[u8] = &[];
    let first_if_empty = value.is_empty().then_some(empty);
    first_if_empty.into_iter().chain(value.chunks(slice_size))
}

/// One zlib compressor reused for many slices, with a reused output buffer.
struct SliceCompressor {
    zlib: Compress,
    scratch: Vec<u8>,
}

impl SliceCompressor {
    fn new(level: u32) -> Self {
        SliceCompressor { zlib: Compress::new(Compression::new(level), true), scratch: Vec::new() }
    }

    /// Compresses one piece as a complete zlib stream (slice `index`, 1-based).
    fn compress(&mut self, piece: &[u8], index: usize) -> Result<Bytes, CompressError> {
        self.zlib.reset();
        self.scratch.clear();
        // Room for the worst case; a result over the AMP limit is detected by
        // letting the output reach one byte past it, never further.
        let limit = MAX_VALUE_LEN + 1;
        self.scratch.reserve(zlib_bound(piece.len()).min(limit));
        // Each pass either finishes or fills the buffer, which then grows
        // toward `limit`: a few passes at most.
        for _ in 0..64 {
            let consumed = self.zlib.total_in() as usize;
            let status = self
                .zlib
                .compress_vec(&piece[consumed..], &mut self.scratch, FlushCompress::Finish)
                .map_err(|e| CompressError::Zlib(e.to_string()))?;
            if status == Status::StreamEnd {
                if self.scratch.len() > MAX_VALUE_LEN {
                    return Err(CompressError::SliceTooLong { index });
                }
                return Ok(Bytes::copy_from_slice(&self.scratch));
            }
            if self.scratch.len() >= limit {
                return Err(CompressError::SliceTooLong { index });
            }
            let grow = (self.scratch.capacity() - self.scratch.len()).max(4096);
            self.scratch.reserve(grow.min(limit - self.scratch.len()));
        }
        Err(CompressError::Zlib(format!("slice {index}: the compressor made no progress")))
    }
}
