//! The graph builder: CPython's unpickler state, with every container kept
//! in an arena ([`super`]) so that the memo can hold references. Driven by
//! [`interpreter::run`](super::super::interpreter::run); [`super::tree`]
//! turns the finished graph into a tree of values.

use super::super::super::error::DecodeError;
use super::super::super::limits::{DecodeOptions, Py2Str};
use super::super::super::opcodes::name;
use super::super::super::value::{ObjectKind, Value};
use super::super::interpreter::{Builder, Container, Fill};
use super::super::memo::Memo;
use super::super::reader::Reader;
use super::{Node, NodeId, NodeKind, Slot};

/// The stack, its MARKs, the memo and the arena of a pickle being decoded.
pub(in super::super) struct GraphBuilder<'a> {
    pub(super) options: &'a DecodeOptions,
    pub(super) stack: Vec<Slot>,
    pub(super) marks: Vec<usize>,
    pub(super) memo: Memo<NodeId>,
    pub(in super::super) arena: Vec<Node>,
    /// Values, marks and references created so far (capped by `max_values`).
    pub(super) created: usize,
    /// Bytes copied by the constructors recognized here (capped by `max_data_bytes`).
    pub(super) copied: usize,
}

impl<'a> GraphBuilder<'a> {
    pub(in super::super) fn new(options: &'a DecodeOptions) -> Self {
        GraphBuilder {
            options,
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

    fn push_val(&mut self, v: Value) -> Result<(), DecodeError> {
        self.count(1)?;
        self.stack.push(Slot::Val(v));
        Ok(())
    }

    /// A new arena node, created by the opcode `r` is running (not counted:
    /// callers count what they create).
    pub(super) fn node(&mut self, kind: NodeKind, r: &Reader) -> Result<NodeId, DecodeError> {
        let id = NodeId::try_from(self.arena.len())
            .map_err(|_| DecodeError::TooManyValues { limit: self.options.limits.max_values })?;
        self.arena.push(Node { kind, offset: r.at });
        Ok(id)
    }

    fn push_node(&mut self, kind: NodeKind, r: &Reader) -> Result<(), DecodeError> {
        self.count(1)?;
        let id = self.node(kind, r)?;
        self.stack.push(Slot::Node(id));
        Ok(())
    }

    /// The stack's bottom above the last MARK: values below it belong to an
    /// unfinished MARK and cannot be popped.
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop_slot(&mut self, r: &Reader) -> Result<Slot, DecodeError> {
        if self.stack.len() <= self.fence() {
            return Err(r.underflow());
        }
        Ok(self.stack.pop().expect("stack above the fence"))
    }

    fn pop_n(&mut self, n: usize, r: &Reader) -> Result<Vec<Slot>, DecodeError> {
        if self.stack.len() < self.fence() + n {
            return Err(r.underflow());
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    fn take_mark(&mut self, r: &Reader) -> Result<Vec<Slot>, DecodeError> {
        let mark = self.marks.pop().ok_or_else(|| r.missing_mark())?;
        Ok(self.stack.split_off(mark))
    }

    /// The index of the top of the stack, which must be above the fence.
    fn top_index(&self, r: &Reader) -> Result<usize, DecodeError> {
        if self.stack.len() <= self.fence() {
            return Err(r.underflow());
        }
        Ok(self.stack.len() - 1)
    }

    /// The container APPENDS, SETITEMS and ADDITEMS fill: the value under
    /// their (already popped) MARK.
    fn target_index(&self, r: &Reader) -> Result<usize, DecodeError> {
        self.stack.len().checked_sub(1).ok_or_else(|| r.underflow())
    }

    /// Moves a scalar on top of the stack into the arena so several places can
    /// refer to it; returns its node.
    fn share_top(&mut self, r: &Reader) -> Result<NodeId, DecodeError> {
        let top = self.top_index(r)?;
        match &mut self.stack[top] {
            Slot::Node(id) => Ok(*id),
            Slot::Val(v) => {
                let v = std::mem::replace(v, Value::None);
                let id = self.node(NodeKind::Leaf(v), r)?;
                self.stack[top] = Slot::Node(id);
                Ok(id)
            }
        }
    }

    // ---- values ----

    /// The scalar a slot holds, inline or shared.
    pub(super) fn slot_scalar<'s>(&'s self, slot: &'s Slot) -> Option<&'s Value> {
        match slot {
            Slot::Val(v) => Some(v),
            Slot::Node(id) => match &self.arena[*id as usize].kind {
                NodeKind::Leaf(v) => Some(v),
                _ => None,
            },
        }
    }

    pub(super) fn slot_str<'s>(&'s self, slot: &'s Slot) -> Option<&'s str> {
        self.slot_scalar(slot).and_then(Value::as_str)
    }

    fn tuple_id(&self, slot: &Slot) -> Option<NodeId> {
        match slot {
            Slot::Node(id) if matches!(self.arena[*id as usize].kind, NodeKind::Tuple(_)) => Some(*id),
            _ => None,
        }
    }

    /// Keys and values alternating must pair up.
    fn check_pairs(&self, items: &[Slot], r: &Reader) -> Result<(), DecodeError> {
        if items.len() % 2 != 0 {
            return Err(r.invalid("odd number of items (keys and values must pair up)"));
        }
        Ok(())
    }

    fn target_kind(&mut self, target: usize, r: &Reader) -> Result<&mut NodeKind, DecodeError> {
        match &self.stack[target] {
            Slot::Node(id) => Ok(&mut self.arena[*id as usize].kind),
            Slot::Val(v) => Err(DecodeError::Invalid {
                op: name(r.op),
                offset: r.at,
                reason: format!("cannot add items to a {}", v.type_name()),
            }),
        }
    }

    fn append_to(
        &mut self,
        target: usize,
        items: impl IntoIterator<Item = Slot>,
        r: &Reader,
    ) -> Result<(), DecodeError> {
        let kind = self.target_kind(target, r)?;
        let name = kind.type_name();
        match kind {
            NodeKind::List(v) => v.extend(items),
            NodeKind::Object(o) => o.list_items.extend(items),
            _ => return Err(r.invalid(format!("cannot append to a {name}"))),
        }
        Ok(())
    }

    fn set_items(
        &mut self,
        target: usize,
        pairs: impl IntoIterator<Item = Slot>,
        r: &Reader,
    ) -> Result<(), DecodeError> {
        let kind = self.target_kind(target, r)?;
        let name = kind.type_name();
        match kind {
            NodeKind::Dict(v) => v.extend(pairs),
            NodeKind::Object(o) => o.dict_items.extend(pairs),
            _ => return Err(r.invalid(format!("cannot set items of a {name}"))),
        }
        Ok(())
    }

    fn add_items(
        &mut self,
        target: usize,
        items: impl IntoIterator<Item = Slot>,
        r: &Reader,
    ) -> Result<(), DecodeError> {
        let kind = self.target_kind(target, r)?;
        let name = kind.type_name();
        match kind {
            NodeKind::Set(v) => v.extend(items),
            _ => return Err(r.invalid(format!("cannot add set members to a {name}"))),
        }
        Ok(())
    }
}

/// The node of a container of `kind` holding `items` (keys and values
/// alternating for a dict).
fn container_node(kind: Container, items: Vec<Slot>) -> NodeKind {
    match kind {
        Container::List => NodeKind::List(items),
        Container::Tuple => NodeKind::Tuple(items),
        Container::Dict => NodeKind::Dict(items),
        Container::Set => NodeKind::Set(items),
        Container::FrozenSet => NodeKind::FrozenSet(items),
    }
}

impl Builder for GraphBuilder<'_> {
    type Error = DecodeError;
    type Root = Slot;

    fn mark(&mut self, _r: &Reader) -> Result<(), DecodeError> {
        self.count(1)?;
        self.marks.push(self.stack.len());
        Ok(())
    }

    fn pop(&mut self, r: &Reader) -> Result<(), DecodeError> {
        // CPython pops a MARK when it is at the top of the stack.
        if self.marks.last() == Some(&self.stack.len()) {
            self.marks.pop();
        } else {
            self.pop_slot(r)?;
        }
        Ok(())
    }

    fn pop_mark(&mut self, r: &Reader) -> Result<(), DecodeError> {
        self.take_mark(r)?;
        Ok(())
    }

    fn dup(&mut self, r: &Reader) -> Result<(), DecodeError> {
        let id = self.share_top(r)?;
        self.count(1)?;
        self.stack.push(Slot::Node(id));
        Ok(())
    }

    fn scalar(&mut self, value: Value, _r: &Reader) -> Result<(), DecodeError> {
        self.push_val(value)
    }

    fn py2_str(&mut self, bytes: Vec<u8>, r: &Reader) -> Result<(), DecodeError> {
        let v = match self.options.py2_str {
            Py2Str::Bytes => Value::Bytes(bytes),
            Py2Str::Latin1 => Value::Str(bytes.iter().map(|&b| char::from(b)).collect()),
            Py2Str::Ascii => match String::from_utf8(bytes) {
                Ok(s) if s.is_ascii() => Value::Str(s),
                _ => {
                    return Err(r.invalid(
                        "a Python 2 str with non-ASCII bytes (CPython's default encoding='ASCII' refuses it; \
                         choose Py2Str::Latin1 or Py2Str::Bytes)",
                    ))
                }
            },
        };
        self.push_val(v)
    }

    fn empty(&mut self, kind: Container, r: &Reader) -> Result<(), DecodeError> {
        self.push_node(container_node(kind, Vec::new()), r)
    }

    fn collect(&mut self, kind: Container, r: &Reader) -> Result<(), DecodeError> {
        let items = self.take_mark(r)?;
        if kind == Container::Dict {
            self.check_pairs(&items, r)?;
        }
        self.push_node(container_node(kind, items), r)
    }

    fn tuple_of(&mut self, n: usize, r: &Reader) -> Result<(), DecodeError> {
        let items = self.pop_n(n, r)?;
        self.push_node(NodeKind::Tuple(items), r)
    }

    fn append(&mut self, r: &Reader) -> Result<(), DecodeError> {
        let item = self.pop_slot(r)?;
        let target = self.top_index(r)?;
        self.append_to(target, [item], r)
    }

    fn set_item(&mut self, r: &Reader) -> Result<(), DecodeError> {
        let value = self.pop_slot(r)?;
        let key = self.pop_slot(r)?;
        let target = self.top_index(r)?;
        self.set_items(target, [key, value], r)
    }

    fn fill(&mut self, fill: Fill, r: &Reader) -> Result<(), DecodeError> {
        let items = self.take_mark(r)?;
        let target = self.target_index(r)?;
        if items.is_empty() {
            return Ok(());
        }
        match fill {
            Fill::Items => self.append_to(target, items, r),
            Fill::Pairs => {
                self.check_pairs(&items, r)?;
                self.set_items(target, items, r)
            }
            Fill::Members => self.add_items(target, items, r),
        }
    }

    fn memo_len(&self) -> u64 {
        self.memo.len
    }

    fn memo_put(&mut self, index: u64, r: &Reader) -> Result<(), DecodeError> {
        let id = self.share_top(r)?;
        self.memo.put(index, id);
        Ok(())
    }

    fn memo_get(&mut self, index: u64, r: &Reader) -> Result<(), DecodeError> {
        let id = *self.memo.get(index).ok_or(DecodeError::MemoMissing { op: name(r.op), offset: r.at, index })?;
        self.count(1)?;
        self.stack.push(Slot::Node(id));
        Ok(())
    }

    fn global_name(&mut self, r: &Reader) -> Result<(String, String), DecodeError> {
        let name = self.pop_slot(r)?;
        let module = self.pop_slot(r)?;
        let (Some(module), Some(name)) = (self.slot_str(&module), self.slot_str(&name)) else {
            return Err(r.invalid("module and name must be str"));
        };
        Ok((module.to_owned(), name.to_owned()))
    }

    fn call(&mut self, kind: ObjectKind, r: &Reader) -> Result<(), DecodeError> {
        let kwargs = if kind == ObjectKind::NewObjEx { Some(self.pop_slot(r)?) } else { None };
        let args = self.pop_slot(r)?;
        let callable = self.pop_slot(r)?;
        let args = self.tuple_id(&args).ok_or_else(|| r.invalid("the arguments are not a tuple"))?;
        if let Some(kwargs) = &kwargs {
            if !matches!(kwargs, Slot::Node(id) if matches!(self.arena[*id as usize].kind, NodeKind::Dict(_))) {
                return Err(r.invalid("the keyword arguments are not a dict"));
            }
        }
        let made = self.make_call(callable, kind, args, kwargs, r)?;
        self.stack.push(made);
        Ok(())
    }

    fn inst(&mut self, callable: Value, r: &Reader) -> Result<(), DecodeError> {
        let items = self.take_mark(r)?;
        self.count(1)?;
        let args = self.node(NodeKind::Tuple(items), r)?;
        let made = self.make_call(Slot::Val(callable), ObjectKind::Reduce, args, None, r)?;
        self.stack.push(made);
        Ok(())
    }

    fn obj(&mut self, r: &Reader) -> Result<(), DecodeError> {
        let mut items = self.take_mark(r)?.into_iter();
        let callable = items.next().ok_or_else(|| r.underflow())?;
        self.count(1)?;
        let args = self.node(NodeKind::Tuple(items.collect()), r)?;
        let made = self.make_call(callable, ObjectKind::Reduce, args, None, r)?;
        self.stack.push(made);
        Ok(())
    }

    fn build(&mut self, r: &Reader) -> Result<(), DecodeError> {
        let state = self.pop_slot(r)?;
        let target = self.top_index(r)?;
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
        match problem {
            Some(reason) => Err(r.invalid(reason)),
            None => Ok(()),
        }
    }

    fn stop(&mut self, r: &Reader) -> Result<Slot, DecodeError> {
        self.pop_slot(r)
    }
}
