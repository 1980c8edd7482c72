//! Byte searches for the markup characters in text.
//!
//! Evennia's markup characters (`|`, `\x1b`, ...) are ASCII, so in UTF-8
//! text a byte search finds exactly the character positions Python's code
//! point search would. The `memchr` crate does it with SIMD.

/// The first `needle` in `bytes` at or after `from`.
#[inline]
pub(crate) fn find_byte(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    memchr::memchr(needle, bytes.get(from..)?).map(|off| from + off)
}

/// The first of three bytes in `bytes` at or after `from`.
#[inline]
pub(crate) fn find_byte3(bytes: &[u8], from: usize, a: u8, b: u8, c: u8) -> Option<usize> {
    memchr::memchr3(a, b, c, bytes.get(from..)?).map(|off| from + off)
}

/// The first of two bytes in `bytes` at or after `from`.
#[inline]
pub(crate) fn find_byte2(bytes: &[u8], from: usize, a: u8, b: u8) -> Option<usize> {
    memchr::memchr2(a, b, bytes.get(from..)?).map(|off| from + off)
}

/// The first `|` followed by `l` and then `second` (`|lc`, `|lt`, ...) in
/// `bytes` at or after `from`.
#[inline]
pub(crate) fn find_link_marker(bytes: &[u8], from: usize, second: u8) -> Option<usize> {
    let mut i = from;
    while let Some(at) = find_byte(bytes, i, b'|') {
        if bytes.get(at + 1) == Some(&b'l') && bytes.get(at + 2) == Some(&second) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}
