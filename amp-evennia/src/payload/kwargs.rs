//! Keyword arguments with `str` keys: the dicts of Evennia's payloads.

use std::collections::HashMap;

use super::error::PayloadError;
use crate::codec::pickle::Value;

/// Keyword arguments with `str` keys, in their order: a Python `dict` as
/// Evennia's messages and session data use it. A key set twice keeps its
/// first position and its last value, as a Python dict does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kwargs(Vec<(String, Value)>);

impl Kwargs {
    /// No arguments.
    pub fn new() -> Self {
        Kwargs(Vec::new())
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of `key`, to change in place.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key` (at the end when new, in place otherwise) and returns the
    /// previous value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => Some(std::mem::replace(slot, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    /// Sets `key` and returns `self`, for building.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.insert(key, value);
        self
    }

    /// Removes `key` and returns its value (Python's `dict.pop`).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(at).1)
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs, borrowed.
    pub(crate) fn pairs(&self) -> &[(String, Value)] {
        &self.0
    }

    /// The pairs.
    pub fn into_vec(self) -> Vec<(String, Value)> {
        self.0
    }

    /// As a Python `dict`.
    pub fn to_value(&self) -> Value {
        Value::Dict(self.0.iter().map(|(k, v)| (Value::Str(k.clone()), v.clone())).collect())
    }

    /// As a Python `dict`, consuming `self`.
    pub fn into_value(self) -> Value {
        Value::Dict(self.0.into_iter().map(|(k, v)| (Value::Str(k), v)).collect())
    }

    /// Reads a `dict` whose keys are all `str`. A key repeated in the pickle
    /// keeps its first position and last value, as `pickle.loads` gives.
    pub fn from_value(value: Value) -> Result<Kwargs, PayloadError> {
        let Value::Dict(pairs) = value else {
            return Err(PayloadError::BadKwargs(format!("a {} where a dict was expected", value.type_name())));
        };
        let mut out = Vec::with_capacity(pairs.len());
        // Positions by key: a large dict must not cost a scan per key.
        let mut index: HashMap<String, usize> = HashMap::with_capacity(pairs.len());
        for (key, value) in pairs {
            match key {
                Value::Str(k) => match index.get(&k) {
                    Some(&at) => out[at] = (k, value),
                    None => {
                        index.insert(k.clone(), out.len());
                        out.push((k, value));
                    }
                },
                other => return Err(PayloadError::BadKwargs(format!("the key {other} is not a str"))),
            }
        }
        Ok(Kwargs(out))
    }

    /// A `str` field: `Ok(None)` when absent or `None`.
    pub fn opt_str(&self, key: &str) -> Result<Option<&str>, PayloadError> {
        match self.get(key) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s)),
            Some(other) => Err(bad_field(key, "a str", other)),
        }
    }

    /// A number field (`int` or `float`): `Ok(None)` when absent or `None`.
    pub fn opt_f64(&self, key: &str) -> Result<Option<f64>, PayloadError> {
        match self.get(key) {
            None | Some(Value::None) => Ok(None),
            Some(v @ (Value::Float(_) | Value::Int(_) | Value::BigInt(_))) => Ok(v.as_f64()),
            Some(other) => Err(bad_field(key, "a number", other)),
        }
    }

    /// An `int` field that fits an `i64`: `Ok(None)` when absent or `None`.
    pub fn opt_i64(&self, key: &str) -> Result<Option<i64>, PayloadError> {
        match self.get(key) {
            None | Some(Value::None) => Ok(None),
            Some(v @ Value::Int(_)) => Ok(v.as_i64()),
            Some(other) => Err(bad_field(key, "an int", other)),
        }
    }

    /// A `bool` field: `Ok(None)` when absent or `None`.
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, PayloadError> {
        match self.get(key) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(bad_field(key, "a bool", other)),
        }
    }
}

impl FromIterator<(String, Value)> for Kwargs {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        let mut out = Kwargs::new();
        for (k, v) in iter {
            out.insert(k, v);
        }
        out
    }
}

impl<'a> IntoIterator for &'a Kwargs {
    type Item = (&'a str, &'a Value);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (String, Value)>, fn(&'a (String, Value)) -> (&'a str, &'a Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

pub(crate) fn bad_field(key: &str, wanted: &str, found: &Value) -> PayloadError {
    PayloadError::BadField { key: key.to_owned(), problem: format!("{wanted} was expected, not {}", short_repr(found)) }
}

/// A value's repr cut to a readable length, for error messages.
pub(crate) fn short_repr(value: &Value) -> String {
    const MAX: usize = 80;
    let full = value.to_string();
    if full.chars().count() <= MAX {
        return full;
    }
    let cut: String = full.chars().take(MAX).collect();
    format!("{cut}... (a {})", value.type_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kwargs_keep_order_and_python_dict_semantics() {
        let mut k = Kwargs::new().with("b", 1).with("a", 2);
        assert_eq!(k.insert("b", 3), Some(Value::Int(1)));
        assert_eq!(k.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(k.get("b"), Some(&Value::Int(3)));
        assert_eq!(k.remove("b"), Some(Value::Int(3)));
        assert!(!k.contains_key("b"));
        let repeated = Value::Dict(vec![
            (Value::from("x"), Value::from(1)),
            (Value::from("y"), Value::from(2)),
            (Value::from("x"), Value::from(3)),
        ]);
        let k = Kwargs::from_value(repeated).unwrap();
        assert_eq!(k.to_value().to_string(), "{'x': 3, 'y': 2}");
    }
}
