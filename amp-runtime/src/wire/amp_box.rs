use bytes::{BufMut, Bytes, BytesMut};

use super::error::EncodeError;
use super::limits::{MAX_KEY_LEN, MAX_VALUE_LEN};

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
        self.in_write_order(|order| self.written_len(order))
    }

    /// Appends the box's wire form to `out`: keys sorted bytewise, then `00 00`.
    ///
    /// Checks the limits first; on error nothing is written.
    pub fn serialize_into(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        self.validate()?;
        self.in_write_order(|order| {
            out.reserve(self.written_len(order));
            self.write(order, out);
        });
        Ok(())
    }

    /// The box's wire form.
    pub fn serialize(&self) -> Result<Bytes, EncodeError> {
        self.validate()?;
        Ok(self.in_write_order(|order| {
            // Exactly sized, so freezing keeps the allocation as it is.
            let mut out = BytesMut::with_capacity(self.written_len(order));
            self.write(order, &mut out);
            out.freeze()
        }))
    }

    /// Calls `f` with the indices of the pairs to write, in writing order:
    /// sorted by key, one per key (the last, as on lookup).
    ///
    /// Boxes of up to [`STACK_ORDER`] pairs (all real commands) order their
    /// indices on the stack: serializing allocates nothing but the output.
    fn in_write_order<R>(&self, f: impl FnOnce(&[usize]) -> R) -> R {
        let n = self.pairs.len();
        if n <= STACK_ORDER {
            let mut order = [0usize; STACK_ORDER];
            let kept = self.write_order(&mut order[..n]);
            f(&order[..kept])
        } else {
            let mut order = vec![0usize; n];
            let kept = self.write_order(&mut order);
            f(&order[..kept])
        }
    }

    /// Fills `order` (one slot per pair) with the writing order; returns how
    /// many slots are used once repeats are dropped.
    fn write_order(&self, order: &mut [usize]) -> usize {
        for (i, slot) in order.iter_mut().enumerate() {
            *slot = i;
        }
        if self.pairs.windows(2).all(|w| w[0].0 < w[1].0) {
            return order.len();
        }
        // Stable (and allocation-free for a few pairs): repeats keep arrival order.
        order.sort_by(|&a, &b| self.pairs[a].0.cmp(&self.pairs[b].0));
        let mut kept = 0;
        for i in 0..order.len() {
            let repeated_later = order.get(i + 1).is_some_and(|&next| self.pairs[next].0 == self.pairs[order[i]].0);
            if !repeated_later {
                order[kept] = order[i];
                kept += 1;
            }
        }
        kept
    }

    /// Wire length of the pairs at `order`, terminator included.
    fn written_len(&self, order: &[usize]) -> usize {
        order.iter().map(|&i| 4 + self.pairs[i].0.len() + self.pairs[i].1.len()).sum::<usize>() + 2
    }

    /// Writes the pairs at `order` and the terminator; limits already checked.
    fn write(&self, order: &[usize], out: &mut BytesMut) {
        for &i in order {
            let (k, v) = &self.pairs[i];
            out.put_u16(k.len() as u16);
            out.put_slice(k);
            out.put_u16(v.len() as u16);
            out.put_slice(v);
        }
        out.put_u16(0);
    }
}

/// Most pairs whose writing order is worked out on the stack.
const STACK_ORDER: usize = 32;

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
}
