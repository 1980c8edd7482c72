//! Differential check of the schema pipeline against Twisted: Python command
//! classes -> tools/export_schema.py -> TOML -> `amp_schema!` -> generated Rust,
//! compared with what the same classes do in Twisted 26.10 and 24.11.
//!
//! - `tests/python/schema_differential.py` declares the commands: every
//!   argument type, nested ListOf and AmpList, optional fields, Descriptor, a
//!   custom Integer subclass mapped to `Integer<BigInt>`, errors and fatal
//!   errors (inherited, overridden), `requiresAnswer = False`, custom command
//!   names, keyword and dashed field names.
//! - `tests/fixtures/schema_differential.toml` is its export (schema_drift.rs
//!   checks it is still what both Twisted versions export); `gen` below is the
//!   code `amp_schema!` generates from it.
//! - `tests/fixtures/schema_differential_samples.json` holds the sample values,
//!   type-tagged, read by both sides, so they cannot drift apart.
//!   `tests/python/schema_differential_bytes.py` encodes each with
//!   `Command.makeArguments` / `makeResponse` and prints the serialized box.
//!
//! For every sample and both Twisted versions: our encoding serializes to
//! exactly Twisted's bytes and sends the same descriptors in the same order;
//! decoding Twisted's bytes gives the sample back (every NaN equal, `-0.0`
//! distinct from `0.0`, descriptors compared by the file they open); and each
//! generated command's name, requires-answer flag and error tables are what
//! the Python class declares.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use amp_runtime::{AmpBox, AmpCodec, ArgContext, BigInt, BoxFields, Command, CommandError, DateTime, Decimal};
use amp_tests::{run_checked, workspace_root, Peer};
use bytes::{Bytes, BytesMut};
use serde_json::{Map, Value as Json};
use tokio_util::codec::Decoder;

/// Every command and the custom type of the fixture.
mod gen {
    amp_runtime::amp_schema!("fixtures/schema_differential.toml");
}

const SAMPLES: &str = "tests/fixtures/schema_differential_samples.json";
const SCRIPT: &str = "tests/python/schema_differential_bytes.py";
const FIXTURE: &str = "tests/fixtures/schema_differential.toml";

// ------------------------------------------------------------ descriptors

/// The descriptors one sample opens: `{"fd": k}` is the k-th. Each is its
/// own temporary file, so a descriptor is identified by the file it opens.
struct Fds(Vec<OwnedFd>);

impl Fds {
    fn open(count: usize) -> Fds {
        Fds((0..count).map(|_| OwnedFd::from(tempfile::tempfile().expect("a temporary file"))).collect())
    }

    fn get(&self, index: u64) -> Result<OwnedFd, String> {
        let fd = self.0.get(index as usize).ok_or_else(|| format!("descriptor {index}: the sample opens fewer"))?;
        fd.try_clone().map_err(|e| format!("dup: {e}"))
    }
}

/// (device, inode) of the file a descriptor opens.
fn identity(fd: &OwnedFd) -> (u64, u64) {
    let meta = File::from(fd.try_clone().expect("dup")).metadata().expect("fstat");
    (meta.dev(), meta.ino())
}

// ------------------------------------------------------------ samples

/// A value the samples file can describe and this test compare.
trait Sample: Sized {
    /// The tag of a JSON list of these: `{"list": [...]}` for ListOf
    /// elements, `{"rows": [...]}` for AmpList elements.
    const LIST_TAG: &'static str = "list";

    /// Builds the value from its tagged JSON.
    fn from_sample(v: &Json, fds: &Fds) -> Result<Self, String>;

    /// Builds a box field: `None` is a field left out of the sample.
    fn from_field(v: Option<&Json>, fds: &Fds) -> Result<Self, String> {
        match v {
            Some(v) if !v.is_null() => Self::from_sample(v, fds),
            _ => Err("required, but absent".into()),
        }
    }

    /// Equality as far as the wire can tell: every NaN is equal (the wire
    /// keeps no NaN sign or payload), `-0.0` is not `0.0`, paths compare as
    /// text, descriptors by the file they open.
    fn same(&self, other: &Self) -> bool;
}

/// The payload of `{tag: payload}`.
fn untag<'a>(v: &'a Json, tag: &str) -> Result<&'a Json, String> {
    match v.as_object() {
        Some(map) if map.len() == 1 && map.contains_key(tag) => Ok(&map[tag]),
        _ => Err(format!("expected {{\"{tag}\": ...}}, got {v}")),
    }
}

fn untag_str<'a>(v: &'a Json, tag: &str) -> Result<&'a str, String> {
    untag(v, tag)?.as_str().ok_or_else(|| format!("{tag}: expected a string in {v}"))
}

impl Sample for i64 {
    fn from_sample(v: &Json, _: &Fds) -> Result<Self, String> {
        let text = untag_str(v, "int")?;
        text.parse().map_err(|e| format!("{text}: not an i64: {e}"))
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Sample for BigInt {
    fn from_sample(v: &Json, _: &Fds) -> Result<Self, String> {
        let text = untag_str(v, "int")?;
        text.parse().map_err(|e| format!("{text}: not an integer: {e}"))
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Sample for Bytes {
    fn from_sample(v: &Json, _: &Fds) -> Result<Self, String> {
        let hex = untag_str(v, "bytes")?;
        let digit = |c: u8| (c as char).to_digit(16).ok_or_else(|| format!("{hex}: not hex"));
        if hex.len() % 2 != 0 {
            return Err(format!("{hex}: odd number of hex digits"));
        }
        hex.as_bytes()
            .chunks(2)
            .map(|p| Ok((digit(p[0])? * 16 + digit(p[1])?) as u8))
            .collect::<Result<Vec<_>, String>>()
            .map(Bytes::from)
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Sample for String {
    fn from_sample(v: &Json, _: &Fds) -> Result<Self, String> {
        untag_str(v, "text").map(str::to_owned)
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Sample for PathBuf {
    fn from_sample(v: &Json, _: &Fds) -> Result<Self, String> {
        untag_str(v, "path").map(PathBuf::from)
    }
    /// As text: `PathBuf`'s own `==` compares components (`/a/` equals `/a`).
    fn same(&self, other: &Self) -> bool {
        self.as_os_str() == other.as_os_str()
    }
}

impl Sample for bool {
    fn from_sample(v: &Json, _: &Fds) -> Result<Self, String> {
        untag(v, "bool")?.as_bool().ok_or_else(|| format!("bool: expected true or false in {v}"))
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Sample for f64 {
    /// Python's `float()` text; Rust's parser agrees on every finite one
    /// (both round correctly), the specials are spelled out.
    fn from_sample(v: &Json, _: &Fds) -> Result<Self, String> {
        match untag_str(v, "float")? {
            "nan" => Ok(f64::NAN),
            "-nan" => Ok(-f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            text => text.parse().map_err(|e| format!("{text}: not a float: {e}")),
        }
    }
    fn same(&self, other: &Self) -> bool {
        (self.is_nan() && other.is_nan()) || self.to_bits() == other.to_bits()
    }
}

impl Sample for Decimal {
    fn from_sample(v: &Json, _: &Fds) -> Result<Self, String> {
        let text = untag_str(v, "decimal")?;
        text.parse().map_err(|e| format!("{text}: not a Decimal: {e}"))
    }
    /// Decimal's `==` is on the representation (`NaN == NaN`, `1.0 != 1.00`).
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Sample for DateTime {
    fn from_sample(v: &Json, _: &Fds) -> Result<Self, String> {
        let parts = untag(v, "datetime")?.as_array().ok_or("datetime: expected an array")?;
        let n: Vec<i64> =
            parts.iter().map(|p| p.as_i64().ok_or("datetime: expected integers")).collect::<Result<_, _>>()?;
        let [y, mo, d, h, mi, s, us, off] = n[..] else { return Err(format!("datetime: expected 8 parts in {v}")) };
        let narrow = |x: i64| -> Result<u8, String> { u8::try_from(x).map_err(|e| format!("datetime {v}: {e}")) };
        DateTime::new(
            u16::try_from(y).map_err(|e| e.to_string())?,
            narrow(mo)?,
            narrow(d)?,
            narrow(h)?,
            narrow(mi)?,
            narrow(s)?,
            u32::try_from(us).map_err(|e| e.to_string())?,
            i16::try_from(off).map_err(|e| e.to_string())?,
        )
        .map_err(|e| format!("datetime {v}: {e}"))
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

impl Sample for OwnedFd {
    fn from_sample(v: &Json, fds: &Fds) -> Result<Self, String> {
        let index = untag(v, "fd")?.as_u64().ok_or_else(|| format!("fd: expected an index in {v}"))?;
        fds.get(index)
    }
    fn same(&self, other: &Self) -> bool {
        identity(self) == identity(other)
    }
}

impl<T: Sample> Sample for Vec<T> {
    fn from_sample(v: &Json, fds: &Fds) -> Result<Self, String> {
        let items = untag(v, T::LIST_TAG)?.as_array().ok_or_else(|| format!("{}: expected an array", T::LIST_TAG))?;
        items.iter().enumerate().map(|(i, item)| T::from_sample(item, fds).map_err(|e| format!("[{i}]: {e}"))).collect()
    }
    fn same(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a.same(b))
    }
}

impl<T: Sample> Sample for Option<T> {
    fn from_sample(v: &Json, fds: &Fds) -> Result<Self, String> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_sample(v, fds).map(Some)
        }
    }
    fn from_field(v: Option<&Json>, fds: &Fds) -> Result<Self, String> {
        v.map_or(Ok(None), |v| Self::from_sample(v, fds))
    }
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => a.same(b),
            (None, None) => true,
            _ => false,
        }
    }
}

/// The box fields of `v` (a JSON object of wire name -> tagged value),
/// refusing names the struct does not have.
fn box_object<'a>(v: &'a Json, wire_names: &[&str]) -> Result<&'a Map<String, Json>, String> {
    let map = v.as_object().ok_or_else(|| format!("a box is a JSON object, got {v}"))?;
    match map.keys().find(|k| !wire_names.contains(&k.as_str())) {
        Some(unknown) => Err(format!("no field named {unknown:?} (fields: {wire_names:?})")),
        None => Ok(map),
    }
}

/// `impl Sample` for a generated struct: its Rust fields and their wire names.
/// A wrong wire name cannot pass unnoticed: every field is set in some sample,
/// and a sample key the list lacks is an error. Structs without fields are unit
/// structs, which `X {}` also builds (hence the `_`-prefixed names).
macro_rules! sample_struct {
    ($($ty:ident { $($field:ident: $wire:literal),* $(,)? })*) => {$(
        impl Sample for gen::$ty {
            const LIST_TAG: &'static str = "rows";

            fn from_sample(v: &Json, fds: &Fds) -> Result<Self, String> {
                let _map = box_object(v, &[$($wire),*])?;
                let _ = fds;
                Ok(gen::$ty {
                    $($field: Sample::from_field(_map.get($wire), fds).map_err(|e| format!("{}: {e}", $wire))?,)*
                })
            }

            fn same(&self, _other: &Self) -> bool {
                true $(&& self.$field.same(&_other.$field))*
            }
        }
    )*};
}

sample_struct! {
    ScalarsArguments {
        integer: "integer", string: "string", unicode: "unicode", path: "path", boolean: "boolean",
        float: "float", decimal: "decimal", datetime: "datetime",
    }
    ScalarsResponse {
        integer: "integer", string: "string", unicode: "unicode", path: "path", boolean: "boolean",
        float: "float", decimal: "decimal", datetime: "datetime",
    }
    ListsArguments {
        integers: "integers", strings: "strings", texts: "texts", paths: "paths", flags: "flags",
        floats: "floats", decimals: "decimals", times: "times", matrix: "matrix", cube: "cube",
    }
    ListsResponse { maybe: "maybe", grid: "grid" }
    TablesArguments { rows: "rows", tree: "tree", extra: "extra" }
    TablesArgumentsRows { id: "id", label: "label", tags: "tags", when: "when" }
    TablesArgumentsTree { name: "name", children: "children" }
    TablesArgumentsTreeChildren { leaf: "leaf", weight: "weight", grandchildren: "grandchildren" }
    TablesArgumentsTreeChildrenGrandchildren { v: "v" }
    TablesArgumentsExtra { note: "note" }
    TablesResponse { summary: "summary" }
    TablesResponseSummary { key: "key", count: "count", r#where: "where" }
    KeywordNamesArguments {
        r#type: "type", r#match: "match", self_: "self", r#fn: "fn", Self_: "Self", crate_: "crate",
        super_: "super", r#async: "async", r#in: "in", from: "from", my_arg: "my-arg", x_y_z: "x-y-z",
        __: "_", r#move: "move",
    }
    KeywordNamesArgumentsMove { r#where: "where", my_field: "my-field", class: "class" }
    KeywordNamesResponse { r#type: "type", r#return: "return", my_result: "my-result", self_: "self" }
    KeywordNamesResponseSelf { r#for: "for", if_else: "if-else" }
    NotifyArguments { event: "event", payload: "payload" }
    NotifyResponse {}
    EmptyArguments {}
    EmptyResponse {}
    FailArguments { how: "how" }
    FailResponse { never: "never" }
    FailHarderArguments { how: "how" }
    FailHarderResponse { never: "never" }
    FailDemotedArguments { how: "how" }
    FailDemotedResponse { never: "never" }
    PassFdsArguments { first: "first", label: "label", second: "second", spare: "spare", bundle: "bundle" }
    PassFdsArgumentsBundle { fd: "fd", name: "name" }
    PassFdsResponse { echo: "echo", count: "count" }
    HugeArguments { big: "big", bigs: "bigs", small: "small" }
    HugeResponse { product: "product" }
}

// ------------------------------------------------------------ what Twisted says

#[derive(serde::Deserialize)]
struct Twisted {
    twisted: String,
    commands: Vec<Declared>,
    samples: Vec<Encoded>,
}

/// A command class as Twisted uses it (see the script's docstring).
#[derive(serde::Deserialize)]
struct Declared {
    command: String,
    name: String,
    requires_answer: bool,
    errors: Vec<(String, String)>,
    fatal_errors: Vec<(String, String)>,
}

/// One sample as Twisted encodes it.
#[derive(serde::Deserialize)]
struct Encoded {
    hex: String,
    /// Which of the sample's descriptors Twisted sent, in order.
    fds: Vec<usize>,
}

/// One entry of the samples file.
#[derive(serde::Deserialize)]
struct SampleDef {
    command: String,
    #[serde(rename = "box")]
    side: String,
    label: String,
    #[serde(default)]
    fds: usize,
    values: Json,
}

#[derive(serde::Deserialize)]
struct SamplesFile {
    samples: Vec<SampleDef>,
}

fn load_samples() -> Vec<SampleDef> {
    let text = std::fs::read_to_string(workspace_root().join(SAMPLES)).expect("read the samples");
    serde_json::from_str::<SamplesFile>(&text).unwrap_or_else(|e| panic!("{SAMPLES}: {e}")).samples
}

fn twisted_output(peer: Peer) -> Twisted {
    let mut cmd = peer.script(SCRIPT);
    cmd.arg(workspace_root().join(SAMPLES));
    let out = run_checked(cmd, b"");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{SCRIPT} printed bad JSON ({e})"))
}

fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex from Python")).collect()
}

/// Up to 64 bytes around offset `at`, as readable text, for failure messages.
fn show(bytes: &[u8], at: usize) -> String {
    let (start, end) = (at.saturating_sub(32), (at + 32).min(bytes.len()));
    let (pre, post) = (if start > 0 { "..." } else { "" }, if end < bytes.len() { "..." } else { "" });
    format!("{pre}{}{post} ({} bytes)", bytes[start.min(end)..end].escape_ascii(), bytes.len())
}

// ------------------------------------------------------------ the checks

/// Encodes `sample` with the generated code and decodes Twisted's bytes with it.
fn check_box<T: BoxFields + Sample + std::fmt::Debug>(sample: &SampleDef, theirs: &Encoded) -> Result<(), String> {
    let fds = Fds::open(sample.fds);
    let value = T::from_sample(&sample.values, &fds).map_err(|e| format!("bad sample: {e}"))?;
    let twisted = from_hex(&theirs.hex);
    let twisted_ids: Vec<(u64, u64)> = theirs.fds.iter().map(|&i| identity(&fds.0[i])).collect();

    // Rust -> bytes: exactly Twisted's, with the same descriptors in the same order.
    let mut cx = ArgContext::new();
    let mut out = AmpBox::new();
    value.write_fields(&mut out, &mut cx).map_err(|e| format!("encoding failed: {e}"))?;
    let ours = out.serialize().map_err(|e| format!("serializing failed: {e}"))?;
    if ours[..] != twisted[..] {
        let at = ours.iter().zip(&twisted).position(|(a, b)| a != b).unwrap_or(ours.len().min(twisted.len()));
        return Err(format!(
            "bytes differ at offset {at}:\n  ours:    {}\n  Twisted: {}",
            show(&ours, at),
            show(&twisted, at)
        ));
    }
    let sent: Vec<(u64, u64)> = cx.fds_out.iter().map(identity).collect();
    if sent != twisted_ids {
        return Err(format!(
            "descriptors sent: ours {sent:?}, Twisted's {twisted_ids:?} (sample indexes {:?})",
            theirs.fds
        ));
    }

    // Twisted's bytes -> Rust: one whole box, the sample's value, every received descriptor claimed.
    let mut buf = BytesMut::from(&twisted[..]);
    let decoded_box = AmpCodec::new()
        .decode(&mut buf)
        .map_err(|e| format!("Twisted's bytes do not frame: {e}"))?
        .ok_or("Twisted's bytes are not a whole box")?;
    if !buf.is_empty() {
        return Err(format!("{} bytes after Twisted's box", buf.len()));
    }
    let mut cx = ArgContext::new();
    for &index in &theirs.fds {
        cx.fds_in.push_back(fds.0[index].try_clone().expect("dup"));
    }
    let decoded = T::read_fields(&decoded_box, &mut cx).map_err(|e| format!("decoding Twisted's bytes failed: {e}"))?;
    if !decoded.same(&value) {
        return Err(format!("decoding Twisted's bytes gives\n  {decoded:?}\nnot the sample\n  {value:?}"));
    }
    if !cx.fds_in.is_empty() {
        return Err(format!("{} received descriptors left unclaimed", cx.fds_in.len()));
    }
    Ok(())
}

/// The generated constants and error enum of `C` against the Python class.
fn check_command<C: Command>(declared: &Declared) -> Result<(), String> {
    let table = |rows: &[amp_runtime::ErrorCode]| -> Vec<(String, String)> {
        rows.iter().map(|e| (e.exception.to_owned(), e.code.to_owned())).collect()
    };
    let mut problems = Vec::new();
    if C::NAME != declared.name {
        problems.push(format!("NAME {:?}, commandName {:?}", C::NAME, declared.name));
    }
    if C::REQUIRES_ANSWER != declared.requires_answer {
        problems.push(format!("REQUIRES_ANSWER {}, requiresAnswer {}", C::REQUIRES_ANSWER, declared.requires_answer));
    }
    if table(C::ERRORS) != declared.errors {
        problems.push(format!("ERRORS {:?}, Twisted's {:?}", table(C::ERRORS), declared.errors));
    }
    if table(C::FATAL_ERRORS) != declared.fatal_errors {
        problems.push(format!("FATAL_ERRORS {:?}, Twisted's {:?}", table(C::FATAL_ERRORS), declared.fatal_errors));
    }
    // What a received code becomes (Twisted's reverseErrors) and whether it closes the connection.
    let rows = declared.errors.iter().map(|r| (r, false)).chain(declared.fatal_errors.iter().map(|r| (r, true)));
    for ((exception, code), fatal) in rows {
        match C::reverse_error(code.as_bytes()) {
            Some(row) if row.exception == exception => {}
            other => problems.push(format!("reverse_error({code:?}) is {other:?}, Twisted's {exception}")),
        }
        match <C::Error as CommandError>::from_wire(code.as_bytes(), "why".into()) {
            Some(e) if e.code() == code && e.is_fatal() == fatal && e.description() == "why" => {}
            other => {
                problems.push(format!("Error::from_wire({code:?}) is {other:?}, Twisted: {exception}, fatal {fatal}"))
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Dispatch by command key to the generated types.
macro_rules! commands {
    ($($key:ident),* $(,)?) => {
        const KEYS: &[&str] = &[$(stringify!($key)),*];

        fn check_sample(sample: &SampleDef, theirs: &Encoded) -> Result<(), String> {
            match (sample.command.as_str(), sample.side.as_str()) {
                $(
                    (stringify!($key), "arguments") => check_box::<<gen::$key as Command>::Arguments>(sample, theirs),
                    (stringify!($key), "response") => check_box::<<gen::$key as Command>::Response>(sample, theirs),
                )*
                (command, side) => Err(format!("no command {command:?} with a box {side:?}")),
            }
        }

        fn check_declared(declared: &Declared) -> Result<(), String> {
            match declared.command.as_str() {
                $(stringify!($key) => check_command::<gen::$key>(declared),)*
                other => Err(format!("Python declares {other}, which this test does not check")),
            }
        }
    };
}

commands!(Scalars, Lists, Tables, KeywordNames, Notify, Empty, Fail, FailHarder, FailDemoted, PassFds, Huge);

/// Every command of the fixture is dispatched above and has samples of both boxes.
#[test]
fn samples_cover_every_command_of_the_fixture() {
    let schema = amp_schema::load(&workspace_root().join(FIXTURE)).unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<&str> = schema.commands.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, KEYS, "the commands! list must name every command of {FIXTURE}");
    let mut count: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let samples = load_samples();
    for s in &samples {
        *count.entry((s.command.as_str(), s.side.as_str())).or_default() += 1;
    }
    for c in &schema.commands {
        for (side, fields) in [("arguments", &c.arguments), ("response", &c.response)] {
            let n = count.get(&(c.key.as_str(), side)).copied().unwrap_or(0);
            // A box with fields needs several samples (edge values, absent optionals); an empty one, one.
            let want = if fields.is_empty() { 1 } else { 2 };
            assert!(n >= want, "{} {side}: {n} samples, want at least {want}", c.key);
        }
    }
}

#[test]
fn generated_code_encodes_and_decodes_exactly_as_twisted() {
    let samples = load_samples();
    for peer in Peer::ALL {
        let twisted = twisted_output(peer);
        assert_eq!(twisted.samples.len(), samples.len(), "{}: one result per sample", peer.label());
        let mut failures = Vec::new();
        for (index, (sample, theirs)) in samples.iter().zip(&twisted.samples).enumerate() {
            if let Err(e) = check_sample(sample, theirs) {
                failures.push(format!("sample {index} ({} {}, {}): {e}", sample.command, sample.side, sample.label));
            }
        }
        assert!(
            failures.is_empty(),
            "{} (Twisted {}): {} of {} samples differ:\n{}",
            peer.label(),
            twisted.twisted,
            failures.len(),
            samples.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn generated_constants_and_errors_match_the_python_classes() {
    for peer in Peer::ALL {
        let twisted = twisted_output(peer);
        let declared: Vec<&str> = twisted.commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(declared, KEYS, "{}: the module's commands", peer.label());
        let failures: Vec<String> = twisted
            .commands
            .iter()
            .filter_map(|d| check_declared(d).err().map(|e| format!("{}: {e}", d.command)))
            .collect();
        assert!(failures.is_empty(), "{} (Twisted {}):\n{}", peer.label(), twisted.twisted, failures.join("\n"));
    }
}
