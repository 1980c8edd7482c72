//! The task that runs one connection.
//!
//! One task owns the stream and does both directions, so StartTLS, protocol
//! switches and descriptor passing can act at exact box boundaries: it
//! writes queued boxes (joined into few writes), reads and decodes boxes,
//! completes this side's calls, and starts handlers for the peer's calls.
//!
//! Handlers start in the order their calls arrive, like Twisted calling
//! responders in turn: each handler is first polled inside this task; one
//! that finishes without waiting is answered at once, one that waits moves
//! to a task of its own so slow handlers never hold up the others.

use std::any::Any;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::io::{self, IoSlice};
use std::os::fd::OwnedFd;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::FutureExt;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Sleep;
use tokio_util::codec::Decoder;
use tracing::Instrument;

use super::close::CloseReason;
use super::context::Context;
use super::reply::{self, ReplyPlan};
use super::shared::{lock, After, CallKind, Delivery, Frame, Outgoing, PendingCall, Received, Shared};
use super::switch::SwitchedStream;
use super::tags::parse_tag;
use super::tls::{self, TlsRole, START_TLS_COMMAND};
use super::transport::Transport;
use super::unix_fd::MAX_FDS_PER_MESSAGE;
use super::{BoxFuture, Reply, Responder};
use crate::command::RemoteError;
use crate::wire::{
    AmpBox, AmpCodec, Lossy, OutBuf, ProtocolError, ANSWER, ASK, COMMAND, ERROR, ERROR_CODE, ERROR_DESCRIPTION,
};

/// Rounds of read/write work per poll before yielding to other tasks.
const ROUNDS_PER_POLL: usize = 32;
/// Free space kept in the read buffer before each read, at first: an idle
/// connection holds no more than this.
const FIRST_READ_CHUNK: usize = 1024;
/// The most free space kept before a read, once reads keep filling it.
const READ_CHUNK: usize = 64 * 1024;
/// Received descriptors allowed to wait for the box that claims them.
const MAX_WAITING_FDS: usize = 1024;
/// Most slices handed to one vectored write.
const MAX_IO_SLICES: usize = 64;
/// Longest wait for the last writes and the shutdown when closing.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadState {
    Open,
    /// Paused at a box boundary: the rest of the stream is TLS or another protocol.
    Stopped,
    /// The peer closed its side.
    Eof,
}

/// Something the poll loop hands to the async part of the task.
enum Event {
    Close(CloseReason),
    /// Run the TLS handshake; `deliver` is the caller-side StartTLS answer,
    /// given to the caller once TLS is up.
    StartTls {
        role: TlsRole,
        deliver: Option<(oneshot::Sender<Delivery>, Box<Received>)>,
    },
    Switch(SwitchTo),
}

enum SwitchTo {
    /// This side asked: the caller gets the answer and the stream.
    Caller(oneshot::Sender<Delivery>, Box<Received>),
    /// The peer asked and was answered: the handler gets the stream.
    Responder(oneshot::Sender<SwitchedStream>),
}

pub(crate) struct Driver {
    shared: Arc<Shared>,
    responder: Arc<dyn Responder>,
    /// The connection's context; each call gets a copy with its own slot.
    base_cx: Context,
    io: Option<Transport>,
    rx: mpsc::Receiver<Outgoing>,

    rbuf: BytesMut,
    /// Free space to have before a read; doubles (up to [`READ_CHUNK`])
    /// whenever a read fills all there was.
    read_chunk: usize,
    codec: AmpCodec,
    reading: ReadState,
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

    wbuf: OutBuf,
    /// Bytes written so far: the stream offset of `wbuf[0]`.
    written: u64,
    /// Descriptors to send with the byte at a stream offset.
    fd_marks: VecDeque<(u64, Vec<OwnedFd>)>,
    /// Actions due once the stream is written (and flushed) up to an offset.
    actions: VecDeque<(u64, After)>,
    needs_flush: bool,
    /// Bytes written and flushed so far.
    flushed: u64,
    /// No new boxes are taken from the queue: a StartTLS or switch call
    /// awaits its answer, or a StartTLS answer awaits its handshake.
    paused: bool,
    /// Answers made inside this task while writes were paused.
    held: VecDeque<Outgoing>,
    held_bytes: usize,

    /// Commands are no longer run; close once handlers are done.
    draining: bool,
    drain_timer: Option<Pin<Box<Sleep>>>,
    /// Started at the peer's end of input: handlers still running have
    /// until then ([`ConnectionConfig::eof_grace`](super::ConnectionConfig::eof_grace)).
    eof_timer: Option<Pin<Box<Sleep>>>,
    /// Writing what is queued, then closing.
    closing: bool,
}

impl Driver {
    pub(crate) fn new(
        shared: Arc<Shared>,
        rx: mpsc::Receiver<Outgoing>,
        io: Transport,
        responder: Arc<dyn Responder>,
        base_cx: Context,
    ) -> Self {
        let codec = AmpCodec::with_limits(shared.config.limits);
        Driver {
            shared,
            responder,
            base_cx,
            io: Some(io),
            rx,
            rbuf: BytesMut::new(),
            read_chunk: FIRST_READ_CHUNK,
            codec,
            reading: ReadState::Open,
            first_byte_seen: false,
            read_fds: Vec::new(),
            unattributed_fds: Vec::new(),
            fd_bucket: VecDeque::new(),
            next_fd_in: 0,
            wbuf: OutBuf::default(),
            written: 0,
            fd_marks: VecDeque::new(),
            actions: VecDeque::new(),
            needs_flush: false,
            flushed: 0,
            paused: false,
            held: VecDeque::new(),
            held_bytes: 0,
            draining: false,
            drain_timer: None,
            eof_timer: None,
            closing: false,
        }
    }

    /// Runs the connection to its end.
    pub(crate) async fn run(mut self) {
        tracing::info!("connection open");
        let reason = loop {
            match poll_fn(|cx| self.poll_io(cx)).await {
                Event::Close(reason) => {
                    if !matches!(reason, CloseReason::Io(_)) {
                        // Boxed, like the handshake: rare steps whose state
                        // would otherwise be part of every connection's task.
                        Box::pin(self.close_stream()).await;
                    }
                    break reason;
                }
                Event::StartTls { role, deliver } => match Box::pin(self.upgrade(&role)).await {
                    Ok(()) => {
                        if let Some((tx, received)) = deliver {
                            let _ = tx.send(Ok(*received));
                        }
                    }
                    Err(why) => {
                        let reason = CloseReason::Tls(why);
                        if let Some((tx, _)) = deliver {
                            let _ = tx.send(Err(reason.clone()));
                        }
                        break reason;
                    }
                },
                Event::Switch(to) => {
                    self.hand_over(to);
                    break CloseReason::Switched;
                }
            }
        };
        self.finish(reason);
    }

    fn finish(mut self, reason: CloseReason) {
        match &reason {
            CloseReason::Local | CloseReason::PeerClosed | CloseReason::Switched => {
                tracing::info!(reason = %reason, "connection closed")
            }
            _ => tracing::warn!(reason = %reason, "connection closed"),
        }
        // Record the end first, so calls racing with it fail with this reason.
        self.shared.finish(reason);
        self.rx.close();
        while self.rx.try_recv().is_ok() {}
        self.held.clear();
        self.actions.clear();
    }

    /// One step of work; `Ready` when the async part must act.
    fn poll_io(&mut self, cx: &mut TaskContext<'_>) -> Poll<Event> {
        self.shared.driver_waker.register(cx.waker());
        for _ in 0..ROUNDS_PER_POLL {
            if let Some(event) = self.check_control(cx) {
                return Poll::Ready(event);
            }
            let mut progress = self.fill_wbuf(cx);
            match self.poll_write(cx) {
                Ok(p) => progress |= p,
                Err(e) => return Poll::Ready(Event::Close(CloseReason::Io(e.to_string()))),
            }
            if let Some(event) = self.run_actions() {
                return Poll::Ready(event);
            }
            match self.poll_read(cx) {
                Ok(p) => progress |= p,
                Err(event) => return Poll::Ready(event),
            }
            if !progress {
                return Poll::Pending;
            }
        }
        // Still busy: let other tasks run, then come back.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Close, drain and end-of-input requests.
    fn check_control(&mut self, cx: &mut TaskContext<'_>) -> Option<Event> {
        let (abort, close, drain) = {
            let mut control = lock(&self.shared.control);
            (control.abort.take(), std::mem::take(&mut control.close), control.drain.take())
        };
        if let Some(reason) = abort {
            return Some(Event::Close(reason));
        }
        if close && !self.closing {
            self.closing = true;
            if self.paused {
                // Mid-upgrade: what is queued cannot be written in the clear.
                return Some(Event::Close(CloseReason::Local));
            }
            // Everything queued before the request goes out, then the end.
            self.rx.close();
            self.reading = ReadState::Stopped;
            self.flush_held();
            while let Ok(out) = self.rx.try_recv() {
                self.append(out);
            }
            let end = self.end_offset();
            self.actions.push_back((end, After::Close(CloseReason::Local)));
        }
        if let Some(deadline) = drain {
            self.draining = true;
            let deadline = tokio::time::Instant::from_std(deadline);
            match &mut self.drain_timer {
                Some(timer) if timer.deadline() <= deadline => {}
                timer => *timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
        if let Some(timer) = &mut self.drain_timer {
            if timer.as_mut().poll(cx).is_ready() {
                tracing::info!("shutdown deadline reached with handlers still running");
                return Some(Event::Close(CloseReason::Local));
            }
        }
        let written = self.shared.running_handlers() == 0 && self.wbuf.is_empty() && !self.needs_flush;
        let idle = written && self.held.is_empty() && !self.paused && self.rx.is_empty();
        if idle && self.draining {
            return Some(Event::Close(CloseReason::Local));
        }
        // After the peer's end of input, boxes held for an upgrade answer
        // can never go out: that answer will not come.
        if self.reading == ReadState::Eof {
            if idle || (written && self.paused) {
                return Some(Event::Close(CloseReason::PeerClosed));
            }
            let grace = self.shared.config.eof_grace;
            let timer = self.eof_timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(grace)));
            if timer.as_mut().poll(cx).is_ready() {
                tracing::info!(running_handlers = self.shared.running_handlers(), grace = ?grace,
                    "the peer ended its input and handlers outlived the grace period: closing");
                return Some(Event::Close(CloseReason::PeerClosed));
            }
        }
        None
    }

    fn end_offset(&self) -> u64 {
        self.written + self.wbuf.len() as u64
    }

    /// Adds a box to the write buffer.
    fn append(&mut self, out: Outgoing) {
        let start = self.end_offset();
        if !out.fds.is_empty() {
            self.fd_marks.push_back((start, out.fds));
        }
        match &out.frame {
            Frame::Empty => {}
            Frame::Raw(bytes) => self.wbuf.put_bytes(bytes),
            Frame::Box(b) => b.write_validated(&mut self.wbuf),
        }
        let end = self.end_offset();
        match out.after {
            After::Nothing => {}
            After::PauseWrites => self.paused = true,
            after @ (After::Close(_) | After::UpgradeTls(_) | After::Switch(_)) => {
                // The last AMP bytes in the clear: nothing more is written or
                // read until the action is done.
                self.paused = true;
                self.reading = ReadState::Stopped;
                self.actions.push_back((end, after));
            }
            after @ After::Flushed(_) => self.actions.push_back((end, after)),
        }
    }

    /// Queues an answer made inside this task.
    fn push_local(&mut self, out: Outgoing) {
        if self.paused || !self.held.is_empty() {
            self.held_bytes += out.len();
            self.held.push_back(out);
        } else {
            self.append(out);
        }
    }

    fn flush_held(&mut self) {
        while let Some(out) = self.held.pop_front() {
            self.held_bytes -= out.len();
            self.append(out);
        }
    }

    /// Moves queued boxes into the write buffer, up to the batch size.
    fn fill_wbuf(&mut self, cx: &mut TaskContext<'_>) -> bool {
        if self.paused || self.closing {
            return false;
        }
        let mut progress = false;
        while let Some(out) = self.held.pop_front() {
            self.held_bytes -= out.len();
            self.append(out);
            progress = true;
            if self.paused {
                return true;
            }
        }
        while self.wbuf.len() < self.shared.config.write_batch_bytes {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(out)) => {
                    self.append(out);
                    progress = true;
                    if self.paused {
                        break;
                    }
                }
                Poll::Ready(None) | Poll::Pending => break,
            }
        }
        progress
    }

    /// Writes the buffer; `Ok(true)` if anything moved.
    fn poll_write(&mut self, cx: &mut TaskContext<'_>) -> io::Result<bool> {
        let Some(io) = self.io.as_mut() else { return Ok(false) };
        let mut progress = false;
        while !self.wbuf.is_empty() {
            let result = match self.fd_marks.front_mut() {
                Some((at, fds)) if *at == self.written => {
                    let n = fds.len().min(MAX_FDS_PER_MESSAGE);
                    // Descriptors ride on one byte, so the reader knows
                    // which box they came with.
                    match io.poll_write_fds(cx, &self.wbuf.front()[..1], &fds[..n]) {
                        Poll::Ready(Ok(k)) => {
                            fds.drain(..n);
                            if fds.is_empty() {
                                self.fd_marks.pop_front();
                            } else {
                                *at += 1;
                            }
                            Poll::Ready(Ok(k))
                        }
                        other => other,
                    }
                }
                mark => {
                    let limit = mark.map_or(self.wbuf.len(), |(at, _)| (*at - self.written) as usize);
                    let mut slices = [IoSlice::new(&[]); MAX_IO_SLICES];
                    let n = self.wbuf.io_slices(&mut slices, limit);
                    io.poll_write_vectored(cx, &slices[..n])
                }
            };
            match result {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => {
                    self.wbuf.advance(n);
                    self.written += n as u64;
                    self.needs_flush = true;
                    progress = true;
                }
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(progress),
            }
        }
        if self.wbuf.is_empty() {
            // A burst of small boxes passed through: give the memory back.
            self.wbuf.release_above(4 * self.shared.config.write_batch_bytes.max(READ_CHUNK));
        }
        if self.needs_flush {
            match io.poll_flush(cx) {
                Poll::Ready(Ok(())) => {
                    self.needs_flush = false;
                    self.flushed = self.written;
                    progress = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        Ok(progress)
    }

    /// Actions whose bytes are all written and flushed.
    fn run_actions(&mut self) -> Option<Event> {
        while let Some((at, _)) = self.actions.front() {
            if *at > self.flushed {
                return None;
            }
            let (_, after) = self.actions.pop_front()?;
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

    fn read_paused(&self) -> bool {
        if self.reading != ReadState::Open {
            return true;
        }
        if self.shared.running_handlers() >= self.shared.config.max_concurrent_handlers {
            return true;
        }
        // While paused for an upgrade answer, reading must go on (the answer
        // is on its way); `held` is bounded separately.
        !self.paused && self.wbuf.len() + self.held_bytes >= 4 * self.shared.config.write_batch_bytes
    }

    /// Decodes buffered boxes and reads more; `Err` carries an event.
    fn poll_read(&mut self, cx: &mut TaskContext<'_>) -> Result<bool, Event> {
        let mut progress = false;
        loop {
            if self.read_paused() {
                return Ok(progress);
            }
            match self.codec.decode(&mut self.rbuf) {
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
                    self.fd_bucket.extend(self.unattributed_fds.drain(..));
                }
                Err(e) => return Err(Event::Close(CloseReason::Protocol(e))),
            }
            if self.held_bytes > self.held_limit() {
                return Err(Event::Close(CloseReason::Backlog));
            }
            if self.rbuf.capacity() - self.rbuf.len() < self.read_chunk / 16 {
                self.rbuf.reserve(self.read_chunk);
            }
            let spare = self.rbuf.capacity() - self.rbuf.len();
            let Some(io) = self.io.as_mut() else { return Ok(progress) };
            match io.poll_read_buf(cx, &mut self.rbuf, &mut self.read_fds) {
                Poll::Pending => return Ok(progress),
                Poll::Ready(Ok(0)) => {
                    return match self.codec.decode_eof(&mut self.rbuf) {
                        Err(e) => Err(Event::Close(CloseReason::Protocol(e))),
                        Ok(_) => {
                            tracing::debug!("the peer closed its side");
                            self.reading = ReadState::Eof;
                            // Nothing more can come: our calls will never be answered.
                            self.shared
                                .refuse_calls(CloseReason::PeerClosed.to_string(), Some(CloseReason::PeerClosed));
                            Ok(true)
                        }
                    };
                }
                Poll::Ready(Ok(n)) => {
                    progress = true;
                    if n == spare && self.read_chunk < READ_CHUNK {
                        // More was waiting: read in bigger pieces from now on.
                        self.read_chunk *= 2;
                    }
                    self.unattributed_fds.append(&mut self.read_fds);
                    if self.fd_bucket.len() + self.unattributed_fds.len() > MAX_WAITING_FDS {
                        return Err(Event::Close(CloseReason::Io(format!(
                            "the peer sent more than {MAX_WAITING_FDS} file descriptors no box claimed"
                        ))));
                    }
                    if !self.first_byte_seen {
                        self.first_byte_seen = true;
                        if self.rbuf[0] != 0 {
                            if let Some(event) = self.not_amp() {
                                return Err(event);
                            }
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
    fn not_amp(&mut self) -> Option<Event> {
        let reply = self.shared.config.non_amp_reply.clone()?;
        tracing::info!(first_bytes = %Lossy(self.rbuf[..self.rbuf.len().min(32)].to_vec()),
            "non-AMP data on the connection: sending the configured reply and closing");
        self.reading = ReadState::Stopped;
        self.paused = true;
        self.held.clear();
        self.held_bytes = 0;
        // Nothing of AMP goes to a peer that does not speak it.
        self.wbuf.clear();
        self.fd_marks.clear();
        self.actions.clear();
        self.written = 0;
        self.flushed = 0;
        self.needs_flush = false;
        self.append(Outgoing { frame: Frame::Raw(reply), fds: Vec::new(), after: After::Close(CloseReason::NotAmp) });
        None
    }

    /// Handles one received box.
    fn dispatch(&mut self, b: AmpBox, cx: &mut TaskContext<'_>) -> Option<Event> {
        let fds = std::mem::take(&mut self.fd_bucket);
        let fd_base = self.next_fd_in;
        self.next_fd_in += fds.len() as u64;
        if let Some(tag) = b.get(ANSWER).cloned() {
            return self.on_answer(&tag, Ok(b), fds, fd_base);
        }
        if let Some(tag) = b.get(ERROR).cloned() {
            let remote = RemoteError {
                code: Lossy(b.get(ERROR_CODE).map(|c| c.to_vec()).unwrap_or_default()),
                description: b
                    .get(ERROR_DESCRIPTION)
                    .map(|d| String::from_utf8_lossy(d).into_owned())
                    .unwrap_or_default(),
            };
            return self.on_answer(&tag, Err(remote), fds, fd_base);
        }
        if let Some(command) = b.get(COMMAND).cloned() {
            self.on_command(command, b, fds, fd_base, cx);
            return None;
        }
        Some(Event::Close(CloseReason::Protocol(ProtocolError::NoEmptyBoxes)))
    }

    fn on_answer(
        &mut self,
        tag: &Bytes,
        outcome: Result<AmpBox, RemoteError>,
        fds: VecDeque<OwnedFd>,
        fd_base: u64,
    ) -> Option<Event> {
        let number = parse_tag(tag);
        let Some(PendingCall { tx, kind }) = number.and_then(|n| self.shared.take_pending(n)) else {
            let kind = if outcome.is_ok() { ANSWER } else { ERROR };
            match number {
                Some(n) if n <= self.shared.last_tag() => tracing::debug!(
                    tag = %Lossy(tag.to_vec()), kind, "answer to a call that stopped waiting (cancelled or timed out): dropped"
                ),
                _ => tracing::warn!(
                    tag = %Lossy(tag.to_vec()), kind,
                    "received an answer with an unknown tag: dropped, connection kept (see evennia issue 2053)"
                ),
            }
            return None;
        };
        let received = Received { outcome, fds, fd_base, switched: None };
        match kind {
            CallKind::StartTls(role) if received.outcome.is_ok() => {
                // The rest of the stream is the TLS handshake.
                self.reading = ReadState::Stopped;
                return Some(Event::StartTls { role, deliver: Some((tx, Box::new(received))) });
            }
            CallKind::Switch if received.outcome.is_ok() => {
                self.reading = ReadState::Stopped;
                return Some(Event::Switch(SwitchTo::Caller(tx, Box::new(received))));
            }
            CallKind::StartTls(_) | CallKind::Switch => {
                // Refused: the connection goes on as before.
                self.paused = false;
            }
            CallKind::Plain => {}
        }
        let _ = tx.send(Ok(received));
        None
    }

    fn on_command(
        &mut self,
        command: Bytes,
        b: AmpBox,
        fds: VecDeque<OwnedFd>,
        fd_base: u64,
        cx: &mut TaskContext<'_>,
    ) {
        let ask = b.get(ASK).cloned();
        if self.draining {
            tracing::debug!(command = %Lossy(command.to_vec()), "shutting down: call not run");
            return;
        }
        if command.as_ref() == START_TLS_COMMAND.as_bytes() {
            self.on_start_tls(ask);
            return;
        }
        tracing::trace!(command = %Lossy(command.to_vec()), ask = ?ask.as_ref().map(|a| Lossy(a.to_vec())), "call received");
        let call_cx = self.base_cx.for_call(fds, fd_base);
        let responder = self.responder.clone();
        let (handler_cx, handler_command) = (call_cx.clone(), command.clone());
        let mut handler: BoxFuture<'static, Reply> =
            Box::pin(async move { responder.respond(&handler_cx, &handler_command, b).await });
        match catch_unwind(AssertUnwindSafe(|| handler.as_mut().poll(cx))) {
            Ok(Poll::Ready(reply)) => self.answer_here(&call_cx, &command, ask.as_ref(), reply),
            Ok(Poll::Pending) => self.spawn_handler(handler, call_cx, command, ask),
            Err(panic) => {
                let reply = Reply::Failed(panic_message(panic.as_ref()));
                self.answer_here(&call_cx, &command, ask.as_ref(), reply)
            }
        }
    }

    /// Answers a handler that finished inside this task.
    fn answer_here(&mut self, cx: &Context, command: &[u8], ask: Option<&Bytes>, reply: Reply) {
        match reply::plan(&self.shared, cx, command, ask, reply) {
            ReplyPlan::Nothing => {}
            ReplyPlan::Send(out) => self.push_local(out),
            plan @ ReplyPlan::WithFds { .. } => {
                // Needs the descriptor lock and room in the queue: not here.
                let (shared, cx, command) = (self.shared.clone(), cx.clone(), command.to_vec());
                shared.handler_started();
                tokio::spawn(
                    async move {
                        reply::send(&shared, &cx, &command, plan).await;
                        shared.handler_done();
                    }
                    .in_current_span(),
                );
            }
        }
    }

    fn spawn_handler(&mut self, handler: BoxFuture<'static, Reply>, cx: Context, command: Bytes, ask: Option<Bytes>) {
        let shared = self.shared.clone();
        shared.handler_started();
        tokio::spawn(
            async move {
                let reply = AssertUnwindSafe(handler)
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|panic| Reply::Failed(panic_message(panic.as_ref())));
                let plan = reply::plan(&shared, &cx, &command, ask.as_ref(), reply);
                reply::send(&shared, &cx, &command, plan).await;
                shared.handler_done();
            }
            .in_current_span(),
        );
    }

    /// The peer sent StartTLS: answer, then run the handshake; nothing may
    /// be read or written in the clear in between.
    fn on_start_tls(&mut self, ask: Option<Bytes>) {
        let Some(tag) = ask else {
            tracing::warn!("StartTLS without _ask: ignored");
            return;
        };
        let refusal = {
            let mut tls = lock(&self.shared.tls);
            if tls.active || tls.pending || self.paused {
                Some("OnlyOneTLS: TLS is already started on this connection")
            } else if self.shared.config.start_tls.is_none() {
                Some("TLS not available")
            } else {
                tls.pending = true;
                None
            }
        };
        if let Some(description) = refusal {
            tracing::info!(description, "refusing the peer's StartTLS");
            self.push_local(Outgoing::boxed(reply::error_box(&tag, b"TLS_ERROR", description.as_bytes())));
            return;
        }
        let Some(role) = self.shared.config.start_tls.clone() else { return };
        tracing::debug!("answering StartTLS, then starting TLS");
        let mut answer = AmpBox::with_capacity(1);
        answer.insert(ANSWER, tag);
        self.flush_held();
        // A received tag is a valid value: the box needs no check.
        self.append(Outgoing { frame: Frame::Box(answer), fds: Vec::new(), after: After::UpgradeTls(role) });
        self.paused = true;
        self.reading = ReadState::Stopped;
    }

    /// Runs the TLS handshake on the stream, bytes already read first.
    async fn upgrade(&mut self, role: &TlsRole) -> Result<(), String> {
        let Some(io) = self.io.take() else { return Err("the stream is gone".to_owned()) };
        let prefix = self.rbuf.split().freeze();
        let timeout = self.shared.config.tls_handshake_timeout;
        let outcome = tokio::time::timeout(timeout, tls::handshake(role, io.into_boxed(), prefix)).await;
        let mut state = lock(&self.shared.tls);
        state.pending = false;
        match outcome {
            Ok(Ok((stream, certificates))) => {
                tracing::info!(role = ?role, "TLS started");
                state.active = true;
                state.peer_certificates = certificates;
                drop(state);
                self.io = Some(Transport::Stream(stream));
                // Descriptors cannot cross TLS.
                self.shared.fds_supported.store(false, Ordering::Release);
                self.paused = false;
                self.reading = ReadState::Open;
                Ok(())
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("the handshake took longer than {timeout:?}")),
        }
    }

    /// Gives the stream away after a switch.
    fn hand_over(&mut self, to: SwitchTo) {
        let Some(io) = self.io.take() else { return };
        let stream = SwitchedStream::new(io.into_boxed(), self.rbuf.split().freeze());
        tracing::info!(unread = stream.unread().len(), "switched to another protocol");
        match to {
            SwitchTo::Caller(tx, mut received) => {
                received.switched = Some(stream);
                let _ = tx.send(Ok(*received));
            }
            SwitchTo::Responder(tx) => {
                let _ = tx.send(stream);
            }
        }
    }

    /// Writes what is left in the buffer and shuts the stream down, within
    /// a short grace period.
    async fn close_stream(&mut self) {
        if self.io.is_none() {
            return;
        }
        let finish = poll_fn(|cx| {
            while !self.wbuf.is_empty() || self.needs_flush {
                match self.poll_write(cx) {
                    Err(_) => return Poll::Ready(()),
                    Ok(true) => {}
                    Ok(false) => return Poll::Pending,
                }
            }
            match self.io.as_mut() {
                Some(io) => io.poll_shutdown(cx).map(|_| ()),
                None => Poll::Ready(()),
            }
        });
        let _ = tokio::time::timeout(CLOSE_GRACE, finish).await;
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    format!("the handler panicked: {text}")
}
