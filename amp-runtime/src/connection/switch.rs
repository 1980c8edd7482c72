//! Protocol switching (Twisted's `ProtocolSwitchCommand`): after a successful
//! answer, the stream stops carrying AMP and is handed over whole.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::oneshot;

use super::transport::{AsyncIo, Prefixed};

/// The stream of a connection that switched protocols, with the bytes that
/// were already read off it but belong to the new protocol.
///
/// Reading it returns those bytes first, then the stream's own. Over TLS
/// (after StartTLS) it is the TLS stream, so the new protocol stays secured.
pub struct SwitchedStream {
    inner: Prefixed<Box<dyn AsyncIo>>,
}

impl SwitchedStream {
    pub(crate) fn new(io: Box<dyn AsyncIo>, unread: Bytes) -> Self {
        SwitchedStream { inner: Prefixed::new(unread, io) }
    }

    /// Bytes of the new protocol already read by the AMP side and not yet
    /// returned by a read.
    pub fn unread(&self) -> &[u8] {
        self.inner.prefix()
    }

    /// The raw stream and the unread bytes. `stream.into_any().downcast::<T>()`
    /// gives the concrete type back (e.g. `tokio::net::TcpStream`).
    pub fn into_parts(self) -> (Box<dyn AsyncIo>, Bytes) {
        self.inner.into_parts()
    }
}

impl fmt::Debug for SwitchedStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SwitchedStream").field("unread", &self.unread().len()).finish_non_exhaustive()
    }
}

impl AsyncRead for SwitchedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for SwitchedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The responder side of a protocol switch: resolves to the stream once the
/// handler's successful answer has been written, or to
/// [`SwitchAbandoned`] when the handler answered an error, the call had no
/// `_ask`, or the connection closed first.
///
/// Get one from [`Context::switch_protocol_after_answer`](crate::Context::switch_protocol_after_answer).
#[derive(Debug)]
pub struct PendingSwitch {
    pub(crate) rx: oneshot::Receiver<SwitchedStream>,
}

impl Future for PendingSwitch {
    type Output = Result<SwitchedStream, SwitchAbandoned>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx).poll(cx).map(|r| r.map_err(|_| SwitchAbandoned))
    }
}

/// A protocol switch a handler asked for did not happen; the connection
/// goes on speaking AMP (or has closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the protocol switch did not happen (no successful answer was sent)")]
pub struct SwitchAbandoned;
