//! Request tags: a per-connection counter written as lowercase hex without
//! padding, the first being `1`, as Twisted's `BoxDispatcher._nextTag` does.

use bytes::Bytes;

/// The wire form of tag number `n`.
pub(crate) fn format_tag(n: u64) -> Bytes {
    // By hand: `format!` costs more than the rest of tagging a call.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = HEX[(rest & 0xf) as usize];
        rest >>= 4;
        if rest == 0 {
            break;
        }
    }
    Bytes::copy_from_slice(&digits[at..])
}

/// Hashes the pending-call table's keys: tags are our own counter, so
/// nothing a peer sends chooses them and SipHash's protection buys nothing.
#[derive(Default, Clone, Copy)]
pub(crate) struct TagHasher(u64);

impl std::hash::Hasher for TagHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        // Fibonacci hashing spreads a counter over high and low bits alike.
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The pending-call table's hasher.
pub(crate) type TagHash = std::hash::BuildHasherDefault<TagHasher>;

/// The number of a tag this side wrote, or `None` for anything else
/// (upper case, leading zeros, signs, empty, too long): such a tag can only
/// be a stray answer.
pub(crate) fn parse_tag(raw: &[u8]) -> Option<u64> {
    if raw.is_empty() || raw.len() > 16 || raw[0] == b'0' {
        return None;
    }
    let mut n: u64 = 0;
    for &c in raw {
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        n = (n << 4) | u64::from(digit);
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_twisted_hex() {
        assert_eq!(&format_tag(1)[..], b"1");
        assert_eq!(&format_tag(10)[..], b"a");
        assert_eq!(&format_tag(255)[..], b"ff");
        assert_eq!(&format_tag(4096)[..], b"1000");
        for n in [1u64, 9, 10, 15, 16, 1000, u64::MAX] {
            assert_eq!(parse_tag(&format_tag(n)), Some(n));
            assert_eq!(format_tag(n), format!("{n:x}").as_bytes());
        }
        for bad in [&b""[..], b"0", b"01", b"A", b"-1", b"1g", b"11111111111111111"] {
            assert_eq!(parse_tag(bad), None, "{bad:?}");
        }
    }
}
