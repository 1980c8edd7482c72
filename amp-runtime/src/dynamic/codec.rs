//! Schema-driven encoding and decoding: [`encode_fields`], [`decode_fields`]
//! and the per-argument functions they are built on.
//!
//! Every built-in type goes through the same static codec as compiled code
//! (`types::Integer`, `types::ListOf`, ...), so the bytes and the errors are
//! the same as the static path's.

use std::path::PathBuf;

use amp_schema::{Field, IntRepr, TypeRef};
use bytes::{Bytes, BytesMut};
use num_bigint::BigInt;

use super::registry::TypeRegistry;
use super::value::{Fields, Value};
use crate::types::{
    self, read_boxes, read_elements, write_boxes, write_elements, ArgContext, ArgumentType, DecodeError,
    DecodeErrorKind, StringArgument,
};
use crate::wire::{AmpBox, EncodeError, MAX_VALUE_LEN};

/// The Twisted name of a type, for messages.
fn type_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Integer(_) => "Integer".into(),
        TypeRef::String => "String".into(),
        TypeRef::Unicode => "Unicode".into(),
        TypeRef::Path => "Path".into(),
        TypeRef::Boolean => "Boolean".into(),
        TypeRef::Float => "Float".into(),
        TypeRef::Decimal => "Decimal".into(),
        TypeRef::DateTime => "DateTime".into(),
        TypeRef::Descriptor => "Descriptor".into(),
        TypeRef::ListOf(_) => "ListOf".into(),
        TypeRef::AmpList(_) => "AmpList".into(),
        TypeRef::Custom(name) => name.clone(),
    }
}

fn mismatch(ty: &TypeRef, got: &Value) -> String {
    format!("expected a {} value, got {}", type_name(ty), got.type_name())
}

fn no_string_form(ty: &TypeRef) -> String {
    format!("type {} has no plain string form (it cannot be a ListOf element)", type_name(ty))
}

fn unknown_type(name: &str) -> String {
    format!("unknown argument type {name} (not in the type registry)")
}

/// Encodes `values` as the box of `fields` (a command's arguments or
/// response, or an AmpList element's fields).
///
/// Fields are written in declaration order. A value for a name not declared
/// is [`EncodeError::UnknownArgument`]; a required field left out (or given
/// as `None`) and a name given twice are [`EncodeError::Invalid`], as is a
/// value of the wrong kind. The bytes are those of the static codecs for
/// the same values.
pub fn encode_fields(
    fields: &[Field],
    values: &Fields,
    registry: &TypeRegistry,
    acx: &mut ArgContext,
) -> Result<AmpBox, EncodeError> {
    let mut out = AmpBox::new();
    encode_fields_into(fields, values, &mut out, registry, acx)?;
    Ok(out)
}

/// [`encode_fields`] into an existing box (one that already holds `_command`
/// and `_ask`, say).
pub fn encode_fields_into(
    fields: &[Field],
    values: &Fields,
    out: &mut AmpBox,
    registry: &TypeRegistry,
    acx: &mut ArgContext,
) -> Result<(), EncodeError> {
    for (index, (name, _)) in values.iter().enumerate() {
        if !fields.iter().any(|f| f.name == name) {
            return Err(EncodeError::UnknownArgument { key: name.into() });
        }
        if values.iter().take(index).any(|(earlier, _)| earlier == name) {
            return Err(EncodeError::Invalid { key: name.into(), reason: "given more than once".into() });
        }
    }
    for field in fields {
        match values.get(&field.name) {
            Some(value) => encode_argument(&field.name, &field.ty, value, out, registry, acx)?,
            None if field.optional => {}
            None => {
                return Err(EncodeError::Invalid {
                    key: field.name.as_str().into(),
                    reason: "required but missing".into(),
                })
            }
        }
    }
    Ok(())
}

/// Decodes the box of `fields`: every declared field in declaration order,
/// `None` for an absent optional one. A missing required field is
/// [`DecodeErrorKind::Missing`]; keys not declared are ignored, as Twisted does.
pub fn decode_fields(
    fields: &[Field],
    input: &AmpBox,
    registry: &TypeRegistry,
    acx: &mut ArgContext,
) -> Result<Fields, DecodeError> {
    let mut out = Fields::new();
    for field in fields {
        match decode_argument(&field.name, &field.ty, input, registry, acx)? {
            Some(value) => out.push(field.name.clone(), Some(value)),
            None if field.optional => out.push(field.name.clone(), None),
            None => return Err(DecodeError::new(&field.name, DecodeErrorKind::Missing)),
        };
    }
    Ok(out)
}

/// Writes one argument `name` of type `ty`, as `T::to_box` does for the
/// matching static codec `T`.
pub fn encode_argument(
    name: &str,
    ty: &TypeRef,
    value: &Value,
    out: &mut AmpBox,
    registry: &TypeRegistry,
    acx: &mut ArgContext,
) -> Result<(), EncodeError> {
    let invalid = |reason: String| EncodeError::Invalid { key: name.into(), reason };
    match ty {
        TypeRef::Descriptor => match value {
            Value::Descriptor(fd) => types::Descriptor::to_box(name, fd, out, acx),
            other => Err(invalid(mismatch(ty, other))),
        },
        TypeRef::AmpList(element) => match value {
            Value::AmpList(items) => {
                write_boxes(name, items, out, acx, |item, b, acx| encode_fields_into(element, item, b, registry, acx))
            }
            other => Err(invalid(mismatch(ty, other))),
        },
        TypeRef::Custom(type_name) => {
            registry.get(type_name).ok_or_else(|| invalid(unknown_type(type_name)))?.to_box(name, value, out, acx)
        }
        plain => {
            // What the blanket `ArgumentType` impl of a `StringArgument` does.
            let mut buf = BytesMut::new();
            value_to_string(plain, value, &mut buf, registry).map_err(invalid)?;
            if buf.len() > MAX_VALUE_LEN {
                return Err(EncodeError::ValueTooLong { key: name.into(), len: buf.len() });
            }
            out.insert(Bytes::copy_from_slice(name.as_bytes()), buf.freeze());
            Ok(())
        }
    }
}

/// Reads one argument `name` of type `ty`: `Ok(None)` when it is absent.
pub fn decode_argument(
    name: &str,
    ty: &TypeRef,
    input: &AmpBox,
    registry: &TypeRegistry,
    acx: &mut ArgContext,
) -> Result<Option<Value>, DecodeError> {
    match ty {
        TypeRef::Descriptor => Ok(types::Descriptor::from_box(name, input, acx)?.map(Value::from)),
        TypeRef::AmpList(element) => {
            let Some(raw) = input.get(name) else { return Ok(None) };
            let items = read_boxes(name, raw, acx, |b, acx| decode_fields(element, b, registry, acx))?;
            Ok(Some(Value::AmpList(items)))
        }
        TypeRef::Custom(type_name) => registry
            .get(type_name)
            .ok_or_else(|| DecodeError::new(name, DecodeErrorKind::Custom(unknown_type(type_name))))?
            .from_box(name, input, acx),
        plain => match input.get(name) {
            None => Ok(None),
            Some(raw) => {
                value_from_string(plain, raw.clone(), registry).map(Some).map_err(|k| DecodeError::new(name, k))
            }
        },
    }
}

fn fixed<T: TryFrom<BigInt>>(n: &BigInt, type_name: &str) -> Result<T, String> {
    T::try_from(n.clone()).map_err(|_| format!("{n} is out of range for {type_name}"))
}

/// Appends the plain string form of `value` as type `ty` (a `ListOf`
/// element, or the whole value of a plain type). `Descriptor` and `AmpList`
/// have none; a custom type needs one ([`DynArgument::has_string_form`](super::DynArgument::has_string_form)).
pub fn value_to_string(ty: &TypeRef, value: &Value, out: &mut BytesMut, registry: &TypeRegistry) -> Result<(), String> {
    match (ty, value) {
        (TypeRef::Integer(repr), Value::Integer(n)) => match repr {
            IntRepr::I64 => types::Integer::<i64>::to_string(&fixed(n, "i64")?, out),
            IntRepr::U64 => types::Integer::<u64>::to_string(&fixed(n, "u64")?, out),
            IntRepr::I128 => types::Integer::<i128>::to_string(&fixed(n, "i128")?, out),
            IntRepr::Big => types::Integer::<BigInt>::to_string(n, out),
        },
        (TypeRef::String, Value::String(b)) => types::String::to_string(b, out),
        (TypeRef::Unicode, Value::Unicode(s)) => types::Unicode::to_string(s, out),
        (TypeRef::Path, Value::Path(s)) => types::Path::to_string(&PathBuf::from(s), out),
        (TypeRef::Boolean, Value::Boolean(b)) => types::Boolean::to_string(b, out),
        (TypeRef::Float, Value::Float(x)) => types::Float::to_string(x, out),
        (TypeRef::Decimal, Value::Decimal(d)) => types::Decimal::to_string(d, out),
        (TypeRef::DateTime, Value::DateTime(t)) => types::DateTime::to_string(t, out),
        (TypeRef::ListOf(element), Value::List(items)) => {
            write_elements(items, out, |item, out| value_to_string(element, item, out, registry))
        }
        (TypeRef::Custom(name), value) => {
            let custom = registry.get(name).ok_or_else(|| unknown_type(name))?;
            if !custom.has_string_form() {
                return Err(no_string_form(ty));
            }
            custom.to_string(value, out)
        }
        (TypeRef::Descriptor | TypeRef::AmpList(_), _) => Err(no_string_form(ty)),
        (ty, other) => Err(mismatch(ty, other)),
    }
}

/// Parses the plain string form of type `ty` (see [`value_to_string`]).
pub fn value_from_string(ty: &TypeRef, raw: Bytes, registry: &TypeRegistry) -> Result<Value, DecodeErrorKind> {
    Ok(match ty {
        TypeRef::Integer(IntRepr::I64) => Value::from(types::Integer::<i64>::from_string(raw)?),
        TypeRef::Integer(IntRepr::U64) => Value::from(types::Integer::<u64>::from_string(raw)?),
        TypeRef::Integer(IntRepr::I128) => Value::from(types::Integer::<i128>::from_string(raw)?),
        TypeRef::Integer(IntRepr::Big) => Value::Integer(types::Integer::<BigInt>::from_string(raw)?),
        TypeRef::String => Value::String(types::String::from_string(raw)?),
        TypeRef::Unicode => Value::Unicode(types::Unicode::from_string(raw)?),
        TypeRef::Path => {
            let path = types::Path::from_string(raw)?;
            // Decoded from UTF-8, so the conversion back to text is exact.
            Value::Path(path.into_os_string().into_string().map_err(|_| DecodeErrorKind::NotUtf8)?)
        }
        TypeRef::Boolean => Value::Boolean(types::Boolean::from_string(raw)?),
        TypeRef::Float => Value::Float(types::Float::from_string(raw)?),
        TypeRef::Decimal => Value::Decimal(types::Decimal::from_string(raw)?),
        TypeRef::DateTime => Value::DateTime(types::DateTime::from_string(raw)?),
        TypeRef::ListOf(element) => Value::List(read_elements(&raw, |r| value_from_string(element, r, registry))?),
        TypeRef::Custom(name) => {
            let custom = registry.get(name).ok_or_else(|| DecodeErrorKind::Custom(unknown_type(name)))?;
            if !custom.has_string_form() {
                return Err(DecodeErrorKind::Custom(no_string_form(ty)));
            }
            custom.from_string(raw)?
        }
        TypeRef::Descriptor | TypeRef::AmpList(_) => return Err(DecodeErrorKind::Custom(no_string_form(ty))),
    })
}
