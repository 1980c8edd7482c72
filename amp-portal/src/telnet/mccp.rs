//! MCCP2 output: one zlib stream per connection, as Evennia's `mccp.py`.
//!
//! Evennia answers the client's `IAC DO MCCP` (86) by writing
//! `IAC SB MCCP IAC SE` uncompressed, then compresses everything else it
//! writes with `zlib.compressobj(9)` (zlib header, 32 KiB window, memory level
//! 8), each write followed by a `Z_SYNC_FLUSH` so the client can show it at
//! once. A later `IAC DONT MCCP` simply drops the compressor: no `Z_FINISH`,
//! the client's inflater is left mid-stream, and the `IAC WONT MCCP` answer
//! is the first uncompressed byte. Accepting MCCP again (`IAC DO MCCP`) is
//! answered `IAC WILL MCCP` without compressing again (Twisted's callback for
//! the offer has already fired). The compressed bytes come from zlib-rs, not
//! zlib: they may differ from Evennia's while inflating to the same text.

use flate2::{Compress, Compression, FlushCompress, Status};

/// A connection's compressor (some 300 KiB of zlib state at level 9, as in Evennia).
pub(super) struct Compressor(Box<Compress>);

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compressor(in {}, out {})", self.0.total_in(), self.0.total_out())
    }
}

impl Compressor {
    /// `zlib.compressobj(level)` (Evennia: 9).
    pub(super) fn new(level: u32) -> Self {
        Compressor(Box::new(Compress::new(Compression::new(level.min(9)), true)))
    }

    /// `compress(data) + flush(Z_SYNC_FLUSH)`, appended to `out`.
    pub(super) fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) {
        let start = self.0.total_in();
        loop {
            let done = (self.0.total_in() - start) as usize;
            out.reserve(64 + (data.len() - done) / 2);
            let status = self.0.compress_vec(&data[done..], out, FlushCompress::Sync);
            let all_in = (self.0.total_in() - start) as usize == data.len();
            // A sync flush is complete when deflate leaves output space unused.
            match status {
                Ok(Status::Ok | Status::BufError) if !all_in || out.len() == out.capacity() => continue,
                Ok(_) => return,
                Err(e) => {
                    // Only a corrupted stream state errs, never the data.
                    tracing::error!("MCCP compression failed: {e}");
                    return;
                }
            }
        }
    }
}
