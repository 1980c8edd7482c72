//! The one-pass builder: from the bytes straight to a [`Value`], for pickles
//! in which no container is referenced twice (nearly all of them). Driven
//! by [`interpreter::run`], as the graph builder is.
//!
//! The graph decoder ([`super::graph`]: the builder, then the tree walk) is the
//! reference: it keeps every container in an arena because a pickle may fetch
//! a memoized container again (GET, DUP) and fill it afterwards, and only
//! turns the finished graph into a tree at the end, under the caps. That costs
//! an arena node per container, a second walk over everything, and a move of
//! every item. This decoder builds each container in place on its stack
//! instead, and gives up (`None`) as soon as a pickle needs more than that:
//!
//! - a memoized container fetched again (GET) or a container duplicated (DUP);
//! - a call to one of the constructors [`super::builtins`] names, built as data
//!   (`builtins.set`, `_codecs.encode`, ...), INST and OBJ (protocols 0 and 1),
//!   Python 2 strings, or an opcode the graph decoder refuses;
//! - anything the graph decoder reports as an error, or a cap about to be
//!   crossed (data is counted generously here, copies included, so this may
//!   be a false alarm, which the graph decoder then settles).
//!
//! The caller then runs the graph decoder from the start, which gives the
//! value or the exact error. So whenever this decoder returns a value, it is
//! the value the graph decoder returns, which holds because:
//!
//! - the interpreter reads every opcode for both builders, and every
//!   operation here does what the graph builder does, with the same checks
//!   (a check that fails gives up);
//! - it counts created values as the graph builder does (`max_values`); without
//!   shared containers the result holds no more values than were created;
//! - it counts the bytes of every scalar it creates or copies, which is at
//!   least what the tree walk ([`super::graph::tree`]) charges (`max_data_bytes`);
//! - it keeps the height of every value on its stack, the nesting the walk
//!   measures (an object's arguments are a tuple one level below it), and
//!   gives up past `max_depth`, so it never makes a value deeper than that:
//!   dropping what it built is as safe as dropping the graph decoder's result;
//! - it checks dict keys and set members when they are added: a key leaves
//!   the stack when it is added, and nothing can reach it afterwards.
//!
//! A hostile pickle costs at most one partial run of this decoder on top of
//! the graph decoder's run, and this decoder's memory is capped as the graph
//! decoder's is.

use super::super::error::DecodeError;
use super::super::limits::Limits;
use super::super::value::{Object, ObjectKind, Value};
use super::builtins::Builtin;
use super::interpreter::{self, Builder, Container, Fill};
use super::memo::Memo;
use super::reader::Reader;
use super::scalar_bytes;

#[cfg(test)]
mod tests;

/// This decoder cannot decode the pickle alone (the graph decoder can, or
/// reports the error).
pub(super) struct GiveUp;

impl From<DecodeError> for GiveUp {
    #[inline]
    fn from(_: DecodeError) -> GiveUp {
        GiveUp
    }
}

type Step<T = ()> = Result<T, GiveUp>;

/// A value taken off the stack, and its height: the container levels in it,
/// as the tree walk counts them (0 for a scalar, 1 for `[]`).
struct Entry {
    value: Value,
    height: usize,
}

/// What a memo slot holds. A container may still change after it is
/// memoized, so fetching one again is left to the graph decoder.
enum Memoized {
    /// A copy of a scalar.
    Scalar(Value),
    Container,
}

/// Decodes `input` to its value and the offset of STOP, or gives up.
pub(super) fn decode(input: &[u8], limits: &Limits) -> Option<(Value, usize)> {
    let mut builder = OnePass {
        max_depth: limits.max_depth,
        max_values: limits.max_values,
        max_data_bytes: limits.max_data_bytes,
        stack: Vec::with_capacity(64),
        heights: Vec::with_capacity(64),
        marks: Vec::new(),
        memo: Memo::default(),
        created: 0,
        bytes: 0,
    };
    interpreter::run(input, &mut builder).ok()
}

/// The one-pass builder's stack, its MARKs and its memo.
struct OnePass {
    max_depth: usize,
    max_values: usize,
    max_data_bytes: usize,
    stack: Vec<Value>,
    /// The height of each value on the stack (kept apart: moving plain
    /// values is what the hot loops do).
    heights: Vec<usize>,
    marks: Vec<usize>,
    memo: Memo<Memoized>,
    /// Values, marks and references created, counted as the graph builder counts them.
    created: usize,
    /// Bytes of every scalar created or copied (the memo's copies included).
    bytes: usize,
}

impl OnePass {
    // ---- the stack ----

    /// Counts one created value against `max_values`.
    #[inline]
    fn count(&mut self) -> Step {
        self.created += 1;
        if self.created > self.max_values {
            return Err(GiveUp);
        }
        Ok(())
    }

    /// Counts `n` bytes of data against `max_data_bytes`.
    #[inline]
    fn charge(&mut self, n: usize) -> Step {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.max_data_bytes {
            return Err(GiveUp);
        }
        Ok(())
    }

    /// Pushes a scalar that holds no data (None, bool, int, float).
    #[inline]
    fn plain(&mut self, value: Value) -> Step {
        // Pushed before it is counted (giving up drops it anyway): a value
        // written straight to the stack is not first built in a temporary.
        self.stack.push(value);
        self.heights.push(0);
        self.count()
    }

    /// Pushes a container of `height` levels.
    #[inline]
    fn container(&mut self, value: Value, height: usize) -> Step {
        if height > self.max_depth {
            return Err(GiveUp);
        }
        self.stack.push(value);
        self.heights.push(height);
        self.count()
    }

    /// The stack's bottom above the last MARK.
    #[inline]
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    #[inline]
    fn pop_entry(&mut self) -> Step<Entry> {
        if self.stack.len() <= self.fence() {
            return Err(GiveUp);
        }
        let value = self.stack.pop().ok_or(GiveUp)?;
        let height = self.heights.pop().ok_or(GiveUp)?;
        Ok(Entry { value, height })
    }

    /// The index of the top of the stack, which must be above the fence.
    #[inline]
    fn top(&self) -> Step<usize> {
        if self.stack.len() <= self.fence() {
            return Err(GiveUp);
        }
        Ok(self.stack.len() - 1)
    }

    #[inline]
    fn take_mark(&mut self) -> Step<usize> {
        self.marks.pop().ok_or(GiveUp)
    }

    /// The values from `from` up, taken off the stack, and their greatest height.
    #[inline]
    fn take_items(&mut self, from: usize) -> (Vec<Value>, usize) {
        let items = self.stack.drain(from..).collect();
        (items, self.take_heights(from))
    }

    /// The greatest height from `from` up, taken off.
    #[inline]
    fn take_heights(&mut self, from: usize) -> usize {
        let height = self.heights[from..].iter().copied().max().unwrap_or(0);
        self.heights.truncate(from);
        height
    }

    /// Keys and values alternating from `from` up, taken off the stack into
    /// `pairs`; their greatest height. Keys must be hashable when `dict`.
    #[inline]
    fn take_pairs(&mut self, from: usize, pairs: &mut Vec<(Value, Value)>, dict: bool) -> Step<usize> {
        if (self.stack.len() - from) % 2 != 0 {
            return Err(GiveUp);
        }
        if dict && !self.stack[from..].iter().step_by(2).all(Value::is_hashable) {
            return Err(GiveUp);
        }
        pairs.reserve((self.stack.len() - from) / 2);
        // Moved out in place (what is left is None, dropped for free): the
        // compiler moves values this way much faster than through `drain`.
        for pair in self.stack[from..].chunks_exact_mut(2) {
            let key = std::mem::replace(&mut pair[0], Value::None);
            let value = std::mem::replace(&mut pair[1], Value::None);
            pairs.push((key, value));
        }
        self.stack.truncate(from);
        Ok(self.take_heights(from))
    }

    /// The container at `index` got a child of `child` levels.
    #[inline]
    fn grow(&mut self, index: usize, child: usize) -> Step {
        let height = &mut self.heights[index];
        *height = (*height).max(child + 1);
        if *height > self.max_depth {
            return Err(GiveUp);
        }
        Ok(())
    }
}

impl Builder for OnePass {
    type Error = GiveUp;
    type Root = Value;

    #[inline]
    fn mark(&mut self, _r: &Reader) -> Step {
        self.count()?;
        self.marks.push(self.stack.len());
        Ok(())
    }

    #[inline]
    fn pop(&mut self, _r: &Reader) -> Step {
        // CPython pops a MARK when it is at the top of the stack.
        if self.marks.last() == Some(&self.stack.len()) {
            self.marks.pop();
        } else {
            self.pop_entry()?;
        }
        Ok(())
    }

    #[inline]
    fn pop_mark(&mut self, _r: &Reader) -> Step {
        let mark = self.take_mark()?;
        self.stack.truncate(mark);
        self.heights.truncate(mark);
        Ok(())
    }

    #[inline]
    fn dup(&mut self, _r: &Reader) -> Step {
        // A copied container would miss what is added to the original later.
        let top = self.top()?;
        if is_container(&self.stack[top]) {
            return Err(GiveUp);
        }
        // Counted before the copy is made.
        self.charge(scalar_bytes(&self.stack[top]))?;
        self.plain(self.stack[top].clone())
    }

    #[inline]
    fn scalar(&mut self, value: Value, _r: &Reader) -> Step {
        self.charge(scalar_bytes(&value))?;
        self.plain(value)
    }

    /// Left to the graph decoder, with its choice of what they become.
    #[inline]
    fn py2_str(&mut self, _bytes: Vec<u8>, _r: &Reader) -> Step {
        Err(GiveUp)
    }

    #[inline]
    fn empty(&mut self, kind: Container, _r: &Reader) -> Step {
        let value = match kind {
            Container::List => Value::List(Vec::new()),
            Container::Tuple => Value::Tuple(Vec::new()),
            Container::Dict => Value::Dict(Vec::new()),
            Container::Set => Value::Set(Vec::new()),
            Container::FrozenSet => Value::FrozenSet(Vec::new()),
        };
        self.container(value, 1)
    }

    #[inline]
    fn collect(&mut self, kind: Container, _r: &Reader) -> Step {
        let mark = self.take_mark()?;
        let (value, height) = match kind {
            Container::Dict => {
                let mut pairs = Vec::new();
                let height = self.take_pairs(mark, &mut pairs, true)?;
                (Value::Dict(pairs), height)
            }
            Container::List | Container::Tuple | Container::Set | Container::FrozenSet => {
                let (items, height) = self.take_items(mark);
                let value = match kind {
                    Container::List => Value::List(items),
                    Container::Tuple => Value::Tuple(items),
                    _ if !items.iter().all(Value::is_hashable) => return Err(GiveUp),
                    Container::Set => Value::Set(items),
                    _ => Value::FrozenSet(items),
                };
                (value, height)
            }
        };
        self.container(value, height + 1)
    }

    #[inline]
    fn tuple_of(&mut self, n: usize, _r: &Reader) -> Step {
        if self.stack.len() < self.fence() + n {
            return Err(GiveUp);
        }
        let (items, height) = self.take_items(self.stack.len() - n);
        self.container(Value::Tuple(items), height + 1)
    }

    #[inline]
    fn append(&mut self, _r: &Reader) -> Step {
        let item = self.pop_entry()?;
        let target = self.top()?;
        match &mut self.stack[target] {
            Value::List(items) => items.push(item.value),
            Value::Object(o) => o.list_items.push(item.value),
            _ => return Err(GiveUp),
        }
        self.grow(target, item.height)
    }

    #[inline]
    fn set_item(&mut self, _r: &Reader) -> Step {
        let value = self.pop_entry()?;
        let key = self.pop_entry()?;
        let target = self.top()?;
        match &mut self.stack[target] {
            Value::Dict(pairs) if key.value.is_hashable() => pairs.push((key.value, value.value)),
            Value::Object(o) => o.dict_items.push((key.value, value.value)),
            _ => return Err(GiveUp),
        }
        self.grow(target, key.height.max(value.height))
    }

    /// The items above the MARK into the container under it.
    #[inline]
    fn fill(&mut self, fill: Fill, _r: &Reader) -> Step {
        let mark = self.take_mark()?;
        // The container is the value under the MARK.
        let target = mark.checked_sub(1).ok_or(GiveUp)?;
        if mark >= self.stack.len() {
            return Ok(());
        }
        // Taken out while the items are moved in, put back after.
        let mut container = std::mem::replace(&mut self.stack[target], Value::None);
        let height = match (fill, &mut container) {
            (Fill::Items, Value::List(items)) | (Fill::Members, Value::Set(items)) => {
                let (new, height) = self.take_items(mark);
                if fill == Fill::Members && !new.iter().all(Value::is_hashable) {
                    return Err(GiveUp);
                }
                if items.is_empty() {
                    *items = new;
                } else {
                    items.extend(new);
                }
                height
            }
            (Fill::Items, Value::Object(o)) => {
                let (new, height) = self.take_items(mark);
                o.list_items.extend(new);
                height
            }
            (Fill::Pairs, Value::Dict(pairs)) => self.take_pairs(mark, pairs, true)?,
            (Fill::Pairs, Value::Object(o)) => self.take_pairs(mark, &mut o.dict_items, false)?,
            _ => return Err(GiveUp),
        };
        self.stack[target] = container;
        self.grow(target, height)
    }

    #[inline]
    fn memo_len(&self) -> u64 {
        self.memo.len
    }

    #[inline]
    fn memo_put(&mut self, index: u64, _r: &Reader) -> Step {
        let top = self.top()?;
        let entry = if is_container(&self.stack[top]) {
            Memoized::Container
        } else {
            // The copy costs memory: counted as data, before it is made.
            self.charge(scalar_bytes(&self.stack[top]))?;
            Memoized::Scalar(self.stack[top].clone())
        };
        self.memo.put(index, entry);
        Ok(())
    }

    #[inline]
    fn memo_get(&mut self, index: u64, _r: &Reader) -> Step {
        let Some(Memoized::Scalar(value)) = self.memo.get(index) else { return Err(GiveUp) };
        // Counted before the copy is made.
        self.charge(scalar_bytes(value))?;
        self.count()?;
        if let Some(Memoized::Scalar(value)) = self.memo.get(index) {
            self.stack.push(value.clone());
            self.heights.push(0);
        }
        Ok(())
    }

    #[inline]
    fn global_name(&mut self, _r: &Reader) -> Step<(String, String)> {
        let name = self.pop_entry()?;
        let module = self.pop_entry()?;
        match (module.value, name.value) {
            (Value::Str(module), Value::Str(name)) => Ok((module, name)),
            _ => Err(GiveUp),
        }
    }

    /// An opaque object, unless the graph decoder would build a value of its own.
    #[inline]
    fn call(&mut self, kind: ObjectKind, _r: &Reader) -> Step {
        let kwargs = if kind == ObjectKind::NewObjEx { Some(self.pop_entry()?) } else { None };
        let args = self.pop_entry()?;
        let callable = self.pop_entry()?;
        let Value::Tuple(args_items) = args.value else { return Err(GiveUp) };
        let kwargs = match kwargs {
            None => None,
            Some(Entry { value: Value::Dict(pairs), height }) => Some((pairs, height)),
            Some(_) => return Err(GiveUp),
        };
        match &callable.value {
            Value::Global(g) if kind == ObjectKind::Reduce && Builtin::of(g).is_some() => return Err(GiveUp),
            Value::Global(_) | Value::Object(_) => {}
            _ => return Err(GiveUp),
        }
        self.count()?;
        // The arguments are a tuple below the object, as the walk nests them.
        let height = callable.height.max(args.height).max(kwargs.as_ref().map_or(0, |k| k.1));
        let object = Object {
            callable: callable.value,
            kind,
            args: args_items,
            kwargs: kwargs.map(|k| k.0).unwrap_or_default(),
            list_items: Vec::new(),
            dict_items: Vec::new(),
            state: None,
        };
        let height = height + 1;
        if height > self.max_depth {
            return Err(GiveUp);
        }
        self.stack.push(Value::Object(Box::new(object)));
        self.heights.push(height);
        Ok(())
    }

    /// Protocols 0 and 1: left to the graph decoder.
    #[inline]
    fn inst(&mut self, _callable: Value, _r: &Reader) -> Step {
        Err(GiveUp)
    }

    /// Protocols 0 and 1: left to the graph decoder.
    #[inline]
    fn obj(&mut self, _r: &Reader) -> Step {
        Err(GiveUp)
    }

    #[inline]
    fn build(&mut self, _r: &Reader) -> Step {
        let state = self.pop_entry()?;
        let target = self.top()?;
        match &mut self.stack[target] {
            Value::Object(o) if o.state.is_none() => o.state = Some(state.value),
            _ => return Err(GiveUp),
        }
        self.grow(target, state.height)
    }

    #[inline]
    fn stop(&mut self, _r: &Reader) -> Step<Value> {
        Ok(self.pop_entry()?.value)
    }
}

/// Whether a value is a container (what the graph decoder keeps as a node
/// of its own), not a scalar.
fn is_container(value: &Value) -> bool {
    matches!(
        value,
        Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_) | Value::FrozenSet(_) | Value::Object(_)
    )
}
