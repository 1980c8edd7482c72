//! Writing a [`Value`] as a pickle of protocol 2 to 5. Iterative: any depth is safe.

mod memo_hash;

use std::collections::hash_map::{Entry, HashMap};

use num_bigint::BigInt;

use super::compat;
use super::error::EncodeError;
use super::limits::EncodeOptions;
use super::opcodes as op;
use super::value::{ObjectKind, Value};
use memo_hash::{MemoKey, Prehashed, StrHash};

/// CPython's frame size: a frame is closed at the first opcode boundary past 64 KiB.
const FRAME_TARGET: usize = 64 * 1024;
/// CPython writes no FRAME header for a frame smaller than this.
const FRAME_MIN: usize = 4;
/// Items per APPENDS / SETITEMS / ADDITEMS, as CPython batches them.
const BATCH: usize = 1000;

/// Encodes `value` as a protocol 5 pickle, as Evennia writes.
pub fn encode(value: &Value) -> Result<Vec<u8>, EncodeError> {
    encode_with(value, &EncodeOptions::default())
}

/// Encodes `value` with the given options.
///
/// Python loads the result back to an equal value of the same types: tuples
/// stay tuples, dicts keep their order, sets, frozensets, bytes and bytearrays
/// keep their types at every protocol, and objects are rebuilt by the same
/// calls they were decoded from. Strings go through the memo as CPython's
/// pickler sends them (a repeated string is written once, then fetched with
/// BINGET); containers do not (CPython memoizes those too), so the bytes can
/// differ from CPython's while loading to the same value.
pub fn encode_with(value: &Value, options: &EncodeOptions) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    encode_into(value, options, &mut out)?;
    Ok(out)
}

/// Encodes `value`, appending to `out` (nothing is appended on error).
pub fn encode_into(value: &Value, options: &EncodeOptions, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let proto = options.protocol;
    if !(EncodeOptions::LOWEST_PROTOCOL..=EncodeOptions::HIGHEST_PROTOCOL).contains(&proto) {
        return Err(EncodeError::UnsupportedProtocol(proto));
    }
    write(out, proto, vec![Task::Value(value)])
}

/// Encodes the tuple `(first, {key: value, ...})` as protocol 5, byte for byte
/// what [`encode`] writes for `Value::Tuple(vec![first, Value::Dict(..)])`
/// with `Value::Str` keys, without building (deep-copying) that value:
/// `Envelope::to_pickle` writes its borrowed `(sessid, kwargs)` this way.
pub(crate) fn encode_pair_with_kwargs(first: &Value, kwargs: &[(String, Value)]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    // Popped from the end: `first`, the dict, then TUPLE2 (as Task::Tuple does).
    let tasks = vec![Task::Op(op::TUPLE2), Task::StrDict(kwargs), Task::Value(first)];
    write(&mut out, EncodeOptions::HIGHEST_PROTOCOL, tasks)?;
    Ok(out)
}

/// Runs `tasks` (innermost last) into `out`; on error, `out` is left as it was.
fn write<'a>(out: &mut Vec<u8>, proto: u8, tasks: Vec<Task<'a>>) -> Result<(), EncodeError> {
    let start = out.len();
    let mut w = Writer {
        out,
        proto,
        frame: None,
        frame_full: usize::MAX,
        tasks,
        memo: HashMap::with_hasher(Prehashed),
        hasher: StrHash::new(),
    };
    let result = w.run();
    if result.is_err() {
        w.out.truncate(start);
    }
    result
}

/// Work left to do, innermost last. Each task writes whole opcodes, so a frame
/// can be closed between any two tasks.
enum Task<'a> {
    Value(&'a Value),
    Op(u8),
    Str(&'a str),
    OwnedStr(String),
    Bytes(&'a [u8]),
    /// A list from items: EMPTY_LIST, then APPENDS.
    List(&'a [Value]),
    /// A dict from pairs: EMPTY_DICT, then SETITEMS.
    Dict(&'a [(Value, Value)]),
    /// A dict from pairs with str keys held as Rust strings (`Kwargs`).
    StrDict(&'a [(String, Value)]),
    Tuple(&'a [Value]),
    /// Items added in batches with APPEND(S) or ADDITEMS to what is on the stack.
    Items(&'a [Value], u8),
    /// Pairs set in batches with SETITEM(S) on what is on the stack.
    Pairs(&'a [(Value, Value)]),
    /// As `Pairs`, with str keys held as Rust strings.
    StrPairs(&'a [(String, Value)]),
    /// Values written in order: leaves at once, then the first other value
    /// as a task of its own, after which the rest of the run resumes.
    Run(&'a [Value]),
    /// Pairs of a batch written in order, as `Run` does.
    PairRun(&'a [(Value, Value)]),
    /// As `PairRun`, with str keys held as Rust strings.
    StrPairRun(&'a [(String, Value)]),
}

struct Writer<'a, 'o> {
    out: &'o mut Vec<u8>,
    proto: u8,
    /// Where the open frame's FRAME opcode is.
    frame: Option<usize>,
    /// The output length at which the open frame is full (`usize::MAX`
    /// without one): checked after every leaf, so one comparison.
    frame_full: usize,
    tasks: Vec<Task<'a>>,
    /// Strings already written, by memo slot: a repeated string (a dict key
    /// in every session, a module name) is written once, then fetched, as
    /// CPython does. Strings are immutable, so sharing them changes nothing.
    memo: HashMap<MemoKey<'a>, u32, Prehashed>,
    /// Hashes the memo's keys.
    hasher: StrHash,
}

impl<'a> Writer<'a, '_> {
    fn run(&mut self) -> Result<(), EncodeError> {
        self.out.extend([op::PROTO, self.proto]);
        if self.proto >= 4 {
            self.open_frame();
        }
        while let Some(task) = self.tasks.pop() {
            self.task(task)?;
            self.maybe_commit_frame();
        }
        self.out.push(op::STOP);
        self.close_frame();
        Ok(())
    }

    fn open_frame(&mut self) {
        self.frame = Some(self.out.len());
        self.frame_full = self.out.len() + 9 + FRAME_TARGET;
        self.out.push(op::FRAME);
        self.out.extend([0u8; 8]);
    }

    fn close_frame(&mut self) {
        let Some(at) = self.frame.take() else { return };
        self.frame_full = usize::MAX;
        let len = self.out.len() - at - 9;
        if len < FRAME_MIN {
            self.out.drain(at..at + 9);
        } else {
            self.out[at + 1..at + 9].copy_from_slice(&(len as u64).to_le_bytes());
        }
    }

    #[inline]
    fn maybe_commit_frame(&mut self) {
        if self.out.len() >= self.frame_full {
            self.close_frame();
            self.open_frame();
        }
    }

    fn push_values(&mut self, items: &'a [Value]) {
        if !items.is_empty() {
            self.tasks.push(Task::Run(items));
        }
    }

    /// Writes `v` at once if it is a leaf, one that needs no task of its own
    /// (a scalar, a str, bytes from protocol 3): returns whether it did.
    /// Most values of a payload are leaves; writing them straight from a run
    /// saves a push and a pop each. The frame is checked after each, exactly
    /// where it was checked when every value was a task: same bytes.
    #[inline]
    fn leaf(&mut self, v: &'a Value) -> Result<bool, EncodeError> {
        match v {
            Value::None => self.out.push(op::NONE),
            Value::Bool(b) => self.out.push(if *b { op::NEWTRUE } else { op::NEWFALSE }),
            Value::Int(n) => self.int(*n),
            Value::Float(x) => {
                self.out.push(op::BINFLOAT);
                self.out.extend(x.to_be_bytes());
            }
            Value::Str(s) => self.str(s)?,
            Value::BigInt(_) => self.value(v)?,
            Value::Bytes(b) if self.proto >= 3 => self.bytes(b)?,
            _ => return Ok(false),
        }
        self.maybe_commit_frame();
        Ok(true)
    }

    fn task(&mut self, task: Task<'a>) -> Result<(), EncodeError> {
        match task {
            Task::Value(v) => self.value(v)?,
            Task::Op(code) => self.out.push(code),
            Task::Str(s) => self.str(s)?,
            Task::OwnedStr(s) => self.unshared_str(&s)?,
            Task::Bytes(b) => self.bytes(b)?,
            Task::List(items) => {
                self.out.push(op::EMPTY_LIST);
                self.tasks.push(Task::Items(items, op::APPENDS));
            }
            Task::Dict(pairs) => {
                check_keys(pairs)?;
                self.out.push(op::EMPTY_DICT);
                self.tasks.push(Task::Pairs(pairs));
            }
            Task::StrDict(pairs) => {
                // str keys are always hashable: nothing to check.
                self.out.push(op::EMPTY_DICT);
                self.tasks.push(Task::StrPairs(pairs));
            }
            Task::Tuple(items) => match items.len() {
                0 => self.out.push(op::EMPTY_TUPLE),
                n @ 1..=3 => {
                    self.tasks.push(Task::Op(op::TUPLE1 + (n as u8 - 1)));
                    self.push_values(items);
                }
                _ => {
                    self.tasks.push(Task::Op(op::TUPLE));
                    self.push_values(items);
                    self.out.push(op::MARK);
                }
            },
            Task::Items(items, close) => {
                let (batch, rest) = items.split_at(items.len().min(BATCH));
                if !rest.is_empty() {
                    self.tasks.push(Task::Items(rest, close));
                }
                if batch.len() == 1 && close == op::APPENDS {
                    self.tasks.push(Task::Op(op::APPEND));
                    self.push_values(batch);
                } else if !batch.is_empty() {
                    self.tasks.push(Task::Op(close));
                    self.push_values(batch);
                    self.out.push(op::MARK);
                }
            }
            Task::Pairs(pairs) => {
                let (batch, rest) = pairs.split_at(pairs.len().min(BATCH));
                if !rest.is_empty() {
                    self.tasks.push(Task::Pairs(rest));
                }
                if !batch.is_empty() {
                    self.tasks.push(Task::Op(if batch.len() == 1 { op::SETITEM } else { op::SETITEMS }));
                    self.tasks.push(Task::PairRun(batch));
                    if batch.len() > 1 {
                        self.out.push(op::MARK);
                    }
                }
            }
            Task::StrPairs(pairs) => {
                let (batch, rest) = pairs.split_at(pairs.len().min(BATCH));
                if !rest.is_empty() {
                    self.tasks.push(Task::StrPairs(rest));
                }
                if !batch.is_empty() {
                    self.tasks.push(Task::Op(if batch.len() == 1 { op::SETITEM } else { op::SETITEMS }));
                    self.tasks.push(Task::StrPairRun(batch));
                    if batch.len() > 1 {
                        self.out.push(op::MARK);
                    }
                }
            }
            Task::Run(items) => {
                for (i, v) in items.iter().enumerate() {
                    if !self.leaf(v)? {
                        self.push_values(&items[i + 1..]);
                        self.tasks.push(Task::Value(v));
                        break;
                    }
                }
            }
            Task::PairRun(pairs) => {
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if !self.leaf(k)? {
                        self.push_pair_run(&pairs[i + 1..]);
                        self.tasks.push(Task::Value(v));
                        self.tasks.push(Task::Value(k));
                        break;
                    }
                    if !self.leaf(v)? {
                        self.push_pair_run(&pairs[i + 1..]);
                        self.tasks.push(Task::Value(v));
                        break;
                    }
                }
            }
            Task::StrPairRun(pairs) => {
                for (i, (k, v)) in pairs.iter().enumerate() {
                    self.str(k)?;
                    self.maybe_commit_frame();
                    if !self.leaf(v)? {
                        if i + 1 < pairs.len() {
                            self.tasks.push(Task::StrPairRun(&pairs[i + 1..]));
                        }
                        self.tasks.push(Task::Value(v));
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    fn push_pair_run(&mut self, pairs: &'a [(Value, Value)]) {
        if !pairs.is_empty() {
            self.tasks.push(Task::PairRun(pairs));
        }
    }

    fn value(&mut self, v: &'a Value) -> Result<(), EncodeError> {
        match v {
            Value::None => self.out.push(op::NONE),
            Value::Bool(b) => self.out.push(if *b { op::NEWTRUE } else { op::NEWFALSE }),
            Value::Int(n) => self.int(*n),
            Value::BigInt(n) => self.bigint(n),
            Value::Float(x) => {
                self.out.push(op::BINFLOAT);
                self.out.extend(x.to_be_bytes());
            }
            Value::Str(s) => self.str(s)?,
            Value::Bytes(b) => self.bytes(b)?,
            Value::ByteArray(b) => {
                if self.proto >= 5 {
                    self.out.push(op::BYTEARRAY8);
                    self.out.extend((b.len() as u64).to_le_bytes());
                    self.out.extend_from_slice(b);
                } else {
                    // CPython's spelling below protocol 5: bytearray(b'...').
                    self.tasks.push(Task::Op(op::REDUCE));
                    if b.is_empty() {
                        self.tasks.push(Task::Op(op::EMPTY_TUPLE));
                    } else {
                        self.tasks.push(Task::Op(op::TUPLE1));
                        self.tasks.push(Task::Bytes(b));
                    }
                    self.global("builtins", "bytearray")?;
                }
            }
            Value::List(items) => self.task(Task::List(items))?,
            Value::Tuple(items) => self.task(Task::Tuple(items))?,
            Value::Dict(pairs) => self.task(Task::Dict(pairs))?,
            Value::Set(items) | Value::FrozenSet(items) => {
                check_members(items)?;
                let frozen = matches!(v, Value::FrozenSet(_));
                if self.proto >= 4 && frozen {
                    self.tasks.push(Task::Op(op::FROZENSET));
                    self.push_values(items);
                    self.out.push(op::MARK);
                } else if self.proto >= 4 {
                    self.out.push(op::EMPTY_SET);
                    self.tasks.push(Task::Items(items, op::ADDITEMS));
                } else {
                    // CPython's spelling below protocol 4: set([...]).
                    self.tasks.push(Task::Op(op::REDUCE));
                    self.tasks.push(Task::Op(op::TUPLE1));
                    self.tasks.push(Task::List(items));
                    self.global("builtins", if frozen { "frozenset" } else { "set" })?;
                }
            }
            Value::Global(g) => self.global(&g.module, &g.name)?,
            Value::Object(o) => {
                if !matches!(o.callable, Value::Global(_) | Value::Object(_)) {
                    return Err(EncodeError::NotCallable { kind: o.callable.type_name() });
                }
                // Pushed in reverse: creation, list items, dict items, state.
                if let Some(state) = &o.state {
                    self.tasks.push(Task::Op(op::BUILD));
                    self.tasks.push(Task::Value(state));
                }
                self.tasks.push(Task::Pairs(&o.dict_items));
                self.tasks.push(Task::Items(&o.list_items, op::APPENDS));
                match o.kind {
                    ObjectKind::Reduce | ObjectKind::NewObj => {
                        self.tasks.push(Task::Op(if o.kind == ObjectKind::Reduce { op::REDUCE } else { op::NEWOBJ }));
                        self.tasks.push(Task::Tuple(&o.args));
                        self.tasks.push(Task::Value(&o.callable));
                    }
                    ObjectKind::NewObjEx if self.proto >= 4 => {
                        self.tasks.push(Task::Op(op::NEWOBJ_EX));
                        self.tasks.push(Task::Dict(&o.kwargs));
                        self.tasks.push(Task::Tuple(&o.args));
                        self.tasks.push(Task::Value(&o.callable));
                    }
                    ObjectKind::NewObjEx => {
                        // copyreg.__newobj_ex__(cls, args, kwargs) is what NEWOBJ_EX does.
                        self.tasks.push(Task::Op(op::REDUCE));
                        self.tasks.push(Task::Op(op::TUPLE3));
                        self.tasks.push(Task::Dict(&o.kwargs));
                        self.tasks.push(Task::Tuple(&o.args));
                        self.tasks.push(Task::Value(&o.callable));
                        self.global("copyreg", "__newobj_ex__")?;
                    }
                }
            }
        }
        Ok(())
    }

    fn int(&mut self, n: i64) {
        if let Ok(small) = u8::try_from(n) {
            self.out.extend([op::BININT1, small]);
        } else if let Ok(small) = u16::try_from(n) {
            self.out.push(op::BININT2);
            self.out.extend(small.to_le_bytes());
        } else if let Ok(small) = i32::try_from(n) {
            self.out.push(op::BININT);
            self.out.extend(small.to_le_bytes());
        } else {
            self.long(&BigInt::from(n));
        }
    }

    fn bigint(&mut self, n: &BigInt) {
        match i64::try_from(n) {
            Ok(small) => self.int(small),
            Err(_) => self.long(n),
        }
    }

    /// LONG1 / LONG4: little-endian two's complement, as short as it goes.
    fn long(&mut self, n: &BigInt) {
        let bytes = n.to_signed_bytes_le();
        match u8::try_from(bytes.len()) {
            Ok(len) => self.out.extend([op::LONG1, len]),
            Err(_) => {
                self.out.push(op::LONG4);
                self.out.extend((bytes.len() as u32).to_le_bytes());
            }
        }
        self.out.extend(bytes);
    }

    /// A str, fetched from the memo when it was written before.
    fn str(&mut self, s: &'a str) -> Result<(), EncodeError> {
        let next = u32::try_from(self.memo.len()).ok();
        // One hash per string: the entry serves both the lookup and the insert.
        match self.memo.entry(MemoKey::new(&self.hasher, s)) {
            Entry::Occupied(seen) => match u8::try_from(*seen.get()) {
                Ok(small) => self.out.extend([op::BINGET, small]),
                Err(_) => {
                    self.out.push(op::LONG_BINGET);
                    self.out.extend(seen.get().to_le_bytes());
                }
            },
            Entry::Vacant(new) => {
                write_str(self.out, self.proto, s)?;
                if let Some(slot) = next {
                    if self.proto >= 4 {
                        self.out.push(op::MEMOIZE);
                    } else if let Ok(small) = u8::try_from(slot) {
                        self.out.extend([op::BINPUT, small]);
                    } else {
                        self.out.push(op::LONG_BINPUT);
                        self.out.extend(slot.to_le_bytes());
                    }
                    new.insert(slot);
                }
            }
        }
        Ok(())
    }

    fn unshared_str(&mut self, s: &str) -> Result<(), EncodeError> {
        write_str(self.out, self.proto, s)
    }

    fn bytes(&mut self, b: &'a [u8]) -> Result<(), EncodeError> {
        let len = b.len();
        if self.proto < 3 {
            // CPython's spelling at protocol 2: bytes() or _codecs.encode('...', 'latin1').
            self.tasks.push(Task::Op(op::REDUCE));
            if b.is_empty() {
                self.tasks.push(Task::Op(op::EMPTY_TUPLE));
                return self.global("builtins", "bytes");
            }
            self.tasks.push(Task::Op(op::TUPLE2));
            self.tasks.push(Task::Str("latin1"));
            self.tasks.push(Task::OwnedStr(b.iter().map(|&c| char::from(c)).collect()));
            return self.global("_codecs", "encode");
        }
        if len < 256 {
            self.out.extend([op::SHORT_BINBYTES, len as u8]);
        } else if let Ok(len32) = u32::try_from(len) {
            self.out.push(op::BINBYTES);
            self.out.extend(len32.to_le_bytes());
        } else if self.proto >= 4 {
            self.out.push(op::BINBYTES8);
            self.out.extend((len as u64).to_le_bytes());
        } else {
            return Err(EncodeError::TooLarge { kind: "bytes", len, protocol: self.proto });
        }
        self.out.extend_from_slice(b);
        Ok(())
    }

    /// A reference to `module.name`: STACK_GLOBAL from protocol 4, else GLOBAL
    /// (with `getattr` for a dotted name, which GLOBAL cannot look up).
    fn global(&mut self, module: &'a str, name: &'a str) -> Result<(), EncodeError> {
        if self.proto >= 4 {
            self.str(module)?;
            self.str(name)?;
            self.out.push(op::STACK_GLOBAL);
            return Ok(());
        }
        let mut parts = name.split('.');
        let first = parts.next().unwrap_or_default();
        let rest: Vec<&'a str> = parts.collect();
        for _ in &rest {
            self.global_line("builtins", "getattr")?;
        }
        self.global_line(module, first)?;
        for attr in rest {
            self.str(attr)?;
            self.out.extend([op::TUPLE2, op::REDUCE]);
        }
        Ok(())
    }

    fn global_line(&mut self, module: &str, name: &str) -> Result<(), EncodeError> {
        let (m, n) = if self.proto < 3 { compat::write_name(module, name) } else { (module, name) };
        if self.proto < 3 && compat::load_name(m.to_owned(), n.to_owned()) != (module.to_owned(), name.to_owned()) {
            // A Python 2 name (say `__builtin__.set` read from a protocol 3
            // pickle): CPython's protocol 2 loader would rename it.
            return Err(EncodeError::GlobalName {
                module: module.to_owned(),
                name: name.to_owned(),
                protocol: self.proto,
                reason: "protocol 2 loaders rename this Python 2 name",
            });
        }
        if m.contains('\n') || n.contains('\n') {
            return Err(EncodeError::GlobalName {
                module: module.to_owned(),
                name: name.to_owned(),
                protocol: self.proto,
                reason: "GLOBAL cannot carry a newline (protocol 4 can)",
            });
        }
        self.out.push(op::GLOBAL);
        self.out.extend_from_slice(m.as_bytes());
        self.out.push(b'\n');
        self.out.extend_from_slice(n.as_bytes());
        self.out.push(b'\n');
        Ok(())
    }
}

/// A str's opcode, length and UTF-8 bytes (a Rust `str` is valid UTF-8 already).
fn write_str(out: &mut Vec<u8>, proto: u8, s: &str) -> Result<(), EncodeError> {
    let len = s.len();
    if proto >= 4 && len < 256 {
        out.extend([op::SHORT_BINUNICODE, len as u8]);
    } else if let Ok(len32) = u32::try_from(len) {
        out.push(op::BINUNICODE);
        out.extend(len32.to_le_bytes());
    } else if proto >= 4 {
        out.push(op::BINUNICODE8);
        out.extend((len as u64).to_le_bytes());
    } else {
        return Err(EncodeError::TooLarge { kind: "str", len, protocol: proto });
    }
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn check_members(items: &[Value]) -> Result<(), EncodeError> {
    match items.iter().find(|v| !v.is_hashable()) {
        Some(bad) => Err(EncodeError::Unhashable { kind: bad.type_name() }),
        None => Ok(()),
    }
}

fn check_keys(pairs: &[(Value, Value)]) -> Result<(), EncodeError> {
    // Keys are nearly always str or int: those need no call.
    match pairs.iter().find(|(k, _)| !matches!(k, Value::Str(_) | Value::Int(_)) && !k.is_hashable()) {
        Some((bad, _)) => Err(EncodeError::Unhashable { kind: bad.type_name() }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mix of leaves and containers in every position (dict keys that are
    /// tuples, containers between leaves, batches past 1000, frames past
    /// 64 KiB), so runs stop and resume everywhere.
    fn mixed(seed: usize) -> Value {
        let leaf = |i: usize| match i % 7 {
            0 => Value::None,
            1 => Value::Bool(i % 2 == 0),
            2 => Value::Int(i as i64 * 1_000_003),
            3 => Value::Float(i as f64 / 3.0),
            4 => Value::from(format!("key{}", i % 50)),
            5 => Value::Bytes(vec![i as u8; i % 300]),
            _ => Value::from(BigInt::from(i) << 70),
        };
        let pairs: Vec<(Value, Value)> = (0..1500)
            .map(|i| {
                let key = if i % 11 == 0 { Value::Tuple(vec![leaf(i), Value::from(i)]) } else { Value::from(i + seed) };
                let value = match i % 5 {
                    0 => Value::List(vec![leaf(i), Value::Dict(vec![]), leaf(i + 1)]),
                    1 => Value::FrozenSet(vec![Value::from(i), Value::from("x".repeat(i % 40))]),
                    2 => Value::global("builtins", "set"),
                    _ => leaf(i),
                };
                (key, value)
            })
            .collect();
        Value::Tuple(vec![Value::Dict(pairs), Value::from("y".repeat(70_000)), Value::Set(vec![leaf(seed)])])
    }

    #[test]
    fn borrowed_kwargs_encode_like_the_built_value() {
        let kwargs: Vec<(String, Value)> = (0..1200)
            .map(|i| (format!("arg{}", i % 1100), if i % 300 == 0 { mixed(i) } else { Value::from(i) }))
            .collect();
        for first in [Value::from(7), mixed(1), Value::global("builtins", "bytearray")] {
            let built = Value::Tuple(vec![
                first.clone(),
                Value::Dict(kwargs.iter().map(|(k, v)| (Value::from(k.as_str()), v.clone())).collect()),
            ]);
            assert_eq!(encode_pair_with_kwargs(&first, &kwargs).unwrap(), encode(&built).unwrap());
        }
        assert!(matches!(
            encode_pair_with_kwargs(&Value::from(1), &[("k".to_owned(), Value::Set(vec![Value::List(vec![])]))]),
            Err(EncodeError::Unhashable { kind: "list" })
        ));
    }

    #[test]
    fn every_protocol_round_trips_mixed_values() {
        let value = mixed(3);
        for protocol in EncodeOptions::LOWEST_PROTOCOL..=EncodeOptions::HIGHEST_PROTOCOL {
            let bytes = encode_with(&value, &EncodeOptions::protocol(protocol)).unwrap();
            assert_eq!(crate::codec::pickle::decode(&bytes).unwrap(), value, "protocol {protocol}");
        }
    }
}
