//! AMP's own keys, error codes and size limits.

// Defined in amp-schema, the lowest crate that needs them (the macros check
// names against them at compile time): see `amp_schema::wire`.
pub use amp_schema::wire::{
    ANSWER, ASK, COMMAND, ERROR, ERROR_CODE, ERROR_DESCRIPTION, MAX_KEY_LEN, MAX_VALUE_LEN, RESERVED_KEYS,
};

/// The error code of an undeclared failure (Twisted's `UNKNOWN_ERROR_CODE`).
pub const UNKNOWN_ERROR_CODE: &str = "UNKNOWN";
/// The error code for a command the peer does not handle (Twisted's
/// `UNHANDLED_ERROR_CODE`).
pub const UNHANDLED_ERROR_CODE: &str = "UNHANDLED";
