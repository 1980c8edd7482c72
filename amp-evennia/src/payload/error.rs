//! Why a payload could not be read or written.

use crate::codec::pickle;

/// Why a payload could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The bytes are no valid pickle, or not one this codec accepts.
    #[error("packed_data is not a valid pickle: {0}")]
    Pickle(#[from] pickle::Error),
    /// The pickle is not a `(sessid, kwargs)` pair.
    #[error("packed_data is a {found}, not a (sessid, kwargs) pair")]
    NotAPair {
        /// What it is (a Python type name, with its length for sequences).
        found: String,
    },
    /// The session id is not an int from 0 to 2**64-1.
    #[error("the session id is {found}, not a non-negative int")]
    BadSessId {
        /// Its repr.
        found: String,
    },
    /// The kwargs are not a dict, or a key is not a `str`.
    #[error("kwargs: {0}")]
    BadKwargs(String),
    /// A field has the wrong type for its operation.
    #[error("{key}: {problem}")]
    BadField {
        /// The kwargs key.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// A field the operation needs is missing.
    #[error("{operation} needs the field {key}")]
    MissingField {
        /// The operation.
        operation: &'static str,
        /// The kwargs key.
        key: &'static str,
    },
    /// There is no `operation` in an admin payload, or it is not a `str`.
    #[error("the admin payload has no operation string")]
    NoOperation,
}
