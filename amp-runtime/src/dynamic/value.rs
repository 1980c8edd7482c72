//! [`Value`] and [`Fields`]: AMP values whose types are known only at run time.

use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;

use bytes::Bytes;
use num_bigint::BigInt;

use crate::values::{DateTime, Decimal};

/// One argument value, typed at run time by a schema [`TypeRef`](amp_schema::TypeRef).
///
/// There is one variant per Twisted argument type. A custom type (a
/// [`DynArgument`](super::DynArgument)) carries a value of one of these
/// kinds, the one its [`value_type`](super::DynArgument::value_type) names
/// (Evennia's `Compressed` carries [`Value::String`]).
///
/// Equality is on the representation, like [`Decimal`]'s: floats compare
/// bit for bit (so `NaN == NaN` and `0.0 != -0.0`), descriptors by
/// descriptor number.
#[derive(Debug, Clone)]
pub enum Value {
    /// `Integer`, of any size; a field's `repr` bounds it when encoding.
    Integer(BigInt),
    /// `String`: raw bytes.
    String(Bytes),
    /// `Unicode`: text.
    Unicode(String),
    /// `Path`: a path's text.
    Path(String),
    /// `Boolean`.
    Boolean(bool),
    /// `Float`.
    Float(f64),
    /// `Decimal`.
    Decimal(Decimal),
    /// `DateTime`.
    DateTime(DateTime),
    /// `Descriptor`: shared so that a `Value` can be cloned; encoding sends a
    /// duplicate and leaves this one open.
    Descriptor(Arc<OwnedFd>),
    /// `ListOf`: the elements, each of the element type.
    List(Vec<Value>),
    /// `AmpList`: one [`Fields`] per element box.
    AmpList(Vec<Fields>),
}

impl Value {
    /// The Twisted type name of this kind of value (`"Integer"`, `"ListOf"`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Integer(_) => "Integer",
            Value::String(_) => "String",
            Value::Unicode(_) => "Unicode",
            Value::Path(_) => "Path",
            Value::Boolean(_) => "Boolean",
            Value::Float(_) => "Float",
            Value::Decimal(_) => "Decimal",
            Value::DateTime(_) => "DateTime",
            Value::Descriptor(_) => "Descriptor",
            Value::List(_) => "ListOf",
            Value::AmpList(_) => "AmpList",
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Integer(a), Value::Integer(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Unicode(a), Value::Unicode(b)) => a == b,
            (Value::Path(a), Value::Path(b)) => a == b,
            (Value::Boolean(a), Value::Boolean(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Decimal(a), Value::Decimal(b)) => a == b,
            (Value::DateTime(a), Value::DateTime(b)) => a == b,
            (Value::Descriptor(a), Value::Descriptor(b)) => a.as_raw_fd() == b.as_raw_fd(),
            (Value::List(a), Value::List(b)) => a == b,
            (Value::AmpList(a), Value::AmpList(b)) => a == b,
            _ => false,
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident($conv:expr)),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::$variant($conv(v))
            }
        }
    )*};
}

value_from! {
    i64 => Integer(BigInt::from),
    u64 => Integer(BigInt::from),
    i128 => Integer(BigInt::from),
    BigInt => Integer(std::convert::identity),
    Bytes => String(std::convert::identity),
    String => Unicode(std::convert::identity),
    &str => Unicode(String::from),
    bool => Boolean(std::convert::identity),
    f64 => Float(std::convert::identity),
    Decimal => Decimal(std::convert::identity),
    DateTime => DateTime(std::convert::identity),
    OwnedFd => Descriptor(Arc::new),
    Vec<Value> => List(std::convert::identity),
    Vec<Fields> => AmpList(std::convert::identity),
}

/// The named values of one box: a command's arguments or response, or one
/// AmpList element. Names are wire names (box keys), not Python identifiers.
///
/// [`decode_fields`](super::decode_fields) returns every declared field in
/// declaration order, `None` for an absent optional one.
/// [`encode_fields`](super::encode_fields) takes the fields in any order;
/// a field left out or given as `None` is absent (an error when required).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fields {
    entries: Vec<(String, Option<Value>)>,
}

impl Fields {
    /// No fields.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Appends `name` with `value` (`None`: explicitly absent). A name given
    /// twice is refused by `encode_fields`; see [`set`](Fields::set) to replace.
    pub fn push(&mut self, name: impl Into<String>, value: Option<Value>) -> &mut Fields {
        self.entries.push((name.into(), value));
        self
    }

    /// Sets `name` to `value`, replacing an earlier entry of that name.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Fields {
        let name = name.into();
        let value = Some(value.into());
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((name, value)),
        }
        self
    }

    /// The value of `name`: `None` when it is not listed or listed as absent.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_ref())
    }

    /// Whether `name` is listed (even as absent).
    pub fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }

    /// Removes `name` and returns its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.entries.iter().position(|(n, _)| n == name)?;
        self.entries.remove(at).1
    }

    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, Option<&Value>)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_ref()))
    }

    /// Number of entries (absent ones included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, consuming the fields.
    pub fn into_vec(self) -> Vec<(String, Option<Value>)> {
        self.entries
    }
}

impl From<Vec<(String, Option<Value>)>> for Fields {
    fn from(entries: Vec<(String, Option<Value>)>) -> Fields {
        Fields { entries }
    }
}

impl<S: Into<String>> FromIterator<(S, Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (S, Value)>>(iter: I) -> Fields {
        Fields { entries: iter.into_iter().map(|(n, v)| (n.into(), Some(v))).collect() }
    }
}

impl IntoIterator for Fields {
    type Item = (String, Option<Value>);
    type IntoIter = std::vec::IntoIter<(String, Option<Value>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}
