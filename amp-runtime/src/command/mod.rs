//! Commands: what `#[amp_command]` generates implements [`Command`].

mod call_error;

pub use call_error::{CallError, RemoteError};

use crate::types::BoxFields;

/// One row of a command's error table: a Python exception name and its wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    /// The exception (or error variant) name, e.g. `ZeroDivisionError`.
    pub exception: &'static str,
    /// The code on the wire, e.g. `ZERO_DIVISION`.
    pub code: &'static str,
}

/// A command, as a Twisted `amp.Command` subclass declares it.
pub trait Command: Send + Sync + 'static {
    /// The wire name (`commandName`).
    const NAME: &'static str;
    /// Whether a call waits for an answer (`requiresAnswer`).
    const REQUIRES_ANSWER: bool;
    /// Declared errors (`errors`): answered, the connection kept.
    const ERRORS: &'static [ErrorCode];
    /// Declared fatal errors (`fatalErrors`): answered, then the connection closed.
    const FATAL_ERRORS: &'static [ErrorCode];
    /// The arguments (`arguments`).
    type Arguments: BoxFields + Send + 'static;
    /// The response (`response`).
    type Response: BoxFields + Send + 'static;
    /// The declared and fatal errors as one enum.
    type Error: CommandError;

    /// Finds the wire code of a declared or fatal error by exception name.
    fn error_code(exception: &str) -> Option<&'static ErrorCode> {
        Self::ERRORS.iter().chain(Self::FATAL_ERRORS).find(|e| e.exception == exception)
    }

    /// Twisted's `reverseErrors`: the exception name of a wire code.
    fn reverse_error(code: &[u8]) -> Option<&'static ErrorCode> {
        Self::ERRORS.iter().chain(Self::FATAL_ERRORS).find(|e| e.code.as_bytes() == code)
    }
}

/// The declared errors of a command, one variant each, carrying the description.
pub trait CommandError: std::fmt::Debug + std::fmt::Display + Send + Sync + 'static + Sized {
    /// The declared error a received code stands for (`reverseErrors`).
    fn from_wire(code: &[u8], description: String) -> Option<Self>;
    /// The wire code of this error.
    fn code(&self) -> &'static str;
    /// The description sent with it (Twisted sends `str(exception)`).
    fn description(&self) -> &str;
    /// Whether it is a fatal error (the connection closes after the answer).
    fn is_fatal(&self) -> bool;
}

/// The error type of a command that declares no errors: it has no values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoError {}

impl std::fmt::Display for NoError {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {}
    }
}

impl std::error::Error for NoError {}

impl CommandError for NoError {
    fn from_wire(_: &[u8], _: String) -> Option<Self> {
        None
    }
    fn code(&self) -> &'static str {
        match *self {}
    }
    fn description(&self) -> &str {
        match *self {}
    }
    fn is_fatal(&self) -> bool {
        match *self {}
    }
}
