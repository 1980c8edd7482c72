//! Outgoing bytes of a connection, with large values held by reference.
//!
//! Serializing a box copies every byte of it; for a 60 KiB value that copy
//! (and the one into a connection's write buffer after it) cost more than the
//! kernel's own. [`OutBuf`] copies only what is small (lengths, keys, short
//! values) and keeps each large value as the `Bytes` it already is, so the
//! stream is written from the caller's own memory with vectored writes.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

/// Values at least this long are queued by reference instead of copied.
pub(crate) const BY_REFERENCE: usize = 4096;

/// A queue of bytes to write: sealed segments, then a tail where small
/// writes are joined.
#[derive(Debug, Default)]
pub(crate) struct OutBuf {
    /// Segments in writing order, all before `tail`.
    segments: VecDeque<Bytes>,
    /// Bytes held in `segments`.
    segments_len: usize,
    /// Small writes after the last segment.
    tail: BytesMut,
}

impl OutBuf {
    /// Bytes not yet taken by [`advance`](OutBuf::advance).
    pub(crate) fn len(&self) -> usize {
        self.segments_len + self.tail.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a copy of `bytes`.
    pub(crate) fn put_slice(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(bytes);
    }

    /// Appends `bytes`: a large one by reference, a small one copied.
    pub(crate) fn put_bytes(&mut self, bytes: &Bytes) {
        if bytes.len() < BY_REFERENCE {
            self.put_slice(bytes);
            return;
        }
        self.seal();
        self.segments_len += bytes.len();
        self.segments.push_back(bytes.clone());
    }

    /// Ends the tail as a segment, so what comes next follows it.
    fn seal(&mut self) {
        if !self.tail.is_empty() {
            let segment = self.tail.split().freeze();
            self.segments_len += segment.len();
            self.segments.push_back(segment);
        }
    }

    /// The first unwritten bytes, as one contiguous slice.
    pub(crate) fn front(&self) -> &[u8] {
        self.segments.front().map_or(&self.tail[..], |s| &s[..])
    }

    /// Fills `dst` with the slices of the first `limit` unwritten bytes (as
    /// many as fit); returns how many slices it filled.
    pub(crate) fn io_slices<'a>(&'a self, dst: &mut [IoSlice<'a>], limit: usize) -> usize {
        let mut left = limit;
        let mut n = 0;
        let chunks = self.segments.iter().map(|s| &s[..]).chain(std::iter::once(&self.tail[..]));
        for chunk in chunks {
            if n == dst.len() || left == 0 {
                break;
            }
            if chunk.is_empty() {
                continue;
            }
            let take = chunk.len().min(left);
            dst[n] = IoSlice::new(&chunk[..take]);
            n += 1;
            left -= take;
        }
        n
    }

    /// Drops the first `n` bytes (written).
    pub(crate) fn advance(&mut self, mut n: usize) {
        assert!(n <= self.len(), "advancing {n} bytes past the {} queued", self.len());
        while n > 0 {
            let Some(front) = self.segments.front_mut() else {
                self.tail.advance(n);
                return;
            };
            let take = n.min(front.len());
            front.advance(take);
            self.segments_len -= take;
            n -= take;
            if front.is_empty() {
                self.segments.pop_front();
            }
        }
    }

    /// Frees the tail's memory if it grew past `max` bytes (after a burst).
    pub(crate) fn release_above(&mut self, max: usize) {
        if self.tail.is_empty() && self.tail.capacity() > max {
            self.tail = BytesMut::new();
        }
    }

    /// Drops everything queued.
    pub(crate) fn clear(&mut self) {
        self.segments.clear();
        self.segments_len = 0;
        self.tail.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gather(buf: &OutBuf, limit: usize) -> Vec<u8> {
        let mut slices = [IoSlice::new(&[]); 8];
        let n = buf.io_slices(&mut slices, limit);
        slices[..n].iter().flat_map(|s| s.iter().copied()).collect()
    }

    #[test]
    fn small_writes_are_joined_and_large_values_kept_by_reference() {
        let big = Bytes::from(vec![7u8; BY_REFERENCE]);
        let mut buf = OutBuf::default();
        buf.put_slice(b"ab");
        buf.put_bytes(&Bytes::from_static(b"cd"));
        buf.put_bytes(&big);
        buf.put_slice(b"ef");
        assert_eq!(buf.len(), 6 + BY_REFERENCE);
        assert_eq!(buf.front(), b"abcd");
        // The large value is the caller's memory, not a copy.
        assert_eq!(buf.segments[1].as_ptr(), big.as_ptr());
        let mut expected = b"abcd".to_vec();
        expected.extend_from_slice(&big);
        expected.extend_from_slice(b"ef");
        assert_eq!(gather(&buf, usize::MAX), expected);
        assert_eq!(gather(&buf, 5), &expected[..5]);
    }

    #[test]
    fn advance_walks_segments_then_the_tail() {
        let big = Bytes::from(vec![1u8; BY_REFERENCE + 10]);
        let mut buf = OutBuf::default();
        buf.put_slice(b"head");
        buf.put_bytes(&big);
        buf.put_slice(b"tail");
        let mut all = gather(&buf, usize::MAX);
        for step in [1, 3, BY_REFERENCE, 9, 2, 1, 2] {
            buf.advance(step);
            all.drain(..step);
            assert_eq!(gather(&buf, usize::MAX), all);
            assert_eq!(buf.len(), all.len());
        }
        assert!(buf.is_empty());
        buf.put_slice(b"again");
        assert_eq!(buf.front(), b"again");
        buf.clear();
        assert!(buf.is_empty());
    }

    #[test]
    #[should_panic(expected = "past the")]
    fn advancing_past_the_end_is_a_bug() {
        let mut buf = OutBuf::default();
        buf.put_slice(b"x");
        buf.advance(2);
    }
}
