//! Answering a call of a typed [`Command`]: its arguments decoded from the
//! box (descriptors included), the handler run, its outcome turned into the
//! [`Reply`]. Generated dispatchers and [`Router::command`](crate::Router::command)
//! both answer through [`answer`].

use std::borrow::Borrow;
use std::future::Future;

use bytes::Bytes;

use super::context::Context;
use super::responder::{ErrorReply, Reply};
use crate::command::{Command, CommandError};
use crate::types::{ArgContext, BoxFields};
use crate::wire::AmpBox;

/// Decodes `C`'s arguments from `arguments` with the call's descriptors, runs
/// `handler` and turns its outcome into a [`Reply`]: a response, a declared
/// error (fatal ones close the connection after the answer) or, for
/// arguments that do not decode or a response that does not encode, an
/// undeclared failure.
///
/// `cx` is borrowed or owned, so that a caller can box this future alone.
pub(crate) async fn answer<C, F, Fut>(cx: impl Borrow<Context>, arguments: AmpBox, handler: F) -> Reply
where
    C: Command,
    F: FnOnce(C::Arguments) -> Fut,
    Fut: Future<Output = Result<C::Response, C::Error>>,
{
    let cx = cx.borrow();
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
}

/// Encodes a response. One holding descriptors is encoded again by the
/// connection, which fixes their ordinals in wire order.
fn encode_response<C: Command>(cx: &Context, response: C::Response) -> Reply {
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
fn error_reply<E: CommandError>(e: &E) -> Reply {
    Reply::Error(ErrorReply {
        code: Bytes::from_static(e.code().as_bytes()),
        description: e.description().to_owned(),
        fatal: e.is_fatal(),
    })
}
