//! Decoding: the one-pass decoder ([`super::direct`]) first, else the pickle
//! stack machine (bytes in, an object graph out, turned into a tree by
//! [`super::build`]). Never recursive, never imports or calls anything.

use super::build::build;
use super::direct;
use super::error::DecodeError;
use super::graph::{NodeKind, Slot};
use super::limits::DecodeOptions;
use super::machine::Machine;
use super::opcodes as op;
use super::text;
use super::value::{ObjectKind, Value};

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
    // Nearly every pickle decodes in one pass (see `direct`); the graph
    // decoder takes the others and reports every error.
    if let Some((value, stop)) = direct::decode(input, limits) {
        check_trailing(input, stop, options)?;
        return Ok(value);
    }
    decode_graph(input, options)
}

/// The graph decoder alone: the reference the one-pass decoder agrees with.
pub fn decode_graph(input: &[u8], options: &DecodeOptions) -> Result<Value, DecodeError> {
    let mut machine = Machine::new(input, options);
    let (root, stop) = machine.run()?;
    check_trailing(input, stop, options)?;
    build(machine.arena, root, &options.limits)
}

/// Bytes after STOP are an error unless the options allow them.
fn check_trailing(input: &[u8], stop: usize, options: &DecodeOptions) -> Result<(), DecodeError> {
    if stop + 1 < input.len() && !options.allow_trailing_bytes {
        return Err(DecodeError::TrailingBytes { offset: stop, count: input.len() - stop - 1 });
    }
    Ok(())
}

impl Machine<'_> {
    /// Runs to STOP: the root and STOP's offset.
    pub(super) fn run(&mut self) -> Result<(Slot, usize), DecodeError> {
        loop {
            let Some(code) = self.r.next_op() else {
                return Err(DecodeError::Truncated { offset: self.r.input.len(), what: "the pickle (no STOP opcode)" });
            };
            if code == op::STOP {
                return Ok((self.pop()?, self.r.at));
            }
            self.step(code)?;
        }
    }

    fn step(&mut self, code: u8) -> Result<(), DecodeError> {
        match code {
            op::PROTO => {
                let version = self.r.u8()?;
                if version > 5 {
                    return Err(DecodeError::UnsupportedProtocol { protocol: version, offset: self.r.at });
                }
                self.proto = version;
            }
            op::FRAME => {
                // A frame is only a read-ahead hint; check it is all there, as CPython does.
                let len = self.r.u64()?;
                if len > (self.r.input.len() - self.r.pos) as u64 {
                    return Err(self.r.truncated("a FRAME"));
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

            op::STRING => {
                let line = self.r.line()?;
                let bytes = text::parse_quoted(line).map_err(|r| self.r.invalid(r))?;
                self.push_py2_str(bytes)?;
            }
            op::BINSTRING => {
                let n = self.r.signed_len()?;
                let bytes = self.r.take(n)?.to_vec();
                self.push_py2_str(bytes)?;
            }
            op::SHORT_BINSTRING => {
                let n = usize::from(self.r.u8()?);
                let bytes = self.r.take(n)?.to_vec();
                self.push_py2_str(bytes)?;
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
                self.check_pairs(&items)?;
                self.push_node(NodeKind::Dict(items))?;
            }
            op::FROZENSET => {
                let items = self.pop_mark()?;
                self.push_node(NodeKind::FrozenSet(items))?;
            }
            op::APPEND => {
                let item = self.pop()?;
                let target = self.top_index()?;
                self.append(target, [item])?;
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
                self.set_items(target, [key, value])?;
            }
            op::SETITEMS => {
                let items = self.pop_mark()?;
                let target = self.target_index()?;
                if !items.is_empty() {
                    self.check_pairs(&items)?;
                    self.set_items(target, items)?;
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
                let line = self.r.line()?;
                let index = text::parse_index(line).map_err(|r| self.r.invalid(r))?;
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
                let index = text::parse_index(line).map_err(|r| self.r.invalid(r))?;
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
                let global = self.global(module, name);
                self.push_val(global)?;
            }
            op::STACK_GLOBAL => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (Some(module), Some(name)) = (self.slot_str(&module), self.slot_str(&name)) else {
                    return Err(self.r.invalid("module and name must be str"));
                };
                let global = self.global(module.to_owned(), name.to_owned());
                self.push_val(global)?;
            }
            op::REDUCE => {
                let args = self.pop()?;
                let callable = self.pop()?;
                let args = self.tuple_id(&args).ok_or_else(|| self.r.invalid("the arguments are not a tuple"))?;
                let made = self.call(callable, ObjectKind::Reduce, args, None)?;
                self.stack.push(made);
            }
            op::INST => {
                let module = self.r.line_utf8()?;
                let name = self.r.line_utf8()?;
                let items = self.pop_mark()?;
                let callable = Slot::Val(self.global(module, name));
                self.count(1)?;
                let args = self.node(NodeKind::Tuple(items))?;
                let made = self.call(callable, ObjectKind::Reduce, args, None)?;
                self.stack.push(made);
            }
            op::OBJ => {
                let mut items = self.pop_mark()?.into_iter();
                let callable = items.next().ok_or_else(|| self.r.underflow())?;
                self.count(1)?;
                let args = self.node(NodeKind::Tuple(items.collect()))?;
                let made = self.call(callable, ObjectKind::Reduce, args, None)?;
                self.stack.push(made);
            }
            op::NEWOBJ => {
                let args = self.pop()?;
                let cls = self.pop()?;
                let args = self.tuple_id(&args).ok_or_else(|| self.r.invalid("the arguments are not a tuple"))?;
                let made = self.call(cls, ObjectKind::NewObj, args, None)?;
                self.stack.push(made);
            }
            op::NEWOBJ_EX => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                let args = self.tuple_id(&args).ok_or_else(|| self.r.invalid("the arguments are not a tuple"))?;
                if !matches!(&kwargs, Slot::Node(id) if matches!(self.arena[*id as usize].kind, NodeKind::Dict(_))) {
                    return Err(self.r.invalid("the keyword arguments are not a dict"));
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
                    return Err(self.r.invalid(reason));
                }
            }

            op::PERSID | op::BINPERSID => {
                return Err(self
                    .r
                    .unsupported("persistent IDs need a persistent_load hook, which this decoder has not"))
            }
            op::EXT1 | op::EXT2 | op::EXT4 => {
                return Err(self.r.unsupported("the copyreg extension registry is not supported"))
            }
            op::NEXT_BUFFER | op::READONLY_BUFFER => {
                return Err(self.r.unsupported("out-of-band buffers (protocol 5 buffer_callback) are not supported"))
            }
            // None, bools, numbers, text and bytes: read the same way by both decoders.
            other => match self.r.scalar(other)? {
                Some(value) => self.push_val(value)?,
                None => return Err(DecodeError::UnknownOpcode { opcode: other, offset: self.r.at }),
            },
        }
        Ok(())
    }
}
