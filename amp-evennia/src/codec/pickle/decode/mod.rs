//! Decoding: one opcode interpreter ([`interpreter`]) driving one of two
//! builders. The one-pass builder ([`one_pass`]) goes straight to values and
//! takes nearly every pickle; the graph builder ([`graph`]) takes the rest
//! and is the reference for every value and error. Never recursive, never
//! imports or calls anything.
//!
//! | file | what it holds |
//! |---|---|
//! | `reader.rs` | reading opcodes and their arguments, the errors that point at them |
//! | `text.rs` | the text arguments of protocol 0 opcodes |
//! | `interpreter.rs` | the opcode loop and the [`Builder`](interpreter::Builder) trait |
//! | `memo.rs` | the memo both builders keep |
//! | `builtins.rs` | the constructors of built-in values that are built as data |
//! | `one_pass.rs` | the one-pass builder (its agreement tests in `one_pass/tests.rs`) |
//! | `graph/` | the graph builder (`builder.rs`, `calls.rs`) and the graph-to-tree walk (`tree.rs`) |

mod builtins;
mod graph;
mod interpreter;
mod memo;
mod one_pass;
mod reader;
mod text;

use super::error::DecodeError;
use super::limits::DecodeOptions;
use super::value::Value;
use graph::builder::GraphBuilder;

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
    // Nearly every pickle decodes in one pass (see `one_pass`); the graph
    // decoder takes the others and reports every error.
    if let Some((value, stop)) = one_pass::decode(input, limits) {
        check_trailing(input, stop, options)?;
        return Ok(value);
    }
    decode_graph(input, options)
}

/// The graph decoder alone: the reference the one-pass decoder agrees with.
pub fn decode_graph(input: &[u8], options: &DecodeOptions) -> Result<Value, DecodeError> {
    let mut builder = GraphBuilder::new(options);
    let (root, stop) = interpreter::run(input, &mut builder)?;
    check_trailing(input, stop, options)?;
    graph::tree::build(builder.arena, root, &options.limits)
}

/// Bytes after STOP are an error unless the options allow them.
fn check_trailing(input: &[u8], stop: usize, options: &DecodeOptions) -> Result<(), DecodeError> {
    if stop + 1 < input.len() && !options.allow_trailing_bytes {
        return Err(DecodeError::TrailingBytes { offset: stop, count: input.len() - stop - 1 });
    }
    Ok(())
}

/// Bytes of text or binary data a scalar holds: what it costs against
/// [`Limits::max_data_bytes`](super::Limits::max_data_bytes).
fn scalar_bytes(v: &Value) -> usize {
    match v {
        Value::Str(s) => s.len(),
        Value::Bytes(b) | Value::ByteArray(b) => b.len(),
        Value::BigInt(n) => (n.bits() as usize).div_ceil(8),
        Value::Global(g) => g.module.len() + g.name.len(),
        _ => 0,
    }
}
