//! The outbound side: boxes taken from the send queue into the write
//! buffer (joined into few writes, large values by reference), descriptors
//! sent on the first byte of their box, and actions due once the stream is
//! written up to a point.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::os::fd::OwnedFd;
use std::task::{Context as TaskContext, Poll};

use tokio::sync::mpsc;

use super::read::READ_CHUNK;
use super::{Driver, Event, SwitchTo};
use crate::connection::outgoing::{After, Frame, Outgoing};
use crate::connection::unix_fd::MAX_FDS_PER_MESSAGE;
use crate::wire::OutBuf;

/// Most slices handed to one vectored write.
const MAX_IO_SLICES: usize = 64;

/// The write side of a connection's state.
pub(super) struct Outbound {
    /// The send queue, filled by handles and handler tasks.
    pub(super) rx: mpsc::Receiver<Outgoing>,
    pub(super) buf: OutBuf,
    /// Bytes written so far: the stream offset of `buf[0]`.
    written: u64,
    /// Descriptors to send with the byte at a stream offset.
    fd_marks: VecDeque<(u64, Vec<OwnedFd>)>,
    /// Actions due once the stream is written (and flushed) up to an offset.
    actions: VecDeque<(u64, After)>,
    /// Bytes written and flushed so far: a flush is due while it is behind
    /// `written`.
    flushed: u64,
    /// Answers made inside the task while writes were paused.
    held: VecDeque<Outgoing>,
    pub(super) held_bytes: usize,
}

impl Outbound {
    pub(super) fn new(rx: mpsc::Receiver<Outgoing>) -> Self {
        Outbound {
            rx,
            buf: OutBuf::default(),
            written: 0,
            fd_marks: VecDeque::new(),
            actions: VecDeque::new(),
            flushed: 0,
            held: VecDeque::new(),
            held_bytes: 0,
        }
    }

    /// The stream offset just past what is buffered.
    #[inline]
    fn end_offset(&self) -> u64 {
        self.written + self.buf.len() as u64
    }

    /// Everything buffered is written and flushed.
    #[inline]
    pub(super) fn is_written(&self) -> bool {
        self.buf.is_empty() && self.flushed == self.written
    }

    /// Nothing held back and nothing waiting in the send queue.
    #[inline]
    pub(super) fn queue_is_empty(&self) -> bool {
        self.held.is_empty() && self.rx.is_empty()
    }

    /// Queues `after` once everything buffered so far is written.
    pub(super) fn after_buffered(&mut self, after: After) {
        let end = self.end_offset();
        self.actions.push_back((end, after));
    }

    /// Drops everything not yet written: nothing of AMP goes to a peer that
    /// does not speak it.
    pub(super) fn discard(&mut self) {
        self.held.clear();
        self.held_bytes = 0;
        self.buf.clear();
        self.fd_marks.clear();
        self.actions.clear();
        self.written = 0;
        self.flushed = 0;
    }

    /// At the end: nothing more is queued, nothing queued will be written.
    pub(super) fn close(&mut self) {
        self.rx.close();
        while self.rx.try_recv().is_ok() {}
        self.held.clear();
        self.actions.clear();
    }
}

impl Driver {
    /// Adds a box to the write buffer.
    pub(super) fn append(&mut self, out: Outgoing) {
        let w = &mut self.outbound;
        let start = w.end_offset();
        if !out.fds.is_empty() {
            w.fd_marks.push_back((start, out.fds));
        }
        match &out.frame {
            Frame::Empty => {}
            Frame::Raw(bytes) => w.buf.put_bytes(bytes),
            Frame::Box(b) => b.write_validated(&mut w.buf),
        }
        let end = w.end_offset();
        match out.after {
            After::Nothing => {}
            After::PauseWrites => self.life.upgrade_call_written(),
            after @ (After::Close(_) | After::UpgradeTls(_) | After::Switch(_)) => {
                // The last AMP bytes in the clear: nothing more is written or
                // read until the action is done.
                self.life.last_bytes();
                w.actions.push_back((end, after));
            }
            after @ After::Flushed(_) => w.actions.push_back((end, after)),
        }
    }

    /// Queues an answer made inside this task.
    pub(super) fn push_local(&mut self, out: Outgoing) {
        if self.life.writes_paused() || !self.outbound.held.is_empty() {
            self.outbound.held_bytes += out.len();
            self.outbound.held.push_back(out);
        } else {
            self.append(out);
        }
    }

    /// Moves every held answer into the write buffer.
    pub(super) fn flush_held(&mut self) {
        while let Some(out) = self.outbound.held.pop_front() {
            self.outbound.held_bytes -= out.len();
            self.append(out);
        }
    }

    /// Moves queued boxes into the write buffer, up to the batch size.
    pub(super) fn fill_wbuf(&mut self, cx: &mut TaskContext<'_>) -> bool {
        if !self.life.takes_queued() {
            return false;
        }
        let mut progress = false;
        while let Some(out) = self.outbound.held.pop_front() {
            self.outbound.held_bytes -= out.len();
            self.append(out);
            progress = true;
            if !self.life.takes_queued() {
                return true;
            }
        }
        while self.outbound.buf.len() < self.shared.config.write_batch_bytes {
            match self.outbound.rx.poll_recv(cx) {
                Poll::Ready(Some(out)) => {
                    self.append(out);
                    progress = true;
                    if !self.life.takes_queued() {
                        break;
                    }
                }
                Poll::Ready(None) | Poll::Pending => break,
            }
        }
        progress
    }

    /// Writes the buffer; `Ok(true)` if anything moved.
    pub(super) fn poll_write(&mut self, cx: &mut TaskContext<'_>) -> io::Result<bool> {
        let Some(io) = self.io.as_mut() else { return Ok(false) };
        let w = &mut self.outbound;
        let mut progress = false;
        while !w.buf.is_empty() {
            let result = match w.fd_marks.front_mut() {
                Some((at, fds)) if *at == w.written => {
                    let n = fds.len().min(MAX_FDS_PER_MESSAGE);
                    // Descriptors ride on one byte, so the reader knows
                    // which box they came with.
                    match io.poll_write_fds(cx, &w.buf.front()[..1], &fds[..n]) {
                        Poll::Ready(Ok(k)) => {
                            fds.drain(..n);
                            if fds.is_empty() {
                                w.fd_marks.pop_front();
                            } else {
                                *at += 1;
                            }
                            Poll::Ready(Ok(k))
                        }
                        other => other,
                    }
                }
                mark => {
                    let limit = mark.map_or(w.buf.len(), |(at, _)| (*at - w.written) as usize);
                    let mut slices = [IoSlice::new(&[]); MAX_IO_SLICES];
                    let n = w.buf.io_slices(&mut slices, limit);
                    io.poll_write_vectored(cx, &slices[..n])
                }
            };
            match result {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => {
                    w.buf.advance(n);
                    w.written += n as u64;
                    progress = true;
                }
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(progress),
            }
        }
        if w.buf.is_empty() {
            // A burst of small boxes passed through: give the memory back.
            w.buf.release_above(4 * self.shared.config.write_batch_bytes.max(READ_CHUNK as usize));
        }
        if w.flushed != w.written {
            match io.poll_flush(cx) {
                Poll::Ready(Ok(())) => {
                    w.flushed = w.written;
                    progress = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        Ok(progress)
    }

    /// Actions whose bytes are all written and flushed.
    pub(super) fn run_actions(&mut self) -> Option<Event> {
        let w = &mut self.outbound;
        while let Some((at, _)) = w.actions.front() {
            if *at > w.flushed {
                return None;
            }
            let (_, after) = w.actions.pop_front()?;
            match after {
                After::Flushed(tx) => {
                    let _ = tx.send(());
                }
                After::Close(reason) => return Some(Event::Close(reason)),
                After::UpgradeTls(role) => return Some(Event::StartTls { role, deliver: None }),
                After::Switch(tx) => return Some(Event::Switch(SwitchTo::Responder(tx))),
                After::Nothing | After::PauseWrites => {}
            }
        }
        None
    }
}
