//! A session's `protocol_flags`: Evennia's per-session dict of client facts.

use std::borrow::Cow;

use super::Value;

/// `protocol_flags`, as the Python dict Evennia keeps: string keys, Python
/// values, insertion order (the order the Server receives them in a pickle).
///
/// Setting an existing key keeps its place, as a Python `dict` does. The flags
/// the telnet layer sets are listed in the module docs of [`telnet`](super).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProtocolFlags {
    entries: Vec<(Cow<'static, str>, Value)>,
}

impl ProtocolFlags {
    /// No flags.
    pub fn new() -> Self {
        Self::default()
    }

    /// The flags `Session.init_session` starts every session with:
    /// `{'ENCODING': 'utf-8', 'SCREENREADER': False, 'INPUTDEBUG': False,
    /// 'RAW': False, 'NOCOLOR': False, 'LOCALECHO': False}`.
    pub fn session_defaults() -> Self {
        let mut flags = Self::new();
        flags.set("ENCODING", "utf-8");
        for key in ["SCREENREADER", "INPUTDEBUG", "RAW", "NOCOLOR", "LOCALECHO"] {
            flags.set(key, false);
        }
        flags
    }

    /// `flags.get(key)`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A mutable reference to the value under `key`.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// `bool(flags.get(key, default))`, with Python's truth rules.
    pub fn truthy(&self, key: &str, default: bool) -> bool {
        self.get(key).map_or(default, truthy)
    }

    /// `flags[key] = value`: a new key goes last, an existing one keeps its place.
    pub fn set(&mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.entries.push((key, value)),
        }
    }

    /// `flags.update(other)` with a Python dict (as Evennia's
    /// `load_sync_data` does with the `protocol_flags` the Server sends).
    /// Keys that are not `str` are skipped and returned, as they cannot be
    /// flag names.
    pub fn update_from(&mut self, dict: &[(Value, Value)]) -> Vec<Value> {
        let mut skipped = Vec::new();
        for (k, v) in dict {
            match k {
                Value::Str(key) => self.set(key.clone(), v.clone()),
                other => skipped.push(other.clone()),
            }
        }
        skipped
    }

    /// The flags in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// How many flags.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The flags as the Python dict they are (`Value::Dict` of `str` keys).
    pub fn to_value(&self) -> Value {
        Value::Dict(self.entries.iter().map(|(k, v)| (Value::Str(k.to_string()), v.clone())).collect())
    }
}

pub use crate::python::truthy;
