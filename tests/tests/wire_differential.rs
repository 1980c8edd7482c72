//! Differential test of every argument type against live Twisted (26.10 and
//! Evennia's 24.11), both ways, on at least 10,000 values per type.
//!
//! - Twisted -> Rust: `tests/differential/gen_values.py` draws values with a
//!   fixed seed, encodes them with Twisted's own `Argument` objects and writes
//!   (tag, wire, canonical repr) records. Each must decode here to a value
//!   with the same canonical repr and re-encode to the very same bytes.
//! - Rust -> Twisted: values drawn here (fixed seed) are encoded by our types;
//!   `tests/differential/check_values.py` decodes each with Twisted, checks its
//!   repr, and re-encodes it with Twisted (`toString` and `toBox`): both must
//!   give our bytes.
//!
//! The canonical reprs are defined in `tests/differential/common.py`; the
//! `Repr` impls below compute the same from Rust values.

use std::collections::BTreeMap;
use std::path::PathBuf;

use amp_runtime::types::{
    optional, required, write_optional, AmpList, Boolean, DateTime, Decimal, Float, Integer, ListOf, Path, String,
    Unicode,
};
use amp_runtime::wire::MAX_VALUE_LEN;
use amp_runtime::StringArgument;
use amp_runtime::{values, AmpBox, ArgContext, ArgumentType, BigInt, BoxFields, DecodeError, EncodeError};
use amp_tests::{run_checked, Peer};
use bytes::{Bytes, BytesMut};
use num_bigint::{BigUint, Sign};
use rand::{Rng, RngCore};

/// Values per type, each direction.
const COUNT: usize = 10_000;
/// Seed of the Rust -> Twisted values (the Python side has its own, fixed too).
const SEED: u64 = 20_261_127;

// ---------------------------------------------------------------- reprs

/// The canonical repr of a decoded value (see `common.py`).
trait Repr {
    fn repr(&self) -> std::string::String;
}

fn codepoints(text: &str) -> std::string::String {
    text.chars().map(|c| format!("{:x}", c as u32)).collect::<Vec<_>>().join(" ")
}

impl Repr for BigInt {
    fn repr(&self) -> std::string::String {
        self.to_string()
    }
}

impl Repr for Bytes {
    fn repr(&self) -> std::string::String {
        self.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Repr for std::string::String {
    fn repr(&self) -> std::string::String {
        codepoints(self)
    }
}

impl Repr for PathBuf {
    fn repr(&self) -> std::string::String {
        codepoints(self.to_str().expect("a decoded Path is UTF-8"))
    }
}

impl Repr for bool {
    fn repr(&self) -> std::string::String {
        if *self { "True" } else { "False" }.to_owned()
    }
}

impl Repr for f64 {
    /// Python's `float.hex()`.
    fn repr(&self) -> std::string::String {
        if self.is_nan() {
            return "nan".into();
        }
        if self.is_infinite() {
            return if *self > 0.0 { "inf" } else { "-inf" }.into();
        }
        let bits = self.to_bits();
        let sign = if bits >> 63 == 1 { "-" } else { "" };
        let exponent = ((bits >> 52) & 0x7ff) as i64;
        let mantissa = bits & ((1 << 52) - 1);
        match (exponent, mantissa) {
            (0, 0) => format!("{sign}0x0.0p+0"),
            (0, m) => format!("{sign}0x0.{m:013x}p-1022"),
            (e, m) => format!("{sign}0x1.{m:013x}p{:+}", e - 1023),
        }
    }
}

impl Repr for values::Decimal {
    /// `str(d)` and `as_tuple()` as sign:digits:exponent.
    fn repr(&self) -> std::string::String {
        let sign = u8::from(self.is_negative());
        let (digits, exponent) = if self.is_infinite() {
            ("0".to_owned(), "F".to_owned())
        } else if self.is_nan() {
            let kind = if self.is_snan() { "N" } else { "n" };
            (self.nan_payload().expect("a NaN").to_owned(), kind.to_owned())
        } else {
            (self.coefficient().expect("finite").to_owned(), self.exponent().expect("finite").to_string())
        };
        format!("{self} {sign}:{digits}:{exponent}")
    }
}

impl Repr for values::DateTime {
    fn repr(&self) -> std::string::String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06} {}",
            self.year(),
            self.month(),
            self.day(),
            self.hour(),
            self.minute(),
            self.second(),
            self.microsecond(),
            self.offset_minutes()
        )
    }
}

impl<T: Repr> Repr for Vec<T> {
    fn repr(&self) -> std::string::String {
        format!("[{}]", self.iter().map(Repr::repr).collect::<Vec<_>>().join(","))
    }
}

fn optional_repr<T: Repr>(v: &Option<T>) -> std::string::String {
    v.as_ref().map_or_else(|| "-".to_owned(), Repr::repr)
}

// ---------------------------------------------------------------- AmpList elements

/// Twisted: `AmpList([(b"id", Integer()), (b"label", Unicode(optional=True)),
/// (b"tags", ListOf(String(), optional=True)), (b"when", DateTime(optional=True))])`.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    id: BigInt,
    label: Option<std::string::String>,
    tags: Option<Vec<Bytes>>,
    when: Option<values::DateTime>,
}

impl BoxFields for Item {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        Integer::<BigInt>::to_box("id", &self.id, out, cx)?;
        write_optional::<Unicode>("label", &self.label, out, cx)?;
        write_optional::<ListOf<String>>("tags", &self.tags, out, cx)?;
        write_optional::<DateTime>("when", &self.when, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Item {
            id: required::<Integer<BigInt>>("id", input, cx)?,
            label: optional::<Unicode>("label", input, cx)?,
            tags: optional::<ListOf<String>>("tags", input, cx)?,
            when: optional::<DateTime>("when", input, cx)?,
        })
    }
}

impl Repr for Item {
    fn repr(&self) -> std::string::String {
        format!(
            "{{id={};label={};tags={};when={}}}",
            self.id.repr(),
            optional_repr(&self.label),
            optional_repr(&self.tags),
            optional_repr(&self.when)
        )
    }
}

/// Twisted: `AmpList([(b"note", Unicode(optional=True))])`: an absent note is `00 00`.
#[derive(Debug, Clone, PartialEq)]
struct Sparse {
    note: Option<std::string::String>,
}

impl BoxFields for Sparse {
    fn write_fields(&self, out: &mut AmpBox, cx: &mut ArgContext) -> Result<(), EncodeError> {
        write_optional::<Unicode>("note", &self.note, out, cx)
    }
    fn read_fields(input: &AmpBox, cx: &mut ArgContext) -> Result<Self, DecodeError> {
        Ok(Sparse { note: optional::<Unicode>("note", input, cx)? })
    }
}

impl Repr for Sparse {
    fn repr(&self) -> std::string::String {
        format!("{{note={}}}", optional_repr(&self.note))
    }
}

// ---------------------------------------------------------------- codecs under test

/// How one tag is decoded and encoded here: a plain `StringArgument`, or an
/// `AmpList` through `from_box`/`to_box` (the path a command takes).
trait Codec {
    type Value: Repr;
    fn decode(wire: Bytes) -> Result<Self::Value, std::string::String>;
    fn encode(value: &Self::Value) -> Result<Bytes, std::string::String>;
}

struct Plain<T>(std::marker::PhantomData<T>);

impl<T: StringArgument> Codec for Plain<T>
where
    T::Value: Repr,
{
    type Value = T::Value;
    fn decode(wire: Bytes) -> Result<T::Value, std::string::String> {
        T::from_string(wire).map_err(|e| e.to_string())
    }
    fn encode(value: &T::Value) -> Result<Bytes, std::string::String> {
        let mut out = BytesMut::new();
        T::to_string(value, &mut out)?;
        Ok(out.freeze())
    }
}

struct Boxed<E>(std::marker::PhantomData<E>);

impl<E: BoxFields + Repr> Codec for Boxed<E> {
    type Value = Vec<E>;
    fn decode(wire: Bytes) -> Result<Vec<E>, std::string::String> {
        let mut input = AmpBox::new();
        input.insert("v", wire);
        AmpList::<E>::from_box("v", &input, &mut ArgContext::new()).map_err(|e| e.to_string())?.ok_or("absent".into())
    }
    fn encode(value: &Vec<E>) -> Result<Bytes, std::string::String> {
        let mut out = AmpBox::new();
        AmpList::<E>::to_box("v", value, &mut out, &mut ArgContext::new()).map_err(|e| e.to_string())?;
        Ok(out.get("v").expect("written").clone())
    }
}

/// Twisted -> Rust for one record: the value's repr and our re-encoding.
fn check<C: Codec>(wire: &Bytes, expected: &str) -> Result<(), std::string::String> {
    let value = C::decode(wire.clone()).map_err(|e| format!("does not decode: {e}"))?;
    let got = value.repr();
    if got != expected {
        return Err(format!("value differs: twisted {expected:.300} rust {got:.300}"));
    }
    let again = C::encode(&value).map_err(|e| format!("does not re-encode: {e}"))?;
    if again != wire {
        return Err(format!("re-encoding differs: rust {:.300}", again.repr()));
    }
    Ok(())
}

/// Rust -> Twisted for one value: its wire form and repr (`None` when it is
/// over one AMP value and must be drawn again).
fn record<C: Codec>(value: C::Value) -> Option<(Bytes, std::string::String)> {
    let wire = C::encode(&value).unwrap_or_else(|e| panic!("our own value {} does not encode: {e}", value.repr()));
    (wire.len() <= MAX_VALUE_LEN).then(|| (wire, value.repr()))
}

// ---------------------------------------------------------------- value generators (Rust side)

/// SplitMix64: fixed-seed and fast even in a debug build (ChaCha was a
/// quarter of this test's time there); statistical quality is not at stake.
struct Mix(u64);

impl RngCore for Mix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let n = chunk.len();
            chunk.copy_from_slice(&self.next_u64().to_le_bytes()[..n]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

fn sign(rng: &mut Mix) -> Sign {
    if rng.gen() {
        Sign::Minus
    } else {
        Sign::Plus
    }
}

fn random_bits(rng: &mut Mix, bits: usize) -> BigUint {
    let words: Vec<u32> = (0..bits.div_ceil(32)).map(|_| rng.gen()).collect();
    BigUint::from_slice(&words) >> (words.len() * 32 - bits)
}

fn gen_int(rng: &mut Mix) -> BigInt {
    let r: f64 = rng.gen();
    let s = sign(rng);
    if r < 0.3 {
        BigInt::from(rng.gen_range(-1000..=1000))
    } else if r < 0.5 {
        let edge = [63u32, 64, 127, 128, 53].map(|p| BigInt::from(2).pow(p));
        let edge = edge[rng.gen_range(0..edge.len())].clone();
        BigInt::from_biguint(s, (edge + BigInt::from(rng.gen_range(-2i32..=2))).magnitude().clone())
    } else if r < 0.97 {
        let bits = [8, 31, 32, 63, 64, 65, 100, 127, 128, 129, 256, 1000][rng.gen_range(0..12)];
        BigInt::from_biguint(s, random_bits(rng, bits))
    } else if r < 0.99 {
        let bits = rng.gen_range(1000..=14_000);
        BigInt::from_biguint(s, random_bits(rng, bits))
    } else {
        // The longest a Python peer can read: exactly 4300 digits.
        let ten = BigUint::from(10u8);
        let m = match rng.gen_range(0..3) {
            0 => ten.pow(4300) - 1u8,
            1 => ten.pow(4299),
            _ => ten.pow(4299) + random_bits(rng, 1000),
        };
        BigInt::from_biguint(s, m)
    }
}

fn gen_small_int(rng: &mut Mix) -> BigInt {
    let v = gen_int(rng);
    let limit = BigInt::from(10u8).pow(200);
    if v.magnitude() < limit.magnitude() {
        v
    } else {
        v % limit
    }
}

fn gen_bytes(rng: &mut Mix, max: usize) -> Bytes {
    let n = rng.gen_range(0..=max);
    Bytes::from((0..n).map(|_| rng.gen::<u8>()).collect::<Vec<u8>>())
}

fn gen_string(rng: &mut Mix) -> Bytes {
    if rng.gen_bool(0.005) {
        let n = [255, 256, 4096, MAX_VALUE_LEN][rng.gen_range(0..4)];
        return Bytes::from((0..n).map(|_| rng.gen::<u8>()).collect::<Vec<u8>>());
    }
    gen_bytes(rng, 64)
}

fn gen_char(rng: &mut Mix) -> char {
    const SPECIALS: [u32; 9] = [0x0, 0xFEFF, 0xFFFE, 0xFFFF, 0x1F600, 0x1D11E, 0x10FFFF, 0x20AC, 0x2028];
    const RANGES: [(u32, u32); 5] = [(0, 0x7F), (0x80, 0xFF), (0x100, 0xD7FF), (0xE000, 0xFFFF), (0x10000, 0x10FFFF)];
    let cp = if rng.gen_bool(0.1) {
        SPECIALS[rng.gen_range(0..SPECIALS.len())]
    } else {
        let (lo, hi) = RANGES[rng.gen_range(0..RANGES.len())];
        rng.gen_range(lo..=hi)
    };
    char::from_u32(cp).expect("the ranges skip the surrogates")
}

fn gen_text(rng: &mut Mix, max: usize) -> std::string::String {
    let n = rng.gen_range(0..=max);
    (0..n).map(|_| gen_char(rng)).collect()
}

fn gen_path(rng: &mut Mix) -> PathBuf {
    // Absolute and normal, as Twisted's FilePath (abspath) would leave it.
    let parts: Vec<std::string::String> = (0..rng.gen_range(0..=5))
        .map(|_| gen_text(rng, 12).chars().filter(|c| *c != '/' && *c != '\0').collect::<std::string::String>())
        .filter(|p| !p.is_empty() && p != "." && p != "..")
        .collect();
    PathBuf::from(format!("/{}", parts.join("/")))
}

fn gen_float(rng: &mut Mix) -> f64 {
    const SPECIALS: [f64; 24] = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        2.225073858507201e-308,
        f64::MAX,
        1e16,
        9999999999999998.0,
        1e15,
        123456789012345.6,
        0.0001,
        0.00001,
        0.00009999999999999999,
        1.5,
        0.1,
        0.3,
        9007199254740992.0,
        9007199254740994.0,
        1e22,
        1e23,
    ];
    let r: f64 = rng.gen();
    if r < 0.1 {
        SPECIALS[rng.gen_range(0..SPECIALS.len())]
    } else if r < 0.6 {
        // Any bit pattern: NaN payloads and signs, subnormals, both zeros.
        f64::from_bits(rng.gen())
    } else if r < 0.75 {
        let m = ["1", "5", "9.999", "1.5"][rng.gen_range(0..4)];
        format!("{m}e{}", rng.gen_range(-330..=310)).parse().expect("a float literal")
    } else if r < 0.9 {
        let x: f64 = rng.gen_range(-1e6..1e6);
        format!("{x:.*}", rng.gen_range(0..=8)).parse().expect("a float literal")
    } else {
        rng.gen_range(-(1i64 << 60)..(1i64 << 60)) as f64
    }
}

fn digits(rng: &mut Mix, n: usize) -> std::string::String {
    (0..n).map(|_| char::from(b'0' + rng.gen_range(0..10))).collect()
}

fn gen_decimal(rng: &mut Mix) -> values::Decimal {
    let negative = rng.gen();
    let r: f64 = rng.gen();
    if r < 0.1 {
        let n = [0, 0, 1, 3, 20][rng.gen_range(0..5)];
        let payload = digits(rng, n);
        return match rng.gen_range(0..3) {
            0 => values::Decimal::nan(negative, &payload).expect("digits"),
            1 => values::Decimal::snan(negative, &payload).expect("digits"),
            _ => values::Decimal::infinity(negative),
        };
    }
    if r < 0.2 {
        return values::Decimal::new(negative, "0", rng.gen_range(-12..=12)).expect("in bounds");
    }
    let n = rng.gen_range(1..=60);
    let coefficient = digits(rng, n);
    let len = coefficient.trim_start_matches('0').len().max(1) as i64;
    let q: f64 = rng.gen();
    let exponent = if q < 0.6 {
        rng.gen_range(-40..=40)
    } else if q < 0.9 {
        rng.gen_range(-1_000_000..=1_000_000)
    } else if q < 0.95 {
        values::Decimal::MAX_EMAX - len + 1 - rng.gen_range(0..=3)
    } else {
        values::Decimal::MIN_ETINY + rng.gen_range(0..=3)
    };
    values::Decimal::new(negative, &coefficient, exponent).expect("in bounds")
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn gen_datetime(rng: &mut Mix) -> values::DateTime {
    const OFFSETS: [i16; 11] =
        [0, 1, -1, 13 * 60 + 45, -(13 * 60 + 45), 5 * 60 + 30, -(9 * 60 + 30), 1439, -1439, 60, -60];
    let year = [1, 9999, rng.gen_range(1..=9999), rng.gen_range(1900..=2100)][rng.gen_range(0..4)];
    let month = rng.gen_range(1..=12);
    let day = rng.gen_range(1..=days_in_month(year, month));
    let micro = [0, 999_999, rng.gen_range(0..=999_999)][rng.gen_range(0..3)];
    let offset = if rng.gen_bool(0.3) { OFFSETS[rng.gen_range(0..OFFSETS.len())] } else { rng.gen_range(-1439..=1439) };
    values::DateTime::new(
        year,
        month,
        day,
        rng.gen_range(0..24),
        rng.gen_range(0..60),
        rng.gen_range(0..60),
        micro,
        offset,
    )
    .expect("a valid date-time")
}

fn gen_list<T>(rng: &mut Mix, max: usize, mut element: impl FnMut(&mut Mix) -> T) -> Vec<T> {
    let n = rng.gen_range(0..=max);
    (0..n).map(|_| element(rng)).collect()
}

fn gen_item(rng: &mut Mix) -> Item {
    Item {
        id: gen_small_int(rng),
        label: rng.gen_bool(0.5).then(|| gen_text(rng, 10)),
        tags: rng.gen_bool(0.5).then(|| gen_list(rng, 4, |r| gen_bytes(r, 8))),
        when: rng.gen_bool(0.5).then(|| gen_datetime(rng)),
    }
}

// ---------------------------------------------------------------- the table

/// One tag: its check (Twisted -> Rust) and its generator (Rust -> Twisted).
struct Kind {
    tag: &'static str,
    check: fn(&Bytes, &str) -> Result<(), std::string::String>,
    generate: fn(&mut Mix) -> Option<(Bytes, std::string::String)>,
}

macro_rules! kind {
    ($tag:literal, $codec:ty, $gen:expr) => {
        Kind { tag: $tag, check: check::<$codec>, generate: |rng| record::<$codec>($gen(rng)) }
    };
}

fn kinds() -> Vec<Kind> {
    vec![
        kind!("integer", Plain<Integer<BigInt>>, gen_int),
        kind!("string", Plain<String>, gen_string),
        kind!("unicode", Plain<Unicode>, |r| gen_text(r, 40)),
        kind!("path", Plain<Path>, gen_path),
        kind!("boolean", Plain<Boolean>, |r: &mut Mix| r.gen::<bool>()),
        kind!("float", Plain<Float>, gen_float),
        kind!("decimal", Plain<Decimal>, gen_decimal),
        kind!("datetime", Plain<DateTime>, gen_datetime),
        kind!("listof_integer", Plain<ListOf<Integer<BigInt>>>, |r| gen_list(r, 8, gen_small_int)),
        kind!("listof_string", Plain<ListOf<String>>, |r| gen_list(r, 8, |r| gen_bytes(r, 40))),
        kind!("listof_unicode", Plain<ListOf<Unicode>>, |r| gen_list(r, 8, |r| gen_text(r, 12))),
        kind!("listof_boolean", Plain<ListOf<Boolean>>, |r| gen_list(r, 8, |r: &mut Mix| r.gen::<bool>())),
        kind!("listof_float", Plain<ListOf<Float>>, |r| gen_list(r, 8, gen_float)),
        kind!("listof_decimal", Plain<ListOf<Decimal>>, |r| gen_list(r, 8, gen_decimal)),
        kind!("listof_datetime", Plain<ListOf<DateTime>>, |r| gen_list(r, 8, gen_datetime)),
        kind!("listof_listof_integer", Plain<ListOf<ListOf<Integer<BigInt>>>>, |r| {
            gen_list(r, 5, |r| gen_list(r, 6, gen_small_int))
        }),
        kind!("amplist_item", Boxed<Item>, |r| gen_list(r, 5, gen_item)),
        kind!("amplist_sparse", Boxed<Sparse>, |r| gen_list(r, 5, |r| Sparse {
            note: r.gen_bool(0.5).then(|| gen_text(r, 8))
        })),
    ]
}

// ---------------------------------------------------------------- records

fn write_record(out: &mut Vec<u8>, tag: &str, wire: &[u8], repr: &str) {
    out.push(tag.len() as u8);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&(wire.len() as u32).to_be_bytes());
    out.extend_from_slice(wire);
    out.extend_from_slice(&(repr.len() as u32).to_be_bytes());
    out.extend_from_slice(repr.as_bytes());
}

fn read_records(data: &[u8]) -> Vec<(std::string::String, Bytes, std::string::String)> {
    let data = Bytes::copy_from_slice(data);
    let mut at = 0;
    let mut records = Vec::new();
    let take = |n: usize, at: &mut usize| {
        let piece = data.slice(*at..*at + n);
        *at += n;
        piece
    };
    while at < data.len() {
        let n = usize::from(data[at]);
        at += 1;
        let tag = std::string::String::from_utf8(take(n, &mut at).to_vec()).expect("ASCII tag");
        let n = u32::from_be_bytes(take(4, &mut at)[..].try_into().unwrap()) as usize;
        let wire = take(n, &mut at);
        let n = u32::from_be_bytes(take(4, &mut at)[..].try_into().unwrap()) as usize;
        let repr = std::string::String::from_utf8(take(n, &mut at).to_vec()).expect("UTF-8 repr");
        records.push((tag, wire, repr));
    }
    records
}

// ---------------------------------------------------------------- the two directions

fn twisted_to_rust(peer: Peer) {
    let out = run_checked(peer.script("tests/differential/gen_values.py"), b"");
    let records = read_records(&out.stdout);
    let kinds = kinds();
    let mut counts: BTreeMap<&str, usize> = kinds.iter().map(|k| (k.tag, 0)).collect();
    let mut failures = Vec::new();
    for (index, (tag, wire, repr)) in records.iter().enumerate() {
        let kind = kinds.iter().find(|k| k.tag == tag).unwrap_or_else(|| panic!("unknown tag {tag}"));
        *counts.get_mut(kind.tag).unwrap() += 1;
        if let Err(why) = (kind.check)(wire, repr) {
            failures.push(format!("#{index} {tag} wire {:.200}: {why}", wire.repr()));
        }
    }
    for (tag, n) in &counts {
        assert!(*n >= COUNT, "{}: only {n} {tag} values from Twisted", peer.label());
    }
    assert!(
        failures.is_empty(),
        "{}: {} of {} Twisted-encoded values differ here; first ones:\n{}",
        peer.label(),
        failures.len(),
        records.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

fn rust_to_twisted(peer: Peer) {
    let mut input = Vec::new();
    let mut total = 0;
    for (i, kind) in kinds().iter().enumerate() {
        let mut rng = Mix(SEED + i as u64);
        let mut n = 0;
        while n < COUNT {
            if let Some((wire, repr)) = (kind.generate)(&mut rng) {
                write_record(&mut input, kind.tag, &wire, &repr);
                n += 1;
            }
        }
        total += n;
    }
    let out = run_checked(peer.script("tests/differential/check_values.py"), &input);
    let stdout = std::string::String::from_utf8(out.stdout).expect("JSON lines");
    let lines: Vec<&str> = stdout.lines().collect();
    let (summary, mismatches) = lines.split_last().expect("a summary line");
    let summary: serde_json::Value = serde_json::from_str(summary).expect("the summary is JSON");
    assert_eq!(summary["checked"].as_u64(), Some(total as u64), "{}: Twisted read a different count", peer.label());
    for kind in kinds() {
        assert_eq!(summary["per_tag"][kind.tag].as_u64(), Some(COUNT as u64), "{}: {}", peer.label(), kind.tag);
    }
    assert_eq!(
        summary["mismatches"].as_u64(),
        Some(0),
        "{}: Twisted disagrees with our encoding; first ones:\n{}",
        peer.label(),
        mismatches.join("\n")
    );
}

#[test]
fn twisted_26_values_decode_and_reencode_identically() {
    twisted_to_rust(Peer::Twisted26);
}

#[test]
fn twisted_24_values_decode_and_reencode_identically() {
    twisted_to_rust(Peer::Evennia61);
}

#[test]
fn our_values_read_and_rewrite_identically_in_twisted_26() {
    rust_to_twisted(Peer::Twisted26);
}

#[test]
fn our_values_read_and_rewrite_identically_in_twisted_24() {
    rust_to_twisted(Peer::Evennia61);
}

/// The checks can fail: a wrong repr, a non-canonical wire form and an
/// undecodable value are each caught.
#[test]
fn the_checks_catch_disagreement() {
    let wire = |s: &'static [u8]| Bytes::from_static(s);
    assert!(check::<Plain<Integer<BigInt>>>(&wire(b"12"), "12").is_ok());
    assert!(check::<Plain<Integer<BigInt>>>(&wire(b"12"), "13").unwrap_err().contains("value differs"));
    assert!(check::<Plain<Integer<BigInt>>>(&wire(b"012"), "12").unwrap_err().contains("re-encoding differs"));
    assert!(check::<Plain<Float>>(&wire(b"x"), "nan").unwrap_err().contains("does not decode"));
    assert_eq!(1.0f64.repr(), "0x1.0000000000000p+0");
    assert_eq!(5e-324f64.repr(), "0x0.0000000000001p-1022");
    assert_eq!((-0.0f64).repr(), "-0x0.0p+0");
    assert_eq!(0.1f64.repr(), "0x1.999999999999ap-4");
    let mut records = Vec::new();
    write_record(&mut records, "integer", b"7", "7");
    assert_eq!(read_records(&records), vec![("integer".to_owned(), wire(b"7"), "7".to_owned())]);
}
