//! The worst case of zlib compression, and the largest slice it lets through.
//!
//! Evennia cuts a payload into 65,535-byte slices and compresses each: an
//! incompressible slice then grows past AMP's 65,535-byte value limit and the
//! send fails with `TooLong`. Cutting slices small enough that even their
//! worst-case compressed size fits avoids that.

use amp_runtime::wire::MAX_VALUE_LEN;

/// Bytes of the zlib wrapper: a 2-byte header and the 4-byte Adler-32 trailer.
const ZLIB_WRAP_LEN: usize = 6;

/// Block header, end-of-block code and padding of the final deflate block,
/// rounded up to whole bytes: (3 + 15 + 6) bits.
const DEFLATE_BLOCK_OVERHEAD: usize = (3 + 15 + 6) / 8;

/// The most bytes zlib can write for `len` input bytes, at any level.
///
/// This is zlib-ng's `compressBound`, which the workspace's flate2 backend
/// (zlib-rs, a port of zlib-ng) documents and which holds for every level:
/// level 1 uses "deflate_quick", which writes fixed-Huffman literals of up to
/// 9 bits each and so can grow random data by about 1/8 (measured: 65,504
/// random bytes become 69,093). Levels 0 and 2-9 fall back to stored blocks
/// and stay within a few dozen bytes of the input. From 32 input bytes up it
/// also covers classic zlib's bound (`len + len/4096 + len/16384 + 13`).
pub const fn zlib_bound(len: usize) -> usize {
    let small_input = if len == 0 { 1 } else { 0 } + if len < 9 { 1 } else { 0 };
    len + small_input + len.div_ceil(8) + DEFLATE_BLOCK_OVERHEAD + ZLIB_WRAP_LEN
}

/// The largest slice whose worst-case compressed size fits one AMP value:
/// 58,245 bytes (its bound is exactly 65,535).
pub const MAX_SLICE_SIZE: usize = largest_fitting_slice();

/// The slice size used unless configured: 56 KiB (57,344 bytes), whose
/// worst-case compressed size is 64,521 bytes, 1,014 bytes under the limit,
/// so a different zlib backend with a slightly looser bound still fits.
pub const DEFAULT_SLICE_SIZE: usize = 56 * 1024;

const fn largest_fitting_slice() -> usize {
    // zlib_bound grows by 1 or 2 per input byte: step down from the limit.
    let mut len = MAX_VALUE_LEN;
    while zlib_bound(len) > MAX_VALUE_LEN {
        len -= 1;
    }
    len
}

const _: () = assert!(DEFAULT_SLICE_SIZE <= MAX_SLICE_SIZE);
const _: () = assert!(zlib_bound(MAX_SLICE_SIZE) == MAX_VALUE_LEN);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_zlib_rs_documented_values() {
        // The examples zlib-rs gives for its compress_bound.
        assert_eq!(zlib_bound(1024), 1161);
        assert_eq!(zlib_bound(4096), 4617);
        assert_eq!(zlib_bound(65536), 73737);
    }

    #[test]
    fn max_slice_is_the_largest_that_fits() {
        assert_eq!(MAX_SLICE_SIZE, 58_245);
        assert!(zlib_bound(MAX_SLICE_SIZE + 1) > MAX_VALUE_LEN);
        assert_eq!(zlib_bound(DEFAULT_SLICE_SIZE), 64_521);
    }

    #[test]
    fn covers_classic_zlib_bound() {
        for len in (32..70_000).step_by(7) {
            let classic = len + (len >> 12) + (len >> 14) + (len >> 25) + 13;
            assert!(zlib_bound(len) >= classic, "len {len}");
        }
    }
}
