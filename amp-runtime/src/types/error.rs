use std::fmt;

/// Why an argument could not be read from a received box.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("argument \"{key}\": {kind}")]
pub struct DecodeError {
    /// The argument's wire name.
    pub key: String,
    /// What is wrong with it.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// An error for the argument `key`.
    pub fn new(key: &str, kind: DecodeErrorKind) -> Self {
        DecodeError { key: key.to_owned(), kind }
    }
}

/// What is wrong with a received value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// A required argument is absent.
    Missing,
    /// Text that is not UTF-8 (Unicode, Path).
    NotUtf8,
    /// Not something Python's `int()` accepts, or out of range for the Rust type.
    BadInteger(String),
    /// Not exactly `True` or `False`.
    BadBoolean(String),
    /// Not something Python's `float()` accepts.
    BadFloat(String),
    /// Not something Python's `Decimal()` accepts.
    BadDecimal(String),
    /// Not a 32-character `YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM` date-time.
    BadDateTime(String),
    /// A ListOf element whose length runs past the end of the value (a lone
    /// trailing byte, half a length prefix, counts as announcing 2 bytes).
    TruncatedListElement {
        /// Bytes the element announced.
        announced: usize,
        /// Bytes left in the value.
        available: usize,
    },
    /// A ListOf element that does not parse.
    BadListElement {
        /// Index of the element.
        index: usize,
        /// Why it does not parse.
        reason: Box<DecodeErrorKind>,
    },
    /// An AmpList value that does not frame as boxes, or an element that does not decode.
    BadAmpList(String),
    /// A custom type's own reason.
    Custom(String),
    /// A Descriptor argument with no received file descriptor left to claim.
    MissingDescriptor {
        /// The ordinal the argument carried.
        ordinal: u64,
    },
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::Missing => write!(f, "missing"),
            DecodeErrorKind::NotUtf8 => write!(f, "not valid UTF-8"),
            DecodeErrorKind::BadInteger(s) => write!(f, "not an integer: {s}"),
            DecodeErrorKind::BadBoolean(s) => write!(f, "not True or False: {s}"),
            DecodeErrorKind::BadFloat(s) => write!(f, "not a float: {s}"),
            DecodeErrorKind::BadDecimal(s) => write!(f, "not a decimal: {s}"),
            DecodeErrorKind::BadDateTime(s) => write!(f, "not a date-time: {s}"),
            DecodeErrorKind::TruncatedListElement { announced, available } => {
                write!(f, "list element of {announced} bytes runs past the end ({available} bytes left)")
            }
            DecodeErrorKind::BadListElement { index, reason } => write!(f, "list element {index}: {reason}"),
            DecodeErrorKind::BadAmpList(s) => write!(f, "bad AmpList: {s}"),
            DecodeErrorKind::Custom(s) => f.write_str(s),
            DecodeErrorKind::MissingDescriptor { ordinal } => {
                write!(f, "no received file descriptor left for descriptor ordinal {ordinal}")
            }
        }
    }
}

/// Shows at most 40 bytes of a bad value, escaped, for error messages.
pub(crate) fn excerpt(raw: &[u8]) -> String {
    let shown = &raw[..raw.len().min(40)];
    let mut s = format!("\"{}\"", shown.escape_ascii());
    if raw.len() > 40 {
        s.push_str("...");
    }
    s
}
