//! The stack machine's state and its primitive operations: reading the input,
//! the stack and its MARKs, the memo, and adding items to containers.

use std::collections::HashMap;

use super::compat;
use super::error::DecodeError;
use super::graph::{Node, NodeId, NodeKind, Slot};
use super::limits::{DecodeOptions, Py2Str};
use super::opcodes::name;
use super::text;
use super::value::{Global, Value};

/// Memo slots. Indexes are usually dense (0, 1, 2, ...); a far index a hostile
/// pickle asks for goes to a map instead of growing the vector.
#[derive(Default)]
pub(super) struct Memo {
    dense: Vec<Option<NodeId>>,
    sparse: HashMap<u64, NodeId>,
    /// Slots in use: the index MEMOIZE stores at.
    pub(super) len: u64,
}

impl Memo {
    pub(super) fn put(&mut self, index: u64, id: NodeId) {
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

    pub(super) fn get(&self, index: u64) -> Option<NodeId> {
        match usize::try_from(index).ok().and_then(|i| self.dense.get(i)) {
            Some(slot) => *slot,
            None => self.sparse.get(&index).copied(),
        }
    }
}

/// A pickle being run: CPython's unpickler state, with containers kept in an
/// arena (see [`super::graph`]).
pub(super) struct Machine<'a> {
    pub(super) input: &'a [u8],
    pub(super) pos: usize,
    /// The opcode being run and its offset, for errors.
    pub(super) op: u8,
    pub(super) at: usize,
    pub(super) options: &'a DecodeOptions,
    /// The protocol PROTO announced (0 without one): below 3, global names
    /// are mapped from Python 2.
    pub(super) proto: u8,
    pub(super) stack: Vec<Slot>,
    pub(super) marks: Vec<usize>,
    pub(super) memo: Memo,
    pub(super) arena: Vec<Node>,
    /// Values, marks and references created so far (capped by `max_values`).
    pub(super) created: usize,
    /// Bytes copied by the constructors recognized here (capped by `max_data_bytes`).
    pub(super) copied: usize,
}
impl<'a> Machine<'a> {
    pub(super) fn new(input: &'a [u8], options: &'a DecodeOptions) -> Self {
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

    // ---- reading the input ----

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.input.len() - self.pos {
            return Err(self.truncated("an argument"));
        }
        let bytes = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub(super) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    pub(super) fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// An 8-byte length; lengths past the input are caught by `take`.
    pub(super) fn u64_len(&mut self) -> Result<usize, DecodeError> {
        let n = self.u64()?;
        usize::try_from(n).map_err(|_| self.truncated("an argument"))
    }

    /// A 4-byte signed length (BINSTRING, LONG4).
    pub(super) fn signed_len(&mut self) -> Result<usize, DecodeError> {
        let n = i32::from_le_bytes(self.array()?);
        usize::try_from(n).map_err(|_| self.invalid(format!("negative byte count {n}")))
    }

    /// A text argument up to `\n` (not included).
    pub(super) fn line(&mut self) -> Result<&'a [u8], DecodeError> {
        let rest = &self.input[self.pos..];
        let end = rest.iter().position(|&b| b == b'\n').ok_or_else(|| self.truncated("a text argument"))?;
        self.pos += end + 1;
        Ok(&rest[..end])
    }

    pub(super) fn line_utf8(&mut self) -> Result<String, DecodeError> {
        let line = self.line()?;
        text::utf8(line).map_err(|r| self.invalid(r))
    }

    // ---- errors ----

    pub(super) fn truncated(&self, what: &'static str) -> DecodeError {
        DecodeError::Truncated { offset: self.at, what }
    }

    pub(super) fn invalid(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::Invalid { op: name(self.op), offset: self.at, reason: reason.into() }
    }

    pub(super) fn underflow(&self) -> DecodeError {
        DecodeError::StackUnderflow { op: name(self.op), offset: self.at }
    }

    pub(super) fn unsupported(&self, reason: &'static str) -> DecodeError {
        DecodeError::Unsupported { op: name(self.op), offset: self.at, reason }
    }

    // ---- the stack ----

    /// Counts `n` created values against `max_values`.
    pub(super) fn count(&mut self, n: usize) -> Result<(), DecodeError> {
        self.created = self.created.saturating_add(n);
        let limit = self.options.limits.max_values;
        if self.created > limit {
            return Err(DecodeError::TooManyValues { limit });
        }
        Ok(())
    }

    pub(super) fn push_val(&mut self, v: Value) -> Result<(), DecodeError> {
        self.count(1)?;
        self.stack.push(Slot::Val(v));
        Ok(())
    }

    /// A new arena node (not counted: callers count what they create).
    pub(super) fn node(&mut self, kind: NodeKind) -> Result<NodeId, DecodeError> {
        let id = NodeId::try_from(self.arena.len())
            .map_err(|_| DecodeError::TooManyValues { limit: self.options.limits.max_values })?;
        self.arena.push(Node { kind, offset: self.at });
        Ok(id)
    }

    pub(super) fn push_node(&mut self, kind: NodeKind) -> Result<(), DecodeError> {
        self.count(1)?;
        let id = self.node(kind)?;
        self.stack.push(Slot::Node(id));
        Ok(())
    }

    /// The stack's bottom above the last MARK: values below it belong to an
    /// unfinished MARK and cannot be popped.
    pub(super) fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    pub(super) fn pop(&mut self) -> Result<Slot, DecodeError> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow());
        }
        Ok(self.stack.pop().expect("stack above the fence"))
    }

    pub(super) fn pop_n(&mut self, n: usize) -> Result<Vec<Slot>, DecodeError> {
        if self.stack.len() < self.fence() + n {
            return Err(self.underflow());
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    pub(super) fn pop_mark(&mut self) -> Result<Vec<Slot>, DecodeError> {
        let mark = self.marks.pop().ok_or(DecodeError::MissingMark { op: name(self.op), offset: self.at })?;
        Ok(self.stack.split_off(mark))
    }

    /// The index of the top of the stack, which must be above the fence.
    pub(super) fn top_index(&self) -> Result<usize, DecodeError> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow());
        }
        Ok(self.stack.len() - 1)
    }

    /// The container APPENDS, SETITEMS and ADDITEMS fill: the value under
    /// their (already popped) MARK.
    pub(super) fn target_index(&self) -> Result<usize, DecodeError> {
        self.stack.len().checked_sub(1).ok_or_else(|| self.underflow())
    }

    /// Moves a scalar on top of the stack into the arena so several places can
    /// refer to it; returns its node.
    pub(super) fn share_top(&mut self) -> Result<NodeId, DecodeError> {
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

    pub(super) fn memo_put(&mut self, index: u64) -> Result<(), DecodeError> {
        let id = self.share_top()?;
        self.memo.put(index, id);
        Ok(())
    }

    pub(super) fn memo_get(&mut self, index: u64) -> Result<(), DecodeError> {
        let id = self.memo.get(index).ok_or(DecodeError::MemoMissing { op: name(self.op), offset: self.at, index })?;
        self.count(1)?;
        self.stack.push(Slot::Node(id));
        Ok(())
    }

    // ---- values ----

    pub(super) fn push_utf8(&mut self, n: usize) -> Result<(), DecodeError> {
        let bytes = self.take(n)?;
        let s = text::utf8(bytes).map_err(|r| self.invalid(r))?;
        self.push_val(Value::Str(s))
    }

    pub(super) fn push_py2_str(&mut self, bytes: Vec<u8>) -> Result<(), DecodeError> {
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

    pub(super) fn global(&self, module: String, name: String) -> Value {
        let (module, name) = if self.proto < 3 { compat::load_name(module, name) } else { (module, name) };
        Value::Global(Box::new(Global { module, name }))
    }

    /// The scalar a slot holds, inline or shared.
    pub(super) fn scalar<'s>(&'s self, slot: &'s Slot) -> Option<&'s Value> {
        match slot {
            Slot::Val(v) => Some(v),
            Slot::Node(id) => match &self.arena[*id as usize].kind {
                NodeKind::Leaf(v) => Some(v),
                _ => None,
            },
        }
    }

    pub(super) fn slot_str<'s>(&'s self, slot: &'s Slot) -> Option<&'s str> {
        self.scalar(slot).and_then(Value::as_str)
    }

    pub(super) fn tuple_id(&self, slot: &Slot) -> Option<NodeId> {
        match slot {
            Slot::Node(id) if matches!(self.arena[*id as usize].kind, NodeKind::Tuple(_)) => Some(*id),
            _ => None,
        }
    }

    /// Keys and values alternating must pair up.
    pub(super) fn check_pairs(&self, items: &[Slot]) -> Result<(), DecodeError> {
        if items.len() % 2 != 0 {
            return Err(self.invalid("odd number of items (keys and values must pair up)"));
        }
        Ok(())
    }

    pub(super) fn target_kind(&mut self, target: usize) -> Result<&mut NodeKind, DecodeError> {
        let op = name(self.op);
        let at = self.at;
        match &self.stack[target] {
            Slot::Node(id) => Ok(&mut self.arena[*id as usize].kind),
            Slot::Val(v) => {
                Err(DecodeError::Invalid { op, offset: at, reason: format!("cannot add items to a {}", v.type_name()) })
            }
        }
    }

    pub(super) fn append(&mut self, target: usize, items: impl IntoIterator<Item = Slot>) -> Result<(), DecodeError> {
        let kind = self.target_kind(target)?;
        let name = kind.type_name();
        match kind {
            NodeKind::List(v) => v.extend(items),
            NodeKind::Object(o) => o.list_items.extend(items),
            _ => return Err(self.invalid(format!("cannot append to a {name}"))),
        }
        Ok(())
    }

    pub(super) fn set_items(
        &mut self,
        target: usize,
        pairs: impl IntoIterator<Item = Slot>,
    ) -> Result<(), DecodeError> {
        let kind = self.target_kind(target)?;
        let name = kind.type_name();
        match kind {
            NodeKind::Dict(v) => v.extend(pairs),
            NodeKind::Object(o) => o.dict_items.extend(pairs),
            _ => return Err(self.invalid(format!("cannot set items of a {name}"))),
        }
        Ok(())
    }

    pub(super) fn add_items(
        &mut self,
        target: usize,
        items: impl IntoIterator<Item = Slot>,
    ) -> Result<(), DecodeError> {
        let kind = self.target_kind(target)?;
        let name = kind.type_name();
        match kind {
            NodeKind::Set(v) => v.extend(items),
            _ => return Err(self.invalid(format!("cannot add set members to a {name}"))),
        }
        Ok(())
    }
}
