use std::time::Duration;

use bytes::Bytes;

use crate::types::DecodeError;
use crate::wire::{EncodeError, Lossy, ProtocolError, UNHANDLED_ERROR_CODE, UNKNOWN_ERROR_CODE};

/// An error answer as it came off the wire: `_error_code` and `_error_description`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct RemoteError {
    /// `_error_code`.
    pub code: Lossy,
    /// `_error_description`, decoded as UTF-8 (invalid bytes replaced).
    pub description: String,
}

impl RemoteError {
    /// An error answer with the given code and description.
    pub fn new(code: impl AsRef<[u8]>, description: impl Into<String>) -> Self {
        RemoteError { code: Lossy(code.as_ref().to_vec()), description: description.into() }
    }

    /// The code as bytes.
    pub fn code_bytes(&self) -> Bytes {
        Bytes::copy_from_slice(self.code.as_bytes())
    }
}

/// Why a call did not produce its response. `E` is the command's declared errors.
#[derive(Debug, thiserror::Error)]
pub enum CallError<E> {
    /// The peer answered one of the command's declared (or fatal) errors.
    #[error("{0}")]
    Declared(E),
    /// The peer does not handle the command (`UNHANDLED`).
    #[error("the peer does not handle this command: {description}")]
    Unhandled {
        /// The description the peer sent.
        description: String,
    },
    /// The peer failed in an undeclared way (`UNKNOWN`).
    #[error("the peer failed: {description}")]
    Unknown {
        /// The description the peer sent.
        description: String,
    },
    /// An error code the command does not declare.
    #[error("the peer answered an undeclared error {0}")]
    Undeclared(RemoteError),
    /// The connection was lost before the answer came, or was already closed.
    #[error("connection lost: {0}")]
    ConnectionLost(String),
    /// No answer within the call's timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The connection already has its maximum of calls awaiting answers.
    #[error("too many calls outstanding (limit {limit})")]
    TooManyOutstanding {
        /// The configured limit.
        limit: usize,
    },
    /// The arguments could not be encoded; nothing was sent.
    #[error("cannot encode the call: {0}")]
    Encode(#[from] EncodeError),
    /// The answer could not be decoded.
    #[error("cannot decode the answer: {0}")]
    Decode(#[from] DecodeError),
    /// The peer broke the protocol.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
}

impl<E> CallError<E> {
    /// The wire code when the peer answered with an error.
    pub fn remote_code(&self) -> Option<String>
    where
        E: crate::command::CommandError,
    {
        match self {
            CallError::Declared(e) => Some(e.code().to_owned()),
            CallError::Unhandled { .. } => Some(UNHANDLED_ERROR_CODE.to_owned()),
            CallError::Unknown { .. } => Some(UNKNOWN_ERROR_CODE.to_owned()),
            CallError::Undeclared(r) => Some(String::from_utf8_lossy(r.code.as_bytes()).into_owned()),
            _ => None,
        }
    }

    /// Turns a raw error answer into the command's view of it (`reverseErrors`).
    pub fn from_remote(remote: RemoteError) -> Self
    where
        E: crate::command::CommandError,
    {
        const UNHANDLED: &[u8] = UNHANDLED_ERROR_CODE.as_bytes();
        const UNKNOWN: &[u8] = UNKNOWN_ERROR_CODE.as_bytes();
        match remote.code.as_bytes() {
            UNHANDLED => CallError::Unhandled { description: remote.description },
            UNKNOWN => CallError::Unknown { description: remote.description },
            code => match E::from_wire(code, remote.description.clone()) {
                Some(e) => CallError::Declared(e),
                None => CallError::Undeclared(remote),
            },
        }
    }

    /// Converts the declared error type, keeping every other case.
    pub fn map_declared<F>(self, f: impl FnOnce(E) -> F) -> CallError<F> {
        match self {
            CallError::Declared(e) => CallError::Declared(f(e)),
            CallError::Unhandled { description } => CallError::Unhandled { description },
            CallError::Unknown { description } => CallError::Unknown { description },
            CallError::Undeclared(r) => CallError::Undeclared(r),
            CallError::ConnectionLost(s) => CallError::ConnectionLost(s),
            CallError::Timeout(d) => CallError::Timeout(d),
            CallError::TooManyOutstanding { limit } => CallError::TooManyOutstanding { limit },
            CallError::Encode(e) => CallError::Encode(e),
            CallError::Decode(e) => CallError::Decode(e),
            CallError::Protocol(e) => CallError::Protocol(e),
        }
    }
}
