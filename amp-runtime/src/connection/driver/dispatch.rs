//! A received box: an answer to one of this side's calls (handed to the
//! caller), or a call of the peer's (its handler started, answered at once
//! when it finishes without waiting).

use std::any::Any;
use std::collections::VecDeque;
use std::os::fd::OwnedFd;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use futures::FutureExt;
use tracing::Instrument;

use super::{Driver, Event, SwitchTo};
use crate::command::RemoteError;
use crate::connection::calls::{CallKind, PendingCall, Received};
use crate::connection::close::CloseReason;
use crate::connection::context::Context;
use crate::connection::reply::{self, ReplyPlan};
use crate::connection::responder::{BoxFuture, Reply};
use crate::connection::tags::parse_tag;
use crate::connection::tls::START_TLS_COMMAND;
use crate::wire::{AmpBox, Lossy, ProtocolError, ANSWER, ASK, COMMAND, ERROR, ERROR_CODE, ERROR_DESCRIPTION};

impl Driver {
    /// Handles one received box.
    pub(super) fn dispatch(&mut self, b: AmpBox, cx: &mut TaskContext<'_>) -> Option<Event> {
        let (fds, fd_base) = self.inbound.take_box_fds();
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
                self.life.last_bytes();
                return Some(Event::StartTls { role, deliver: Some((tx, Box::new(received))) });
            }
            CallKind::Switch if received.outcome.is_ok() => {
                self.life.last_bytes();
                return Some(Event::Switch(SwitchTo::Caller(tx, Box::new(received))));
            }
            CallKind::StartTls(_) | CallKind::Switch => {
                // Refused: the connection goes on as before.
                self.life.upgrade_refused();
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
        if !self.life.runs_calls() {
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
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    format!("the handler panicked: {text}")
}
