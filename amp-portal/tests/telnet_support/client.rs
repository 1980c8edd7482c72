//! What a MUD client makes of the Portal's output: plain bytes until
//! `IAC SB MCCP2 IAC SE`, then a zlib stream, until a byte no deflate block
//! can start with (Evennia stops compressing without ending the stream; the
//! `IAC WONT MCCP` that follows starts with 255, an invalid block type).
//!
//! The compressed bytes themselves differ between zlib (Evennia) and zlib-rs
//! (ours); what they inflate to must not.

use flate2::{Decompress, FlushDecompress};

/// A piece of output as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Sent as is.
    Plain(Vec<u8>),
    /// Inflated from the MCCP stream.
    Inflated(Vec<u8>),
    /// Bytes that inflate to nothing valid (after a raw write under MCCP).
    Garbage(Vec<u8>),
}

impl std::fmt::Display for Piece {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (tag, b) = match self {
            Piece::Plain(b) => ("plain", b),
            Piece::Inflated(b) => ("mccp", b),
            Piece::Garbage(b) => ("garbage", b),
        };
        write!(f, "{tag}:{:?}", String::from_utf8_lossy(b))
    }
}

#[derive(Default)]
enum Mode {
    #[default]
    Plain,
    Zlib(Box<Decompress>),
    Broken,
}

/// One client's view of the stream, fed step by step.
#[derive(Default)]
pub struct Transcript {
    mode: Mode,
}

const MCCP_START: [u8; 5] = [255, 250, 86, 255, 240];

impl Transcript {
    /// The pieces one step's output gives.
    pub fn feed(&mut self, data: &[u8]) -> Vec<Piece> {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut push = |piece: Piece| match (pieces.last_mut(), piece) {
            (Some(Piece::Plain(a)), Piece::Plain(b)) => a.extend(b),
            (Some(Piece::Inflated(a)), Piece::Inflated(b)) => a.extend(b),
            (Some(Piece::Garbage(a)), Piece::Garbage(b)) => a.extend(b),
            (_, p) => pieces.push(p),
        };
        let mut i = 0;
        while i < data.len() {
            match &mut self.mode {
                Mode::Plain => {
                    let start = i;
                    let mut switch = None;
                    while i < data.len() {
                        if data[i] == 255 && data[i + 1..].first() == Some(&255) {
                            i += 2;
                        } else if data[i..].starts_with(&MCCP_START) {
                            switch = Some(i + MCCP_START.len());
                            break;
                        } else {
                            i += 1;
                        }
                    }
                    match switch {
                        Some(end) => {
                            push(Piece::Plain(data[start..end].to_vec()));
                            i = end;
                            self.mode = Mode::Zlib(Box::new(Decompress::new(true)));
                        }
                        None => push(Piece::Plain(data[start..].to_vec())),
                    }
                }
                Mode::Zlib(z) => {
                    // One byte at a time, to find where compression stopped.
                    let mut out = Vec::with_capacity(256);
                    match z.decompress_vec(&data[i..i + 1], &mut out, FlushDecompress::Sync) {
                        Ok(_) => {
                            // More output than room: drain with no new input.
                            loop {
                                let before = out.len();
                                out.reserve(256);
                                if z.decompress_vec(&[], &mut out, FlushDecompress::Sync).is_err()
                                    || out.len() == before
                                {
                                    break;
                                }
                            }
                            push(Piece::Inflated(out));
                            i += 1;
                        }
                        Err(_) if data[i] == 255 => self.mode = Mode::Plain,
                        Err(_) => self.mode = Mode::Broken,
                    }
                }
                Mode::Broken => {
                    push(Piece::Garbage(data[i..].to_vec()));
                    i = data.len();
                }
            }
        }
        pieces.retain(|p| !matches!(p, Piece::Inflated(b) if b.is_empty()));
        // Inflated pieces may have come in between empty ones: merge again.
        let mut merged: Vec<Piece> = Vec::new();
        for p in pieces {
            match (merged.last_mut(), p) {
                (Some(Piece::Inflated(a)), Piece::Inflated(b)) => a.extend(b),
                (Some(Piece::Plain(a)), Piece::Plain(b)) => a.extend(b),
                (_, p) => merged.push(p),
            }
        }
        merged
    }
}
