//! The pickle opcode interpreter: one loop over the opcodes, for both decoders.
//!
//! [`run`] reads each opcode and its argument ([`Reader`]), checks what needs
//! no stack (PROTO's version, FRAME's length, memo indexes, refused opcodes),
//! and hands every operation on the stack to a [`Builder`]: the graph
//! builder ([`super::graph::builder`], the reference, exact errors) or the
//! one-pass builder ([`super::one_pass`], which gives up where it cannot
//! follow). Both therefore read the same opcodes the same way; they differ
//! only in what they build.

use super::super::compat;
use super::super::error::DecodeError;
use super::super::opcodes as op;
use super::super::value::{Global, ObjectKind, Value};
use super::reader::Reader;
use super::text;

/// A container an opcode makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Container {
    List,
    Tuple,
    Dict,
    Set,
    FrozenSet,
}

/// What APPENDS, SETITEMS and ADDITEMS add to the container under their MARK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fill {
    /// APPENDS: list items.
    Items,
    /// SETITEMS: keys and values alternating.
    Pairs,
    /// ADDITEMS: set members.
    Members,
}

/// What a decoder does with each operation on the unpickler's stack. `r` is
/// the reader, positioned after the opcode's argument, for error offsets.
///
/// Every method is CPython's unpickler operation of the same name (see
/// `pickle.py`'s `load_*`): it takes its operands off the stack and pushes
/// its result, counting what it creates against the caps.
pub(super) trait Builder {
    /// Why decoding stopped.
    type Error: From<DecodeError>;
    /// What STOP takes off the stack.
    type Root;

    /// MARK.
    fn mark(&mut self, r: &Reader) -> Result<(), Self::Error>;
    /// POP: the top value, or the MARK at the top.
    fn pop(&mut self, r: &Reader) -> Result<(), Self::Error>;
    /// POP_MARK: everything down to the last MARK, and the MARK.
    fn pop_mark(&mut self, r: &Reader) -> Result<(), Self::Error>;
    /// DUP.
    fn dup(&mut self, r: &Reader) -> Result<(), Self::Error>;
    /// A scalar: None, a bool, a number, text, bytes or a global.
    fn scalar(&mut self, value: Value, r: &Reader) -> Result<(), Self::Error>;
    /// A Python 2 `str` (STRING, BINSTRING, SHORT_BINSTRING), as bytes.
    fn py2_str(&mut self, bytes: Vec<u8>, r: &Reader) -> Result<(), Self::Error>;
    /// EMPTY_LIST, EMPTY_TUPLE, EMPTY_DICT, EMPTY_SET.
    fn empty(&mut self, kind: Container, r: &Reader) -> Result<(), Self::Error>;
    /// LIST, TUPLE, DICT, FROZENSET: a container of the values above the last MARK.
    fn collect(&mut self, kind: Container, r: &Reader) -> Result<(), Self::Error>;
    /// TUPLE1, TUPLE2, TUPLE3: a tuple of the top `n` values.
    fn tuple_of(&mut self, n: usize, r: &Reader) -> Result<(), Self::Error>;
    /// APPEND.
    fn append(&mut self, r: &Reader) -> Result<(), Self::Error>;
    /// SETITEM.
    fn set_item(&mut self, r: &Reader) -> Result<(), Self::Error>;
    /// APPENDS, SETITEMS, ADDITEMS.
    fn fill(&mut self, fill: Fill, r: &Reader) -> Result<(), Self::Error>;
    /// Memo slots in use: where MEMOIZE stores.
    fn memo_len(&self) -> u64;
    /// PUT, BINPUT, LONG_BINPUT, MEMOIZE: stores the top value.
    fn memo_put(&mut self, index: u64, r: &Reader) -> Result<(), Self::Error>;
    /// GET, BINGET, LONG_BINGET.
    fn memo_get(&mut self, index: u64, r: &Reader) -> Result<(), Self::Error>;
    /// STACK_GLOBAL's operands: the module and the name, taken off the stack.
    fn global_name(&mut self, r: &Reader) -> Result<(String, String), Self::Error>;
    /// REDUCE, NEWOBJ, NEWOBJ_EX: a call recorded as an object (or built as
    /// data, see [`super::builtins`]).
    fn call(&mut self, kind: ObjectKind, r: &Reader) -> Result<(), Self::Error>;
    /// INST: a call of `callable` with the values above the last MARK.
    fn inst(&mut self, callable: Value, r: &Reader) -> Result<(), Self::Error>;
    /// OBJ: a call of the first value above the last MARK with the others.
    fn obj(&mut self, r: &Reader) -> Result<(), Self::Error>;
    /// BUILD: the state of the object under the top value.
    fn build(&mut self, r: &Reader) -> Result<(), Self::Error>;
    /// STOP: the value left on the stack.
    fn stop(&mut self, r: &Reader) -> Result<Self::Root, Self::Error>;
}

/// Runs `input` through `b` up to STOP: the root and STOP's offset.
#[inline(always)]
pub(super) fn run<B: Builder>(input: &[u8], b: &mut B) -> Result<(B::Root, usize), B::Error> {
    let mut r = Reader::new(input);
    // The protocol PROTO announced (0 without one): below 3, global names are
    // mapped from Python 2.
    let mut proto = 0u8;
    loop {
        let Some(code) = r.next_op() else {
            return Err(DecodeError::Truncated { offset: input.len(), what: "the pickle (no STOP opcode)" }.into());
        };
        match code {
            op::STOP => {
                let root = b.stop(&r)?;
                return Ok((root, r.at));
            }
            op::PROTO => {
                let version = r.u8()?;
                if version > 5 {
                    return Err(DecodeError::UnsupportedProtocol { protocol: version, offset: r.at }.into());
                }
                proto = version;
            }
            op::FRAME => {
                // A frame is only a read-ahead hint; check it is all there, as CPython does.
                let len = r.u64()?;
                if len > (r.input.len() - r.pos) as u64 {
                    return Err(r.truncated("a FRAME").into());
                }
            }
            op::MARK => b.mark(&r)?,
            op::POP => b.pop(&r)?,
            op::POP_MARK => b.pop_mark(&r)?,
            op::DUP => b.dup(&r)?,

            op::STRING => {
                let line = r.line()?;
                let bytes = text::parse_quoted(line).map_err(|reason| r.invalid(reason))?;
                b.py2_str(bytes, &r)?;
            }
            op::BINSTRING => {
                let n = r.signed_len()?;
                let bytes = r.take(n)?.to_vec();
                b.py2_str(bytes, &r)?;
            }
            op::SHORT_BINSTRING => {
                let n = usize::from(r.u8()?);
                let bytes = r.take(n)?.to_vec();
                b.py2_str(bytes, &r)?;
            }

            op::EMPTY_LIST => b.empty(Container::List, &r)?,
            op::EMPTY_TUPLE => b.empty(Container::Tuple, &r)?,
            op::EMPTY_DICT => b.empty(Container::Dict, &r)?,
            op::EMPTY_SET => b.empty(Container::Set, &r)?,
            op::LIST => b.collect(Container::List, &r)?,
            op::TUPLE => b.collect(Container::Tuple, &r)?,
            op::DICT => b.collect(Container::Dict, &r)?,
            op::FROZENSET => b.collect(Container::FrozenSet, &r)?,
            op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => b.tuple_of(usize::from(code - op::TUPLE1 + 1), &r)?,
            op::APPEND => b.append(&r)?,
            op::SETITEM => b.set_item(&r)?,
            op::APPENDS => b.fill(Fill::Items, &r)?,
            op::SETITEMS => b.fill(Fill::Pairs, &r)?,
            op::ADDITEMS => b.fill(Fill::Members, &r)?,

            op::PUT => {
                let line = r.line()?;
                let index = text::parse_index(line).map_err(|reason| r.invalid(reason))?;
                b.memo_put(index, &r)?;
            }
            op::BINPUT => {
                let index = r.u8()?;
                b.memo_put(u64::from(index), &r)?;
            }
            op::LONG_BINPUT => {
                let index = u32::from_le_bytes(r.array()?);
                b.memo_put(u64::from(index), &r)?;
            }
            op::MEMOIZE => {
                let index = b.memo_len();
                b.memo_put(index, &r)?;
            }
            op::GET => {
                let line = r.line()?;
                let index = text::parse_index(line).map_err(|reason| r.invalid(reason))?;
                b.memo_get(index, &r)?;
            }
            op::BINGET => {
                let index = r.u8()?;
                b.memo_get(u64::from(index), &r)?;
            }
            op::LONG_BINGET => {
                let index = u32::from_le_bytes(r.array()?);
                b.memo_get(u64::from(index), &r)?;
            }

            op::GLOBAL => {
                let module = r.line_utf8()?;
                let name = r.line_utf8()?;
                b.scalar(named_global(proto, module, name), &r)?;
            }
            op::STACK_GLOBAL => {
                let (module, name) = b.global_name(&r)?;
                b.scalar(named_global(proto, module, name), &r)?;
            }
            op::REDUCE => b.call(ObjectKind::Reduce, &r)?,
            op::NEWOBJ => b.call(ObjectKind::NewObj, &r)?,
            op::NEWOBJ_EX => b.call(ObjectKind::NewObjEx, &r)?,
            op::INST => {
                let module = r.line_utf8()?;
                let name = r.line_utf8()?;
                b.inst(named_global(proto, module, name), &r)?;
            }
            op::OBJ => b.obj(&r)?,
            op::BUILD => b.build(&r)?,

            op::PERSID | op::BINPERSID => {
                return Err(r
                    .unsupported("persistent IDs need a persistent_load hook, which this decoder has not")
                    .into())
            }
            op::EXT1 | op::EXT2 | op::EXT4 => {
                return Err(r.unsupported("the copyreg extension registry is not supported").into())
            }
            op::NEXT_BUFFER | op::READONLY_BUFFER => {
                return Err(r.unsupported("out-of-band buffers (protocol 5 buffer_callback) are not supported").into())
            }
            // None, bools, numbers, text and bytes.
            other => match r.scalar(other)? {
                Some(value) => b.scalar(value, &r)?,
                None => return Err(DecodeError::UnknownOpcode { opcode: other, offset: r.at }.into()),
            },
        }
    }
}

/// The global `module.name` a pickle of protocol `proto` names: below 3, Python 2
/// names are mapped to Python 3 ones, as CPython does.
fn named_global(proto: u8, module: String, name: String) -> Value {
    let (module, name) = if proto < 3 { compat::load_name(module, name) } else { (module, name) };
    Value::Global(Box::new(Global { module, name }))
}
