//! Exit statuses and the error every command returns.

use std::fmt;

/// The exit status of `amp`.
///
/// The numbers are part of the command line contract (scripts test them):
/// 0 success, 2 the peer could not be reached or was lost (or a timeout),
/// 3 the peer answered an AMP error, 64 the command line or an input file is
/// wrong (nothing was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Success = 0,
    /// A connection that cannot be made or is lost, a timeout, an address
    /// that cannot be listened on, an answer that does not decode.
    Connection = 2,
    /// The peer answered an AMP error (`UNHANDLED` included).
    Remote = 3,
    /// Bad usage or bad input: unknown command or argument, a value that does
    /// not parse, a bad schema or responses file. Nothing was sent.
    Usage = 64,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// Why a command stopped: its exit status and the message printed on stderr
/// (one line, except a schema's rendered errors, which quote the file; empty
/// for [`Exit::Remote`], whose report goes to stdout).
#[derive(Debug)]
pub struct Failure {
    /// The exit status.
    pub exit: Exit,
    /// The message.
    pub message: String,
}

impl Failure {
    /// A usage or input error (exit 64).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure { exit: Exit::Usage, message: message.into() }
    }

    /// A connection error (exit 2).
    pub fn connection(message: impl Into<String>) -> Failure {
        Failure { exit: Exit::Connection, message: message.into() }
    }

    /// The peer answered an error, already reported on stdout (exit 3).
    pub fn remote() -> Failure {
        Failure { exit: Exit::Remote, message: String::new() }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What a command returns.
pub type Outcome = Result<(), Failure>;
