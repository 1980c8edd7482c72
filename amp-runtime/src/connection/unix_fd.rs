//! Descriptor passing over Unix stream sockets (`SCM_RIGHTS`), with tokio
//! readiness around the raw `sendmsg` / `recvmsg` calls.
//!
//! Like Twisted's Unix transport, descriptors ride on stream bytes: the
//! sender attaches them to a single byte, so the receiver's `recvmsg`, which
//! the kernel stops right after a message carrying descriptors, learns where
//! in the stream they arrived.

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::task::{ready, Context as TaskContext, Poll};

use bytes::{BufMut, BytesMut};
use tokio::io::Interest;
use tokio::net::UnixStream;

/// Most descriptors sent with one byte (Linux's `SCM_MAX_FD`).
pub(crate) const MAX_FDS_PER_MESSAGE: usize = 253;

/// Control buffer for [`MAX_FDS_PER_MESSAGE`] descriptors, 8-byte aligned as
/// `cmsghdr` needs (`CMSG_SPACE(253 * 4)` is 1,032 bytes on 64-bit Linux).
type ControlBuffer = [u64; 132];

fn control_space(fds: usize) -> usize {
    // SAFETY: CMSG_SPACE is pure arithmetic on its argument.
    unsafe { libc::CMSG_SPACE((fds * size_of::<libc::c_int>()) as libc::c_uint) as usize }
}

/// One `recvmsg` into `dst`: returns the byte count; received descriptors are
/// appended to `fds` (close-on-exec set).
fn recv_with_fds(fd: RawFd, dst: *mut u8, len: usize, fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
    let mut control: ControlBuffer = [0; 132];
    debug_assert!(control_space(MAX_FDS_PER_MESSAGE) <= size_of::<ControlBuffer>());
    let mut iov = libc::iovec { iov_base: dst.cast(), iov_len: len };
    // SAFETY: msghdr is plain data; every pointer set below outlives the call.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of::<ControlBuffer>() as _;
    // SAFETY: `dst` has `len` writable bytes (the caller's spare capacity);
    // msg points at live buffers.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_CMSG_CLOEXEC) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel filled msg_control with well-formed cmsghdrs of at
    // most msg_controllen bytes; CMSG_* walk within that.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg) as *const libc::c_int;
                let bytes = (*cmsg).cmsg_len as usize - libc::CMSG_LEN(0) as usize;
                for i in 0..bytes / size_of::<libc::c_int>() {
                    fds.push(OwnedFd::from_raw_fd(std::ptr::read_unaligned(data.add(i))));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if msg.msg_flags & libc::MSG_CTRUNC != 0 {
        tracing::warn!("received more file descriptors than fit one message; the kernel closed the rest");
    }
    Ok(n as usize)
}

/// One `sendmsg` of `data` with `fds` attached.
fn send_with_fds(fd: RawFd, data: &[u8], fds: &[OwnedFd]) -> io::Result<usize> {
    debug_assert!(!data.is_empty() && !fds.is_empty() && fds.len() <= MAX_FDS_PER_MESSAGE);
    let mut control: ControlBuffer = [0; 132];
    let payload = fds.len() * size_of::<libc::c_int>();
    let mut iov = libc::iovec { iov_base: data.as_ptr() as *mut libc::c_void, iov_len: data.len() };
    // SAFETY: as in recv_with_fds; the control buffer holds one cmsghdr of
    // CMSG_SPACE(payload) <= its size bytes.
    unsafe {
        let mut msg: libc::msghdr = zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control_space(fds.len()) as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(payload as libc::c_uint) as _;
        let data = libc::CMSG_DATA(cmsg) as *mut libc::c_int;
        for (i, fd) in fds.iter().enumerate() {
            std::ptr::write_unaligned(data.add(i), fd.as_raw_fd());
        }
        let n = libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL);
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }
}

/// Reads into `buf`'s spare capacity (at least one byte must be reserved),
/// collecting descriptors that come with the bytes.
pub(crate) fn poll_recv(
    stream: &UnixStream,
    cx: &mut TaskContext<'_>,
    buf: &mut BytesMut,
    fds: &mut Vec<OwnedFd>,
) -> Poll<io::Result<usize>> {
    loop {
        ready!(stream.poll_read_ready(cx))?;
        let spare = buf.chunk_mut();
        let (ptr, len) = (spare.as_mut_ptr(), spare.len());
        match stream.try_io(Interest::READABLE, || recv_with_fds(stream.as_raw_fd(), ptr, len, fds)) {
            Ok(n) => {
                // SAFETY: recvmsg initialised the first n bytes of the spare capacity.
                unsafe { buf.advance_mut(n) };
                return Poll::Ready(Ok(n));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Poll::Ready(Err(e)),
        }
    }
}

/// Writes `data` (at least one byte) with `fds` attached to its first byte.
pub(crate) fn poll_send(
    stream: &UnixStream,
    cx: &mut TaskContext<'_>,
    data: &[u8],
    fds: &[OwnedFd],
) -> Poll<io::Result<usize>> {
    loop {
        ready!(stream.poll_write_ready(cx))?;
        match stream.try_io(Interest::WRITABLE, || send_with_fds(stream.as_raw_fd(), data, fds)) {
            Ok(n) => return Poll::Ready(Ok(n)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Poll::Ready(Err(e)),
        }
    }
}
