//! serde: a [`Value`] to any `Deserialize` type, and `Deserialize` for [`Value`].
//!
//! Python `tuple`, `list`, `set` and `frozenset` all read as sequences (so as
//! Rust tuples, `Vec`s or sets); `dict` reads as a map or a struct, in dict
//! order (so an order-keeping map type keeps it); `None` reads as
//! `Option::None` or `()`; `bytes` and `bytearray` as byte strings or
//! sequences of `u8`; a `collections.OrderedDict` object as a map.
//!
//! A [`Value`] held inside a typed structure keeps its exact Python type
//! (tuple vs list, set, objects...) when it comes from this deserializer.

use num_traits::ToPrimitive;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};
use serde::Deserialize;

use super::error::Error;
use super::handoff;
use super::value::{ObjectKind, Value};

/// Converts a [`Value`] to any deserializable type.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    T::deserialize(ValueDeserializer(value))
}

/// What a value looks like in a type mismatch message.
fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::None => Unexpected::Other("None"),
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Int(n) => Unexpected::Signed(*n),
        Value::BigInt(_) => Unexpected::Other("big int"),
        Value::Float(x) => Unexpected::Float(*x),
        Value::Str(s) => Unexpected::Str(s),
        Value::Bytes(b) => Unexpected::Bytes(b),
        Value::ByteArray(_) => Unexpected::Other("bytearray"),
        Value::List(_) => Unexpected::Other("list"),
        Value::Tuple(_) => Unexpected::Other("tuple"),
        Value::Dict(_) => Unexpected::Other("dict"),
        Value::Set(_) => Unexpected::Other("set"),
        Value::FrozenSet(_) => Unexpected::Other("frozenset"),
        Value::Global(_) => Unexpected::Other("global"),
        Value::Object(_) => Unexpected::Other("object"),
    }
}

/// The pairs a value offers as a map: a dict's, or an `OrderedDict`'s items.
fn map_pairs(v: Value) -> Result<Vec<(Value, Value)>, Value> {
    match v {
        Value::Dict(pairs) => Ok(pairs),
        Value::Object(o)
            if o.kind == ObjectKind::Reduce
                && o.args.is_empty()
                && o.list_items.is_empty()
                && o.state.is_none()
                && o.global().is_some_and(|g| g.is("collections", "OrderedDict")) =>
        {
            Ok(o.dict_items)
        }
        other => Err(other),
    }
}

/// The deserializer behind [`from_value`], owning the value it reads.
#[derive(Debug)]
pub struct ValueDeserializer(Value);

impl ValueDeserializer {
    /// A deserializer reading `value`.
    pub fn new(value: Value) -> Self {
        ValueDeserializer(value)
    }

    fn invalid<T>(&self, exp: &dyn de::Expected) -> Result<T, Error> {
        Err(de::Error::invalid_type(unexpected(&self.0), exp))
    }
}

fn visit_seq<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let len = items.len();
    let mut seq = SeqDe(items.into_iter());
    let out = visitor.visit_seq(&mut seq)?;
    if seq.0.len() != 0 {
        return Err(de::Error::invalid_length(len, &"fewer items"));
    }
    Ok(out)
}

fn visit_map<'de, V: Visitor<'de>>(pairs: Vec<(Value, Value)>, visitor: V) -> Result<V::Value, Error> {
    let len = pairs.len();
    let mut map = MapDe { pairs: pairs.into_iter(), value: None };
    let out = visitor.visit_map(&mut map)?;
    if map.pairs.len() != 0 {
        return Err(de::Error::invalid_length(len, &"fewer entries"));
    }
    Ok(out)
}

fn fields(pairs: Vec<(&'static str, Value)>) -> Vec<(Value, Value)> {
    pairs.into_iter().map(|(k, v)| (Value::from(k), v)).collect()
}

/// Integer targets take ints only (not bools or floats), with serde's range checks.
macro_rules! int_methods {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Int(_) | Value::BigInt(_) => self.deserialize_any(visitor),
                _ => self.invalid(&visitor),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueDeserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::None => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Int(n) => visitor.visit_i64(n),
            Value::BigInt(n) => {
                if let Some(x) = n.to_u128() {
                    visitor.visit_u128(x)
                } else if let Some(x) = n.to_i128() {
                    visitor.visit_i128(x)
                } else {
                    match Value::BigInt(n).int_text() {
                        Some(digits) => visitor.visit_string(digits),
                        None => Err(de::Error::custom("an int of more than 4300 digits has no text form")),
                    }
                }
            }
            Value::Float(x) => visitor.visit_f64(x),
            Value::Str(s) => visitor.visit_string(s),
            Value::Bytes(b) | Value::ByteArray(b) => visitor.visit_byte_buf(b),
            Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
                visit_seq(items, visitor)
            }
            Value::Dict(pairs) => visit_map(pairs, visitor),
            Value::Global(g) => {
                visit_map(fields(vec![("module", Value::Str(g.module)), ("name", Value::Str(g.name))]), visitor)
            }
            v @ Value::Object(_) => match map_pairs(v) {
                Ok(pairs) => visit_map(pairs, visitor),
                Err(Value::Object(o)) => {
                    let o = *o;
                    let kind = Value::from(format!("{:?}", o.kind));
                    let parts = fields(vec![
                        ("callable", o.callable),
                        ("kind", kind),
                        ("args", Value::List(o.args)),
                        ("kwargs", Value::Dict(o.kwargs)),
                        ("list_items", Value::List(o.list_items)),
                        ("dict_items", Value::Dict(o.dict_items)),
                        ("state", Value::List(o.state.into_iter().collect())),
                    ]);
                    visit_map(parts, visitor)
                }
                Err(other) => ValueDeserializer(other).deserialize_any(visitor),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::None => visitor.visit_none(),
            other => visitor.visit_some(ValueDeserializer(other)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::None => visitor.visit_unit(),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, Error> {
        if name == handoff::VALUE {
            // `Value`'s own Deserialize: hand the value over whole.
            let _slot = handoff::put(self.0);
            return visitor.visit_newtype_struct(HandedOff);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
                visit_seq(items, visitor)
            }
            Value::Bytes(b) | Value::ByteArray(b) => visit_seq(b.into_iter().map(Value::from).collect(), visitor),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match map_pairs(self.0) {
            Ok(pairs) => visit_map(pairs, visitor),
            Err(other) => ValueDeserializer(other).invalid(&visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match map_pairs(self.0) {
            Ok(pairs) => visit_map(pairs, visitor),
            Err(Value::List(items) | Value::Tuple(items)) => visit_seq(items, visitor),
            Err(other) => ValueDeserializer(other).invalid(&visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Str(_) => visitor.visit_enum(Variant { name: self.0, content: None }),
            Value::Dict(mut pairs) if pairs.len() == 1 => {
                let (name, content) = pairs.pop().expect("one pair");
                visitor.visit_enum(Variant { name, content: Some(content) })
            }
            _ => self.invalid(&"a str (unit variant) or a dict with one key (variant with content)"),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bytes(b) | Value::ByteArray(b) => visitor.visit_byte_buf(b),
            Value::Str(s) => visitor.visit_string(s),
            Value::List(items) | Value::Tuple(items) => visit_seq(items, visitor),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Str(s) => visitor.visit_string(s),
            Value::Int(n) if n >= 0 => visitor.visit_u64(n as u64),
            Value::Bytes(b) => visitor.visit_byte_buf(b),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        drop(self);
        visitor.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(b),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Str(s) => visitor.visit_string(s),
            _ => self.invalid(&visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    int_methods! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Float(_) | Value::Int(_) | Value::BigInt(_) => self.deserialize_any(visitor),
            _ => self.invalid(&visitor),
        }
    }
}

impl IntoDeserializer<'_, Error> for Value {
    type Deserializer = ValueDeserializer;
    fn into_deserializer(self) -> ValueDeserializer {
        ValueDeserializer(self)
    }
}

struct SeqDe(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for SeqDe {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.0.next() {
            Some(v) => seed.deserialize(ValueDeserializer(v)).map(Some),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapDe {
    pairs: std::vec::IntoIter<(Value, Value)>,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for MapDe {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.pairs.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(ValueDeserializer(k)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        let v = self.value.take().ok_or_else(|| Error::Message("a map value was read before its key".into()))?;
        seed.deserialize(ValueDeserializer(v))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.pairs.len())
    }
}

/// An enum variant: its name and content (serde_json's external tagging).
struct Variant {
    name: Value,
    content: Option<Value>,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = VariantContent;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, VariantContent), Error> {
        let name = seed.deserialize(ValueDeserializer(self.name))?;
        Ok((name, VariantContent(self.content)))
    }
}

struct VariantContent(Option<Value>);

impl VariantContent {
    fn content(self) -> Result<Value, Error> {
        self.0.ok_or_else(|| de::Error::invalid_type(Unexpected::UnitVariant, &"a variant with content"))
    }
}

impl<'de> VariantAccess<'de> for VariantContent {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            None | Some(Value::None) => Ok(()),
            Some(other) => Err(de::Error::invalid_type(unexpected(&other), &"a unit variant")),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(ValueDeserializer(self.content()?))
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        ValueDeserializer(self.content()?).deserialize_tuple(len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        ValueDeserializer(self.content()?).deserialize_struct("", fields, visitor)
    }
}

/// What a visitor that does not take the handed-off value reads instead: the
/// same value, through the data model.
struct HandedOff;

impl<'de> Deserializer<'de> for HandedOff {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        ValueDeserializer(handoff::take().unwrap_or(Value::None)).deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_newtype_struct(handoff::VALUE, ValueVisitor)
    }
}

/// Builds a [`Value`] from whatever a deserializer offers.
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match handoff::take() {
            Some(v) => Ok(v),
            None => d.deserialize_any(self),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut pairs: Vec<(Value, Value)> = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(pair) = map.next_entry()? {
            pairs.push(pair);
        }
        // serde_json with `arbitrary_precision` passes numbers as this one-entry map.
        if let [(Value::Str(k), Value::Str(digits))] = pairs.as_slice() {
            if k == "$serde_json::private::Number" {
                return match digits.parse::<num_bigint::BigInt>() {
                    Ok(n) => Ok(Value::from_bigint(n)),
                    Err(_) => digits.parse::<f64>().map(Value::Float).map_err(de::Error::custom),
                };
            }
        }
        Ok(Value::Dict(pairs))
    }
}
