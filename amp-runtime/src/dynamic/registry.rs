//! [`DynArgument`] and [`TypeRegistry`]: custom argument types at run time.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use amp_schema::{Field, Schema, TypeRef};
use bytes::{Bytes, BytesMut};

use super::convert::DynValue;
use super::value::Value;
use crate::types::{ArgContext, ArgumentType, DecodeError, DecodeErrorKind, StringArgument};
use crate::wire::{AmpBox, EncodeError};

/// A custom argument type usable at run time, by name: the dynamic
/// counterpart of [`ArgumentType`] for the types a schema declares under
/// `[types.NAME]`.
///
/// Most implementations come from [`TypeRegistry::register`] and
/// [`TypeRegistry::register_string`], which wrap a static codec.
// The method names mirror `ArgumentType` and `StringArgument` on purpose,
// though `from_*` methods usually take no `self`.
#[allow(clippy::wrong_self_convention)]
pub trait DynArgument: Send + Sync {
    /// The type's name, as schema fields spell it (`type = "NAME"`).
    fn name(&self) -> &str;

    /// The shape of the [`Value`] it carries, in built-in terms (no `Custom`).
    fn value_type(&self) -> TypeRef;

    /// Writes `value` under `name` (and any keys the type derives from it).
    fn to_box(&self, name: &str, value: &Value, out: &mut AmpBox, acx: &mut ArgContext) -> Result<(), EncodeError>;

    /// Reads the argument stored under `name`: `Ok(None)` when it is absent.
    fn from_box(&self, name: &str, input: &AmpBox, acx: &mut ArgContext) -> Result<Option<Value>, DecodeError>;

    /// Whether it has a plain string form, which a `ListOf` element needs.
    fn has_string_form(&self) -> bool {
        false
    }

    /// Appends the plain string form of `value` (for `ListOf` elements).
    fn to_string(&self, value: &Value, out: &mut BytesMut) -> Result<(), String> {
        let _ = (value, out);
        Err(no_string_form(self.name()))
    }

    /// Parses the plain string form (for `ListOf` elements).
    fn from_string(&self, input: Bytes) -> Result<Value, DecodeErrorKind> {
        let _ = input;
        Err(DecodeErrorKind::Custom(no_string_form(self.name())))
    }
}

fn no_string_form(type_name: &str) -> String {
    format!("type {type_name} has no plain string form")
}

fn invalid(name: &str, reason: String) -> EncodeError {
    EncodeError::Invalid { key: name.into(), reason }
}

/// A static codec `T` under a run-time name: its box form always, and its
/// plain string form when it was registered as a [`StringArgument`].
struct Registered<T> {
    name: String,
    string_form: Option<StringForm>,
    codec: PhantomData<fn() -> T>,
}

/// The plain string form of a [`StringArgument`], as functions made for
/// its type at registration (so [`Registered`] needs no such bound).
#[derive(Clone, Copy)]
struct StringForm {
    to_string: fn(&Value, &mut BytesMut) -> Result<(), String>,
    from_string: fn(Bytes) -> Result<Value, DecodeErrorKind>,
}

impl StringForm {
    fn of<T>() -> StringForm
    where
        T: StringArgument,
        T::Value: DynValue,
    {
        StringForm {
            to_string: |value, out| T::to_string(&T::Value::from_value(value)?, out),
            from_string: |input| T::from_string(input).map(DynValue::into_value),
        }
    }
}

impl<T> DynArgument for Registered<T>
where
    T: ArgumentType + 'static,
    T::Value: DynValue,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn value_type(&self) -> TypeRef {
        T::Value::value_type()
    }

    fn to_box(&self, name: &str, value: &Value, out: &mut AmpBox, acx: &mut ArgContext) -> Result<(), EncodeError> {
        let v = T::Value::from_value(value).map_err(|why| invalid(name, why))?;
        T::to_box(name, &v, out, acx)
    }

    fn from_box(&self, name: &str, input: &AmpBox, acx: &mut ArgContext) -> Result<Option<Value>, DecodeError> {
        Ok(T::from_box(name, input, acx)?.map(DynValue::into_value))
    }

    fn has_string_form(&self) -> bool {
        self.string_form.is_some()
    }

    fn to_string(&self, value: &Value, out: &mut BytesMut) -> Result<(), String> {
        match self.string_form {
            Some(form) => (form.to_string)(value, out),
            None => Err(no_string_form(&self.name)),
        }
    }

    fn from_string(&self, input: Bytes) -> Result<Value, DecodeErrorKind> {
        match self.string_form {
            Some(form) => (form.from_string)(input),
            None => Err(DecodeErrorKind::Custom(no_string_form(&self.name))),
        }
    }
}

/// Custom argument types by name, for schema-driven encoding and decoding.
///
/// Built-in types need no registration; only the names a schema declares
/// under `[types.NAME]` are looked up here.
///
/// ```
/// use amp_runtime::dynamic::TypeRegistry;
/// use amp_runtime::types::Integer;
/// let mut registry = TypeRegistry::new();
/// // A custom name for a codec with a plain string form (usable in ListOf).
/// registry.register_string::<Integer<u64>>("Port");
/// assert!(registry.get("Port").unwrap().has_string_form());
/// ```
#[derive(Clone, Default)]
pub struct TypeRegistry {
    types: HashMap<String, Arc<dyn DynArgument>>,
}

impl TypeRegistry {
    /// An empty registry.
    pub fn new() -> TypeRegistry {
        TypeRegistry::default()
    }

    /// Adds `ty` under its [`name`](DynArgument::name), returning what it replaces.
    pub fn insert(&mut self, ty: Arc<dyn DynArgument>) -> Option<Arc<dyn DynArgument>> {
        self.types.insert(ty.name().to_owned(), ty)
    }

    /// Registers the static codec `T` (box form only) as `name`; its value
    /// converts through [`DynValue`] (a `Value = Bytes` codec carries
    /// [`Value::String`]).
    pub fn register<T>(&mut self, name: &str) -> &mut TypeRegistry
    where
        T: ArgumentType + 'static,
        T::Value: DynValue,
    {
        self.insert(Arc::new(Registered::<T> { name: name.to_owned(), string_form: None, codec: PhantomData }));
        self
    }

    /// Registers the static codec `T`, which has a plain string form (so it
    /// can also be a `ListOf` element), as `name`.
    pub fn register_string<T>(&mut self, name: &str) -> &mut TypeRegistry
    where
        T: StringArgument + 'static,
        T::Value: DynValue,
    {
        let string_form = Some(StringForm::of::<T>());
        self.insert(Arc::new(Registered::<T> { name: name.to_owned(), string_form, codec: PhantomData }));
        self
    }

    /// The type registered as `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn DynArgument>> {
        self.types.get(name)
    }

    /// Whether `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.types.contains_key(name)
    }

    /// The registered names, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.types.keys().map(String::as_str)
    }

    /// The custom type names `schema` declares or uses that are not
    /// registered, each once, in schema order: empty when every field can be
    /// encoded and decoded.
    pub fn unresolved<'s>(&self, schema: &'s Schema) -> Vec<&'s str> {
        fn walk<'s>(ty: &'s TypeRef, out: &mut Vec<&'s str>) {
            match ty {
                TypeRef::Custom(name) => out.push(name),
                TypeRef::ListOf(inner) => walk(inner, out),
                TypeRef::AmpList(fields) => fields.iter().for_each(|f| walk(&f.ty, out)),
                _ => {}
            }
        }
        let mut names: Vec<&'s str> = schema.types.iter().map(|t| t.name.as_str()).collect();
        for command in &schema.commands {
            for field in command.arguments.iter().chain(&command.response) {
                walk(&field.ty, &mut names);
            }
        }
        let mut seen = std::collections::HashSet::new();
        names.retain(|n| !self.contains(n) && seen.insert(*n));
        names
    }

    /// The built-in shape of the values of `ty`: custom types replaced by
    /// their [`value_type`](DynArgument::value_type), inside `ListOf` and
    /// `AmpList` too. `Err` names an unregistered type. A CLI uses it to
    /// read user input for a field.
    pub fn resolve(&self, ty: &TypeRef) -> Result<TypeRef, String> {
        Ok(match ty {
            TypeRef::Custom(name) => {
                self.get(name).ok_or_else(|| format!("unknown argument type {name}"))?.value_type()
            }
            TypeRef::ListOf(inner) => TypeRef::ListOf(Box::new(self.resolve(inner)?)),
            TypeRef::AmpList(fields) => TypeRef::AmpList(
                fields
                    .iter()
                    .map(|f| Ok(Field { ty: self.resolve(&f.ty)?, ..f.clone() }))
                    .collect::<Result<Vec<Field>, String>>()?,
            ),
            other => other.clone(),
        })
    }
}

impl fmt::Debug for TypeRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.names().collect();
        names.sort_unstable();
        f.debug_struct("TypeRegistry").field("types", &names).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Integer;

    #[test]
    fn the_string_form_is_there_only_when_registered_as_a_string_argument() {
        let mut registry = TypeRegistry::new();
        registry.register::<Integer>("Boxed").register_string::<Integer>("Plain");
        let value = Value::from(-7i64);

        let boxed = registry.get("Boxed").unwrap();
        assert!(!boxed.has_string_form());
        assert_eq!(boxed.to_string(&value, &mut BytesMut::new()), Err("type Boxed has no plain string form".into()));
        assert!(boxed.from_string(Bytes::from_static(b"-7")).is_err());

        let plain = registry.get("Plain").unwrap();
        assert!(plain.has_string_form());
        let mut out = BytesMut::new();
        plain.to_string(&value, &mut out).unwrap();
        assert_eq!(&out[..], b"-7");
        assert_eq!(plain.from_string(out.freeze()).unwrap(), value);

        // Both encode the same box form.
        let (mut a, mut b) = (AmpBox::new(), AmpBox::new());
        boxed.to_box("n", &value, &mut a, &mut ArgContext::new()).unwrap();
        plain.to_box("n", &value, &mut b, &mut ArgContext::new()).unwrap();
        assert_eq!(a, b);
        assert_eq!(boxed.from_box("n", &a, &mut ArgContext::new()).unwrap(), Some(value));
    }
}
