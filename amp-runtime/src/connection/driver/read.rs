//! The inbound side: reading into a buffer that starts small and grows
//! while reads keep filling it, decoding boxes, and keeping received
//! descriptors until the box that claims them is complete.

use std::collections::VecDeque;
use std::io;
use std::os::fd::OwnedFd;
use std::task::{Context as TaskContext, Poll};

use bytes::BytesMut;
use tokio_util::codec::Decoder;

use super::{Driver, Event};
use crate::connection::close::CloseReason;
use crate::connection::outgoing::{After, Frame, Outgoing};
use crate::wire::{AmpCodec, Limits, Lossy};

/// Free space kept in the read buffer before each read, at first: an idle
/// connection holds no more than this.
const FIRST_READ_CHUNK: u32 = 1024;
/// The most free space kept before a read, once reads keep filling it.
pub(super) const READ_CHUNK: u32 = 64 * 1024;
/// Received descriptors allowed to wait for the box that claims them.
const MAX_WAITING_FDS: usize = 1024;

/// The read side of a connection's state.
pub(super) struct Inbound {
    pub(super) buf: BytesMut,
    /// Free space to have before a read; doubles (up to [`READ_CHUNK`])
    /// whenever a read fills all there was. (A `u32` shares a word with
    /// `first_byte_seen`: every idle connection holds this state.)
    chunk: u32,
    codec: AmpCodec,
    first_byte_seen: bool,
    /// Descriptors from the latest read (scratch).
    read_fds: Vec<OwnedFd>,
    /// Descriptors from the latest read, waiting until the boxes completed
    /// by earlier bytes are dispatched.
    unattributed_fds: Vec<OwnedFd>,
    /// Descriptors for the next box to complete.
    fd_bucket: VecDeque<OwnedFd>,
    /// Receive ordinal of `fd_bucket[0]`.
    next_fd_in: u64,
}

impl Inbound {
    pub(super) fn new(limits: Limits) -> Self {
        Inbound {
            buf: BytesMut::new(),
            chunk: FIRST_READ_CHUNK,
            codec: AmpCodec::with_limits(limits),
            first_byte_seen: false,
            read_fds: Vec::new(),
            unattributed_fds: Vec::new(),
            fd_bucket: VecDeque::new(),
            next_fd_in: 0,
        }
    }

    /// The descriptors of the box just decoded, and the receive ordinal of
    /// the first.
    #[inline]
    pub(super) fn take_box_fds(&mut self) -> (VecDeque<OwnedFd>, u64) {
        let fds = std::mem::take(&mut self.fd_bucket);
        let base = self.next_fd_in;
        self.next_fd_in += fds.len() as u64;
        (fds, base)
    }
}

impl Driver {
    #[inline]
    fn read_paused(&self) -> bool {
        if !self.life.reads() {
            return true;
        }
        if self.shared.running_handlers() >= self.shared.config.max_concurrent_handlers {
            return true;
        }
        // While paused for an upgrade answer, reading must go on (the answer
        // is on its way); `held` is bounded separately.
        !self.life.writes_paused()
            && self.outbound.buf.len() + self.outbound.held_bytes >= 4 * self.shared.config.write_batch_bytes
    }

    /// Decodes buffered boxes and reads more; `Err` carries an event.
    pub(super) fn poll_read(&mut self, cx: &mut TaskContext<'_>) -> Result<bool, Event> {
        let mut progress = false;
        loop {
            if self.read_paused() {
                return Ok(progress);
            }
            let r = &mut self.inbound;
            match r.codec.decode(&mut r.buf) {
                Ok(Some(b)) => {
                    progress = true;
                    if let Some(event) = self.dispatch(b, cx) {
                        return Err(event);
                    }
                    continue;
                }
                Ok(None) => {
                    // Every box completed by earlier bytes is dispatched: the
                    // latest read's descriptors belong to a box still to come.
                    r.fd_bucket.extend(r.unattributed_fds.drain(..));
                }
                Err(e) => return Err(Event::Close(CloseReason::Protocol(e))),
            }
            if self.outbound.held_bytes > self.held_limit() {
                return Err(Event::Close(CloseReason::Backlog));
            }
            let r = &mut self.inbound;
            let chunk = r.chunk as usize;
            if r.buf.capacity() - r.buf.len() < chunk / 16 {
                r.buf.reserve(chunk);
            }
            let spare = r.buf.capacity() - r.buf.len();
            let Some(io) = self.io.as_mut() else { return Ok(progress) };
            match io.poll_read_buf(cx, &mut r.buf, &mut r.read_fds) {
                Poll::Pending => return Ok(progress),
                Poll::Ready(Ok(0)) => {
                    return match r.codec.decode_eof(&mut r.buf) {
                        Err(e) => Err(Event::Close(CloseReason::Protocol(e))),
                        Ok(_) => {
                            tracing::debug!("the peer closed its side");
                            self.life.input_ended();
                            // Nothing more can come: our calls will never be answered.
                            self.shared
                                .refuse_calls(CloseReason::PeerClosed.to_string(), Some(CloseReason::PeerClosed));
                            Ok(true)
                        }
                    };
                }
                Poll::Ready(Ok(n)) => {
                    progress = true;
                    if n == spare && r.chunk < READ_CHUNK {
                        // More was waiting: read in bigger pieces from now on.
                        r.chunk *= 2;
                    }
                    r.unattributed_fds.append(&mut r.read_fds);
                    if r.fd_bucket.len() + r.unattributed_fds.len() > MAX_WAITING_FDS {
                        return Err(Event::Close(CloseReason::Io(format!(
                            "the peer sent more than {MAX_WAITING_FDS} file descriptors no box claimed"
                        ))));
                    }
                    if !r.first_byte_seen {
                        r.first_byte_seen = true;
                        if r.buf[0] != 0 {
                            self.not_amp();
                        }
                    }
                }
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Err(Event::Close(CloseReason::Io(e.to_string()))),
            }
        }
    }

    /// Answers held while an upgrade answer is awaited may grow this big.
    fn held_limit(&self) -> usize {
        (16 * self.shared.config.write_batch_bytes).max(self.shared.config.limits.max_box_bytes.min(64 << 20))
    }

    /// The first byte is not NUL: this is no AMP peer (Evennia's check).
    /// With a configured reply, it is sent and the connection closed;
    /// without, the framing check fails on the byte.
    fn not_amp(&mut self) {
        let Some(reply) = self.shared.config.non_amp_reply.clone() else { return };
        let first = &self.inbound.buf[..self.inbound.buf.len().min(32)];
        tracing::info!(first_bytes = %Lossy(first.to_vec()),
            "non-AMP data on the connection: sending the configured reply and closing");
        self.outbound.discard();
        self.append(Outgoing::new(Frame::Raw(reply), After::Close(CloseReason::NotAmp)));
    }
}
