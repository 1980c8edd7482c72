//! From the graph builder's arena to a tree of [`Value`]s, iteratively.
//!
//! A node referenced from several places (through the memo or DUP) is built
//! once and cloned for every other place, each copy counted against the caps
//! before it is made, so a pickle that references one big list a million times
//! fails fast instead of exhausting memory. The walk keeps its own stack, so
//! depth costs heap, not native stack, and it stops at `max_depth`; a node met
//! again while it is being built contains itself and is refused.

use super::super::super::error::DecodeError;
use super::super::super::limits::Limits;
use super::super::super::value::{Object, Value};
use super::super::scalar_bytes;
use super::{Node, NodeId, NodeKind, Slot};

pub(crate) fn build(arena: Vec<Node>, root: Slot, limits: &Limits) -> Result<Value, DecodeError> {
    match root {
        Slot::Val(v) => {
            let mut b = Walk::new(Vec::new(), limits);
            b.charge(1, scalar_bytes(&v))?;
            Ok(v)
        }
        Slot::Node(id) => Walk::new(arena, limits).run(id),
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

/// A container whose children are being built. Each built child is written
/// back into the node's own slot, so that finishing the container converts
/// its vector in place instead of allocating another.
struct Frame {
    id: NodeId,
    next: usize,
    total: usize,
    /// Totals of the children so far.
    count: usize,
    bytes: usize,
    height: usize,
}

struct Walk<'l> {
    arena: Vec<Node>,
    /// How many places refer to each node.
    refs: Vec<u32>,
    state: Vec<State>,
    /// Built shared nodes waiting for their other uses, by node.
    cache: Vec<Option<Box<Cached>>>,
    limits: &'l Limits,
    values: usize,
    bytes: usize,
    frames: Vec<Frame>,
}

impl<'l> Walk<'l> {
    fn new(arena: Vec<Node>, limits: &'l Limits) -> Self {
        let mut refs = vec![0u32; arena.len()];
        for node in &arena {
            node.kind.for_each_node_child(|c| refs[c as usize] = refs[c as usize].saturating_add(1));
        }
        let state = vec![State::Pending; arena.len()];
        let cache = std::iter::repeat_with(|| None).take(arena.len()).collect();
        Walk { arena, refs, state, cache, limits, values: 0, bytes: 0, frames: Vec::new() }
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
                match self.arena[frame.id as usize].kind.child_mut(i) {
                    // A scalar stays where it is.
                    Slot::Val(v) => {
                        let bytes = scalar_bytes(v);
                        self.charge(1, bytes)?;
                        let frame = &mut self.frames[top];
                        frame.count += 1;
                        frame.bytes = frame.bytes.saturating_add(bytes);
                    }
                    Slot::Node(c) => {
                        let c = *c;
                        if let Some(done) = self.visit(c)? {
                            self.attach(top, done);
                        }
                    }
                }
            } else {
                let frame = self.frames.pop().unwrap_or_else(|| unreachable!("a frame is open"));
                let node = &mut self.arena[frame.id as usize];
                let offset = node.offset;
                let kind = std::mem::replace(&mut node.kind, NodeKind::Taken);
                let value = assemble(kind, offset)?;
                self.charge(1, 0)?;
                let built =
                    Built { value, count: frame.count + 1, bytes: frame.bytes, height: frame.height.saturating_add(1) };
                let done = self.finish(frame.id, built)?;
                match self.frames.len().checked_sub(1) {
                    Some(parent) => self.attach(parent, done),
                    None => return Ok(done.value),
                }
            }
        }
    }

    /// Puts a built child into the slot the frame last visited.
    fn attach(&mut self, frame: usize, child: Built) {
        let f = &mut self.frames[frame];
        f.count = f.count.saturating_add(child.count);
        f.bytes = f.bytes.saturating_add(child.bytes);
        f.height = f.height.max(child.height);
        *self.arena[f.id as usize].kind.child_mut(f.next - 1) = Slot::Val(child.value);
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
                self.frames.push(Frame { id, next: 0, total, count: 0, bytes: 0, height: 0 });
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
        self.cache[id as usize] = Some(Box::new(Cached { built, remaining: refs }));
        self.use_cached(id)
    }

    /// One use of a shared node: a counted clone, or the value itself on its last use.
    fn use_cached(&mut self, id: NodeId) -> Result<Built, DecodeError> {
        let node = &self.arena[id as usize];
        let (kind, offset) = (node.kind.type_name(), node.offset);
        // More uses than references cannot happen (every use is a counted
        // reference), so a missing entry can only mean a cycle.
        let Some(entry) = self.cache[id as usize].as_deref() else {
            return Err(DecodeError::Recursive { kind, offset });
        };
        let (count, bytes, height, last) =
            (entry.built.count, entry.built.bytes, entry.built.height, entry.remaining <= 1);
        if self.frames.len().saturating_add(height) > self.limits.max_depth {
            return Err(DecodeError::TooDeep { kind: "value", offset, limit: self.limits.max_depth });
        }
        if last {
            return match self.cache[id as usize].take() {
                Some(entry) => Ok(entry.built),
                None => Err(DecodeError::Recursive { kind, offset }),
            };
        }
        // Counted before the copy is made.
        self.charge(count, bytes)?;
        match self.cache[id as usize].as_deref_mut() {
            Some(entry) => {
                entry.remaining -= 1;
                Ok(Built { value: entry.built.value.clone(), count, bytes, height })
            }
            None => Err(DecodeError::Recursive { kind, offset }),
        }
    }
}

fn unhashable_in(container: &'static str, offset: usize, items: &[Value]) -> Result<(), DecodeError> {
    match items.iter().find(|v| !v.is_hashable()) {
        Some(bad) => Err(DecodeError::Unhashable { container, offset, kind: bad.type_name() }),
        None => Ok(()),
    }
}

/// A built child: every slot holds a value once its container is complete.
fn built(slot: Slot) -> Value {
    match slot {
        Slot::Val(v) => v,
        // The walk resolves every child before assembling; nothing else is possible.
        Slot::Node(_) => Value::None,
    }
}

/// Values from slots; the same size, so the vector is reused in place.
fn values(slots: Vec<Slot>) -> Vec<Value> {
    slots.into_iter().map(built).collect()
}

/// Pairs from keys and values alternating.
fn pairs(slots: Vec<Slot>) -> Vec<(Value, Value)> {
    let mut out = Vec::with_capacity(slots.len() / 2);
    let mut it = slots.into_iter().map(built);
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

/// A container from its node, all children built.
fn assemble(kind: NodeKind, offset: usize) -> Result<Value, DecodeError> {
    Ok(match kind {
        NodeKind::List(v) => Value::List(values(v)),
        NodeKind::Tuple(v) => Value::Tuple(values(v)),
        NodeKind::Set(v) => {
            let v = values(v);
            unhashable_in("set", offset, &v)?;
            Value::Set(v)
        }
        NodeKind::FrozenSet(v) => {
            let v = values(v);
            unhashable_in("frozenset", offset, &v)?;
            Value::FrozenSet(v)
        }
        NodeKind::Dict(v) => {
            let pairs = pairs(v);
            if let Some((bad, _)) = pairs.iter().find(|(k, _)| !k.is_hashable()) {
                return Err(DecodeError::Unhashable { container: "dict", offset, kind: bad.type_name() });
            }
            Value::Dict(pairs)
        }
        NodeKind::Object(o) => {
            let o = *o;
            // The graph builder only makes objects from tuple and dict nodes.
            let args = match built(o.args) {
                Value::Tuple(args) => args,
                other => vec![other],
            };
            let kwargs = match o.kwargs.map(built) {
                Some(Value::Dict(pairs)) => pairs,
                _ => Vec::new(),
            };
            Value::Object(Box::new(Object {
                callable: built(o.callable),
                kind: o.kind,
                args,
                kwargs,
                list_items: values(o.list_items),
                dict_items: pairs(o.dict_items),
                state: o.state.map(built),
            }))
        }
        NodeKind::Leaf(v) => v,
        NodeKind::Taken => Value::None,
    })
}
