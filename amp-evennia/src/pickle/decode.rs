//! The pickle stack machine: bytes in, an object graph out. Never recursive,
//! never imports or calls anything.

use std::collections::HashMap;

use num_bigint::BigInt;

use super::build::build;
use super::compat;
use super::error::DecodeError;
use super::graph::{Node, NodeId, NodeKind, ObjectNode, Slot};
use super::limits::{DecodeOptions, Py2Str};
use super::opcodes::{self as op, name};
use super::text;
use super::value::{Global, ObjectKind, Value};

/// Decodes a pickle with the default [`DecodeOptions`].
pub fn decode(input: &[u8]) -> Result<Value, DecodeError> {
    decode_with(input, &DecodeOptions::default())
}

/// Decodes a pickle of any protocol (0 to 5).
///
/// Built-in values become their [`Value`] variant (including the protocol 0-3
/// spellings of sets, frozensets, bytes and bytearrays, which CPython writes as
/// calls to `builtins.set`, `_codecs.encode`, ...); anything else becomes an
/// opaque [`Value::Object`]. Objects referenced twice through the memo appear
/// twice, as equal values.
pub fn decode_with(input: &[u8], options: &DecodeOptions) -> Result<Value, DecodeError> {
    let limits = &options.limits;
    if input.len() > limits.max_input_bytes {
        return Err(DecodeError::InputTooLarge { len: input.len(), limit: limits.max_input_bytes });
    }
    let mut machine = Machine::new(input, options);
    let (root, stop) = machine.run()?;
    if stop + 1 < input.len() && !options.allow_trailing_bytes {
        return Err(DecodeError::TrailingBytes { offset: stop, count: input.len() - stop - 1 });
    }
    build(machine.arena, root, limits)
}

/// Memo slots. Indexes are usually dense (0, 1, 2, ...); a far index a hostile
/// pickle asks for goes to a map instead of growing the vector.
#[derive(Default)]
struct Memo {
    dense: Vec<Option<NodeId>>,
    sparse: HashMap<u64, NodeId>,
    /// Slots in use: the index MEMOIZE stores at.
    len: u64,
}

impl Memo {
    fn put(&mut self, index: u64, id: NodeId) {
        let dense_len = self.dense.len() as u64;
        if index < dense_len {
            if self.dense[index as usize].replace(id).is_none() {
                self.len += 1;
            }
        } else if index == dense_len {
            if self.sparse.remove(&index).is_none() {
                self.len += 1;
            }
            self.dense.push(Some(id));
        } else if self.sparse.insert(index, id).is_none() {
            self.len += 1;
        }
    }

    fn get(&self, index: u64) -> Option<NodeId> {
        match usize::try_from(index).ok().and_then(|i| self.dense.get(i)) {
            Some(slot) => *slot,
            None => self.sparse.get(&index).copied(),
        }
    }
}

struct Machine<'a> {
    input: &'a [u8],
    pos: usize,
    /// The opcode being run and its offset, for errors.
    op: u8,
    at: usize,
    options: &'a DecodeOptions,
    /// The protocol PROTO announced (0 without one): below 3, global names
    /// are mapped from Python 2.
    proto: u8,
    stack: Vec<Slot>,
    marks: Vec<usize>,
    memo: Memo,
    arena: Vec<Node>,
    /// Values, marks and references created so far (capped by `max_values`).
    created: usize,
    /// Bytes copied by the constructors recognized here (capped by `max_data_bytes`).
    copied: usize,
}

impl<'a> Machine<'a> {
    fn new(input: &'a [u8], options: &'a DecodeOptions) -> Self {
        Machine {
            input,
            pos: 0,
            op: 0,
            at: 0,
            options,
            proto: 0,
            stack: Vec::new(),
            marks: Vec::new(),
            memo: Memo::default(),
            arena: Vec::new(),
            created: 0,
            copied: 0,
        }
    }

    /// Runs to STOP: the root and STOP's offset.
    fn run(&mut self) -> Result<(Slot, usize), DecodeError> {
        loop {
            let Some(&code) = self.input.get(self.pos) else {
                return Err(DecodeError::Truncated { offset: self.input.len(), what: "the pickle (no STOP opcode)" });
            };
            self.op = code;
            self.at = self.pos;
            self.pos += 1;
            if code == op::STOP {
                return Ok((self.pop()?, self.at));
            }
            self.step(code)?;
        }
    }

    fn step(&mut self, code: u8) -> Result<(), DecodeError> {
        match code {
            op::PROTO => {
                let version = self.u8()?;
                if version > 5 {
                    return Err(DecodeError::UnsupportedProtocol { protocol: version, offset: self.at });
                }
                self.proto = version;
            }
            op::FRAME => {
                // A frame is only a read-ahead hint; check it is all there, as CPython does.
                let len = self.u64()?;
                if len > (self.input.len() - self.pos) as u64 {
                    return Err(self.truncated("a FRAME"));
                }
            }
            op::MARK => {
                self.count(1)?;
                self.marks.push(self.stack.len());
            }
            op::POP => {
                // CPython pops a MARK when it is at the top of the stack.
                if self.marks.last() == Some(&self.stack.len()) {
                    self.marks.pop();
                } else {
                    self.pop()?;
                }
            }
            op::POP_MARK => {
                self.pop_mark()?;
            }
            op::DUP => {
                let id = self.share_top()?;
                self.count(1)?;
                self.stack.push(Slot::Node(id));
            }

            op::NONE => self.push_val(Value::None)?,
            op::NEWTRUE => self.push_val(Value::Bool(true))?,
            op::NEWFALSE => self.push_val(Value::Bool(false))?,
            op::INT => {
                let line = self.line()?;
                let v = text::parse_int(line).map_err(|r| self.invalid(r))?;
                self.push_val(v)?;
            }
            op::BININT => {
                let n = i32::from_le_bytes(self.array()?);
                self.push_val(Value::Int(i64::from(n)))?;
            }
            op::BININT1 => {
                let n = self.u8()?;
                self.push_val(Value::Int(i64::from(n)))?;
            }
            op::BININT2 => {
                let n = u16::from_le_bytes(self.array()?);
                self.push_val(Value::Int(i64::from(n)))?;
            }
            op::LONG => {
                let line = self.line()?;
                let v = text::parse_long(line).map_err(|r| self.invalid(r))?;
                self.push_val(v)?;
            }
            op::LONG1 => {
                let n = usize::from(self.u8()?);
                let bytes = self.take(n)?;
                self.push_val(Value::from_bigint(BigInt::from_signed_bytes_le(bytes)))?;
            }
            op::LONG4 => {
                let n = self.signed_len()?;
                let bytes = self.take(n)?;
                self.push_val(Value::from_bigint(BigInt::from_signed_bytes_le(bytes)))?;
            }
            op::FLOAT => {
                let line = self.line()?;
                let x = text::parse_float(line).map_err(|r| self.invalid(r))?;
                self.push_val(Value::Float(x))?;
            }
            op::BINFLOAT => {
                let x = f64::from_be_bytes(self.array()?);
                self.push_val(Value::Float(x))?;
            }

            op::STRING => {
                let line = self.line()?;
                let bytes = text::parse_quoted(line).map_err(|r| self.invalid(r))?;
                self.push_py2_str(bytes)?;
            }
            op::BINSTRING => {
                let n = self.signed_len()?;
                let bytes = self.take(n)?.to_vec();
                self.push_py2_str(bytes)?;
            }
            op::SHORT_BINSTRING => {
                let n = usize::from(self.u8()?);
                let bytes = self.take(n)?.to_vec();
                self.push_py2_str(bytes)?;
            }
            op::UNICODE => {
                let line = self.line()?;
                let s = text::raw_unicode_escape_decode(line).map_err(|r| self.invalid(r))?;
                self.push_val(Value::Str(s))?;
            }
            op::SHORT_BINUNICODE => {
                let n = usize::from(self.u8()?);
                self.push_utf8(n)?;
            }
            op::BINUNICODE => {
                let n = u32::from_le_bytes(self.array()?) as usize;
                self.push_utf8(n)?;
            }
            op::BINUNICODE8 => {
                let n = self.u64_len()?;
                self.push_utf8(n)?;
            }
            op::SHORT_BINBYTES => {
                let n = usize::from(self.u8()?);
                let bytes = self.take(n)?.to_vec();
                self.push_val(Value::Bytes(bytes))?;
            }
            op::BINBYTES => {
                let n = u32::from_le_bytes(self.array()?) as usize;
                let bytes = self.take(n)?.to_vec();
                self.push_val(Value::Bytes(bytes))?;
            }
            op::BINBYTES8 => {
                let n = self.u64_len()?;
                let bytes = self.take(n)?.to_vec();
                self.push_val(Value::Bytes(bytes))?;
            }
            op::BYTEARRAY8 => {
                let n = self.u64_len()?;
                let bytes = self.take(n)?.to_vec();
                self.push_val(Value::ByteArray(bytes))?;
            }

            op::EMPTY_LIST => self.push_node(NodeKind::List(Vec::new()))?,
            op::EMPTY_TUPLE => self.push_node(NodeKind::Tuple(Vec::new()))?,
            op::EMPTY_DICT => self.push_node(NodeKind::Dict(Vec::new()))?,
            op::EMPTY_SET => self.push_node(NodeKind::Set(Vec::new()))?,
            op::LIST => {
                let items = self.pop_mark()?;
                self.push_node(NodeKind::List(items))?;
            }
            op::TUPLE => {
                let items = self.pop_mark()?;
                self.push_node(NodeKind::Tuple(items))?;
            }
            op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                let n = usize::from(code - op::TUPLE1 + 1);
                let items = self.pop_n(n)?;
                self.push_node(NodeKind::Tuple(items))?;
            }
            op::DICT => {
                let items = self.pop_mark()?;
                let pairs = self.pairs(items)?;
                self.push_node(NodeKind::Dict(pairs))?;
            }
            op::FROZENSET => {
                let items = self.pop_mark()?;
                self.push_node(NodeKind::FrozenSet(items))?;
            }
            op::APPEND => {
                let item = self.pop()?;
                let target = self.top_index()?;
                self.append(target, vec![item])?;
            }
            op::APPENDS => {
                let items = self.pop_mark()?;
                let target = self.target_index()?;
                if !items.is_empty() {
                    self.append(target, items)?;
                }
            }
            op::SETITEM => {
                let value = self.pop()?;
                let key = self.pop()?;
                let target = self.top_index()?;
                self.set_items(target, vec![(key, value)])?;
            }
            op::SETITEMS => {
                let items = self.pop_mark()?;
                let target = self.target_index()?;
                if !items.is_empty() {
                    let pairs = self.pairs(items)?;
                    self.set_items(target, pairs)?;
                }
            }
            op::ADDITEMS => {
                let items = self.pop_mark()?;
                let target = self.target_index()?;
                if !items.is_empty() {
                    self.add_items(target, items)?;
                }
            }

            op::PUT => {
                let line = self.line()?;
                let index = text::parse_index(line).map_err(|r| self.invalid(r))?;
                self.memo_put(index)?;
            }
            op::BINPUT => {
                let index = self.u8()?;
                self.memo_put(u64::from(index))?;
            }
            op::LONG_BINPUT => {
                let index = u32::from_le_bytes(self.array()?);
                self.memo_put(u64::from(index))?;
            }
            op::MEMOIZE => self.memo_put(self.memo.len)?,
            op::GET => {
                let line = self.line()?;
                let index = text::parse_index(line).map_err(|r| self.invalid(r))?;
                self.memo_get(index)?;
            }
            op::BINGET => {
                let index = self.u8()?;
                self.memo_get(u64::from(index))?;
            }
            op::LONG_BINGET => {
                let index = u32::from_le_bytes(self.array()?);
                self.memo_get(u64::from(index))?;
            }

            op::GLOBAL => {
                let module = self.line_utf8()?;
                let name = self.line_utf8()?;
                let global = self.global(module, name);
                self.push_val(global)?;
            }
            op::STACK_GLOBAL => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (Some(module), Some(name)) = (self.slot_str(&module), self.slot_str(&name)) else {
                    return Err(self.invalid("module and name must be str"));
                };
                let global = self.global(module.to_owned(), name.to_owned());
                self.push_val(global)?;
            }
            op::REDUCE => {
                let args = self.pop()?;
                let callable = self.pop()?;
                let args = self.tuple_id(&args).ok_or_else(|| self.invalid("the arguments are not a tuple"))?;
                let made = self.call(callable, ObjectKind::Reduce, args, None)?;
                self.stack.push(made);
            }
            op::INST => {
                let module = self.line_utf8()?;
                let name = self.line_utf8()?;
                let items = self.pop_mark()?;
                let callable = Slot::Val(self.global(module, name));
                self.count(1)?;
                let args = self.node(NodeKind::Tuple(items))?;
                let made = self.call(callable, ObjectKind::Reduce, args, None)?;
                self.stack.push(made);
            }
            op::OBJ => {
                let mut items = self.pop_mark()?.into_iter();
                let callable = items.next().ok_or_else(|| self.underflow())?;
                self.count(1)?;
                let args = self.node(NodeKind::Tuple(items.collect()))?;
                let made = self.call(callable, ObjectKind::Reduce, args, None)?;
                self.stack.push(made);
            }
            op::NEWOBJ => {
                let args = self.pop()?;
                let cls = self.pop()?;
                let args = self.tuple_id(&args).ok_or_else(|| self.invalid("the arguments are not a tuple"))?;
                let made = self.call(cls, ObjectKind::NewObj, args, None)?;
                self.stack.push(made);
            }
            op::NEWOBJ_EX => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                let args = self.tuple_id(&args).ok_or_else(|| self.invalid("the arguments are not a tuple"))?;
                if !matches!(&kwargs, Slot::Node(id) if matches!(self.arena[*id as usize].kind, NodeKind::Dict(_))) {
                    return Err(self.invalid("the keyword arguments are not a dict"));
                }
                let made = self.call(cls, ObjectKind::NewObjEx, args, Some(kwargs))?;
                self.stack.push(made);
            }
            op::BUILD => {
                let state = self.pop()?;
                let target = self.top_index()?;
                let problem = match &self.stack[target] {
                    Slot::Val(v) => Some(format!("cannot set the state of a {}", v.type_name())),
                    Slot::Node(id) => match &mut self.arena[*id as usize].kind {
                        NodeKind::Object(o) if o.state.is_none() => {
                            o.state = Some(state);
                            None
                        }
                        NodeKind::Object(_) => Some("a second BUILD on one object is not supported".to_owned()),
                        other => Some(format!("cannot set the state of a {}", other.type_name())),
                    },
                };
                if let Some(reason) = problem {
                    return Err(self.invalid(reason));
                }
            }

            op::PERSID | op::BINPERSID => {
                return Err(self.unsupported("persistent IDs need a persistent_load hook, which this decoder has not"))
            }
            op::EXT1 | op::EXT2 | op::EXT4 => {
                return Err(self.unsupported("the copyreg extension registry is not supported"))
            }
            op::NEXT_BUFFER | op::READONLY_BUFFER => {
                return Err(self.unsupported("out-of-band buffers (protocol 5 buffer_callback) are not supported"))
            }
            other => return Err(DecodeError::UnknownOpcode { opcode: other, offset: self.at }),
        }
        Ok(())
    }

    // ---- reading the input ----

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.input.len() - self.pos {
            return Err(self.truncated("an argument"));
        }
        let bytes = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// An 8-byte length; lengths past the input are caught by `take`.
    fn u64_len(&mut self) -> Result<usize, DecodeError> {
        let n = self.u64()?;
        usize::try_from(n).map_err(|_| self.truncated("an argument"))
    }

    /// A 4-byte signed length (BINSTRING, LONG4).
    fn signed_len(&mut self) -> Result<usize, DecodeError> {
        let n = i32::from_le_bytes(self.array()?);
        usize::try_from(n).map_err(|_| self.invalid(format!("negative byte count {n}")))
    }

    /// A text argument up to `\n` (not included).
    fn line(&mut self) -> Result<&'a [u8], DecodeError> {
        let rest = &self.input[self.pos..];
        let end = rest.iter().position(|&b| b == b'\n').ok_or_else(|| self.truncated("a text argument"))?;
        self.pos += end + 1;
        Ok(&rest[..end])
    }

    fn line_utf8(&mut self) -> Result<String, DecodeError> {
        let line = self.line()?;
        text::utf8(line).map_err(|r| self.invalid(r))
    }

    // ---- errors ----

    fn truncated(&self, what: &'static str) -> DecodeError {
        DecodeError::Truncated { offset: self.at, what }
    }

    fn invalid(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::Invalid { op: name(self.op), offset: self.at, reason: reason.into() }
    }

    fn underflow(&self) -> DecodeError {
        DecodeError::StackUnderflow { op: name(self.op), offset: self.at }
    }

    fn unsupported(&self, reason: &'static str) -> DecodeError {
        DecodeError::Unsupported { op: name(self.op), offset: self.at, reason }
    }

    // ---- the stack ----

    /// Counts `n` created values against `max_values`.
    fn count(&mut self, n: usize) -> Result<(), DecodeError> {
        self.created = self.created.saturating_add(n);
        let limit = self.options.limits.max_values;
        if self.created > limit {
            return Err(DecodeError::TooManyValues { limit });
        }
        Ok(())
    }

    fn push_val(&mut self, v: Value) -> Result<(), DecodeError> {
        self.count(1)?;
        self.stack.push(Slot::Val(v));
        Ok(())
    }

    /// A new arena node (not counted: callers count what they create).
    fn node(&mut self, kind: NodeKind) -> Result<NodeId, DecodeError> {
        let id = NodeId::try_from(self.arena.len())
            .map_err(|_| DecodeError::TooManyValues { limit: self.options.limits.max_values })?;
        self.arena.push(Node { kind, offset: self.at });
        Ok(id)
    }

    fn push_node(&mut self, kind: NodeKind) -> Result<(), DecodeError> {
        self.count(1)?;
        let id = self.node(kind)?;
        self.stack.push(Slot::Node(id));
        Ok(())
    }

    /// The stack's bottom above the last MARK: values below it belong to an
    /// unfinished MARK and cannot be popped.
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Result<Slot, DecodeError> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow());
        }
        Ok(self.stack.pop().expect("stack above the fence"))
    }

    fn pop_n(&mut self, n: usize) -> Result<Vec<Slot>, DecodeError> {
        if self.stack.len() < self.fence() + n {
            return Err(self.underflow());
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    fn pop_mark(&mut self) -> Result<Vec<Slot>, DecodeError> {
        let mark = self.marks.pop().ok_or(DecodeError::MissingMark { op: name(self.op), offset: self.at })?;
        Ok(self.stack.split_off(mark))
    }

    /// The index of the top of the stack, which must be above the fence.
    fn top_index(&self) -> Result<usize, DecodeError> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow());
        }
        Ok(self.stack.len() - 1)
    }

    /// The container APPENDS, SETITEMS and ADDITEMS fill: the value under
    /// their (already popped) MARK.
    fn target_index(&self) -> Result<usize, DecodeError> {
        self.stack.len().checked_sub(1).ok_or_else(|| self.underflow())
    }

    /// Moves a scalar on top of the stack into the arena so several places can
    /// refer to it; returns its node.
    fn share_top(&mut self) -> Result<NodeId, DecodeError> {
        let top = self.top_index()?;
        match &mut self.stack[top] {
            Slot::Node(id) => Ok(*id),
            Slot::Val(v) => {
                let v = std::mem::replace(v, Value::None);
                let id = self.node(NodeKind::Leaf(v))?;
                self.stack[top] = Slot::Node(id);
                Ok(id)
            }
        }
    }

    fn memo_put(&mut self, index: u64) -> Result<(), DecodeError> {
        let id = self.share_top()?;
        self.memo.put(index, id);
        Ok(())
    }

    fn memo_get(&mut self, index: u64) -> Result<(), DecodeError> {
        let id = self.memo.get(index).ok_or(DecodeError::MemoMissing { op: name(self.op), offset: self.at, index })?;
        self.count(1)?;
        self.stack.push(Slot::Node(id));
        Ok(())
    }

    // ---- values ----

    fn push_utf8(&mut self, n: usize) -> Result<(), DecodeError> {
        let bytes = self.take(n)?;
        let s = text::utf8(bytes).map_err(|r| self.invalid(r))?;
        self.push_val(Value::Str(s))
    }

    fn push_py2_str(&mut self, bytes: Vec<u8>) -> Result<(), DecodeError> {
        let v = match self.options.py2_str {
            Py2Str::Bytes => Value::Bytes(bytes),
            Py2Str::Latin1 => Value::Str(bytes.iter().map(|&b| char::from(b)).collect()),
            Py2Str::Ascii => match String::from_utf8(bytes) {
                Ok(s) if s.is_ascii() => Value::Str(s),
                _ => {
                    return Err(self.invalid(
                        "a Python 2 str with non-ASCII bytes (CPython's default encoding='ASCII' refuses it; \
                         choose Py2Str::Latin1 or Py2Str::Bytes)",
                    ))
                }
            },
        };
        self.push_val(v)
    }

    fn global(&self, module: String, name: String) -> Value {
        let (module, name) = if self.proto < 3 { compat::load_name(module, name) } else { (module, name) };
        Value::Global(Box::new(Global { module, name }))
    }

    /// The scalar a slot holds, inline or shared.
    fn scalar<'s>(&'s self, slot: &'s Slot) -> Option<&'s Value> {
        match slot {
            Slot::Val(v) => Some(v),
            Slot::Node(id) => match &self.arena[*id as usize].kind {
                NodeKind::Leaf(v) => Some(v),
                _ => None,
            },
        }
    }

    fn slot_str<'s>(&'s self, slot: &'s Slot) -> Option<&'s str> {
        self.scalar(slot).and_then(Value::as_str)
    }

    fn tuple_id(&self, slot: &Slot) -> Option<NodeId> {
        match slot {
            Slot::Node(id) if matches!(self.arena[*id as usize].kind, NodeKind::Tuple(_)) => Some(*id),
            _ => None,
        }
    }

    fn pairs(&self, items: Vec<Slot>) -> Result<Vec<(Slot, Slot)>, DecodeError> {
        if items.len() % 2 != 0 {
            return Err(self.invalid("odd number of items (keys and values must pair up)"));
        }
        let mut pairs = Vec::with_capacity(items.len() / 2);
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            pairs.push((k, v));
        }
        Ok(pairs)
    }

    fn target_kind(&mut self, target: usize) -> Result<&mut NodeKind, DecodeError> {
        let op = name(self.op);
        let at = self.at;
        match &self.stack[target] {
            Slot::Node(id) => Ok(&mut self.arena[*id as usize].kind),
            Slot::Val(v) => Err(DecodeError::Invalid { op, offset: at, reason: format!("cannot add items to a {}", v.type_name()) }),
        }
    }

    fn append(&mut self, target: usize, items: Vec<Slot>) -> Result<(), DecodeError> {
        let kind = self.target_kind(target)?;
        let name = kind.type_name();
        match kind {
            NodeKind::List(v) => v.extend(items),
            NodeKind::Object(o) => o.list_items.extend(items),
            _ => return Err(self.invalid(format!("cannot append to a {name}"))),
        }
        Ok(())
    }

    fn set_items(&mut self, target: usize, pairs: Vec<(Slot, Slot)>) -> Result<(), DecodeError> {
        let kind = self.target_kind(target)?;
        let name = kind.type_name();
        match kind {
            NodeKind::Dict(v) => v.extend(pairs),
            NodeKind::Object(o) => o.dict_items.extend(pairs),
            _ => return Err(self.invalid(format!("cannot set items of a {name}"))),
        }
        Ok(())
    }

    fn add_items(&mut self, target: usize, items: Vec<Slot>) -> Result<(), DecodeError> {
        let kind = self.target_kind(target)?;
        let name = kind.type_name();
        match kind {
            NodeKind::Set(v) => v.extend(items),
            _ => return Err(self.invalid(format!("cannot add set members to a {name}"))),
        }
        Ok(())
    }

    // ---- calls ----

    /// REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ: a known safe constructor gives its
    /// value, anything else an opaque object node.
    fn call(&mut self, callable: Slot, kind: ObjectKind, args: NodeId, kwargs: Option<Slot>) -> Result<Slot, DecodeError> {
        let is_callable = match &callable {
            Slot::Val(v) => matches!(v, Value::Global(_)),
            Slot::Node(id) => {
                matches!(&self.arena[*id as usize].kind, NodeKind::Leaf(Value::Global(_)) | NodeKind::Object(_))
            }
        };
        if !is_callable {
            let type_name = match &callable {
                Slot::Val(v) => v.type_name(),
                Slot::Node(id) => self.arena[*id as usize].kind.type_name(),
            };
            return Err(self.invalid(format!("a {type_name} is not callable")));
        }
        if kind == ObjectKind::Reduce {
            if let Some(made) = self.builtin(&callable, args)? {
                return Ok(made);
            }
        }
        self.count(1)?;
        let node = ObjectNode {
            callable,
            kind,
            args: Slot::Node(args),
            kwargs,
            list_items: Vec::new(),
            dict_items: Vec::new(),
            state: None,
        };
        let id = self.node(NodeKind::Object(Box::new(node)))?;
        Ok(Slot::Node(id))
    }

    /// The value of a call to one of the constructors CPython uses to pickle
    /// built-in values at protocols 0 to 3, built without running anything; `None`
    /// when the call is something else (it then stays an opaque object).
    fn builtin(&mut self, callable: &Slot, args: NodeId) -> Result<Option<Slot>, DecodeError> {
        let Some(Value::Global(g)) = self.scalar(callable) else { return Ok(None) };
        let which = match (g.module.as_str(), g.name.as_str()) {
            ("builtins", "set") => Builtin::Set,
            ("builtins", "frozenset") => Builtin::FrozenSet,
            ("builtins", "bytes") => Builtin::Bytes,
            ("builtins", "bytearray") => Builtin::ByteArray,
            ("_codecs", "encode") => Builtin::Encode,
            ("builtins", "getattr") => Builtin::GetAttr,
            ("copyreg", "__newobj_ex__") => Builtin::NewObjEx,
            _ => return Ok(None),
        };
        let NodeKind::Tuple(items) = &self.arena[args as usize].kind else { return Ok(None) };
        match (which, items.as_slice()) {
            (Builtin::Set, []) => self.made_node(NodeKind::Set(Vec::new())),
            (Builtin::FrozenSet, []) => self.made_node(NodeKind::FrozenSet(Vec::new())),
            (Builtin::Set | Builtin::FrozenSet, [Slot::Node(source)]) => {
                let source = *source;
                let Some(members) = self.snapshot(source)? else { return Ok(None) };
                let kind = if which == Builtin::Set { NodeKind::Set(members) } else { NodeKind::FrozenSet(members) };
                self.made_node(kind)
            }
            (Builtin::Bytes, []) => self.made_val(Value::Bytes(Vec::new())),
            (Builtin::ByteArray, []) => self.made_val(Value::ByteArray(Vec::new())),
            (Builtin::ByteArray, [arg]) => match self.scalar(arg) {
                Some(Value::Bytes(b)) => {
                    let b = b.clone();
                    self.copied(b.len())?;
                    self.made_val(Value::ByteArray(b))
                }
                _ => Ok(None),
            },
            (Builtin::Encode, [text, rest @ ..]) if rest.len() <= 1 => {
                let encoding = match rest {
                    [] => Some("utf-8"),
                    [e] => self.scalar(e).and_then(Value::as_str),
                    _ => None,
                };
                let (Some(Value::Str(s)), Some(encoding)) = (self.scalar(text), encoding) else { return Ok(None) };
                let Some(bytes) = encode_text(s, encoding) else { return Ok(None) };
                self.copied(bytes.len())?;
                self.made_val(Value::Bytes(bytes))
            }
            // getattr(module.A, 'b') is how protocols below 4 name module.A.b,
            // which STACK_GLOBAL names directly.
            (Builtin::GetAttr, [owner, attr]) => {
                let (Some(Value::Global(owner)), Some(attr)) = (self.scalar(owner), self.slot_str(attr)) else {
                    return Ok(None);
                };
                if attr.contains('.') {
                    return Ok(None);
                }
                let dotted = Global { module: owner.module.clone(), name: format!("{}.{attr}", owner.name) };
                self.made_val(Value::Global(Box::new(dotted)))
            }
            // copyreg.__newobj_ex__(cls, args, kwargs) is NEWOBJ_EX spelled for protocols below 4.
            (Builtin::NewObjEx, [cls, Slot::Node(inner_args), Slot::Node(kwargs)]) => {
                let (inner_args, kwargs) = (*inner_args, *kwargs);
                let cls_ok = match cls {
                    Slot::Val(v) => matches!(v, Value::Global(_)),
                    Slot::Node(id) => matches!(
                        self.arena[*id as usize].kind,
                        NodeKind::Leaf(Value::Global(_)) | NodeKind::Object(_)
                    ),
                };
                let shapes_ok = matches!(self.arena[inner_args as usize].kind, NodeKind::Tuple(_))
                    && matches!(self.arena[kwargs as usize].kind, NodeKind::Dict(_));
                if !cls_ok || !shapes_ok {
                    return Ok(None);
                }
                let cls = self.share_item(args, 0)?;
                self.count(3)?;
                let node = ObjectNode {
                    callable: Slot::Node(cls),
                    kind: ObjectKind::NewObjEx,
                    args: Slot::Node(inner_args),
                    kwargs: Some(Slot::Node(kwargs)),
                    list_items: Vec::new(),
                    dict_items: Vec::new(),
                    state: None,
                };
                self.made_node(NodeKind::Object(Box::new(node)))
            }
            _ => Ok(None),
        }
    }

    fn made_node(&mut self, kind: NodeKind) -> Result<Option<Slot>, DecodeError> {
        self.count(1)?;
        Ok(Some(Slot::Node(self.node(kind)?)))
    }

    fn made_val(&mut self, v: Value) -> Result<Option<Slot>, DecodeError> {
        self.count(1)?;
        Ok(Some(Slot::Val(v)))
    }

    fn copied(&mut self, n: usize) -> Result<(), DecodeError> {
        self.copied = self.copied.saturating_add(n);
        let limit = self.options.limits.max_data_bytes;
        if self.copied > limit {
            return Err(DecodeError::TooMuchData { limit });
        }
        Ok(())
    }

    /// References to the current items of a list, tuple, set or frozenset
    /// (what `set(items)` sees at the time of the call), or `None` for other
    /// sources. Inline scalars move into the arena so both places share them.
    fn snapshot(&mut self, source: NodeId) -> Result<Option<Vec<Slot>>, DecodeError> {
        let len = match &self.arena[source as usize].kind {
            NodeKind::List(v) | NodeKind::Tuple(v) | NodeKind::Set(v) | NodeKind::FrozenSet(v) => v.len(),
            _ => return Ok(None),
        };
        self.count(len)?;
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            out.push(Slot::Node(self.share_item(source, i)?));
        }
        Ok(Some(out))
    }

    /// Item `i` of a container node as a node of its own (an inline scalar
    /// moves into the arena), so that another place can refer to it too.
    fn share_item(&mut self, container: NodeId, i: usize) -> Result<NodeId, DecodeError> {
        match self.arena[container as usize].kind.child_mut(i) {
            Slot::Node(id) => Ok(*id),
            Slot::Val(v) => {
                let v = std::mem::replace(v, Value::None);
                let id = self.node(NodeKind::Leaf(v))?;
                *self.arena[container as usize].kind.child_mut(i) = Slot::Node(id);
                Ok(id)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Builtin {
    Set,
    FrozenSet,
    Bytes,
    ByteArray,
    Encode,
    GetAttr,
    NewObjEx,
}

/// `_codecs.encode(text, encoding)` for the encodings CPython's bytes pickling
/// uses (`latin1`) and two common others; `None` for anything else.
fn encode_text(s: &str, encoding: &str) -> Option<Vec<u8>> {
    let normalized: String =
        encoding.chars().map(|c| if c == '-' || c == ' ' { '_' } else { c.to_ascii_lowercase() }).collect();
    match normalized.as_str() {
        "latin1" | "latin_1" | "iso_8859_1" | "iso8859_1" | "l1" => {
            s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
        }
        "ascii" | "us_ascii" => s.is_ascii().then(|| s.as_bytes().to_vec()),
        "utf_8" | "utf8" => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}
