//! The unpickler's memo: what PUT and MEMOIZE store and GET fetches.

use std::collections::HashMap;

/// Memo slots. Indexes are usually dense (0, 1, 2, ...); a far index a hostile
/// pickle asks for goes to a map instead of growing the vector.
pub(super) struct Memo<T> {
    dense: Vec<Option<T>>,
    sparse: HashMap<u64, T>,
    /// Slots in use: the index MEMOIZE stores at.
    pub(super) len: u64,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo { dense: Vec::new(), sparse: HashMap::new(), len: 0 }
    }
}

impl<T> Memo<T> {
    pub(super) fn put(&mut self, index: u64, entry: T) {
        let dense_len = self.dense.len() as u64;
        if index < dense_len {
            if self.dense[index as usize].replace(entry).is_none() {
                self.len += 1;
            }
        } else if index == dense_len {
            if self.sparse.remove(&index).is_none() {
                self.len += 1;
            }
            self.dense.push(Some(entry));
        } else if self.sparse.insert(index, entry).is_none() {
            self.len += 1;
        }
    }

    #[inline]
    pub(super) fn get(&self, index: u64) -> Option<&T> {
        match usize::try_from(index).ok().and_then(|i| self.dense.get(i)) {
            Some(slot) => slot.as_ref(),
            None => self.sparse.get(&index),
        }
    }
}
