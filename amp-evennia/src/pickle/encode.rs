//! Writing a [`Value`] as a pickle of protocol 2 to 5. Iterative: any depth is safe.

use std::collections::HashMap;

use num_bigint::BigInt;

use super::compat;
use super::error::EncodeError;
use super::limits::EncodeOptions;
use super::opcodes as op;
use super::value::{ObjectKind, Value};

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
/// calls they were decoded from. No memo is written: every value is written
/// where it appears.
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
    let start = out.len();
    let mut w = Writer { out, proto, frame: None, tasks: vec![Task::Value(value)], memo: HashMap::new() };
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
    Tuple(&'a [Value]),
    /// Items added in batches with APPEND(S) or ADDITEMS to what is on the stack.
    Items(&'a [Value], u8),
    /// Pairs set in batches with SETITEM(S) on what is on the stack.
    Pairs(&'a [(Value, Value)]),
}

struct Writer<'a, 'o> {
    out: &'o mut Vec<u8>,
    proto: u8,
    /// Where the open frame's FRAME opcode is.
    frame: Option<usize>,
    tasks: Vec<Task<'a>>,
    /// Strings already written, by memo slot: a repeated string (a dict key
    /// in every session, a module name) is written once, then fetched, as
    /// CPython does. Strings are immutable, so sharing them changes nothing.
    memo: HashMap<&'a str, u32>,
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
        self.out.push(op::FRAME);
        self.out.extend([0u8; 8]);
    }

    fn close_frame(&mut self) {
        let Some(at) = self.frame.take() else { return };
        let len = self.out.len() - at - 9;
        if len < FRAME_MIN {
            self.out.drain(at..at + 9);
        } else {
            self.out[at + 1..at + 9].copy_from_slice(&(len as u64).to_le_bytes());
        }
    }

    fn maybe_commit_frame(&mut self) {
        if let Some(at) = self.frame {
            if self.out.len() - at - 9 >= FRAME_TARGET {
                self.close_frame();
                self.open_frame();
            }
        }
    }

    fn push_values(&mut self, items: &'a [Value]) {
        self.tasks.extend(items.iter().rev().map(Task::Value));
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
                    for (k, v) in batch.iter().rev() {
                        self.tasks.push(Task::Value(v));
                        self.tasks.push(Task::Value(k));
                    }
                    if batch.len() > 1 {
                        self.out.push(op::MARK);
                    }
                }
            }
        }
        Ok(())
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
        if let Some(&slot) = self.memo.get(s) {
            match u8::try_from(slot) {
                Ok(small) => self.out.extend([op::BINGET, small]),
                Err(_) => {
                    self.out.push(op::LONG_BINGET);
                    self.out.extend(slot.to_le_bytes());
                }
            }
            return Ok(());
        }
        self.unshared_str(s)?;
        if let Ok(slot) = u32::try_from(self.memo.len()) {
            if self.proto >= 4 {
                self.out.push(op::MEMOIZE);
            } else if let Ok(small) = u8::try_from(slot) {
                self.out.extend([op::BINPUT, small]);
            } else {
                self.out.push(op::LONG_BINPUT);
                self.out.extend(slot.to_le_bytes());
            }
            self.memo.insert(s, slot);
        }
        Ok(())
    }

    fn unshared_str(&mut self, s: &str) -> Result<(), EncodeError> {
        let len = s.len();
        if self.proto >= 4 && len < 256 {
            self.out.extend([op::SHORT_BINUNICODE, len as u8]);
        } else if let Ok(len32) = u32::try_from(len) {
            self.out.push(op::BINUNICODE);
            self.out.extend(len32.to_le_bytes());
        } else if self.proto >= 4 {
            self.out.push(op::BINUNICODE8);
            self.out.extend((len as u64).to_le_bytes());
        } else {
            return Err(EncodeError::TooLarge { kind: "str", len, protocol: self.proto });
        }
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
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

fn check_members(items: &[Value]) -> Result<(), EncodeError> {
    match items.iter().find(|v| !v.is_hashable()) {
        Some(bad) => Err(EncodeError::Unhashable { kind: bad.type_name() }),
        None => Ok(()),
    }
}

fn check_keys(pairs: &[(Value, Value)]) -> Result<(), EncodeError> {
    match pairs.iter().find(|(k, _)| !k.is_hashable()) {
        Some((bad, _)) => Err(EncodeError::Unhashable { kind: bad.type_name() }),
        None => Ok(()),
    }
}
