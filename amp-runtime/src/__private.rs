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

use crate::command::{Command, CommandError};
use crate::connection::{BoxFuture, Context, ErrorReply, Reply};
use crate::types::{ArgContext, ArgumentType, BoxFields, DecodeError, DecodeErrorKind};
use crate::wire::{AmpBox, EncodeError};

/// Decodes `C`'s arguments from `arguments`, runs `handler`, and turns its
/// outcome into a [`Reply`].
pub fn respond<'a, C, F, Fut>(arguments: AmpBox, handler: F) -> BoxFuture<'a, Reply>
where
    C: Command,
    F: FnOnce(C::Arguments) -> Fut + Send + 'a,
    Fut: Future<Output = Result<C::Response, C::Error>> + Send + 'a,
{
    Box::pin(async move {
        let mut acx = ArgContext::new();
        let args = match C::Arguments::read_fields(&arguments, &mut acx) {
            Ok(a) => a,
            Err(e) => return Reply::Failed(format!("bad arguments for {}: {e}", C::NAME)),
        };
        match handler(args).await {
            Ok(response) => {
                let mut out = AmpBox::new();
                match response.write_fields(&mut out, &mut acx) {
                    Ok(()) => Reply::Answer(out),
                    Err(e) => Reply::Failed(format!("cannot encode the response of {}: {e}", C::NAME)),
                }
            }
            Err(e) => Reply::Error(ErrorReply {
                code: Bytes::from_static(e.code().as_bytes()),
                description: e.description().to_owned(),
                fatal: e.is_fatal(),
            }),
        }
    })
}

/// Like [`respond`], with the call's [`Context`]: descriptors received with
/// the box reach `Descriptor` arguments, and a response holding descriptors
/// is sent with them. Generated dispatchers should use this one.
pub fn respond_in<'a, C, F, Fut>(cx: &'a Context, arguments: AmpBox, handler: F) -> BoxFuture<'a, Reply>
where
    C: Command,
    F: FnOnce(C::Arguments) -> Fut + Send + 'a,
    Fut: Future<Output = Result<C::Response, C::Error>> + Send + 'a,
{
    Box::pin(async move {
        let mut acx = cx.decode_context();
        let decoded = C::Arguments::read_fields(&arguments, &mut acx);
        // Descriptors no argument claimed stay available to the handler.
        cx.restore_fds(acx);
        let args = match decoded {
            Ok(a) => a,
            Err(e) => return Reply::Failed(format!("bad arguments for {}: {e}", C::NAME)),
        };
        match handler(args).await {
            Ok(response) => encode_response::<C>(cx, response),
            Err(e) => error_reply(&e),
        }
    })
}

/// Encodes a response. One holding descriptors is encoded again by the
/// connection, which fixes their ordinals in wire order.
pub(crate) fn encode_response<C: Command>(cx: &Context, response: C::Response) -> Reply {
    let mut acx = ArgContext::new();
    let mut out = AmpBox::new();
    match response.write_fields(&mut out, &mut acx) {
        Ok(()) if acx.fds_out.is_empty() => Reply::Answer(out),
        Ok(()) => {
            cx.set_reply_encoder(Box::new(move |acx: &mut ArgContext| {
                let mut out = AmpBox::new();
                response.write_fields(&mut out, acx)?;
                Ok(out)
            }));
            Reply::Answer(out)
        }
        Err(e) => Reply::Failed(format!("cannot encode the response of {}: {e}", C::NAME)),
    }
}

/// The reply for a declared error.
pub(crate) fn error_reply<E: CommandError>(e: &E) -> Reply {
    Reply::Error(ErrorReply {
        code: Bytes::from_static(e.code().as_bytes()),
        description: e.description().to_owned(),
        fatal: e.is_fatal(),
    })
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
