//! Turning a handler's [`Reply`] into the box Twisted would send, and what
//! happens to the connection afterwards.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;

use super::close::CloseReason;
use super::context::{Context, ReplyEncoder};
use super::outgoing::{After, Frame, Outgoing};
use super::responder::Reply;
use super::shared::Shared;
use crate::python::bytes_repr;
use crate::wire::{
    AmpBox, Lossy, ANSWER, ERROR, ERROR_CODE, ERROR_DESCRIPTION, MAX_VALUE_LEN, UNHANDLED_ERROR_CODE,
    UNKNOWN_ERROR_CODE,
};

/// What to send for one handled call.
pub(crate) enum ReplyPlan {
    /// Nothing (a box without `_ask` that succeeded or failed harmlessly).
    Nothing,
    /// This box, then this action.
    Send(Outgoing),
    /// An answer carrying descriptors: encoded again under the connection's
    /// descriptor lock so ordinals follow the wire order.
    WithFds { encoder: ReplyEncoder, tag: Bytes, after: After },
}

/// Decides the answer to a call of `command` tagged `ask` (absent for
/// requiresAnswer=False boxes).
///
/// With `_ask`, Twisted's rules: an answer; a declared error (then close if
/// fatal); `UNHANDLED`; or `UNKNOWN` / `Unknown Error` then close for an
/// undeclared failure (unless configured to keep the connection).
///
/// Without `_ask` nothing can be answered. Twisted closes the connection on
/// any failure there; this runtime logs it and keeps the connection (a
/// deliberate deviation: one bad notification should not cut a link that
/// carries many), except for a declared fatal error, which closes as asked.
pub(crate) fn plan(shared: &Shared, cx: &Context, command: &[u8], ask: Option<&Bytes>, reply: Reply) -> ReplyPlan {
    let name = Lossy(command.to_vec());
    if !matches!(reply, Reply::Answer(_)) {
        // A switch only follows a successful answer.
        drop(cx.take_switch());
    }
    let Some(tag) = ask else {
        drop(cx.take_switch());
        return match reply {
            Reply::Answer(_) => {
                tracing::trace!(command = %name, "handled a call without _ask");
                ReplyPlan::Nothing
            }
            Reply::Error(e) if e.fatal => {
                tracing::warn!(command = %name, code = %Lossy(e.code.to_vec()), description = %e.description,
                    "fatal error for a call without _ask: closing the connection");
                let reason = CloseReason::FatalError { code: String::from_utf8_lossy(&e.code).into_owned() };
                ReplyPlan::Send(Outgoing::action(After::Close(reason)))
            }
            Reply::Error(e) => {
                tracing::warn!(command = %name, code = %Lossy(e.code.to_vec()), description = %e.description,
                    "error for a call without _ask (nothing to answer; connection kept)");
                ReplyPlan::Nothing
            }
            Reply::Unhandled => {
                tracing::warn!(command = %name, "unhandled command without _ask (nothing to answer; connection kept)");
                ReplyPlan::Nothing
            }
            Reply::Failed(why) => {
                tracing::warn!(command = %name, error = %why,
                    "handler failed for a call without _ask (nothing to answer; connection kept)");
                ReplyPlan::Nothing
            }
        };
    };
    match reply {
        Reply::Answer(mut answer) => {
            let after = cx.take_switch().map(After::Switch).unwrap_or(After::Nothing);
            if let Some(encoder) = cx.take_reply_encoder() {
                return ReplyPlan::WithFds { encoder, tag: tag.clone(), after };
            }
            answer.insert(ANSWER, tag.clone());
            match Frame::of_box(answer) {
                Ok(frame) => {
                    tracing::trace!(command = %name, tag = %Lossy(tag.to_vec()), "answered");
                    ReplyPlan::Send(Outgoing::new(frame, after))
                }
                Err(e) => {
                    let why = format!("cannot encode the answer of {name}: {e}");
                    plan(shared, cx, command, ask, Reply::Failed(why))
                }
            }
        }
        Reply::Error(e) => {
            tracing::debug!(command = %name, code = %Lossy(e.code.to_vec()), description = %e.description, fatal = e.fatal,
                "answering an error");
            let after = if e.fatal {
                After::Close(CloseReason::FatalError { code: String::from_utf8_lossy(&e.code).into_owned() })
            } else {
                After::Nothing
            };
            let code = if e.code.is_empty() || e.code.len() > MAX_VALUE_LEN {
                Bytes::from_static(UNKNOWN_ERROR_CODE.as_bytes())
            } else {
                e.code
            };
            let frame = Frame::Box(error_box(tag, &code, e.description.as_bytes()));
            ReplyPlan::Send(Outgoing::new(frame, after))
        }
        Reply::Unhandled => {
            tracing::debug!(command = %name, "answering UNHANDLED");
            let description = unhandled_description(command);
            ReplyPlan::Send(Outgoing::boxed(error_box(tag, UNHANDLED_ERROR_CODE.as_bytes(), description.as_bytes())))
        }
        Reply::Failed(why) => {
            let keep = shared.config.keep_connection_on_undeclared_failure;
            tracing::error!(command = %name, error = %why, keep_connection = keep,
                "handler failed in an undeclared way: answering UNKNOWN");
            let after = if keep { After::Nothing } else { After::Close(CloseReason::UndeclaredFailure) };
            let frame = Frame::Box(error_box(tag, UNKNOWN_ERROR_CODE.as_bytes(), b"Unknown Error"));
            ReplyPlan::Send(Outgoing::new(frame, after))
        }
    }
}

/// `_error`, `_error_code`, `_error_description` (cut to fit one value):
/// a valid box, as every key is short and every value fits.
pub(crate) fn error_box(tag: &Bytes, code: &[u8], description: &[u8]) -> AmpBox {
    let description = &description[..description.len().min(MAX_VALUE_LEN)];
    let mut b = AmpBox::with_capacity(3);
    b.insert(ERROR, tag.clone());
    b.insert(ERROR_CODE, Bytes::copy_from_slice(code));
    b.insert(ERROR_DESCRIPTION, Bytes::copy_from_slice(description));
    b
}

/// Sends a planned reply from a handler task (waiting for room in the send
/// queue when it is full).
pub(crate) async fn send(shared: &Arc<Shared>, cx: &Context, command: &[u8], plan: ReplyPlan) {
    match plan {
        ReplyPlan::Nothing => {}
        ReplyPlan::Send(out) => {
            // A closed queue means the connection is gone: nobody to answer.
            let _ = shared.tx.send(out).await;
        }
        ReplyPlan::WithFds { encoder, tag, after } => {
            let Ok(permit) = shared.tx.reserve().await else { return };
            if !shared.fds_supported.load(Ordering::Acquire) {
                let why = "the answer holds file descriptors, which only a Unix socket connection can pass".to_owned();
                if let ReplyPlan::Send(out) = plan_failed(shared, cx, command, &tag, why) {
                    permit.send(out);
                }
                return;
            }
            let out = match shared.fd_ordinals.encode(encoder).await {
                Ok((mut answer, fds)) => {
                    answer.insert(ANSWER, tag.clone());
                    match Frame::of_box(answer) {
                        Ok(frame) => return fds.queue(permit, frame, after),
                        Err(e) => fail(shared, cx, command, &tag, e.to_string()),
                    }
                }
                Err(e) => fail(shared, cx, command, &tag, e.to_string()),
            };
            if let Some(out) = out {
                permit.send(out);
            }
        }
    }
}

/// The `_error_description` Twisted sends for a command nobody handles.
fn unhandled_description(command: &[u8]) -> String {
    format!("Unhandled Command: {}", bytes_repr(command))
}

fn fail(shared: &Shared, cx: &Context, command: &[u8], tag: &Bytes, why: String) -> Option<Outgoing> {
    match plan_failed(shared, cx, command, tag, format!("cannot encode the answer: {why}")) {
        ReplyPlan::Send(out) => Some(out),
        _ => None,
    }
}

fn plan_failed(shared: &Shared, cx: &Context, command: &[u8], tag: &Bytes, why: String) -> ReplyPlan {
    plan(shared, cx, command, Some(tag), Reply::Failed(why))
}
