//! The byte stream under a connection: any tokio stream, or a Unix socket
//! (which can also carry file descriptors).

use std::any::Any;
use std::io;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::UnixStream;

use super::unix_fd;

/// A byte stream a connection can run on: anything tokio can read and write
/// (TCP, Unix sockets, TLS, `tokio::io::duplex`). Implemented for every such type.
pub trait AsyncIo: AsyncRead + AsyncWrite + Send + Unpin + 'static {
    /// The stream as [`Any`], to get the concrete type back with
    /// `downcast` (for example after a protocol switch).
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> AsyncIo for T {
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// The stream a connection owns.
pub(crate) enum Transport {
    /// Any stream.
    Stream(Box<dyn AsyncIo>),
    /// A Unix socket: reads use `recvmsg` so descriptors are never lost.
    Unix(UnixStream),
}

impl Transport {
    pub(crate) fn supports_fds(&self) -> bool {
        matches!(self, Transport::Unix(_))
    }

    /// Reads into `buf`'s spare capacity; descriptors that came along are
    /// appended to `fds`.
    pub(crate) fn poll_read_buf(
        &mut self,
        cx: &mut TaskContext<'_>,
        buf: &mut BytesMut,
        fds: &mut Vec<OwnedFd>,
    ) -> Poll<io::Result<usize>> {
        match self {
            Transport::Stream(s) => poll_read_buf(s.as_mut(), cx, buf),
            Transport::Unix(s) => unix_fd::poll_recv(s, cx, buf, fds),
        }
    }

    /// Writes from several buffers in one go where the stream can.
    pub(crate) fn poll_write_vectored(
        &mut self,
        cx: &mut TaskContext<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self {
            Transport::Stream(s) => Pin::new(s).poll_write_vectored(cx, data),
            Transport::Unix(s) => Pin::new(s).poll_write_vectored(cx, data),
        }
    }

    /// Writes `data` with `fds` attached to its first byte (Unix sockets only).
    pub(crate) fn poll_write_fds(
        &mut self,
        cx: &mut TaskContext<'_>,
        data: &[u8],
        fds: &[OwnedFd],
    ) -> Poll<io::Result<usize>> {
        match self {
            Transport::Unix(s) => unix_fd::poll_send(s, cx, data, fds),
            Transport::Stream(_) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "file descriptors can only be passed over a Unix socket",
            ))),
        }
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self {
            Transport::Stream(s) => Pin::new(s).poll_flush(cx),
            Transport::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    pub(crate) fn poll_shutdown(&mut self, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self {
            Transport::Stream(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }

    pub(crate) fn into_boxed(self) -> Box<dyn AsyncIo> {
        match self {
            Transport::Stream(s) => s,
            Transport::Unix(s) => Box::new(s),
        }
    }
}

/// A stream whose first reads return bytes already taken off it: what a
/// connection had read past the point where the stream changed hands.
pub(crate) struct Prefixed<T> {
    prefix: Bytes,
    inner: T,
}

impl<T> Prefixed<T> {
    pub(crate) fn new(prefix: Bytes, inner: T) -> Self {
        Prefixed { prefix, inner }
    }

    pub(crate) fn prefix(&self) -> &Bytes {
        &self.prefix
    }

    pub(crate) fn into_parts(self) -> (T, Bytes) {
        (self.inner, self.prefix)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Prefixed<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Prefixed<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Reads into `buf`'s spare capacity (at least one byte must be reserved).
fn poll_read_buf(io: &mut dyn AsyncIo, cx: &mut TaskContext<'_>, buf: &mut BytesMut) -> Poll<io::Result<usize>> {
    // SAFETY: ReadBuf only writes initialised bytes into the spare
    // capacity and never de-initialises any.
    let spare = unsafe { buf.chunk_mut().as_uninit_slice_mut() };
    let mut read = ReadBuf::uninit(spare);
    let before = read.filled().as_ptr();
    std::task::ready!(Pin::new(io).poll_read(cx, &mut read))?;
    // A reader must fill the buffer it was given, not swap it.
    debug_assert_eq!(before, read.filled().as_ptr());
    let n = read.filled().len();
    // SAFETY: the first n bytes of the spare capacity were initialised by the read.
    unsafe { buf.advance_mut(n) };
    Poll::Ready(Ok(n))
}
