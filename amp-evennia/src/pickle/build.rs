//! From the machine's object graph to a tree of [`Value`]s, iteratively.
//!
//! A node referenced from several places (through the memo or DUP) is built
//! once and cloned for every other place, each copy counted against the caps
//! before it is made, so a pickle that references one big list a million times
//! fails fast instead of exhausting memory. The walk keeps its own stack, so
//! depth costs heap, not native stack, and it stops at `max_depth`; a node met
//! again while it is being built contains itself and is refused.

use std::collections::HashMap;

use super::error::DecodeError;
use super::graph::{Node, NodeId, NodeKind, Slot};
use super::limits::Limits;
use super::value::{Object, Value};

pub(crate) fn build(arena: Vec<Node>, root: Slot, limits: &Limits) -> Result<Value, DecodeError> {
    match root {
        Slot::Val(v) => {
            let mut b = Builder::new(Vec::new(), limits);
            b.charge(1, scalar_bytes(&v))?;
            Ok(v)
        }
        Slot::Node(id) => Builder::new(arena, limits).run(id),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Pending,
    InProgress,
    Done,
}

/// A built subtree with its totals.
struct Built {
    value: Value,
    /// Values in the subtree, itself included.
    count: usize,
    /// Data bytes in the subtree.
    bytes: usize,
    /// Container levels in the subtree (0 for a scalar).
    height: usize,
}

/// A shared node's value, kept until its last use takes it.
struct Cached {
    built: Built,
    remaining: u32,
}

/// A container whose children are being built.
struct Frame {
    id: NodeId,
    next: usize,
    total: usize,
    values: Vec<Value>,
    count: usize,
    bytes: usize,
    height: usize,
}

impl Frame {
    fn attach(&mut self, b: Built) {
        self.values.push(b.value);
        self.count = self.count.saturating_add(b.count);
        self.bytes = self.bytes.saturating_add(b.bytes);
        self.height = self.height.max(b.height);
    }
}

struct Builder<'l> {
    arena: Vec<Node>,
    /// How many places refer to each node.
    refs: Vec<u32>,
    state: Vec<State>,
    cache: HashMap<NodeId, Cached>,
    limits: &'l Limits,
    values: usize,
    bytes: usize,
    frames: Vec<Frame>,
}

impl<'l> Builder<'l> {
    fn new(arena: Vec<Node>, limits: &'l Limits) -> Self {
        let mut refs = vec![0u32; arena.len()];
        for node in &arena {
            node.kind.for_each_node_child(|c| refs[c as usize] = refs[c as usize].saturating_add(1));
        }
        let state = vec![State::Pending; arena.len()];
        Builder { arena, refs, state, cache: HashMap::new(), limits, values: 0, bytes: 0, frames: Vec::new() }
    }

    fn charge(&mut self, values: usize, bytes: usize) -> Result<(), DecodeError> {
        self.values = self.values.saturating_add(values);
        if self.values > self.limits.max_values {
            return Err(DecodeError::TooManyValues { limit: self.limits.max_values });
        }
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > self.limits.max_data_bytes {
            return Err(DecodeError::TooMuchData { limit: self.limits.max_data_bytes });
        }
        Ok(())
    }

    fn run(mut self, root: NodeId) -> Result<Value, DecodeError> {
        self.refs[root as usize] = self.refs[root as usize].saturating_add(1);
        if let Some(done) = self.visit(root)? {
            return Ok(done.value);
        }
        loop {
            let top = self.frames.len() - 1;
            let frame = &mut self.frames[top];
            if frame.next < frame.total {
                let i = frame.next;
                frame.next += 1;
                let child = self.arena[frame.id as usize].kind.child_mut(i);
                let done = match child {
                    Slot::Val(v) => {
                        let v = std::mem::replace(v, Value::None);
                        let bytes = scalar_bytes(&v);
                        self.charge(1, bytes)?;
                        Some(Built { value: v, count: 1, bytes, height: 0 })
                    }
                    Slot::Node(c) => {
                        let c = *c;
                        self.visit(c)?
                    }
                };
                if let Some(done) = done {
                    self.frames[top].attach(done);
                }
            } else {
                let frame = self.frames.pop().expect("a frame is open");
                let node = &mut self.arena[frame.id as usize];
                let offset = node.offset;
                let kind = std::mem::replace(&mut node.kind, NodeKind::Taken);
                let value = assemble(kind, frame.values, offset)?;
                self.charge(1, 0)?;
                let built =
                    Built { value, count: frame.count + 1, bytes: frame.bytes, height: frame.height.saturating_add(1) };
                let done = self.finish(frame.id, built)?;
                match self.frames.last_mut() {
                    Some(parent) => parent.attach(done),
                    None => return Ok(done.value),
                }
            }
        }
    }

    /// Starts on node `id` as a child at the current depth: its value when it
    /// is ready at once (a scalar or an already built shared node), else
    /// `None` after opening a frame for it.
    fn visit(&mut self, id: NodeId) -> Result<Option<Built>, DecodeError> {
        let node = &mut self.arena[id as usize];
        match self.state[id as usize] {
            State::Done => self.use_cached(id).map(Some),
            State::InProgress => Err(DecodeError::Recursive { kind: node.kind.type_name(), offset: node.offset }),
            State::Pending => {
                if let NodeKind::Leaf(_) = node.kind {
                    let NodeKind::Leaf(v) = std::mem::replace(&mut node.kind, NodeKind::Taken) else {
                        unreachable!("checked to be a leaf")
                    };
                    let bytes = scalar_bytes(&v);
                    self.charge(1, bytes)?;
                    return self.finish(id, Built { value: v, count: 1, bytes, height: 0 }).map(Some);
                }
                if self.frames.len() >= self.limits.max_depth {
                    return Err(DecodeError::TooDeep {
                        kind: node.kind.type_name(),
                        offset: node.offset,
                        limit: self.limits.max_depth,
                    });
                }
                self.state[id as usize] = State::InProgress;
                let total = node.kind.child_count();
                self.frames.push(Frame {
                    id,
                    next: 0,
                    total,
                    values: Vec::with_capacity(total),
                    count: 0,
                    bytes: 0,
                    height: 0,
                });
                Ok(None)
            }
        }
    }

    /// A node is built: hand it over, keeping it for later uses when shared.
    fn finish(&mut self, id: NodeId, built: Built) -> Result<Built, DecodeError> {
        self.state[id as usize] = State::Done;
        let refs = self.refs[id as usize];
        if refs <= 1 {
            return Ok(built);
        }
        self.cache.insert(id, Cached { built, remaining: refs });
        self.use_cached(id)
    }

    /// One use of a shared node: a counted clone, or the value itself on its last use.
    fn use_cached(&mut self, id: NodeId) -> Result<Built, DecodeError> {
        let Some(entry) = self.cache.get_mut(&id) else {
            // Its last expected use took it already: more uses than references
            // cannot happen, since every use is a counted reference.
            let node = &self.arena[id as usize];
            return Err(DecodeError::Recursive { kind: node.kind.type_name(), offset: node.offset });
        };
        let (count, bytes, height) = (entry.built.count, entry.built.bytes, entry.built.height);
        if self.frames.len().saturating_add(height) > self.limits.max_depth {
            let node = &self.arena[id as usize];
            return Err(DecodeError::TooDeep { kind: "value", offset: node.offset, limit: self.limits.max_depth });
        }
        entry.remaining -= 1;
        if entry.remaining == 0 {
            let entry = self.cache.remove(&id).expect("entry present");
            return Ok(entry.built);
        }
        self.charge(count, bytes)?;
        let value = self.cache[&id].built.value.clone();
        Ok(Built { value, count, bytes, height })
    }
}

/// Bytes of text or binary data a scalar holds.
fn scalar_bytes(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.len(),
        Value::Bytes(b) | Value::ByteArray(b) => b.len(),
        Value::BigInt(n) => (n.bits() as usize).div_ceil(8),
        Value::Global(g) => g.module.len() + g.name.len(),
        _ => 0,
    }
}

fn unhashable_in(container: &'static str, offset: usize, items: &[Value]) -> Result<(), DecodeError> {
    match items.iter().find(|v| !v.is_hashable()) {
        Some(bad) => Err(DecodeError::Unhashable { container, offset, kind: bad.type_name() }),
        None => Ok(()),
    }
}

fn into_pairs(values: impl Iterator<Item = Value>) -> Vec<(Value, Value)> {
    let mut pairs = Vec::with_capacity(values.size_hint().0 / 2);
    let mut values = values;
    while let (Some(k), Some(v)) = (values.next(), values.next()) {
        pairs.push((k, v));
    }
    pairs
}

/// A container from its built children, in [`NodeKind::child_mut`] order.
fn assemble(kind: NodeKind, values: Vec<Value>, offset: usize) -> Result<Value, DecodeError> {
    Ok(match kind {
        NodeKind::List(_) => Value::List(values),
        NodeKind::Tuple(_) => Value::Tuple(values),
        NodeKind::Set(_) => {
            unhashable_in("set", offset, &values)?;
            Value::Set(values)
        }
        NodeKind::FrozenSet(_) => {
            unhashable_in("frozenset", offset, &values)?;
            Value::FrozenSet(values)
        }
        NodeKind::Dict(_) => {
            let pairs = into_pairs(values.into_iter());
            if let Some((bad, _)) = pairs.iter().find(|(k, _)| !k.is_hashable()) {
                return Err(DecodeError::Unhashable { container: "dict", offset, kind: bad.type_name() });
            }
            Value::Dict(pairs)
        }
        NodeKind::Object(o) => {
            let mut it = values.into_iter();
            let mut next = || it.next().unwrap_or(Value::None);
            let callable = next();
            // The machine only makes objects from tuple and dict nodes.
            let args = match next() {
                Value::Tuple(args) => args,
                other => vec![other],
            };
            let kwargs = match o.kwargs.is_some().then(&mut next) {
                Some(Value::Dict(pairs)) => pairs,
                _ => Vec::new(),
            };
            let list_items = (0..o.list_items.len()).map(|_| next()).collect();
            let dict_items = into_pairs((0..o.dict_items.len() * 2).map(|_| next()));
            let state = o.state.is_some().then(next);
            Value::Object(Box::new(Object { callable, kind: o.kind, args, kwargs, list_items, dict_items, state }))
        }
        NodeKind::Leaf(v) => v,
        NodeKind::Taken => Value::None,
    })
}
