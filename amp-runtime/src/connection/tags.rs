//! Request tags: a per-connection counter written as lowercase hex without
//! padding, the first being `1`, as Twisted's `BoxDispatcher._nextTag` does.

use bytes::Bytes;

/// The wire form of tag number `n`.
pub(crate) fn format_tag(n: u64) -> Bytes {
    Bytes::from(format!("{n:x}"))
}

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
        }
        for bad in [&b""[..], b"0", b"01", b"A", b"-1", b"1g", b"11111111111111111"] {
            assert_eq!(parse_tag(bad), None, "{bad:?}");
        }
    }
}
