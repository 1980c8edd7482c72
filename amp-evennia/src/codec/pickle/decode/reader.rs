//! Reading opcodes and their arguments, with the errors that point at them,
//! for the interpreter ([`super::interpreter`]) and both builders.

use num_bigint::BigInt;

use super::super::error::DecodeError;
use super::super::opcodes::{self as op, name};
use super::super::value::Value;
use super::text;

/// The input and the opcode being run.
pub(super) struct Reader<'a> {
    pub(super) input: &'a [u8],
    /// The next byte to read.
    pub(super) pos: usize,
    /// The opcode being run and its offset, for errors.
    pub(super) op: u8,
    pub(super) at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(input: &'a [u8]) -> Self {
        Reader { input, pos: 0, op: 0, at: 0 }
    }

    /// Starts on the next opcode; `None` at the end of the input.
    #[inline]
    pub(super) fn next_op(&mut self) -> Option<u8> {
        let code = *self.input.get(self.pos)?;
        self.op = code;
        self.at = self.pos;
        self.pos += 1;
        Some(code)
    }

    #[inline]
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.input.len() - self.pos {
            return Err(self.truncated("an argument"));
        }
        let bytes = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    #[inline]
    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    #[inline]
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

    /// The `n` bytes of a BINUNICODE-like argument as text.
    #[inline]
    pub(super) fn utf8(&mut self, n: usize) -> Result<String, DecodeError> {
        let bytes = self.take(n)?;
        text::utf8(bytes).map_err(|r| self.invalid(r))
    }

    // ---- errors ----

    /// The value of a scalar opcode (None, bools, numbers, text, bytes),
    /// read with its argument; `None` for any other opcode (nothing read).
    #[inline(always)]
    pub(super) fn scalar(&mut self, code: u8) -> Result<Option<Value>, DecodeError> {
        let value = match code {
            op::NONE => Value::None,
            op::NEWTRUE => Value::Bool(true),
            op::NEWFALSE => Value::Bool(false),
            op::INT => text::parse_int(self.line()?).map_err(|r| self.invalid(r))?,
            op::BININT => Value::Int(i64::from(i32::from_le_bytes(self.array()?))),
            op::BININT1 => Value::Int(i64::from(self.u8()?)),
            op::BININT2 => Value::Int(i64::from(u16::from_le_bytes(self.array()?))),
            op::LONG => text::parse_long(self.line()?).map_err(|r| self.invalid(r))?,
            op::LONG1 => {
                let n = usize::from(self.u8()?);
                Value::from_bigint(BigInt::from_signed_bytes_le(self.take(n)?))
            }
            op::LONG4 => {
                let n = self.signed_len()?;
                Value::from_bigint(BigInt::from_signed_bytes_le(self.take(n)?))
            }
            op::FLOAT => Value::Float(text::parse_float(self.line()?).map_err(|r| self.invalid(r))?),
            op::BINFLOAT => Value::Float(f64::from_be_bytes(self.array()?)),
            op::UNICODE => Value::Str(text::raw_unicode_escape_decode(self.line()?).map_err(|r| self.invalid(r))?),
            op::SHORT_BINUNICODE => {
                let n = usize::from(self.u8()?);
                Value::Str(self.utf8(n)?)
            }
            op::BINUNICODE => {
                let n = u32::from_le_bytes(self.array()?) as usize;
                Value::Str(self.utf8(n)?)
            }
            op::BINUNICODE8 => {
                let n = self.u64_len()?;
                Value::Str(self.utf8(n)?)
            }
            op::SHORT_BINBYTES => {
                let n = usize::from(self.u8()?);
                Value::Bytes(self.take(n)?.to_vec())
            }
            op::BINBYTES => {
                let n = u32::from_le_bytes(self.array()?) as usize;
                Value::Bytes(self.take(n)?.to_vec())
            }
            op::BINBYTES8 => {
                let n = self.u64_len()?;
                Value::Bytes(self.take(n)?.to_vec())
            }
            op::BYTEARRAY8 => {
                let n = self.u64_len()?;
                Value::ByteArray(self.take(n)?.to_vec())
            }
            _ => return Ok(None),
        };
        Ok(Some(value))
    }

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

    pub(super) fn missing_mark(&self) -> DecodeError {
        DecodeError::MissingMark { op: name(self.op), offset: self.at }
    }
}
