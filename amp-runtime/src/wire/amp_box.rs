use std::cmp::Ordering;

use bytes::{Bytes, BytesMut};

use super::error::EncodeError;
use super::keys::{MAX_KEY_LEN, MAX_VALUE_LEN};
use super::out_buf::OutBuf;

/// One AMP box: ordered key/value pairs of bytes.
///
/// Received boxes keep the pairs as they arrived (a key repeated by the peer
/// stays twice; lookups return the last one, as Twisted's dict does). Boxes
/// built locally with [`insert`](AmpBox::insert) hold each key once.
/// [`serialize`](AmpBox::serialize) writes keys sorted bytewise, like
/// Twisted, so equal boxes give equal bytes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AmpBox {
    pairs: Vec<(Bytes, Bytes)>,
}

impl AmpBox {
    /// An empty box.
    pub fn new() -> Self {
        AmpBox { pairs: Vec::new() }
    }

    /// An empty box with room for `n` pairs.
    pub fn with_capacity(n: usize) -> Self {
        AmpBox { pairs: Vec::with_capacity(n) }
    }

    /// A box holding `pairs` as given, repeats included (as received).
    pub fn from_pairs(pairs: Vec<(Bytes, Bytes)>) -> Self {
        AmpBox { pairs }
    }

    /// The value of `key`; for a key repeated on receive, the last one.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<&Bytes> {
        let key = key.as_ref();
        self.pairs.iter().rev().find(|(k, _)| k.as_ref() == key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: impl AsRef<[u8]>) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`, replacing every earlier value of `key`.
    pub fn insert(&mut self, key: impl Into<Bytes>, value: impl Into<Bytes>) {
        let key = key.into();
        let value = value.into();
        let mut slots = self.pairs.iter_mut().filter(|(k, _)| *k == key);
        if let Some(slot) = slots.next() {
            slot.1 = value;
            if slots.next().is_some() {
                // A received box with repeats: keep one pair for the key.
                let mut seen = false;
                self.pairs.retain(|(k, _)| *k != key || !std::mem::replace(&mut seen, true));
            }
        } else {
            self.pairs.push((key, value));
        }
    }

    /// Removes `key` (every repeat of it) and returns its last value.
    pub fn remove(&mut self, key: impl AsRef<[u8]>) -> Option<Bytes> {
        let key = key.as_ref();
        let last = self.get(key).cloned();
        if last.is_some() {
            self.pairs.retain(|(k, _)| k.as_ref() != key);
        }
        last
    }

    /// The pairs in stored order, repeats included.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Bytes, &Bytes)> {
        self.pairs.iter().map(|(k, v)| (k, v))
    }

    /// Number of stored pairs, repeats included.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the box has no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs, consuming the box.
    pub fn into_pairs(self) -> Vec<(Bytes, Bytes)> {
        self.pairs
    }

    /// Checks every key and value against AMP's limits without writing.
    pub fn validate(&self) -> Result<(), EncodeError> {
        for (k, v) in &self.pairs {
            if k.is_empty() || k.len() > MAX_KEY_LEN {
                return Err(EncodeError::KeyLength { key: k.as_ref().into(), len: k.len() });
            }
            if v.len() > MAX_VALUE_LEN {
                return Err(EncodeError::ValueTooLong { key: k.as_ref().into(), len: v.len() });
            }
        }
        Ok(())
    }

    /// Bytes [`serialize`](AmpBox::serialize) writes for this box.
    pub fn encoded_len(&self) -> usize {
        let (mut stack, mut heap) = ([0u32; STACK_ORDER], Vec::new());
        self.written_len(self.write_order(&mut stack, &mut heap))
    }

    /// Appends the box's wire form to `out`: keys sorted bytewise, then `00 00`.
    ///
    /// Checks the limits first; on error nothing is written.
    pub fn serialize_into(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        self.validate()?;
        let (mut stack, mut heap) = ([0u32; STACK_ORDER], Vec::new());
        let order = self.write_order(&mut stack, &mut heap);
        out.reserve(self.written_len(order));
        self.write(order, out);
        Ok(())
    }

    /// The box's wire form.
    pub fn serialize(&self) -> Result<Bytes, EncodeError> {
        self.validate()?;
        let (mut stack, mut heap) = ([0u32; STACK_ORDER], Vec::new());
        let order = self.write_order(&mut stack, &mut heap);
        // Exactly sized: the conversion keeps the allocation as it is.
        let mut out = Vec::with_capacity(self.written_len(order));
        self.write(order, &mut out);
        Ok(Bytes::from(out))
    }

    /// Appends the wire form to a connection's outgoing bytes, large values
    /// by reference. The caller has checked the box with
    /// [`validate`](AmpBox::validate).
    pub(crate) fn write_validated(&self, out: &mut OutBuf) {
        debug_assert!(self.validate().is_ok(), "writing an unchecked box");
        let (mut stack, mut heap) = ([0u32; STACK_ORDER], Vec::new());
        let order = self.write_order(&mut stack, &mut heap);
        self.write(order, out);
    }

    /// Wire length of the box if it holds no repeated key (a box built with
    /// [`insert`](AmpBox::insert)); more than that otherwise. Cheaper than
    /// [`encoded_len`](AmpBox::encoded_len).
    pub(crate) fn stored_len(&self) -> usize {
        self.pairs.iter().map(|(k, v)| 4 + k.len() + v.len()).sum::<usize>() + 2
    }

    /// The indices of the pairs to write, in writing order: sorted by key,
    /// one per key (the last, as on lookup).
    ///
    /// Boxes of up to [`STACK_ORDER`] pairs (all real commands) are ordered
    /// in `stack`, by an insertion sort on 8-byte key prefixes: serializing
    /// them allocates nothing but the output. Bigger ones use `heap`.
    fn write_order<'a>(&self, stack: &'a mut [u32; STACK_ORDER], heap: &'a mut Vec<u32>) -> &'a [u32] {
        let n = self.pairs.len();
        if n <= STACK_ORDER {
            let mut prefixes = [0u64; STACK_ORDER];
            for (p, (k, _)) in prefixes.iter_mut().zip(&self.pairs) {
                *p = key_prefix(k);
            }
            let order = &mut stack[..n];
            let cmp = |a: u32, b: u32| {
                let (a, b) = (a as usize, b as usize);
                prefixes[a].cmp(&prefixes[b]).then_with(|| self.pairs[a].0.cmp(&self.pairs[b].0))
            };
            // Stable; a sorted box (the common case) costs one comparison per pair.
            let mut repeats = false;
            for i in 0..n {
                order[i] = i as u32;
                let mut j = i;
                while j > 0 {
                    match cmp(order[j - 1], order[j]) {
                        Ordering::Greater => order.swap(j - 1, j),
                        Ordering::Equal => {
                            repeats = true;
                            break;
                        }
                        Ordering::Less => break,
                    }
                    j -= 1;
                }
            }
            let kept = if repeats { self.keep_last_of_repeats(order) } else { n };
            &stack[..kept]
        } else {
            heap.extend(0..n as u32);
            // Stable: repeats keep arrival order.
            heap.sort_by(|&a, &b| self.pairs[a as usize].0.cmp(&self.pairs[b as usize].0));
            let kept = self.keep_last_of_repeats(heap);
            &heap[..kept]
        }
    }

    /// Drops all but the last of each run of equal keys in sorted `order`;
    /// returns how many indices are left (at the front).
    fn keep_last_of_repeats(&self, order: &mut [u32]) -> usize {
        let key = |i: u32| &self.pairs[i as usize].0;
        let mut kept = 0;
        for i in 0..order.len() {
            let repeated_later = order.get(i + 1).is_some_and(|&next| key(next) == key(order[i]));
            if !repeated_later {
                order[kept] = order[i];
                kept += 1;
            }
        }
        kept
    }

    /// Wire length of the pairs at `order`, terminator included.
    fn written_len(&self, order: &[u32]) -> usize {
        order.iter().map(|&i| 4 + self.pairs[i as usize].0.len() + self.pairs[i as usize].1.len()).sum::<usize>() + 2
    }

    /// Writes the pairs at `order` and the terminator; limits already checked.
    fn write(&self, order: &[u32], out: &mut impl Sink) {
        for &i in order {
            let (k, v) = &self.pairs[i as usize];
            out.put(&(k.len() as u16).to_be_bytes());
            out.put(k);
            out.put(&(v.len() as u16).to_be_bytes());
            out.put_value(v);
        }
        out.put(&[0, 0]);
    }
}

/// Most pairs whose writing order is worked out on the stack.
const STACK_ORDER: usize = 16;

/// The first 8 bytes of `key`, zero-padded, as a big-endian number. Where two
/// prefixes differ they order the keys as a bytewise comparison does; where
/// they are equal the keys must be compared in full.
#[inline]
fn key_prefix(key: &[u8]) -> u64 {
    let n = key.len();
    if let Some(head) = key.first_chunk::<8>() {
        u64::from_be_bytes(*head)
    } else if n >= 4 {
        // Two overlapping 4-byte reads cover 4 to 7 bytes without a loop.
        let head = u32::from_be_bytes([key[0], key[1], key[2], key[3]]) as u64;
        let tail = u32::from_be_bytes([key[n - 4], key[n - 3], key[n - 2], key[n - 1]]) as u64;
        (head << 32) | (tail << (8 * (8 - n)))
    } else {
        key.iter().enumerate().fold(0, |acc, (i, &b)| acc | (b as u64) << (56 - 8 * i))
    }
}

/// Where [`AmpBox::write`] appends: a fresh `Vec`, a codec's buffer, or a
/// connection's [`OutBuf`].
trait Sink {
    fn put(&mut self, bytes: &[u8]);

    #[inline]
    fn put_value(&mut self, value: &Bytes) {
        self.put(value);
    }
}

impl Sink for OutBuf {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.put_slice(bytes);
    }

    #[inline]
    fn put_value(&mut self, value: &Bytes) {
        self.put_bytes(value);
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for BytesMut {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl std::fmt::Debug for AmpBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.pairs.iter().map(|(k, v)| (k.escape_ascii().to_string(), v.escape_ascii().to_string())))
            .finish()
    }
}

impl<K: Into<Bytes>, V: Into<Bytes>> FromIterator<(K, V)> for AmpBox {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut b = AmpBox::new();
        for (k, v) in iter {
            b.insert(k, v);
        }
        b
    }
}

impl<'a> IntoIterator for &'a AmpBox {
    type Item = (&'a Bytes, &'a Bytes);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Bytes, Bytes)>, fn(&'a (Bytes, Bytes)) -> (&'a Bytes, &'a Bytes)>;
    fn into_iter(self) -> Self::IntoIter {
        self.pairs.iter().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_sorted_like_twisted() {
        let b: AmpBox = [("foo", "bar"), ("baz", "x")].into_iter().collect();
        assert_eq!(&b.serialize().unwrap()[..], b"\x00\x03baz\x00\x01x\x00\x03foo\x00\x03bar\x00\x00");
    }

    #[test]
    fn empty_box_is_two_nuls() {
        assert_eq!(&AmpBox::new().serialize().unwrap()[..], b"\x00\x00");
    }

    #[test]
    fn repeated_key_last_wins_for_lookup_and_serialize() {
        let b = AmpBox::from_pairs(vec![
            (Bytes::from_static(b"k"), Bytes::from_static(b"1")),
            (Bytes::from_static(b"a"), Bytes::from_static(b"x")),
            (Bytes::from_static(b"k"), Bytes::from_static(b"2")),
        ]);
        assert_eq!(b.get("k").unwrap(), "2");
        assert_eq!(&b.serialize().unwrap()[..], b"\x00\x01a\x00\x01x\x00\x01k\x00\x012\x00\x00");
        let mut b2 = b.clone();
        b2.insert("k", "3");
        assert_eq!(b2.len(), 2);
        assert_eq!(b2.get("k").unwrap(), "3");
    }

    #[test]
    fn limits_checked_before_writing() {
        let mut out = BytesMut::new();
        let b: AmpBox = [("k".repeat(256), "v".to_string())].into_iter().collect();
        assert!(matches!(b.serialize_into(&mut out), Err(EncodeError::KeyLength { len: 256, .. })));
        let b: AmpBox = [("", "v")].into_iter().collect();
        assert!(matches!(b.serialize_into(&mut out), Err(EncodeError::KeyLength { len: 0, .. })));
        let b: AmpBox = [("big".to_string(), "v".repeat(65_536))].into_iter().collect();
        let err = b.serialize_into(&mut out).unwrap_err();
        assert_eq!(err.to_string(), "value of key \"big\" is 65536 bytes long; AMP values are at most 65535 bytes");
        assert!(out.is_empty());
        let b: AmpBox = [("k".repeat(255), "v".repeat(65_535))].into_iter().collect();
        assert!(b.serialize_into(&mut out).is_ok());
    }

    /// The plain rule the optimised writer must follow: stable sort by key,
    /// keep the last of repeats, then length-prefixed pairs and `00 00`.
    fn reference_wire(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let mut sorted: Vec<&(Vec<u8>, Vec<u8>)> = pairs.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Vec::new();
        for (i, (k, v)) in sorted.iter().map(|p| (&p.0, &p.1)).enumerate() {
            if sorted.get(i + 1).is_some_and(|next| &next.0 == k) {
                continue;
            }
            out.extend_from_slice(&(k.len() as u16).to_be_bytes());
            out.extend_from_slice(k);
            out.extend_from_slice(&(v.len() as u16).to_be_bytes());
            out.extend_from_slice(v);
        }
        out.extend_from_slice(&[0, 0]);
        out
    }

    proptest::proptest! {
        /// Keys from a tiny alphabet (NUL, `_`, `a`, `b`) and of 1 to 11
        /// bytes: many shared 8-byte prefixes, repeats, and keys that are
        /// prefixes of others; up to 40 pairs covers the stack and heap orders.
        #[test]
        fn serialize_matches_the_plain_rule(
            pairs in proptest::collection::vec(
                (
                    proptest::collection::vec(proptest::sample::select(vec![0u8, b'_', b'a', b'b']), 1..12),
                    proptest::collection::vec(proptest::num::u8::ANY, 0..4),
                ),
                0..40,
            )
        ) {
            let b = AmpBox::from_pairs(
                pairs.iter().map(|(k, v)| (Bytes::from(k.clone()), Bytes::from(v.clone()))).collect(),
            );
            let expected = reference_wire(&pairs);
            let wire = b.serialize().unwrap();
            proptest::prop_assert_eq!(&wire[..], &expected[..]);
            proptest::prop_assert_eq!(b.encoded_len(), expected.len());
            let mut out = BytesMut::from(&b"prefix"[..]);
            b.serialize_into(&mut out).unwrap();
            proptest::prop_assert_eq!(&out[6..], &expected[..]);
            let mut built = AmpBox::new();
            for (k, v) in &pairs {
                built.insert(k.clone(), v.clone());
            }
            proptest::prop_assert_eq!(built.serialize().unwrap(), wire);
        }
    }

    #[test]
    fn key_prefixes_order_like_bytes() {
        let keys: [&[u8]; 12] = [
            b"a",
            b"a\0",
            b"a\0\0\0",
            b"ab",
            b"abc",
            b"abcd",
            b"abcde",
            b"abcdefg",
            b"abcdefgh",
            b"abcdefghi",
            b"b",
            b"\xff",
        ];
        for a in keys {
            for b in keys {
                let (pa, pb) = (key_prefix(a), key_prefix(b));
                if pa != pb {
                    assert_eq!(pa.cmp(&pb), a.cmp(b), "{a:?} {b:?}");
                }
            }
        }
    }
}
