//! The per-connection state handlers share: one value per type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::lock::lock;

/// The per-connection state map: one value per type, shared by every call
/// of the connection (cloning shares it).
#[derive(Clone, Default)]
pub(crate) struct StateMap(Arc<Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>);

impl StateMap {
    /// The value of type `T`, if set.
    pub(crate) fn get<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let map = lock(&self.0);
        map.get(&TypeId::of::<T>()).cloned().and_then(|v| v.downcast::<T>().ok())
    }

    /// The value of type `T`, set to `init()` on first use.
    pub(crate) fn get_or_insert_with<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let mut map = lock(&self.0);
        let v = map.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(init())).clone();
        v.downcast::<T>().unwrap_or_else(|_| unreachable!("state map is keyed by TypeId"))
    }

    /// Sets the value of type `T`, returning the previous one.
    pub(crate) fn set<T: Any + Send + Sync>(&self, value: T) -> Option<Arc<T>> {
        let mut map = lock(&self.0);
        map.insert(TypeId::of::<T>(), Arc::new(value)).and_then(|v| v.downcast::<T>().ok())
    }
}
