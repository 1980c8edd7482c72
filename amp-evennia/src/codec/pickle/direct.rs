//! The one-pass decoder: from the bytes straight to a [`Value`], for pickles
//! in which no container is referenced twice (nearly all of them).
//!
//! The graph decoder ([`super::machine`] then [`super::build`]) is the
//! reference: it keeps every container in an arena because a pickle may fetch
//! a memoized container again (GET, DUP) and fill it afterwards, and only
//! turns the finished graph into a tree at the end, under the caps. That costs
//! an arena node per container, a second walk over everything, and a move of
//! every item. This decoder builds each container in place on its stack
//! instead, and gives up (`None`) as soon as a pickle needs more than that:
//!
//! - a memoized container fetched again (GET) or a container duplicated (DUP);
//! - a call to one of the constructors [`super::calls`] builds as data
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
//! - every opcode it runs does what the graph decoder does, with the same
//!   checks (a check that fails gives up);
//! - it counts created values as the machine does (`max_values`); without
//!   shared containers the result holds no more values than were created;
//! - it counts the bytes of every scalar it creates or copies, which is at
//!   least what [`super::build`] charges (`max_data_bytes`);
//! - it keeps the height of every value on its stack, the nesting `build`
//!   measures (an object's arguments are a tuple one level below it), and
//!   gives up past `max_depth`, so it never makes a value deeper than that:
//!   dropping what it built is as safe as dropping the graph decoder's result;
//! - it checks dict keys and set members when they are added: a key leaves
//!   the stack when it is added, and nothing can reach it afterwards.
//!
//! A hostile pickle costs at most one partial run of this decoder on top of
//! the graph decoder's run, and this decoder's memory is capped as the graph
//! decoder's is.

use super::build::scalar_bytes;
use super::calls::Builtin;
use super::limits::Limits;
use super::machine::{named_global, Memo};
use super::opcodes as op;
use super::reader::Reader;
use super::text;
use super::value::{Object, ObjectKind, Value};

/// This decoder cannot decode the pickle alone (the graph decoder can, or
/// reports the error).
struct GiveUp;

impl From<super::error::DecodeError> for GiveUp {
    fn from(_: super::error::DecodeError) -> GiveUp {
        GiveUp
    }
}

type Step<T = ()> = Result<T, GiveUp>;

/// A value taken off the stack, and its height: the container levels in it,
/// as [`super::build`] counts them (0 for a scalar, 1 for `[]`).
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
    let mut direct = Direct {
        r: Reader::new(input),
        max_depth: limits.max_depth,
        max_values: limits.max_values,
        max_data_bytes: limits.max_data_bytes,
        proto: 0,
        stack: Vec::with_capacity(64),
        heights: Vec::with_capacity(64),
        marks: Vec::new(),
        memo: Memo::default(),
        created: 0,
        bytes: 0,
    };
    direct.run().ok()
}

struct Direct<'a> {
    r: Reader<'a>,
    max_depth: usize,
    max_values: usize,
    max_data_bytes: usize,
    /// The protocol PROTO announced (0 without one).
    proto: u8,
    stack: Vec<Value>,
    /// The height of each value on the stack (kept apart: moving plain
    /// values is what the hot loops do).
    heights: Vec<usize>,
    marks: Vec<usize>,
    memo: Memo<Memoized>,
    /// Values, marks and references created, counted as the machine counts them.
    created: usize,
    /// Bytes of every scalar created or copied (the memo's copies included).
    bytes: usize,
}

impl Direct<'_> {
    fn run(&mut self) -> Step<(Value, usize)> {
        loop {
            let code = self.r.next_op().ok_or(GiveUp)?;
            match code {
                op::STOP => {
                    let root = self.pop()?;
                    return Ok((root.value, self.r.at));
                }
                op::PROTO => {
                    let version = self.r.u8()?;
                    if version > 5 {
                        return Err(GiveUp);
                    }
                    self.proto = version;
                }
                op::FRAME => {
                    let len = self.r.u64()?;
                    if len > (self.r.input.len() - self.r.pos) as u64 {
                        return Err(GiveUp);
                    }
                }
                op::MARK => {
                    self.count()?;
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
                    let mark = self.marks.pop().ok_or(GiveUp)?;
                    self.stack.truncate(mark);
                    self.heights.truncate(mark);
                }
                op::DUP => {
                    // A copied container would miss what is added to the
                    // original later.
                    let top = self.top()?;
                    if is_container(&self.stack[top]) {
                        return Err(GiveUp);
                    }
                    // Counted before the copy is made.
                    self.charge(scalar_bytes(&self.stack[top]))?;
                    self.plain(self.stack[top].clone())?;
                }

                op::EMPTY_LIST => self.container(Value::List(Vec::new()), 1)?,
                op::EMPTY_TUPLE => self.container(Value::Tuple(Vec::new()), 1)?,
                op::EMPTY_DICT => self.container(Value::Dict(Vec::new()), 1)?,
                op::EMPTY_SET => self.container(Value::Set(Vec::new()), 1)?,
                op::LIST => {
                    let mark = self.pop_mark()?;
                    let (items, height) = self.take_items(mark);
                    self.container(Value::List(items), height + 1)?;
                }
                op::TUPLE => {
                    let mark = self.pop_mark()?;
                    let (items, height) = self.take_items(mark);
                    self.container(Value::Tuple(items), height + 1)?;
                }
                op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                    let n = usize::from(code - op::TUPLE1 + 1);
                    if self.stack.len() < self.fence() + n {
                        return Err(GiveUp);
                    }
                    let (items, height) = self.take_items(self.stack.len() - n);
                    self.container(Value::Tuple(items), height + 1)?;
                }
                op::DICT => {
                    let mark = self.pop_mark()?;
                    let mut pairs = Vec::new();
                    let height = self.take_pairs(mark, &mut pairs, true)?;
                    self.container(Value::Dict(pairs), height + 1)?;
                }
                op::FROZENSET => {
                    let mark = self.pop_mark()?;
                    let (items, height) = self.take_items(mark);
                    if !items.iter().all(Value::is_hashable) {
                        return Err(GiveUp);
                    }
                    self.container(Value::FrozenSet(items), height + 1)?;
                }
                op::APPEND => {
                    let item = self.pop()?;
                    let target = self.top()?;
                    match &mut self.stack[target] {
                        Value::List(items) => items.push(item.value),
                        Value::Object(o) => o.list_items.push(item.value),
                        _ => return Err(GiveUp),
                    }
                    self.grow(target, item.height)?;
                }
                op::SETITEM => {
                    let value = self.pop()?;
                    let key = self.pop()?;
                    let target = self.top()?;
                    match &mut self.stack[target] {
                        Value::Dict(pairs) if key.value.is_hashable() => pairs.push((key.value, value.value)),
                        Value::Object(o) => o.dict_items.push((key.value, value.value)),
                        _ => return Err(GiveUp),
                    }
                    self.grow(target, key.height.max(value.height))?;
                }
                op::APPENDS | op::SETITEMS | op::ADDITEMS => {
                    let mark = self.pop_mark()?;
                    // The container is the value under the MARK.
                    let target = mark.checked_sub(1).ok_or(GiveUp)?;
                    if mark < self.stack.len() {
                        self.fill(code, target, mark)?;
                    }
                }

                op::PUT => {
                    let line = self.r.line()?;
                    let index = text::parse_index(line).map_err(|_| GiveUp)?;
                    self.memo_put(index)?;
                }
                op::BINPUT => {
                    let index = self.r.u8()?;
                    self.memo_put(u64::from(index))?;
                }
                op::LONG_BINPUT => {
                    let index = u32::from_le_bytes(self.r.array()?);
                    self.memo_put(u64::from(index))?;
                }
                op::MEMOIZE => self.memo_put(self.memo.len)?,
                op::GET => {
                    let line = self.r.line()?;
                    let index = text::parse_index(line).map_err(|_| GiveUp)?;
                    self.memo_get(index)?;
                }
                op::BINGET => {
                    let index = self.r.u8()?;
                    self.memo_get(u64::from(index))?;
                }
                op::LONG_BINGET => {
                    let index = u32::from_le_bytes(self.r.array()?);
                    self.memo_get(u64::from(index))?;
                }

                op::GLOBAL => {
                    let module = self.r.line_utf8()?;
                    let name = self.r.line_utf8()?;
                    self.scalar(named_global(self.proto, module, name))?;
                }
                op::STACK_GLOBAL => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Value::Str(module), Value::Str(name)) = (module.value, name.value) else {
                        return Err(GiveUp);
                    };
                    self.scalar(named_global(self.proto, module, name))?;
                }
                op::REDUCE => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    self.call(callable, ObjectKind::Reduce, args, None)?;
                }
                op::NEWOBJ => {
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    self.call(cls, ObjectKind::NewObj, args, None)?;
                }
                op::NEWOBJ_EX => {
                    let kwargs = self.pop()?;
                    let args = self.pop()?;
                    let cls = self.pop()?;
                    self.call(cls, ObjectKind::NewObjEx, args, Some(kwargs))?;
                }
                op::BUILD => {
                    let state = self.pop()?;
                    let target = self.top()?;
                    match &mut self.stack[target] {
                        Value::Object(o) if o.state.is_none() => o.state = Some(state.value),
                        _ => return Err(GiveUp),
                    }
                    self.grow(target, state.height)?;
                }
                // None, bools, numbers, text and bytes (as the graph decoder
                // reads them); else Python 2 strings, INST, OBJ and
                // everything the graph decoder refuses.
                other => match self.r.scalar(other)? {
                    Some(value) => self.scalar(value)?,
                    None => return Err(GiveUp),
                },
            }
        }
    }

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

    /// Pushes any scalar.
    fn scalar(&mut self, value: Value) -> Step {
        self.charge(scalar_bytes(&value))?;
        self.plain(value)
    }

    /// Pushes a container of `height` levels.
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
    fn pop(&mut self) -> Step<Entry> {
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

    fn pop_mark(&mut self) -> Step<usize> {
        self.marks.pop().ok_or(GiveUp)
    }

    /// The values from `from` up, taken off the stack, and their greatest height.
    fn take_items(&mut self, from: usize) -> (Vec<Value>, usize) {
        let items = self.stack.drain(from..).collect();
        (items, self.take_heights(from))
    }

    /// The greatest height from `from` up, taken off.
    fn take_heights(&mut self, from: usize) -> usize {
        let height = self.heights[from..].iter().copied().max().unwrap_or(0);
        self.heights.truncate(from);
        height
    }

    /// Keys and values alternating from `from` up, taken off the stack into
    /// `pairs`; their greatest height. Keys must be hashable when `dict`.
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

    /// APPENDS, SETITEMS or ADDITEMS: the items above `mark` into the
    /// container at `target`.
    fn fill(&mut self, code: u8, target: usize, mark: usize) -> Step {
        // Taken out while the items are moved in, put back after.
        let mut container = std::mem::replace(&mut self.stack[target], Value::None);
        let height = match (code, &mut container) {
            (op::APPENDS, Value::List(items)) | (op::ADDITEMS, Value::Set(items)) => {
                let (new, height) = self.take_items(mark);
                if code == op::ADDITEMS && !new.iter().all(Value::is_hashable) {
                    return Err(GiveUp);
                }
                if items.is_empty() {
                    *items = new;
                } else {
                    items.extend(new);
                }
                height
            }
            (op::APPENDS, Value::Object(o)) => {
                let (new, height) = self.take_items(mark);
                o.list_items.extend(new);
                height
            }
            (op::SETITEMS, Value::Dict(pairs)) => self.take_pairs(mark, pairs, true)?,
            (op::SETITEMS, Value::Object(o)) => self.take_pairs(mark, &mut o.dict_items, false)?,
            _ => return Err(GiveUp),
        };
        self.stack[target] = container;
        self.grow(target, height)
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

    // ---- the memo ----

    fn memo_put(&mut self, index: u64) -> Step {
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
    fn memo_get(&mut self, index: u64) -> Step {
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

    // ---- calls ----

    /// REDUCE, NEWOBJ, NEWOBJ_EX: an opaque object, unless the graph decoder
    /// would build a value of its own.
    fn call(&mut self, callable: Entry, kind: ObjectKind, args: Entry, kwargs: Option<Entry>) -> Step {
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
        // The arguments are a tuple below the object, as build nests them.
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
}

/// Whether a value is a container (what the graph decoder keeps as a node
/// of its own), not a scalar.
fn is_container(value: &Value) -> bool {
    matches!(
        value,
        Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_) | Value::FrozenSet(_) | Value::Object(_)
    )
}

#[cfg(test)]
mod tests {
    //! The one-pass decoder must agree with the graph decoder on every input:
    //! `decode_with` (one pass first) against `decode_graph` (the reference).

    use proptest::prelude::*;

    use super::super::decode::{decode_graph, decode_with};
    use super::super::limits::{DecodeOptions, Limits};
    use super::super::opcodes as op;
    use super::super::value::Value;

    /// Both decoders give the same answer; returns whether the one-pass
    /// decoder answered alone.
    fn agree(bytes: &[u8], options: &DecodeOptions) -> bool {
        let reference = decode_graph(bytes, options);
        assert_eq!(decode_with(bytes, options), reference, "on {bytes:?}");
        // Trailing bytes are checked after either decoder, on the offset of STOP.
        let lenient = DecodeOptions { allow_trailing_bytes: true, ..*options };
        match super::decode(bytes, &options.limits) {
            Some((value, _)) => {
                assert_eq!(Ok(value), decode_graph(bytes, &lenient), "on {bytes:?}");
                true
            }
            None => false,
        }
    }

    fn default_agree(bytes: &[u8]) -> bool {
        agree(bytes, &DecodeOptions::default())
    }

    /// An Evennia payload as CPython 3.12 pickles it (every dict and str
    /// memoized): `(1, {'text': [['look'], {}], 'sessiondata': {1: {...}, 2: {...}}})`.
    const CPYTHON_SESSIONS: &[u8] = b"\x80\x05\x95\x8a\x00\x00\x00\x00\x00\x00\x00K\x01}\x94(\x8c\x04text\x94]\x94(]\x94\x8c\x04look\x94a}\x94e\x8c\x0bsessiondata\x94}\x94(K\x01}\x94(\x8c\x0cprotocol_key\x94\x8c\x06telnet\x94\x8c\x05uname\x94N\x8c\x09conn_time\x94G@\xd0\x00\x00\x00\x00\x00\x00uK\x02}\x94(h\x09\x8c\x03ssh\x94h\x0bNh\x0cG@\xd0\x00\x00\x00\x00\x00\x00uuu\x86\x94.";

    #[test]
    fn evennia_payloads_take_one_pass_and_agree() {
        assert!(default_agree(CPYTHON_SESSIONS));
        let value = decode_graph(CPYTHON_SESSIONS, &DecodeOptions::default()).unwrap();
        assert_eq!(value.as_seq().map(<[Value]>::len), Some(2));
        for protocol in 2..=5 {
            let options = super::super::EncodeOptions::protocol(protocol);
            let bytes = super::super::encode_with(&value, &options).unwrap();
            assert!(default_agree(&bytes), "protocol {protocol}");
        }
    }

    #[test]
    fn every_cap_agrees_at_every_setting() {
        // Each cap from 0 up past what the payload needs: the one-pass
        // decoder answers or leaves the exact error to the graph decoder.
        // It counts depth and values exactly as the graph decoder does, so it
        // answers alone whenever the graph decoder succeeds; its count of
        // data also includes its copies, so it may leave a close call to it.
        let mut answered = [0, 0, 0];
        for n in 0..160 {
            let caps = [
                Limits { max_depth: n, ..Limits::default() },
                Limits { max_values: n, ..Limits::default() },
                Limits { max_data_bytes: n, ..Limits::default() },
            ];
            for (i, limits) in caps.into_iter().enumerate() {
                let options = DecodeOptions::with_limits(limits);
                let alone = agree(CPYTHON_SESSIONS, &options);
                answered[i] += usize::from(alone);
                if i < 2 {
                    assert_eq!(alone, decode_graph(CPYTHON_SESSIONS, &options).is_ok(), "{limits:?}");
                }
            }
        }
        // Depth 4 and 31 values are needed; data is answered alone from some
        // point on.
        assert_eq!(answered[..2], [160 - 4, 160 - 31]);
        assert!(answered[2] > 0);
    }

    #[test]
    fn shared_containers_and_old_constructors_go_to_the_graph_decoder() {
        let cases: &[&[u8]] = &[
            // l = []; [l, l] (a memoized list fetched again).
            b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00]\x94(]\x94h\x01e.",
            // A list filled after it was fetched again: both places see 1.
            b"\x80\x02]q\x00]q\x01h\x01aK\x01a.",
            // DUP of a list, then a list that contains itself.
            b"]2a.",
            // set([1, 2]) and bytes at protocol 2.
            b"\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03.",
            b"\x80\x02c_codecs\nencode\nq\x00X\x01\x00\x00\x00aq\x01X\x06\x00\x00\x00latin1q\x02\x86q\x03Rq\x04.",
            // OBJ and INST (protocols 0 and 1), a Python 2 str.
            b"(cdatetime\ndate\nK\x01o.",
            b"(K\x01idatetime\ndate\n.",
            b"U\x02ab.",
        ];
        for case in cases {
            assert!(!default_agree(case), "{case:?} should need the graph decoder");
        }
    }

    #[test]
    fn objects_memoized_scalars_and_errors_agree() {
        let cases: &[&[u8]] = &[
            // datetime(b'...') at protocol 3, state set by BUILD, a memoized global.
            b"\x80\x03cdatetime\ndatetime\nq\x00C\n\x07\xe4\x01\x02\x03\x04\x05\x00\x00\x06q\x01\x85q\x02Rq\x03}q\x04X\x01\x00\x00\x00aq\x05K\x01sbh\x00.",
            // NEWOBJ_EX with kwargs, then list and dict items on the object.
            b"\x80\x04\x8c\x01m\x8c\x01C\x93)}\x8c\x01k\x88s\x92(K\x01e(K\x02K\x03u.",
            // An unhashable key, a list as a set member, a tuple key holding a list.
            b"\x80\x04}]K\x01s.",
            b"\x80\x04\x8f(]\x90.",
            b"\x80\x04}(](\x85K\x01u.",
            b"\x80\x04}]\x85K\x01s.",
            // DUP and GET of scalars, POP of a MARK, trailing bytes, truncation.
            b"\x80\x04\x8c\x01a2\x94(0h\x00\x87.",
            b"N.N",
            b"\x80\x04\x8c\x05abc",
            b"\x80\x04h\x00.",
            b"(.",
            b"\x80\x06N.",
            b"\x80\x04\x95\xff\x00\x00\x00\x00\x00\x00\x00N.",
            // Text opcodes, memo by text index.
            b"I5\np1\nFinf\nL12L\nVa\\u20ac\np2\ng1\n(g2\nl.",
        ];
        for case in cases {
            default_agree(case);
        }
        assert!(default_agree(cases[0]) && default_agree(cases[1]), "objects take one pass");
    }

    /// One opcode with a plausible argument (or none).
    fn instruction() -> impl Strategy<Value = Vec<u8>> {
        let simple = prop::sample::select(vec![
            op::MARK,
            op::POP,
            op::POP_MARK,
            op::DUP,
            op::NONE,
            op::NEWTRUE,
            op::NEWFALSE,
            op::EMPTY_LIST,
            op::EMPTY_TUPLE,
            op::EMPTY_DICT,
            op::EMPTY_SET,
            op::LIST,
            op::TUPLE,
            op::TUPLE1,
            op::TUPLE2,
            op::TUPLE3,
            op::DICT,
            op::FROZENSET,
            op::APPEND,
            op::APPENDS,
            op::SETITEM,
            op::SETITEMS,
            op::ADDITEMS,
            op::MEMOIZE,
            op::STACK_GLOBAL,
            op::REDUCE,
            op::NEWOBJ,
            op::NEWOBJ_EX,
            op::BUILD,
            op::STOP,
        ])
        .prop_map(|c| vec![c]);
        let text = prop::sample::select(vec!["a", "k", "builtins", "set", "copyreg", "datetime", "date", "\u{e9}"]);
        prop_oneof![
            8 => simple,
            1 => (0u8..7).prop_map(|v| vec![op::PROTO, v]),
            1 => any::<u8>().prop_map(|n| vec![op::BININT1, n]),
            1 => any::<i32>().prop_map(|n| [&[op::BININT][..], &n.to_le_bytes()].concat()),
            1 => prop::collection::vec(any::<u8>(), 0..10).prop_map(|b| [&[op::LONG1, b.len() as u8][..], &b].concat()),
            1 => any::<f64>().prop_map(|x| [&[op::BINFLOAT][..], &x.to_be_bytes()].concat()),
            2 => text.prop_map(|t| [&[op::SHORT_BINUNICODE, t.len() as u8][..], t.as_bytes()].concat()),
            1 => prop::collection::vec(any::<u8>(), 0..4)
                .prop_map(|b| [&[op::SHORT_BINUNICODE, b.len() as u8][..], &b].concat()),
            1 => prop::collection::vec(any::<u8>(), 0..4)
                .prop_map(|b| [&[op::SHORT_BINBYTES, b.len() as u8][..], &b].concat()),
            2 => (0u8..4).prop_map(|i| vec![op::BINPUT, i]),
            3 => (0u8..4).prop_map(|i| vec![op::BINGET, i]),
            1 => (0u32..3).prop_map(|i| [&[op::LONG_BINPUT][..], &(i * 1000).to_le_bytes()].concat()),
            1 => prop::sample::select(vec![
                &b"cbuiltins\nset\n"[..],
                b"c__builtin__\nfrozenset\n",
                b"cdatetime\ndate\n",
                b"I7\n",
                b"I01\n",
                b"F2.5\n",
                b"Vx\n",
                b"p1\n",
                b"g1\n",
            ])
            .prop_map(<[u8]>::to_vec),
            1 => any::<u8>().prop_map(|b| vec![b]),
        ]
    }

    fn limits() -> impl Strategy<Value = Limits> {
        (
            prop_oneof![4 => Just(Limits::DEFAULT_MAX_DEPTH), 1 => 0usize..6],
            prop_oneof![4 => Just(Limits::DEFAULT_MAX_VALUES), 1 => 0usize..60],
            prop_oneof![4 => Just(Limits::DEFAULT_MAX_DATA_BYTES), 1 => 0usize..60],
        )
            .prop_map(|(max_depth, max_values, max_data_bytes)| Limits {
                max_depth,
                max_values,
                max_data_bytes,
                ..Limits::default()
            })
    }

    /// A program that pushes one value (usually: a noise instruction may
    /// spoil it), built the many ways CPython and hostile pickles build them.
    fn value_program() -> impl Strategy<Value = Vec<u8>> {
        let text = prop::sample::select(vec!["a", "k", "set", "\u{e9}t\u{e9}", ""]);
        let leaf = prop_oneof![
            2 => prop::sample::select(vec![op::NONE, op::NEWTRUE, op::NEWFALSE, op::EMPTY_LIST, op::EMPTY_DICT,
                op::EMPTY_TUPLE, op::EMPTY_SET]).prop_map(|c| vec![c]),
            1 => any::<u8>().prop_map(|n| vec![op::BININT1, n]),
            1 => prop::collection::vec(any::<u8>(), 0..12)
                .prop_map(|b| [&[op::LONG1, b.len() as u8][..], &b].concat()),
            1 => any::<f64>().prop_map(|x| [&[op::BINFLOAT][..], &x.to_be_bytes()].concat()),
            3 => text.prop_map(|t| [&[op::SHORT_BINUNICODE, t.len() as u8][..], t.as_bytes()].concat()),
            1 => prop::collection::vec(any::<u8>(), 0..4)
                .prop_map(|b| [&[op::BINBYTES][..], &(b.len() as u32).to_le_bytes(), &b].concat()),
            1 => (0u8..6).prop_map(|i| vec![op::BINGET, i]),
            1 => instruction(),
        ];
        let callable = prop_oneof![
            prop::sample::select(vec![&b"cdatetime\ndate\n"[..], b"c__builtin__\nobject\n", b"cbuiltins\nset\n"])
                .prop_map(<[u8]>::to_vec),
            Just(b"\x8c\x01m\x8c\x01C\x93".to_vec()),
        ];
        let value = leaf.prop_recursive(4, 48, 5, move |inner| {
            let items = prop::collection::vec(inner.clone(), 0..5);
            prop_oneof![
                // [a, b] by APPENDS or APPEND, (a, b) by TUPLE / TUPLE1-3, [a, b] by LIST.
                (items.clone(), any::<bool>()).prop_map(|(items, one_by_one)| if one_by_one {
                    let mut p = vec![op::EMPTY_LIST];
                    for i in items {
                        p.extend(i);
                        p.push(op::APPEND);
                    }
                    p
                } else {
                    [&[op::EMPTY_LIST, op::MARK][..], &items.concat(), &[op::APPENDS]].concat()
                }),
                items.clone().prop_map(|items| {
                    let n = items.len();
                    let close = if (1..=3).contains(&n) { op::TUPLE1 + n as u8 - 1 } else { op::TUPLE };
                    let open: &[u8] = if close == op::TUPLE { &[op::MARK] } else { &[] };
                    [open, &items.concat(), &[close]].concat()
                }),
                items.clone().prop_map(|items| [&[op::MARK][..], &items.concat(), &[op::LIST]].concat()),
                // Dicts by SETITEMS, SETITEM and DICT; sets by ADDITEMS and FROZENSET.
                (items.clone(), items.clone(), 0..3u8).prop_map(|(keys, values, how)| {
                    let pairs: Vec<u8> = keys.into_iter().zip(values).flat_map(|(k, v)| [k, v].concat()).collect();
                    match how {
                        0 => [&[op::EMPTY_DICT, op::MARK][..], &pairs, &[op::SETITEMS]].concat(),
                        1 => [&[op::MARK][..], &pairs, &[op::DICT]].concat(),
                        _ => [&[op::EMPTY_DICT][..], &pairs, &[op::SETITEM]].concat(),
                    }
                }),
                (items.clone(), any::<bool>()).prop_map(|(items, frozen)| if frozen {
                    [&[op::MARK][..], &items.concat(), &[op::FROZENSET]].concat()
                } else {
                    [&[op::EMPTY_SET, op::MARK][..], &items.concat(), &[op::ADDITEMS]].concat()
                }),
                // Objects: a callable, a tuple of arguments, maybe kwargs, state and items.
                (callable.clone(), items.clone(), 0..3u8, prop::option::of(inner.clone()), items.clone()).prop_map(
                    |(callable, args, how, state, more)| {
                        let mut p = callable;
                        p.push(op::MARK);
                        p.extend(args.concat());
                        p.push(op::TUPLE);
                        match how {
                            0 => p.push(op::REDUCE),
                            1 => p.push(op::NEWOBJ),
                            _ => p.extend([op::EMPTY_DICT, op::NEWOBJ_EX]),
                        }
                        if let Some(state) = state {
                            p.extend(state);
                            p.push(op::BUILD);
                        }
                        p.push(op::MARK);
                        p.extend(more.concat());
                        p.push(op::APPENDS);
                        p
                    }
                ),
            ]
        });
        // After a value: often memoized (or copied and dropped), sometimes noise.
        let after = prop_oneof![
            8 => Just(vec![]),
            6 => Just(vec![op::MEMOIZE]),
            4 => (0u8..6).prop_map(|i| vec![op::BINPUT, i]),
            1 => Just(vec![op::DUP, op::POP]),
            1 => instruction(),
        ];
        (value, after).prop_map(|(v, a)| [v, a].concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

        #[test]
        fn random_programs_agree(
            program in prop::collection::vec(instruction(), 0..40),
            limits in limits(),
            trailing in any::<bool>(),
        ) {
            let mut bytes: Vec<u8> = b"\x80\x04".iter().copied().chain(program.concat()).collect();
            bytes.push(op::STOP);
            let options = DecodeOptions { allow_trailing_bytes: trailing, ..DecodeOptions::with_limits(limits) };
            agree(&bytes, &options);
        }

        #[test]
        fn random_values_agree(
            protocol in 0u8..6,
            program in value_program(),
            limits in limits(),
        ) {
            let proto = if protocol > 0 { vec![op::PROTO, protocol] } else { vec![] };
            let bytes = [&proto[..], &program, &[op::STOP]].concat();
            agree(&bytes, &DecodeOptions::with_limits(limits));
        }
    }
}
