//! The keys of the encoder's string memo, and their hash.
//!
//! Every str the encoder writes is looked up in the memo, so the hash runs on
//! every dict key and string value of a payload: std's SipHash was a sixth of
//! encoding time. [`StrHash`] folds 16 bytes per 64x64->128-bit multiply (the
//! construction of foldhash and aHash's fallback), with seeds drawn from std's
//! per-process random keys, so strings chosen to collide cannot be computed
//! ahead of time (the memo holds strings that may come from users).
//!
//! A [`MemoKey`] carries its hash, computed once: the table rehashes every
//! key each time it grows, and one key may be a megabyte of text.

use std::hash::{BuildHasher, Hash, Hasher, RandomState};

/// Hashes strings with seeds fresh for each encoder run.
#[derive(Clone, Copy)]
pub(super) struct StrHash {
    acc: u64,
    seed: u64,
}

impl StrHash {
    /// Seeds taken from std's randomly keyed SipHash.
    pub(super) fn new() -> Self {
        let random = RandomState::new();
        StrHash { acc: random.hash_one(0x243F_6A88_85A3_08D3_u64), seed: random.hash_one(0x1319_8A2E_0370_7344_u64) }
    }

    /// The hash of `s`'s bytes.
    #[inline]
    pub(super) fn hash(&self, s: &str) -> u64 {
        let bytes = s.as_bytes();
        // Short inputs (most dict keys) are read as two possibly overlapping
        // words, without a copy loop, and take one multiply; the length is
        // mixed in because overlapping reads alone do not tell lengths apart.
        let len = bytes.len();
        let mut acc = self.acc ^ (len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (a, b) = if len > 16 {
            let mut at = 0;
            while len - at > 16 {
                acc = fold(acc ^ read64(bytes, at), self.seed ^ read64(bytes, at + 8));
                at += 16;
            }
            // The last 16 bytes, overlapping what was read when `len` is no multiple of 16.
            (read64(bytes, len - 16), read64(bytes, len - 8))
        } else if len >= 8 {
            (read64(bytes, 0), read64(bytes, len - 8))
        } else if len >= 4 {
            (read32(bytes, 0), read32(bytes, len - 4))
        } else if len > 0 {
            let (first, mid, last) = (bytes[0], bytes[len / 2], bytes[len - 1]);
            (u64::from(first) << 16 | u64::from(mid) << 8 | u64::from(last), 0)
        } else {
            (0, 0)
        };
        fold(acc ^ a, self.seed ^ b)
    }
}

/// The full 128-bit product of `a` and `b`, halves xored: every input bit
/// reaches many output bits.
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

#[inline]
fn read64(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline]
fn read32(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&bytes[at..at + 4]);
    u64::from(u32::from_le_bytes(w))
}

/// A key of the encoder's memo: a str with its [`StrHash`] hash.
#[derive(Clone, Copy)]
pub(super) struct MemoKey<'a> {
    hash: u64,
    text: &'a str,
}

impl<'a> MemoKey<'a> {
    /// `text`, hashed by `hasher` (the same for every key of one memo).
    #[inline]
    pub(super) fn new(hasher: &StrHash, text: &'a str) -> Self {
        MemoKey { hash: hasher.hash(text), text }
    }
}

impl PartialEq for MemoKey<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && same_bytes(self.text.as_bytes(), other.text.as_bytes())
    }
}

impl Eq for MemoKey<'_> {}

impl Hash for MemoKey<'_> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// `a == b`, without a call to `memcmp` for the short strings that most
/// keys are: every memo hit compares the whole text once.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if (8..=16).contains(&len) {
        read64(a, 0) == read64(b, 0) && read64(a, len - 8) == read64(b, len - 8)
    } else if (4..8).contains(&len) {
        read32(a, 0) == read32(b, 0) && read32(a, len - 4) == read32(b, len - 4)
    } else {
        a == b
    }
}

/// The memo's `BuildHasher`: a [`MemoKey`]'s hash is used as it is.
#[derive(Clone, Copy, Default)]
pub(super) struct Prehashed;

impl BuildHasher for Prehashed {
    type Hasher = PrehashedHasher;

    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher(0)
    }
}

/// Holds the one `u64` a [`MemoKey`] writes.
pub(super) struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only MemoKey is hashed here, through write_u64; any other input
        // still gets a proper (FNV-1a) hash.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
        }
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_hash_equal_and_near_strings_apart() {
        let h = StrHash::new();
        let long = "x".repeat(1000);
        assert_eq!(h.hash(&long), h.hash(&"x".repeat(1000)));
        let samples = [
            "",
            "\0",
            "\0\0",
            "a",
            "b",
            "ab",
            "ba",
            "abc",
            "acb",
            "abcd",
            "abcde",
            "protocol_key",
            "protocol_kez",
            "0123456789abcdef",
            "0123456789abcdefg",
            &long,
            &long[1..],
        ];
        let mut hashes: Vec<u64> = samples.iter().map(|s| h.hash(s)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), samples.len());
    }

    #[test]
    fn many_short_keys_spread_over_buckets() {
        let h = StrHash::new();
        // The low bits pick hashbrown's bucket, the top 7 its tag: 10k keys over 1024.
        let (mut low, mut high) = ([0u32; 1024], [0u32; 1024]);
        for i in 0..10_000 {
            let hash = h.hash(&format!("key{i}"));
            low[(hash & 1023) as usize] += 1;
            high[(hash >> 54) as usize] += 1;
        }
        assert!(low.iter().chain(&high).all(|&n| n < 40), "{:?} {:?}", low.iter().max(), high.iter().max());
    }

    #[test]
    fn keys_are_equal_by_text() {
        let h = StrHash::new();
        let owned = String::from("sessid");
        assert!(MemoKey::new(&h, "sessid") == MemoKey::new(&h, &owned));
        assert!(MemoKey::new(&h, "sessid") != MemoKey::new(&h, "sessie"));
        for (a, b) in [("", ""), ("abc", "abc"), ("abcd", "abcd"), ("0123456789abcdef", "0123456789abcdef")] {
            assert!(same_bytes(a.as_bytes(), b.as_bytes()), "{a}");
        }
        let long = "protocol_flags_and_more_of_them";
        for (a, b) in [
            ("abc", "abd"),
            ("abcde", "abXde"),
            ("abcdefghij", "abcdeXghij"),
            (long, "protocol_flags_and_more_of_theM"),
        ] {
            assert!(!same_bytes(a.as_bytes(), b.as_bytes()), "{a}");
        }
        assert_eq!(Prehashed.hash_one(MemoKey::new(&h, "sessid")), h.hash("sessid"));
    }
}
