//! Errors of the pickle codec.

use std::fmt::Display;

/// A pickle that cannot be decoded. Offsets count bytes from the start of the pickle
/// and point at the opcode concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Longer than [`Limits::max_input_bytes`](super::Limits::max_input_bytes).
    #[error("the pickle is {len} bytes long; the limit is {limit}")]
    InputTooLarge {
        /// Its length.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The input ends inside an opcode or before STOP.
    #[error("the pickle ends inside {what} (opcode at byte {offset})")]
    Truncated {
        /// Where the unfinished opcode starts (the input's length when STOP is missing).
        offset: usize,
        /// What was being read.
        what: &'static str,
    },
    /// A byte that is no pickle opcode.
    #[error("unknown opcode 0x{opcode:02x} at byte {offset}")]
    UnknownOpcode {
        /// The byte.
        opcode: u8,
        /// Its offset.
        offset: usize,
    },
    /// An opcode this decoder refuses by design (persistent IDs, the extension
    /// registry, out-of-band buffers).
    #[error("{op} at byte {offset} is not supported: {reason}")]
    Unsupported {
        /// The opcode's name.
        op: &'static str,
        /// Its offset.
        offset: usize,
        /// Why.
        reason: &'static str,
    },
    /// PROTO with a version above 5.
    #[error("unsupported pickle protocol {protocol} (at byte {offset}); the newest is 5")]
    UnsupportedProtocol {
        /// The version asked for.
        protocol: u8,
        /// The PROTO opcode's offset.
        offset: usize,
    },
    /// An opcode needs more values than the stack holds above the last MARK.
    #[error("{op} at byte {offset} needs a value the stack does not hold (stack underflow)")]
    StackUnderflow {
        /// The opcode's name.
        op: &'static str,
        /// Its offset.
        offset: usize,
    },
    /// An opcode that works from a MARK found none.
    #[error("{op} at byte {offset} found no MARK")]
    MissingMark {
        /// The opcode's name.
        op: &'static str,
        /// Its offset.
        offset: usize,
    },
    /// GET of a memo slot nothing was stored in.
    #[error("{op} at byte {offset} reads memo slot {index}, which holds nothing")]
    MemoMissing {
        /// The opcode's name.
        op: &'static str,
        /// Its offset.
        offset: usize,
        /// The slot.
        index: u64,
    },
    /// A malformed argument or an operation Python itself would refuse
    /// (bad number text, bad UTF-8, REDUCE arguments that are no tuple, ...).
    #[error("{op} at byte {offset}: {reason}")]
    Invalid {
        /// The opcode's name.
        op: &'static str,
        /// Its offset.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
    /// Nesting deeper than [`Limits::max_depth`](super::Limits::max_depth).
    #[error("the {kind} created at byte {offset} is nested deeper than the limit of {limit}")]
    TooDeep {
        /// The kind of the value that went too deep.
        kind: &'static str,
        /// The offset of the opcode that created it.
        offset: usize,
        /// The configured limit.
        limit: usize,
    },
    /// More values than [`Limits::max_values`](super::Limits::max_values).
    #[error("the pickle holds or expands to more than {limit} values")]
    TooManyValues {
        /// The configured limit.
        limit: usize,
    },
    /// More data than [`Limits::max_data_bytes`](super::Limits::max_data_bytes).
    #[error("the pickle expands to more than {limit} bytes of text and binary data")]
    TooMuchData {
        /// The configured limit.
        limit: usize,
    },
    /// A container or object that contains itself.
    #[error("the {kind} created at byte {offset} contains itself; recursive structures are not supported")]
    Recursive {
        /// Its kind.
        kind: &'static str,
        /// The offset of the opcode that created it.
        offset: usize,
    },
    /// A list, dict, set or bytearray used as a dict key or set member, which
    /// Python refuses (`TypeError: unhashable type`).
    #[error("the {container} created at byte {offset} has an unhashable {kind} as a key or member")]
    Unhashable {
        /// The dict or set.
        container: &'static str,
        /// The offset of the opcode that created it.
        offset: usize,
        /// The type of the unhashable key.
        kind: &'static str,
    },
    /// Bytes after STOP (see [`DecodeOptions::allow_trailing_bytes`](super::DecodeOptions)).
    #[error("{count} bytes follow the STOP opcode at byte {offset}")]
    TrailingBytes {
        /// STOP's offset.
        offset: usize,
        /// How many bytes follow it.
        count: usize,
    },
}

/// A value that cannot be written as a pickle Python would load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A protocol outside 2 to 5.
    #[error("cannot write pickle protocol {0}; this encoder writes protocols 2 to 5")]
    UnsupportedProtocol(u8),
    /// A list, dict, set or bytearray as a dict key or set member.
    #[error("an unhashable {kind} is used as a dict key or set member; Python would refuse it")]
    Unhashable {
        /// The type of the key.
        kind: &'static str,
    },
    /// A global whose name the protocol cannot carry (a newline before protocol 4).
    #[error("global {module}.{name} cannot be written with protocol {protocol}: {reason}")]
    GlobalName {
        /// The module.
        module: String,
        /// The name.
        name: String,
        /// The protocol.
        protocol: u8,
        /// Why.
        reason: &'static str,
    },
    /// A string or bytes longer than the protocol allows (4 GiB before protocol 4).
    #[error("a {kind} of {len} bytes is too long for protocol {protocol}")]
    TooLarge {
        /// What.
        kind: &'static str,
        /// Its length.
        len: usize,
        /// The protocol.
        protocol: u8,
    },
    /// An object whose callable Python could not call (not a global or object).
    #[error("an object's callable is a {kind}; it must be a global or another object")]
    NotCallable {
        /// The callable's type.
        kind: &'static str,
    },
}

/// An error of the serde layer: decoding, encoding, or a type mismatch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are no valid pickle.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The value cannot be written.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The value does not fit the Rust type (or the Rust value has no Python form).
    #[error("{0}")]
    Message(String),
}

impl serde::de::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error::Message(msg.to_string())
    }
}

impl serde::ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error::Message(msg.to_string())
    }
}
