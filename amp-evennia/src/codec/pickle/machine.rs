//! The stack machine's state and its primitive operations: the stack and its
//! MARKs, the memo, and adding items to containers (input: [`super::reader`]).

use std::collections::HashMap;

use super::compat;
use super::error::DecodeError;
use super::graph::{Node, NodeId, NodeKind, Slot};
use super::limits::{DecodeOptions, Py2Str};
use super::opcodes::name;
use super::reader::Reader;
use super::value::{Global, Value};

/// Memo slots. Indexes are usually dense (0, 1, 2, ...); a far index a hostile
/// pickle asks for goes to a map instead of growing the vector.
pub(super) struct Memo<T> {
    dense: Vec<Option<T>>,
    sparse: HashMap<u64, T>,
    /// Slots in use: the index MEMOIZE stores at.
    pub(super) len: u64,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo { dense: Vec::new(), sparse: HashMap::new(), len: 0 }
    }
}

impl<T> Memo<T> {
    pub(super) fn put(&mut self, index: u64, entry: T) {
        let dense_len = self.dense.len() as u64;
        if index < dense_len {
            if self.dense[index as usize].replace(entry).is_none() {
                self.len += 1;
            }
        } else if index == dense_len {
            if self.sparse.remove(&index).is_none() {
                self.len += 1;
            }
            self.dense.push(Some(entry));
        } else if self.sparse.insert(index, entry).is_none() {
            self.len += 1;
        }
    }

    #[inline]
    pub(super) fn get(&self, index: u64) -> Option<&T> {
        match usize::try_from(index).ok().and_then(|i| self.dense.get(i)) {
            Some(slot) => slot.as_ref(),
            None => self.sparse.get(&index),
        }
    }
}

/// The global `module.name` a pickle of protocol `proto` names: below 3, Python 2
/// names are mapped to Python 3 ones, as CPython does.
pub(super) fn named_global(proto: u8, module: String, name: String) -> Value {
    let (module, name) = if proto < 3 { compat::load_name(module, name) } else { (module, name) };
    Value::Global(Box::new(Global { module, name }))
}

/// A pickle being run: CPython's unpickler state, with containers kept in an
/// arena (see [`super::graph`]).
pub(super) struct Machine<'a> {
    /// The input, and the opcode being run (for errors).
    pub(super) r: Reader<'a>,
    pub(super) options: &'a DecodeOptions,
    /// The protocol PROTO announced (0 without one): below 3, global names
    /// are mapped from Python 2.
    pub(super) proto: u8,
    pub(super) stack: Vec<Slot>,
    pub(super) marks: Vec<usize>,
    pub(super) memo: Memo<NodeId>,
    pub(super) arena: Vec<Node>,
    /// Values, marks and references created so far (capped by `max_values`).
    pub(super) created: usize,
    /// Bytes copied by the constructors recognized here (capped by `max_data_bytes`).
    pub(super) copied: usize,
}
impl<'a> Machine<'a> {
    pub(super) fn new(input: &'a [u8], options: &'a DecodeOptions) -> Self {
        Machine {
            r: Reader::new(input),
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
        self.arena.push(Node { kind, offset: self.r.at });
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
            return Err(self.r.underflow());
        }
        Ok(self.stack.pop().expect("stack above the fence"))
    }

    pub(super) fn pop_n(&mut self, n: usize) -> Result<Vec<Slot>, DecodeError> {
        if self.stack.len() < self.fence() + n {
            return Err(self.r.underflow());
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    pub(super) fn pop_mark(&mut self) -> Result<Vec<Slot>, DecodeError> {
        let mark = self.marks.pop().ok_or_else(|| self.r.missing_mark())?;
        Ok(self.stack.split_off(mark))
    }

    /// The index of the top of the stack, which must be above the fence.
    pub(super) fn top_index(&self) -> Result<usize, DecodeError> {
        if self.stack.len() <= self.fence() {
            return Err(self.r.underflow());
        }
        Ok(self.stack.len() - 1)
    }

    /// The container APPENDS, SETITEMS and ADDITEMS fill: the value under
    /// their (already popped) MARK.
    pub(super) fn target_index(&self) -> Result<usize, DecodeError> {
        self.stack.len().checked_sub(1).ok_or_else(|| self.r.underflow())
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
        let id =
            *self.memo.get(index).ok_or(DecodeError::MemoMissing { op: name(self.r.op), offset: self.r.at, index })?;
        self.count(1)?;
        self.stack.push(Slot::Node(id));
        Ok(())
    }

    // ---- values ----

    pub(super) fn push_py2_str(&mut self, bytes: Vec<u8>) -> Result<(), DecodeError> {
        let v = match self.options.py2_str {
            Py2Str::Bytes => Value::Bytes(bytes),
            Py2Str::Latin1 => Value::Str(bytes.iter().map(|&b| char::from(b)).collect()),
            Py2Str::Ascii => match String::from_utf8(bytes) {
                Ok(s) if s.is_ascii() => Value::Str(s),
                _ => {
                    return Err(self.r.invalid(
                        "a Python 2 str with non-ASCII bytes (CPython's default encoding='ASCII' refuses it; \
                         choose Py2Str::Latin1 or Py2Str::Bytes)",
                    ))
                }
            },
        };
        self.push_val(v)
    }

    pub(super) fn global(&self, module: String, name: String) -> Value {
        named_global(self.proto, module, name)
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
            return Err(self.r.invalid("odd number of items (keys and values must pair up)"));
        }
        Ok(())
    }

    pub(super) fn target_kind(&mut self, target: usize) -> Result<&mut NodeKind, DecodeError> {
        let op = name(self.r.op);
        let at = self.r.at;
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
            _ => return Err(self.r.invalid(format!("cannot append to a {name}"))),
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
            _ => return Err(self.r.invalid(format!("cannot set items of a {name}"))),
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
            _ => return Err(self.r.invalid(format!("cannot add set members to a {name}"))),
        }
        Ok(())
    }
}
