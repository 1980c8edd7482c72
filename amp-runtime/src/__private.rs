//! Runtime helpers that keep the code `#[amp_command]` generates small.
//! Everything here is named by absolute path from generated code.

pub use ::bytes::Bytes;
pub use ::core::assert;
pub use ::core::clone::Clone;
pub use ::core::cmp::{Eq, PartialEq};
pub use ::core::default::Default;
pub use ::core::fmt::{self, Debug};
pub use ::core::hash::Hash;
pub use ::core::include_bytes;
pub use ::core::marker::{Copy, Send, Sync};
pub use ::std::boxed::Box;
pub use ::std::error::Error as StdError;
pub use ::std::future::Future;
pub use ::std::option::Option::{self, None, Some};
#[cfg(unix)]
pub use ::std::os::fd::OwnedFd;
pub use ::std::path::PathBuf;
pub use ::std::result::Result::{self, Err, Ok};
pub use ::std::string::String;
pub use ::std::vec::Vec;

use crate::command::Command;
use crate::connection::{typed, BoxFuture, Context, Reply};
use crate::types::{ArgContext, ArgumentType, DecodeError, DecodeErrorKind};
use crate::wire::{AmpBox, EncodeError};

/// Answers a call of `C` with the call's [`Context`]: decodes the arguments
/// (descriptors received with the box reach `Descriptor` arguments), runs
/// `handler`, encodes its outcome (a response holding descriptors is sent
/// with them). Generated dispatchers answer with this.
pub fn respond_in<'a, C, F, Fut>(cx: &'a Context, arguments: AmpBox, handler: F) -> BoxFuture<'a, Reply>
where
    C: Command,
    F: FnOnce(C::Arguments) -> Fut + Send + 'a,
    Fut: Future<Output = Result<C::Response, C::Error>> + Send + 'a,
{
    Box::pin(typed::answer::<C, F, Fut>(cx, arguments, handler))
}

/// The reply for a command the dispatcher does not know.
pub fn unhandled<'a>() -> BoxFuture<'a, Reply> {
    Box::pin(::std::future::ready(Reply::Unhandled))
}

/// Whether `command` (a received `_command`) is `C`'s wire name.
pub fn is_command<C: Command>(command: &[u8]) -> bool {
    command == C::NAME.as_bytes()
}

/// String equality usable in constants: generated protocols assert with it
/// that their commands' wire names differ.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The codec and value of a field whose type the macro could not resolve.
/// The macro has reported the error; this keeps the generated struct
/// complete so that the mistake does not cascade. It has no values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {}

impl ArgumentType for Unresolved {
    type Value = Unresolved;

    fn to_box(_: &str, value: &Unresolved, _: &mut AmpBox, _: &mut ArgContext) -> Result<(), EncodeError> {
        match *value {}
    }

    fn from_box(name: &str, _: &AmpBox, _: &mut ArgContext) -> Result<Option<Unresolved>, DecodeError> {
        Err(DecodeError::new(name, DecodeErrorKind::Custom("the type of this field did not resolve".into())))
    }
}
