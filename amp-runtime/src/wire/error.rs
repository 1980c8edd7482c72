use std::fmt;

/// A box that cannot be written: nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A key outside 1..=255 bytes.
    #[error("key {key} is {len} bytes long; AMP keys are 1 to 255 bytes")]
    KeyLength {
        /// The key, shown lossily as text.
        key: Lossy,
        /// Its length in bytes.
        len: usize,
    },
    /// A value over 65,535 bytes.
    #[error("value of key {key} is {len} bytes long; AMP values are at most 65535 bytes")]
    ValueTooLong {
        /// The key the value belongs to.
        key: Lossy,
        /// The value's length in bytes.
        len: usize,
    },
    /// A value that its argument type cannot write (for example a naive
    /// date-time or a ListOf element over 65,535 bytes).
    #[error("argument {key}: {reason}")]
    Invalid {
        /// The argument's wire name.
        key: Lossy,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument the command does not declare (dynamic, schema-loaded use).
    #[error("argument {key} is not declared by the command")]
    UnknownArgument {
        /// The argument's wire name.
        key: Lossy,
    },
    /// Writing to the stream failed (codec use through `FramedWrite`).
    #[error("i/o error: {0}")]
    Io(String),
}

impl From<std::io::Error> for EncodeError {
    fn from(e: std::io::Error) -> Self {
        EncodeError::Io(e.to_string())
    }
}

/// A peer broke the framing rules; the connection must be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A key length above 255 (Twisted's `TooLong(isKey=True, isLocal=False)`).
    #[error("received a key length of {len}; AMP keys are at most 255 bytes")]
    KeyTooLong {
        /// The length the peer announced.
        len: usize,
    },
    /// More pairs in one box than [`Limits::max_pairs`](crate::wire::Limits).
    #[error("received a box with more than {limit} pairs")]
    TooManyPairs {
        /// The configured limit.
        limit: usize,
    },
    /// A box larger than [`Limits::max_box_bytes`](crate::wire::Limits).
    #[error("received a box of more than {limit} bytes")]
    BoxTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The stream ended inside a box.
    #[error("the stream ended inside a box ({buffered} bytes of it received)")]
    Truncated {
        /// How many bytes of the unfinished box had arrived.
        buffered: usize,
    },
    /// A received top-level box with none of `_command`, `_answer`, `_error`
    /// (Twisted's `NoEmptyBoxes`).
    #[error("received a box with none of _command, _answer, _error")]
    NoEmptyBoxes,
    /// Reading the stream failed.
    #[error("i/o error: {0}")]
    Io(String),
}

impl From<std::io::Error> for ProtocolError {
    fn from(e: std::io::Error) -> Self {
        ProtocolError::Io(e.to_string())
    }
}

/// Bytes shown as text in error messages: UTF-8 where it is, escapes elsewhere.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Lossy(pub Vec<u8>);

impl Lossy {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<&[u8]> for Lossy {
    fn from(b: &[u8]) -> Self {
        Lossy(b.to_vec())
    }
}

impl From<&str> for Lossy {
    fn from(s: &str) -> Self {
        Lossy(s.as_bytes().to_vec())
    }
}

impl fmt::Display for Lossy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Long keys are the usual reason this is shown: keep messages one line.
        const SHOWN: usize = 64;
        let shown = &self.0[..self.0.len().min(SHOWN)];
        write!(f, "\"{}\"", shown.escape_ascii())?;
        if self.0.len() > SHOWN {
            write!(f, "...")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Lossy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
