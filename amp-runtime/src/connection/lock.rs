//! Locking the connection's std mutexes.

use std::sync::{Mutex, MutexGuard};

/// Locks a std mutex, ignoring poisoning: the data under these locks stays
/// consistent even if a holder panicked (every update is a single step).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
