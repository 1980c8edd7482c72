//! The dynamic value layer: byte-identical to the static codecs for every
//! type, and its own rules (unknown, missing, repeated, mistyped arguments).

use std::fmt::Debug;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Arc;

use amp_runtime::dynamic::{
    decode_argument, decode_fields, encode_argument, encode_fields, value_from_string, value_to_string, DynValue,
    Fields, TypeRegistry, Value,
};
use amp_runtime::types::{self, optional, required, write_optional};
use amp_runtime::{
    values, AmpBox, ArgContext, ArgumentType, BigInt, BoxFields, DecodeError, DecodeErrorKind, EncodeError,
};
use amp_schema::{Field, IntRepr, Span, TypeRef};
use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

mod common;
use common::{big_int, date_time, decimal, item, Item};

/// A custom type owning two keys, like Evennia's `Compressed`: the value
/// under `name`, its length under `name.len`.
struct Measured;

impl ArgumentType for Measured {
    type Value = Bytes;

    fn to_box(name: &str, value: &Bytes, out: &mut AmpBox, _cx: &mut ArgContext) -> Result<(), EncodeError> {
        out.insert(name.to_owned(), value.clone());
        out.insert(format!("{name}.len"), value.len().to_string());
        Ok(())
    }

    fn from_box(name: &str, input: &AmpBox, _cx: &mut ArgContext) -> Result<Option<Bytes>, DecodeError> {
        let Some(v) = input.get(name) else { return Ok(None) };
        let len = input.get(format!("{name}.len")).map(|l| l.to_vec());
        if len != Some(v.len().to_string().into_bytes()) {
            return Err(DecodeError::new(name, DecodeErrorKind::Custom("length mismatch".into())));
        }
        Ok(Some(v.clone()))
    }
}

fn registry() -> TypeRegistry {
    let mut r = TypeRegistry::new();
    r.register::<Measured>("Measured").register_string::<types::Integer<u64>>("Port");
    r
}

fn field(name: &str, ty: TypeRef, optional: bool) -> Field {
    Field { name: name.into(), ty, optional, span: Span::default() }
}

fn serialized(b: &AmpBox) -> Bytes {
    b.serialize().unwrap()
}

/// The static codec `T` and the dynamic type `ty` write the same bytes for
/// `v` and read those bytes back to the same value.
fn same<T>(ty: TypeRef, v: T::Value) -> Result<(), TestCaseError>
where
    T: ArgumentType,
    T::Value: DynValue + Clone + Debug,
{
    let registry = registry();
    let mut by_static = AmpBox::new();
    T::to_box("k", &v, &mut by_static, &mut ArgContext::new()).unwrap();
    let mut by_dynamic = AmpBox::new();
    encode_argument("k", &ty, &v.clone().into_value(), &mut by_dynamic, &registry, &mut ArgContext::new()).unwrap();
    prop_assert_eq!(serialized(&by_static), serialized(&by_dynamic), "{:?}", v);

    let back_static = T::from_box("k", &by_static, &mut ArgContext::new()).unwrap().unwrap();
    let back_dynamic = decode_argument("k", &ty, &by_static, &registry, &mut ArgContext::new()).unwrap().unwrap();
    prop_assert_eq!(back_dynamic, back_static.into_value());
    Ok(())
}

/// Static and dynamic decoding of the same (possibly bad) value agree, errors included.
fn same_decoding<T>(ty: &TypeRef, raw: &[u8]) -> Result<(), TestCaseError>
where
    T: ArgumentType,
    T::Value: DynValue,
{
    let input: AmpBox = [("k", Bytes::copy_from_slice(raw))].into_iter().collect();
    let by_static = T::from_box("k", &input, &mut ArgContext::new()).map(|o| o.map(DynValue::into_value));
    let by_dynamic = decode_argument("k", ty, &input, &registry(), &mut ArgContext::new());
    prop_assert_eq!(by_static, by_dynamic);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn plain_types_are_byte_identical(
        a in any::<i64>(), b in any::<u64>(), c in any::<i128>(), d in big_int(),
        raw in proptest::collection::vec(any::<u8>(), 0..64), text in ".{0,40}", flag: bool, bits in any::<u64>(),
        dec in decimal(), when in date_time(),
    ) {
        same::<types::Integer>(TypeRef::Integer(IntRepr::I64), a)?;
        same::<types::Integer<u64>>(TypeRef::Integer(IntRepr::U64), b)?;
        same::<types::Integer<i128>>(TypeRef::Integer(IntRepr::I128), c)?;
        same::<types::Integer<BigInt>>(TypeRef::Integer(IntRepr::Big), d)?;
        same::<types::String>(TypeRef::String, Bytes::from(raw))?;
        same::<types::Unicode>(TypeRef::Unicode, text.clone())?;
        same::<types::Path>(TypeRef::Path, PathBuf::from(text))?;
        same::<types::Boolean>(TypeRef::Boolean, flag)?;
        same::<types::Float>(TypeRef::Float, f64::from_bits(bits))?;
        same::<types::Decimal>(TypeRef::Decimal, dec)?;
        same::<types::DateTime>(TypeRef::DateTime, when)?;
    }

    #[test]
    fn lists_and_custom_types_are_byte_identical(
        ints in proptest::collection::vec(any::<i64>(), 0..20),
        nested in proptest::collection::vec(proptest::collection::vec(".{0,6}", 0..4), 0..4),
        decimals in proptest::collection::vec(decimal(), 0..6),
        ports in proptest::collection::vec(any::<u64>(), 0..6),
        blob in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let list = |t: TypeRef| TypeRef::ListOf(Box::new(t));
        same::<types::ListOf<types::Integer>>(list(TypeRef::Integer(IntRepr::I64)), ints)?;
        same::<types::ListOf<types::ListOf<types::Unicode>>>(list(list(TypeRef::Unicode)), nested)?;
        same::<types::ListOf<types::Decimal>>(list(TypeRef::Decimal), decimals)?;
        // A registered string-form type as a ListOf element.
        same::<types::ListOf<types::Integer<u64>>>(list(TypeRef::Custom("Port".into())), ports)?;
        same::<Measured>(TypeRef::Custom("Measured".into()), Bytes::from(blob))?;
    }

    #[test]
    fn decoding_agrees_on_any_bytes(raw in proptest::collection::vec(any::<u8>(), 0..40), text in "[-+ _.0-9eE]{0,12}") {
        for raw in [raw.as_slice(), text.as_bytes()] {
            same_decoding::<types::Integer>(&TypeRef::Integer(IntRepr::I64), raw)?;
            same_decoding::<types::Integer<u64>>(&TypeRef::Integer(IntRepr::U64), raw)?;
            same_decoding::<types::Float>(&TypeRef::Float, raw)?;
            same_decoding::<types::Decimal>(&TypeRef::Decimal, raw)?;
            same_decoding::<types::DateTime>(&TypeRef::DateTime, raw)?;
            same_decoding::<types::Unicode>(&TypeRef::Unicode, raw)?;
            same_decoding::<types::Boolean>(&TypeRef::Boolean, raw)?;
            same_decoding::<types::ListOf<types::Integer>>(&TypeRef::ListOf(Box::new(TypeRef::Integer(IntRepr::I64))), raw)?;
        }
    }
}

// ---- AmpList and whole boxes, against hand-written BoxFields ----

fn item_fields(item: &Item) -> Fields {
    let mut f = Fields::new();
    f.push("id", Some(item.id.into_value()));
    f.push("label", item.label.clone().map(Value::from));
    f.push("tags", item.tags.clone().map(DynValue::into_value));
    f
}

const SCHEMA: &str = r#"
[types.Measured]
rust = "Measured"

[types.Port]
rust = "Port"

[commands.Everything]
arguments = [
    { name = "int", type = "Integer" },
    { name = "big", type = "Integer", repr = "big" },
    { name = "raw", type = "String" },
    { name = "text", type = "Unicode" },
    { name = "path", type = "Path" },
    { name = "flag", type = "Boolean" },
    { name = "float", type = "Float" },
    { name = "dec", type = "Decimal" },
    { name = "when", type = "DateTime" },
    { name = "items", type = "AmpList", fields = [
        { name = "id", type = "Integer" },
        { name = "label", type = "Unicode", optional = true },
        { name = "tags", type = "ListOf", of = "String", optional = true },
    ] },
    { name = "blob", type = "Measured" },
    { name = "ports", type = "ListOf", of = "Port" },
    { name = "maybe", type = "Integer", repr = "u64", optional = true },
]
"#;

#[derive(Debug, Clone, PartialEq)]
struct Everything {
    int: i64,
    big: BigInt,
    raw: Bytes,
    text: String,
    path: PathBuf,
    flag: bool,
    float: f64,
    dec: values::Decimal,
    when: values::DateTime,
    items: Vec<Item>,
    blob: Bytes,
    ports: Vec<u64>,
    maybe: Option<u64>,
}

impl BoxFields for Everything {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        types::Integer::<i64>::to_box("int", &self.int, out, cx)?;
        types::Integer::<BigInt>::to_box("big", &self.big, out, cx)?;
        types::String::to_box("raw", &self.raw, out, cx)?;
        types::Unicode::to_box("text", &self.text, out, cx)?;
        types::Path::to_box("path", &self.path, out, cx)?;
        types::Boolean::to_box("flag", &self.flag, out, cx)?;
        types::Float::to_box("float", &self.float, out, cx)?;
        types::Decimal::to_box("dec", &self.dec, out, cx)?;
        types::DateTime::to_box("when", &self.when, out, cx)?;
        types::AmpList::<Item>::to_box("items", &self.items, out, cx)?;
        Measured::to_box("blob", &self.blob, out, cx)?;
        types::ListOf::<types::Integer<u64>>::to_box("ports", &self.ports, out, cx)?;
        write_optional::<types::Integer<u64>>("maybe", &self.maybe, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Everything {
            int: required::<types::Integer>("int", input, cx)?,
            big: required::<types::Integer<BigInt>>("big", input, cx)?,
            raw: required::<types::String>("raw", input, cx)?,
            text: required::<types::Unicode>("text", input, cx)?,
            path: required::<types::Path>("path", input, cx)?,
            flag: required::<types::Boolean>("flag", input, cx)?,
            float: required::<types::Float>("float", input, cx)?,
            dec: required::<types::Decimal>("dec", input, cx)?,
            when: required::<types::DateTime>("when", input, cx)?,
            items: required::<types::AmpList<Item>>("items", input, cx)?,
            blob: required::<Measured>("blob", input, cx)?,
            ports: required::<types::ListOf<types::Integer<u64>>>("ports", input, cx)?,
            maybe: optional::<types::Integer<u64>>("maybe", input, cx)?,
        })
    }
}

impl Everything {
    /// The same values as dynamic fields, in an order unlike the schema's.
    fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        f.push("maybe", self.maybe.map(Value::from));
        f.set("when", self.when);
        f.set("int", self.int);
        f.set("big", self.big.clone());
        f.set("raw", self.raw.clone());
        f.set("text", self.text.clone());
        f.set("path", self.path.clone().into_value());
        f.set("flag", self.flag);
        f.set("float", self.float);
        f.set("dec", self.dec.clone());
        f.set("items", self.items.iter().map(item_fields).collect::<Vec<Fields>>());
        f.set("blob", self.blob.clone());
        f.set("ports", self.ports.clone().into_value());
        f
    }
}

fn everything() -> impl Strategy<Value = Everything> {
    (
        (
            any::<i64>(),
            big_int(),
            proptest::collection::vec(any::<u8>(), 0..32),
            ".{0,20}",
            "[a-z/]{0,20}",
            any::<bool>(),
        ),
        (any::<f64>(), decimal(), date_time(), proptest::collection::vec(item(), 0..4)),
        (
            proptest::collection::vec(any::<u8>(), 0..32),
            proptest::collection::vec(any::<u64>(), 0..4),
            proptest::option::of(any::<u64>()),
        ),
    )
        .prop_map(|((int, big, raw, text, path, flag), (float, dec, when, items), (blob, ports, maybe))| {
            Everything {
                int,
                big,
                raw: Bytes::from(raw),
                text,
                path: PathBuf::from(path),
                flag,
                float,
                dec,
                when,
                items,
                blob: Bytes::from(blob),
                ports,
                maybe,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn whole_command_boxes_are_byte_identical(v in everything()) {
        let schema = amp_schema::parse(SCHEMA).unwrap();
        let fields = &schema.command("Everything").unwrap().arguments;
        let registry = registry();

        let mut by_static = AmpBox::new();
        v.write_fields(&mut by_static, &mut ArgContext::new()).unwrap();
        let by_dynamic = encode_fields(fields, &v.to_fields(), &registry, &mut ArgContext::new()).unwrap();
        prop_assert_eq!(serialized(&by_static), serialized(&by_dynamic));

        // Decoding gives every declared field, in schema order.
        let decoded = decode_fields(fields, &by_static, &registry, &mut ArgContext::new()).unwrap();
        let names: Vec<&str> = decoded.iter().map(|(n, _)| n).collect();
        let declared: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        prop_assert_eq!(names, declared);
        let mut expected = v.to_fields();
        let mut reordered = Fields::new();
        for f in fields {
            reordered.push(f.name.clone(), expected.remove(&f.name));
        }
        prop_assert_eq!(&decoded, &reordered);
        // And the static struct reads what the dynamic layer wrote.
        let float_bits = |e: &Everything| e.float.to_bits();
        let back = Everything::read_fields(&by_dynamic, &mut ArgContext::new()).unwrap();
        prop_assert_eq!(float_bits(&back), float_bits(&v));
        if !v.float.is_nan() {
            prop_assert_eq!(back, v);
        }
    }
}

#[test]
fn amp_list_element_with_nothing_in_it() {
    let ty = TypeRef::AmpList(vec![field("name", TypeRef::Unicode, true)]);
    let value = Value::AmpList(vec![Fields::new(), [("name", Value::from("foo"))].into_iter().collect()]);
    let mut out = AmpBox::new();
    encode_argument("l", &ty, &value, &mut out, &TypeRegistry::new(), &mut ArgContext::new()).unwrap();
    assert_eq!(out.get("l").unwrap().as_ref(), b"\x00\x00\x00\x04name\x00\x03foo\x00\x00");
    let back = decode_argument("l", &ty, &out, &TypeRegistry::new(), &mut ArgContext::new()).unwrap().unwrap();
    let mut absent = Fields::new();
    absent.push("name", None);
    let mut present = Fields::new();
    present.push("name", Some(Value::from("foo")));
    assert_eq!(back, Value::AmpList(vec![absent, present]));
}

#[test]
fn descriptors_are_byte_identical_and_share_the_context() {
    let fd: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    let mut static_cx = ArgContext::new();
    let mut by_static = AmpBox::new();
    types::Descriptor::to_box("a", &fd, &mut by_static, &mut static_cx).unwrap();
    types::Descriptor::to_box("b", &fd, &mut by_static, &mut static_cx).unwrap();

    let fields = [field("a", TypeRef::Descriptor, false), field("b", TypeRef::Descriptor, false)];
    let shared = Value::Descriptor(Arc::new(fd));
    let values: Fields = [("b", shared.clone()), ("a", shared.clone())].into_iter().collect();
    let mut dynamic_cx = ArgContext::new();
    let by_dynamic = encode_fields(&fields, &values, &TypeRegistry::new(), &mut dynamic_cx).unwrap();
    assert_eq!(serialized(&by_static), serialized(&by_dynamic));
    assert_eq!(by_dynamic.get("a").unwrap(), "0");
    assert_eq!(by_dynamic.get("b").unwrap(), "1");
    assert_eq!(dynamic_cx.fds_out.len(), 2);

    let mut receive = ArgContext::new();
    receive.fds_in.extend(dynamic_cx.fds_out.drain(..));
    let decoded = decode_fields(&fields, &by_dynamic, &TypeRegistry::new(), &mut receive).unwrap();
    let fds: Vec<i32> = decoded
        .iter()
        .map(|(_, v)| match v {
            Some(Value::Descriptor(fd)) => fd.as_raw_fd(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(fds.len(), 2);
    assert!(receive.fds_in.is_empty());
}

// ---- The dynamic layer's own rules ----

fn sum_fields() -> Vec<Field> {
    vec![field("a", TypeRef::Integer(IntRepr::I64), false), field("note", TypeRef::Unicode, true)]
}

fn encode(values: Fields) -> Result<AmpBox, EncodeError> {
    encode_fields(&sum_fields(), &values, &registry(), &mut ArgContext::new())
}

#[test]
fn unknown_argument_is_refused() {
    let e = encode([("a", Value::from(1i64)), ("b", Value::from(2i64))].into_iter().collect()).unwrap_err();
    assert_eq!(e, EncodeError::UnknownArgument { key: "b".into() });
}

#[test]
fn missing_required_argument_is_refused_absent_optional_is_fine() {
    let e = encode([("note", Value::from("x"))].into_iter().collect()).unwrap_err();
    assert_eq!(e.to_string(), "argument \"a\": required but missing");
    let mut explicit_none = Fields::new();
    explicit_none.push("a", None);
    assert!(matches!(encode(explicit_none), Err(EncodeError::Invalid { .. })));
    let mut no_note = Fields::new();
    no_note.push("a", Some(Value::from(1i64))).push("note", None);
    assert_eq!(serialized(&encode(no_note).unwrap()).as_ref(), b"\x00\x01a\x00\x011\x00\x00");
}

#[test]
fn repeated_argument_is_refused() {
    let e = encode([("a", Value::from(1i64)), ("a", Value::from(2i64))].into_iter().collect()).unwrap_err();
    assert_eq!(e.to_string(), "argument \"a\": given more than once");
}

#[test]
fn wrong_kind_and_out_of_range_values_are_refused() {
    let e = encode([("a", Value::from("1"))].into_iter().collect()).unwrap_err();
    assert_eq!(e.to_string(), "argument \"a\": expected a Integer value, got Unicode");
    let e = encode([("a", Value::Integer(BigInt::from(1u128 << 64)))].into_iter().collect()).unwrap_err();
    assert_eq!(e.to_string(), "argument \"a\": 18446744073709551616 is out of range for i64");
    let ty = TypeRef::ListOf(Box::new(TypeRef::Boolean));
    let e = encode_argument(
        "l",
        &ty,
        &Value::List(vec![Value::from(true), Value::from(1.5)]),
        &mut AmpBox::new(),
        &registry(),
        &mut ArgContext::new(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "argument \"l\": list element 1: expected a Boolean value, got Float");
}

#[test]
fn decoding_missing_absent_and_unknown_keys() {
    let input: AmpBox = [("a", "5"), ("extra", "ignored")].into_iter().collect();
    let got = decode_fields(&sum_fields(), &input, &registry(), &mut ArgContext::new()).unwrap();
    assert_eq!(got.into_vec(), vec![("a".into(), Some(Value::from(5i64))), ("note".into(), None)]);
    let e = decode_fields(&sum_fields(), &AmpBox::new(), &registry(), &mut ArgContext::new()).unwrap_err();
    assert_eq!(e, DecodeError::new("a", DecodeErrorKind::Missing));
}

#[test]
fn unknown_types_and_types_without_a_string_form() {
    let r = registry();
    let mut out = AmpBox::new();
    let e =
        encode_argument("x", &TypeRef::Custom("Nope".into()), &Value::from(1i64), &mut out, &r, &mut ArgContext::new());
    assert!(e.unwrap_err().to_string().contains("unknown argument type Nope"));
    let input: AmpBox = [("x", "1")].into_iter().collect();
    let e = decode_argument("x", &TypeRef::Custom("Nope".into()), &input, &r, &mut ArgContext::new()).unwrap_err();
    assert!(matches!(e.kind, DecodeErrorKind::Custom(_)));
    // A box-form custom type cannot be a ListOf element, nor can AmpList or Descriptor.
    for element in [TypeRef::Custom("Measured".into()), TypeRef::Descriptor, TypeRef::AmpList(vec![])] {
        let list = TypeRef::ListOf(Box::new(element));
        let v = Value::List(vec![Value::String(Bytes::new())]);
        assert!(value_to_string(&list, &v, &mut BytesMut::new(), &r).unwrap_err().contains("no plain string form"));
        assert!(matches!(
            value_from_string(&list, Bytes::from_static(b"\x00\x00"), &r),
            Err(DecodeErrorKind::BadListElement { .. })
        ));
    }
}

#[test]
fn registry_resolves_and_reports_missing_types() {
    let schema = amp_schema::parse(SCHEMA).unwrap();
    assert!(registry().unresolved(&schema).is_empty());
    assert_eq!(TypeRegistry::new().unresolved(&schema), vec!["Measured", "Port"]);
    let r = registry();
    assert_eq!(r.resolve(&TypeRef::Custom("Measured".into())).unwrap(), TypeRef::String);
    assert_eq!(
        r.resolve(&TypeRef::ListOf(Box::new(TypeRef::Custom("Port".into())))).unwrap(),
        TypeRef::ListOf(Box::new(TypeRef::Integer(IntRepr::U64)))
    );
    assert!(r.resolve(&TypeRef::Custom("Nope".into())).is_err());
    assert!(format!("{r:?}").contains("Measured"));
}

#[test]
fn custom_type_errors_pass_through() {
    let input: AmpBox = [("blob", "abc"), ("blob.len", "4")].into_iter().collect();
    let e = decode_argument("blob", &TypeRef::Custom("Measured".into()), &input, &registry(), &mut ArgContext::new());
    assert_eq!(e.unwrap_err(), DecodeError::new("blob", DecodeErrorKind::Custom("length mismatch".into())));
    let e = encode_argument(
        "blob",
        &TypeRef::Custom("Measured".into()),
        &Value::from(1i64),
        &mut AmpBox::new(),
        &registry(),
        &mut ArgContext::new(),
    );
    assert_eq!(e.unwrap_err().to_string(), "argument \"blob\": expected a String value, got Integer");
}

#[test]
fn value_equality_is_representational() {
    assert_eq!(Value::Float(f64::NAN), Value::Float(f64::NAN));
    assert_ne!(Value::Float(0.0), Value::Float(-0.0));
    assert_ne!(Value::Unicode("a".into()), Value::Path("a".into()));
    assert_eq!(Value::from(3i64).type_name(), "Integer");
}
