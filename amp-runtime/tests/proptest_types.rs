//! Property tests: every type round-trips (`decode(encode(v)) == v`, and the
//! encoding is canonical: `encode(decode(bytes)) == bytes`), Python's lenient
//! input forms decode to the same value, and whole boxes survive AmpCodec
//! framing split at random points.

use std::path::PathBuf;

use amp_runtime::testing::{round_trip_value, Same};
use amp_runtime::types::{self, optional, required, write_optional, StringArgument};
use amp_runtime::{values, AmpBox, AmpCodec, ArgContext, ArgumentType, BigInt, BoxFields, DecodeError, EncodeError};
use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use tokio_util::codec::Decoder;

mod common;
use common::{big_int, date_time, decimal, item, Item};

/// Round trip and canonical form (`amp_runtime::testing`, the property the
/// conformance tests and the fuzz targets check too): the value comes back
/// and re-encodes to the same bytes.
fn round_trip<T: StringArgument>(value: &T::Value) -> Result<Bytes, TestCaseError>
where
    T::Value: Same,
{
    round_trip_value::<T>(value).map_err(TestCaseError::fail)
}

/// Inserts Python's optional decorations into a decimal integer literal:
/// surrounding whitespace, a `+`, leading zeros, underscores between digits.
fn decorate(text: &str, ws: &str, plus: bool, zeros: usize, underscore_every: usize) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => ("-", d),
        None => (if plus { "+" } else { "" }, text),
    };
    let mut body: String = "0".repeat(zeros);
    body.push_str(digits);
    let mut out = String::new();
    for (i, c) in body.chars().enumerate() {
        if i > 0 && underscore_every > 0 && i % underscore_every == 0 {
            out.push('_');
        }
        out.push(c);
    }
    format!("{ws}{sign}{out}{ws}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn integers(a in any::<i64>(), b in any::<u64>(), c in any::<i128>(), d in big_int()) {
        round_trip::<types::Integer>(&a)?;
        round_trip::<types::Integer<u64>>(&b)?;
        round_trip::<types::Integer<i128>>(&c)?;
        round_trip::<types::Integer<BigInt>>(&d)?;
    }

    #[test]
    fn integers_accept_python_decorations(
        v in any::<i64>(), ws in "[ \t\n\r\x0b\x0c]{0,2}", plus: bool, zeros in 0usize..4, every in 0usize..4,
    ) {
        let text = decorate(&v.to_string(), &ws, plus, zeros, every);
        let got = types::Integer::<i64>::from_string(Bytes::from(text.clone()));
        prop_assert_eq!(got, Ok(v), "{:?}", text);
    }

    #[test]
    fn strings_and_text(raw in proptest::collection::vec(any::<u8>(), 0..200), text in ".{0,80}", flag: bool) {
        round_trip::<types::String>(&Bytes::from(raw))?;
        round_trip::<types::Unicode>(&text)?;
        round_trip::<types::Path>(&PathBuf::from(&text))?;
        round_trip::<types::Boolean>(&flag)?;
    }

    #[test]
    fn floats(bits in any::<u64>()) {
        // Equal bits, or a NaN for a NaN (Python writes every NaN `nan`).
        round_trip::<types::Float>(&f64::from_bits(bits))?;
    }

    #[test]
    fn decimals(d in decimal()) {
        round_trip::<types::Decimal>(&d)?;
        // Display/FromStr agree with the codec.
        prop_assert_eq!(d.to_string().parse::<values::Decimal>().unwrap(), d);
    }

    #[test]
    fn date_times(t in date_time()) {
        prop_assert_eq!(round_trip::<types::DateTime>(&t)?.len(), 32);
    }

    #[test]
    fn lists(
        ints in proptest::collection::vec(any::<i64>(), 0..50),
        texts in proptest::collection::vec(".{0,10}", 0..20),
        nested in proptest::collection::vec(proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..5), 0..5), 0..5),
        decimals in proptest::collection::vec(decimal(), 0..10),
        times in proptest::collection::vec(date_time(), 0..5),
    ) {
        round_trip::<types::ListOf<types::Integer>>(&ints)?;
        round_trip::<types::ListOf<types::Unicode>>(&texts)?;
        let nested: Vec<Vec<Bytes>> = nested.into_iter().map(|l| l.into_iter().map(Bytes::from).collect()).collect();
        round_trip::<types::ListOf<types::ListOf<types::String>>>(&nested)?;
        round_trip::<types::ListOf<types::Decimal>>(&decimals)?;
        round_trip::<types::ListOf<types::DateTime>>(&times)?;
    }
}

/// An element whose fields are all optional: `00 00` when all are absent.
#[derive(Debug, Clone, PartialEq)]
struct Sparse {
    when: Option<values::DateTime>,
}

impl BoxFields for Sparse {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        write_optional::<types::DateTime>("when", &self.when, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Sparse { when: optional::<types::DateTime>("when", input, cx)? })
    }
}

/// A command's arguments using every plain type at once.
#[derive(Debug, Clone, PartialEq)]
struct Everything {
    int: i64,
    big: BigInt,
    raw: Bytes,
    text: String,
    path: PathBuf,
    flag: bool,
    float_bits: u64,
    dec: values::Decimal,
    when: values::DateTime,
    items: Vec<Item>,
    sparse: Vec<Sparse>,
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
        types::Float::to_box("float", &f64::from_bits(self.float_bits), out, cx)?;
        types::Decimal::to_box("dec", &self.dec, out, cx)?;
        types::DateTime::to_box("when", &self.when, out, cx)?;
        types::AmpList::<Item>::to_box("items", &self.items, out, cx)?;
        types::AmpList::<Sparse>::to_box("sparse", &self.sparse, out, cx)?;
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
            float_bits: required::<types::Float>("float", input, cx)?.to_bits(),
            dec: required::<types::Decimal>("dec", input, cx)?,
            when: required::<types::DateTime>("when", input, cx)?,
            items: required::<types::AmpList<Item>>("items", input, cx)?,
            sparse: required::<types::AmpList<Sparse>>("sparse", input, cx)?,
            maybe: optional::<types::Integer<u64>>("maybe", input, cx)?,
        })
    }
}

fn everything() -> impl Strategy<Value = Everything> {
    (
        (
            any::<i64>(),
            big_int(),
            proptest::collection::vec(any::<u8>(), 0..64),
            ".{0,20}",
            "[a-z/]{0,20}",
            any::<bool>(),
        ),
        // NaN payloads are not kept by Python's repr; keep to non-NaN bits.
        (any::<f64>().prop_filter("not NaN", |x| !x.is_nan()), decimal(), date_time()),
        (
            proptest::collection::vec(item(), 0..5),
            proptest::collection::vec(proptest::option::of(date_time()).prop_map(|when| Sparse { when }), 0..4),
            proptest::option::of(any::<u64>()),
        ),
    )
        .prop_map(|((int, big, raw, text, path, flag), (x, dec, when), (items, sparse, maybe))| Everything {
            int,
            big,
            raw: Bytes::from(raw),
            text,
            path: PathBuf::from(path),
            flag,
            float_bits: x.to_bits(),
            dec,
            when,
            items,
            sparse,
            maybe,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn whole_boxes_through_the_codec_with_random_splits(
        values in proptest::collection::vec(everything(), 1..4),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let mut cx = ArgContext::new();
        let mut stream = BytesMut::new();
        for v in &values {
            let mut b = AmpBox::new();
            v.write_fields(&mut b, &mut cx).unwrap();
            b.serialize_into(&mut stream).unwrap();
        }
        let stream = stream.freeze();
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        points.push(0);
        points.push(stream.len());
        points.sort_unstable();
        points.dedup();

        let mut codec = AmpCodec::new();
        let mut buf = BytesMut::new();
        let mut decoded = Vec::new();
        for w in points.windows(2) {
            buf.extend_from_slice(&stream[w[0]..w[1]]);
            while let Some(b) = codec.decode(&mut buf).unwrap() {
                decoded.push(Everything::read_fields(&b, &mut cx).unwrap());
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(decoded, values);
    }
}
