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
//!
//! The files, by concern:
//!
//! - `mod.rs`: the task's state and its loop ([`Driver::run`], [`Driver::poll_io`]);
//! - [`lifecycle`]: the stage the connection is in, and every change of it;
//! - [`control`]: close, abort and drain requests, the end of the connection;
//! - [`write`]: the outbound side: send queue, write buffer, actions due once written;
//! - [`read`]: the inbound side: read buffer, decoding, received descriptors;
//! - [`dispatch`]: a received box: an answer to this side's call, or a call to run;
//! - [`upgrade`]: StartTLS from the peer, the TLS handshake, handing over a switched stream.

mod control;
mod dispatch;
mod lifecycle;
mod read;
mod upgrade;
mod write;

use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use tokio::sync::{mpsc, oneshot};

use self::lifecycle::Lifecycle;
use self::read::Inbound;
use self::write::Outbound;
use super::calls::{Delivery, Received};
use super::close::CloseReason;
use super::context::Context;
use super::outgoing::Outgoing;
use super::responder::Responder;
use super::shared::Shared;
use super::switch::SwitchedStream;
use super::tls::TlsRole;
use super::transport::Transport;

/// Rounds of read/write work per poll before yielding to other tasks.
const ROUNDS_PER_POLL: usize = 32;

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
    inbound: Inbound,
    outbound: Outbound,
    life: Lifecycle,
}

impl Driver {
    pub(crate) fn new(
        shared: Arc<Shared>,
        rx: mpsc::Receiver<Outgoing>,
        io: Transport,
        responder: Arc<dyn Responder>,
        base_cx: Context,
    ) -> Self {
        let inbound = Inbound::new(shared.config.limits);
        Driver {
            shared,
            responder,
            base_cx,
            io: Some(io),
            inbound,
            outbound: Outbound::new(rx),
            life: Lifecycle::new(),
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
}
