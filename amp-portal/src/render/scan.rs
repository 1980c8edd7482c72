//! Byte searches for the short distances between markup characters.
//!
//! Evennia's markup characters (`|`, `\x1b`, ...) are ASCII, so in UTF-8
//! text a byte search finds exactly the character positions Python's code
//! point search would. The gaps between them are short (a few words), where
//! a plain loop beats `str::find`'s searcher setup.

/// The first `needle` in `bytes` at or after `from`.
#[inline]
pub(crate) fn find_byte(bytes: &[u8], from: usize, needle: u8) -> Option<usize> {
    bytes.get(from..)?.iter().position(|&b| b == needle).map(|off| from + off)
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
