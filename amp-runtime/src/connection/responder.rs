use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::context::Context;
use crate::wire::AmpBox;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a received call is answered.
#[derive(Debug)]
pub enum Reply {
    /// Success: the response fields (`_answer` is added by the connection).
    Answer(AmpBox),
    /// An error answer (`_error_code`, `_error_description`).
    Error(ErrorReply),
    /// The command is not handled: answered `UNHANDLED`, connection kept.
    Unhandled,
    /// An undeclared failure (bad arguments, a handler that panicked or failed
    /// in an undeclared way): answered `UNKNOWN` / `Unknown Error`, then the
    /// connection is closed as Twisted does, unless configured to keep it.
    /// The text is logged, never sent.
    Failed(String),
}

/// An error answer chosen by a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReply {
    /// The wire code.
    pub code: Bytes,
    /// The description.
    pub description: String,
    /// Close the connection once the answer is written (a fatal error).
    pub fatal: bool,
}

impl ErrorReply {
    /// A declared, non-fatal error: the connection stays up.
    pub fn new(code: impl AsRef<[u8]>, description: impl Into<String>) -> Self {
        ErrorReply { code: Bytes::copy_from_slice(code.as_ref()), description: description.into(), fatal: false }
    }

    /// A fatal error: the connection closes once it is answered.
    pub fn fatal(code: impl AsRef<[u8]>, description: impl Into<String>) -> Self {
        ErrorReply { fatal: true, ..ErrorReply::new(code, description) }
    }
}

/// Answers the calls a peer makes. Generated dispatchers (`ServerDispatcher<H>`
/// for a schema protocol `Server`) and the dynamic [`Router`](crate::Router)
/// implement it.
pub trait Responder: Send + Sync + 'static {
    /// Answers one call of the wire command `command`. `arguments` is the
    /// received box, `_command` and `_ask` included.
    fn respond<'a>(&'a self, cx: &'a Context, command: &'a [u8], arguments: AmpBox) -> BoxFuture<'a, Reply>;
}

impl<R: Responder + ?Sized> Responder for std::sync::Arc<R> {
    fn respond<'a>(&'a self, cx: &'a Context, command: &'a [u8], arguments: AmpBox) -> BoxFuture<'a, Reply> {
        (**self).respond(cx, command, arguments)
    }
}

/// Answers every call `UNHANDLED`: for a connection that only makes calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoResponder;

impl Responder for NoResponder {
    fn respond<'a>(&'a self, _: &'a Context, _: &'a [u8], _: AmpBox) -> BoxFuture<'a, Reply> {
        Box::pin(std::future::ready(Reply::Unhandled))
    }
}
