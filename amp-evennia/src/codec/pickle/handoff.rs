//! Moving a whole [`Value`] through serde in one step.
//!
//! serde's data model has no tuple-vs-list, set, bytearray or object, so a
//! `Value` inside a typed structure would lose those types if it were rebuilt
//! through the data model, and rebuilding costs a deep native call chain per
//! nesting level. Instead, `Value`'s own `Serialize`/`Deserialize` ask for a
//! newtype struct with a private name; this module's serializer and
//! deserializer answer by handing the value over through a thread-local slot,
//! whole, exact and without recursion. Other formats see an ordinary newtype
//! and get the structural form.

use std::cell::Cell;

use super::value::Value;

/// The newtype name `Value`'s serde impls use.
pub(crate) const VALUE: &str = "\0amp_evennia::pickle::Value";

thread_local! {
    static SLOT: Cell<Option<Value>> = const { Cell::new(None) };
    static WANTED: Cell<bool> = const { Cell::new(false) };
}

/// Puts a value in the slot until the guard drops (also on unwinding, so a
/// stale value can never be picked up later).
pub(crate) fn put(value: Value) -> SlotGuard {
    SLOT.with(|s| s.set(Some(value)));
    SlotGuard(())
}

/// Puts a value in the slot; the reader holds a [`guard`].
pub(crate) fn store(value: Value) {
    SLOT.with(|s| s.set(Some(value)));
}

/// Empties the slot when dropped.
pub(crate) fn guard() -> SlotGuard {
    SlotGuard(())
}

/// Takes the value in the slot, if any.
pub(crate) fn take() -> Option<Value> {
    SLOT.with(Cell::take)
}

pub(crate) struct SlotGuard(());

impl Drop for SlotGuard {
    fn drop(&mut self) {
        drop(SLOT.with(Cell::take));
    }
}

/// Asks the next `Value::serialize` to put a copy of itself in the slot.
pub(crate) fn want() -> WantGuard {
    WANTED.with(|w| w.set(true));
    WantGuard(())
}

/// Whether a copy was asked for (and the request is now consumed).
pub(crate) fn wanted() -> bool {
    WANTED.with(|w| w.replace(false))
}

pub(crate) struct WantGuard(());

impl Drop for WantGuard {
    fn drop(&mut self) {
        WANTED.with(|w| w.set(false));
    }
}
