//! AMP's own box keys and size limits: the facts of the wire a schema's
//! names are checked against. `amp_runtime::wire` re-exports every item, and
//! everything outside this crate uses them from there.
//!
//! They are defined here rather than in amp-runtime because this crate is the
//! lowest one that needs them: the macros, which depend on amp-schema alone,
//! check names at compile time, and amp-runtime depends on amp-schema (its
//! `dynamic` layer reads schemas at run time), so amp-schema cannot depend on
//! amp-runtime.
//!
//! The key names are Twisted's (`twisted.protocols.amp.COMMAND`, `ASK`, ...).

/// The key naming the command of a request box.
pub const COMMAND: &str = "_command";
/// The key holding a request's tag; a box without it asks for no answer.
pub const ASK: &str = "_ask";
/// The key of a successful answer, holding the request's tag.
pub const ANSWER: &str = "_answer";
/// The key of an error answer, holding the request's tag.
pub const ERROR: &str = "_error";
/// The error answer's code.
pub const ERROR_CODE: &str = "_error_code";
/// The error answer's description.
pub const ERROR_DESCRIPTION: &str = "_error_description";

/// The keys AMP itself puts in a request or answer box. A command argument
/// or response field with one of these names would be overwritten by, or
/// would change the meaning of, the protocol key (Twisted checks `_answer`,
/// then `_error`, then `_command` on every box it receives). Other keys
/// starting with `_` are not special to Twisted. Keys inside an AmpList
/// element are not protocol keys: each element is a box of its own.
pub const RESERVED_KEYS: [&str; 6] = [ASK, COMMAND, ANSWER, ERROR, ERROR_CODE, ERROR_DESCRIPTION];

/// The longest key AMP can send: its length is a 16-bit number whose high
/// byte must be 0.
pub const MAX_KEY_LEN: usize = 255;

/// The longest value AMP can send (a 16-bit length). A command name and an
/// error code are values.
pub const MAX_VALUE_LEN: usize = 65_535;
