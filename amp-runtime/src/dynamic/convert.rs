//! [`DynValue`]: Rust values that convert to and from a dynamic [`Value`].

use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::Arc;

use amp_schema::{IntRepr, TypeRef};
use bytes::Bytes;
use num_bigint::BigInt;

use super::value::Value;
use crate::values::{DateTime, Decimal};

/// A Rust value with a dynamic form: what lets
/// [`TypeRegistry::register`](super::TypeRegistry::register) wrap a static
/// [`ArgumentType`](crate::ArgumentType) for run-time use.
pub trait DynValue: Sized {
    /// The built-in type whose [`Value`] kind this converts to and from
    /// (`Bytes` is `String`, `Vec<i64>` is `ListOf` of `Integer`).
    fn value_type() -> TypeRef;

    /// The dynamic form.
    fn into_value(self) -> Value;

    /// Back from the dynamic form; `Err` names what does not fit.
    fn from_value(value: &Value) -> Result<Self, String>;
}

fn mismatch(want: &str, got: &Value) -> String {
    format!("expected a {want} value, got {}", got.type_name())
}

macro_rules! fixed_int {
    ($($t:ty => $repr:ident),*) => {$(
        impl DynValue for $t {
            fn value_type() -> TypeRef {
                TypeRef::Integer(IntRepr::$repr)
            }
            fn into_value(self) -> Value {
                Value::Integer(BigInt::from(self))
            }
            fn from_value(value: &Value) -> Result<$t, String> {
                match value {
                    Value::Integer(n) => <$t>::try_from(n).map_err(|_| format!("{n} is out of range for {}", stringify!($t))),
                    other => Err(mismatch("Integer", other)),
                }
            }
        }
    )*};
}

fixed_int!(i64 => I64, u64 => U64, i128 => I128);

impl DynValue for BigInt {
    fn value_type() -> TypeRef {
        TypeRef::Integer(IntRepr::Big)
    }
    fn into_value(self) -> Value {
        Value::Integer(self)
    }
    fn from_value(value: &Value) -> Result<BigInt, String> {
        match value {
            Value::Integer(n) => Ok(n.clone()),
            other => Err(mismatch("Integer", other)),
        }
    }
}

impl DynValue for Bytes {
    fn value_type() -> TypeRef {
        TypeRef::String
    }
    fn into_value(self) -> Value {
        Value::String(self)
    }
    fn from_value(value: &Value) -> Result<Bytes, String> {
        match value {
            Value::String(b) => Ok(b.clone()),
            other => Err(mismatch("String", other)),
        }
    }
}

impl DynValue for String {
    fn value_type() -> TypeRef {
        TypeRef::Unicode
    }
    fn into_value(self) -> Value {
        Value::Unicode(self)
    }
    fn from_value(value: &Value) -> Result<String, String> {
        match value {
            Value::Unicode(s) => Ok(s.clone()),
            other => Err(mismatch("Unicode", other)),
        }
    }
}

impl DynValue for PathBuf {
    fn value_type() -> TypeRef {
        TypeRef::Path
    }
    /// A path that is not UTF-8 (never one decoded from the wire) is converted lossily.
    fn into_value(self) -> Value {
        Value::Path(self.into_os_string().into_string().unwrap_or_else(|os| os.to_string_lossy().into_owned()))
    }
    fn from_value(value: &Value) -> Result<PathBuf, String> {
        match value {
            Value::Path(s) => Ok(PathBuf::from(s)),
            other => Err(mismatch("Path", other)),
        }
    }
}

macro_rules! copy_kind {
    ($($t:ty => $variant:ident),*) => {$(
        impl DynValue for $t {
            fn value_type() -> TypeRef {
                TypeRef::$variant
            }
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
            fn from_value(value: &Value) -> Result<$t, String> {
                match value {
                    Value::$variant(v) => Ok(v.clone()),
                    other => Err(mismatch(stringify!($variant), other)),
                }
            }
        }
    )*};
}

copy_kind!(bool => Boolean, f64 => Float, Decimal => Decimal, DateTime => DateTime);

impl DynValue for OwnedFd {
    fn value_type() -> TypeRef {
        TypeRef::Descriptor
    }
    fn into_value(self) -> Value {
        Value::Descriptor(Arc::new(self))
    }
    /// Duplicates the descriptor (the `Value` keeps its own).
    fn from_value(value: &Value) -> Result<OwnedFd, String> {
        match value {
            Value::Descriptor(fd) => fd.try_clone().map_err(|e| format!("cannot duplicate the file descriptor: {e}")),
            other => Err(mismatch("Descriptor", other)),
        }
    }
}

impl<T: DynValue> DynValue for Vec<T> {
    fn value_type() -> TypeRef {
        TypeRef::ListOf(Box::new(T::value_type()))
    }
    fn into_value(self) -> Value {
        Value::List(self.into_iter().map(T::into_value).collect())
    }
    fn from_value(value: &Value) -> Result<Vec<T>, String> {
        match value {
            Value::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| T::from_value(v).map_err(|why| format!("list element {i}: {why}")))
                .collect(),
            other => Err(mismatch("ListOf", other)),
        }
    }
}
