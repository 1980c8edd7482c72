//! The request pipeline under [`Peer`](super::Peer): a call or a send
//! encoded, checked, tagged and queued; a call's wait for its answer.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc::Permit;
use tokio::sync::oneshot;

use super::calls::{CallKind, Delivery, Received};
use super::fd_order::OrderedFds;
use super::outgoing::{After, Frame, Outgoing};
use super::shared::Shared;
use super::tags::format_tag;
use crate::command::{CallError, NoError};
use crate::types::ArgContext;
use crate::wire::{AmpBox, EncodeError, Lossy, ASK, COMMAND};

/// Sends a box without `_ask`: no answer is awaited. It uses up a tag, as in
/// Twisted. Returns once the box is queued.
pub(super) async fn send<F>(shared: &Shared, command: Bytes, write: F) -> Result<(), CallError<NoError>>
where
    F: Fn(&mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
{
    let first = encode(shared, &command, &write)?;
    let permit = shared.tx.reserve().await.map_err(|_| shared.lost())?;
    let (body, fds) = match first {
        Some(body) => (body, None),
        None => Box::pin(encode_with_fds(shared, &write)).await?,
    };
    let body = with_command(body, command)?;
    let tag = shared.take_send_tag()?;
    // Fields are only evaluated when the event is enabled.
    tracing::trace!(command = %Lossy(command_of(&body)), tag, awaiting = false, "call sent");
    let frame = Frame::of_box(body).map_err(CallError::Encode)?;
    Slot { permit, fds }.fill(frame, After::Nothing);
    Ok(())
}

/// Sends a call tagged with `_ask` and registers it: the returned
/// [`Pending`] waits for its answer. A StartTLS or switch call stops the
/// connection writing anything after it until the answer comes.
pub(super) async fn call<F>(
    shared: &Arc<Shared>,
    command: Bytes,
    write: F,
    kind: CallKind,
) -> Result<Pending, CallError<NoError>>
where
    F: Fn(&mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
{
    let first = encode(shared, &command, &write)?;
    let permit = shared.tx.reserve().await.map_err(|_| shared.lost())?;
    let (body, fds) = match first {
        Some(body) => (body, None),
        None => Box::pin(encode_with_fds(shared, &write)).await?,
    };
    let mut body = with_command(body, command)?;
    let after = match kind {
        CallKind::Plain => After::Nothing,
        CallKind::StartTls(_) | CallKind::Switch => After::PauseWrites,
    };
    let (tag, rx) = shared.register_call(kind)?;
    // The box was checked; a tag is at most 16 bytes, so it stays valid.
    body.insert(ASK, format_tag(tag));
    tracing::trace!(command = %Lossy(command_of(&body)), tag, awaiting = true, "call sent");
    let frame = match Frame::of_box(body) {
        Ok(frame) => frame,
        Err(e) => {
            shared.cancel(tag);
            return Err(CallError::Encode(e));
        }
    };
    Slot { permit, fds }.fill(frame, after);
    Ok(Pending { shared: shared.clone(), tag, rx, done: false })
}

/// Encodes a request's arguments with `write`, if new calls are still
/// accepted. `None`: the box carries descriptors and must be encoded again
/// with [`encode_with_fds`] once its place in the send queue is reserved.
// Always inlined, like the small steps below: the hot path of every call.
#[inline(always)]
fn encode<F>(shared: &Shared, command: &Bytes, write: &F) -> Result<Option<AmpBox>, CallError<NoError>>
where
    F: Fn(&mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
{
    shared.check_open()?;
    let mut acx = ArgContext::new();
    let mut body = AmpBox::new();
    write(&mut body, &mut acx)?;
    if acx.fds_out.is_empty() {
        return Ok(Some(body));
    }
    if !shared.fds_supported.load(Ordering::Acquire) {
        return Err(CallError::Encode(EncodeError::Invalid {
            key: Lossy(command.to_vec()),
            reason: "file descriptors can only be passed over a Unix socket connection (without TLS)".to_owned(),
        }));
    }
    Ok(None)
}

/// Encodes a box that carries descriptors again, with their ordinals in wire
/// order (see [`fd_order`](super::fd_order)). A rare step: boxed by the
/// callers, so that its state is no part of every call's future.
async fn encode_with_fds<F>(shared: &Shared, write: &F) -> Result<(AmpBox, Option<OrderedFds>), CallError<NoError>>
where
    F: Fn(&mut AmpBox, &mut ArgContext) -> Result<(), EncodeError>,
{
    let encode = |acx: &mut ArgContext| {
        let mut body = AmpBox::new();
        write(&mut body, acx).map(|()| body)
    };
    let (body, fds) = shared.fd_ordinals.encode(encode).await?;
    Ok((body, Some(fds)))
}

/// Adds `_command` and checks the box against AMP's limits (an error gives
/// the ordinals of any descriptors back, as they are dropped unqueued).
#[inline(always)]
fn with_command(mut body: AmpBox, command: Bytes) -> Result<AmpBox, CallError<NoError>> {
    body.insert(COMMAND, command);
    body.validate()?;
    Ok(body)
}

/// A request's reserved place in the send queue, with the descriptors of
/// its box.
struct Slot<'a> {
    permit: Permit<'a, Outgoing>,
    fds: Option<OrderedFds>,
}

impl Slot<'_> {
    #[inline(always)]
    fn fill(self, frame: Frame, after: After) {
        match self.fds {
            Some(fds) => fds.queue(self.permit, frame, after),
            None => self.permit.send(Outgoing::new(frame, after)),
        }
    }
}

/// The command of a request box, for logs.
fn command_of(body: &AmpBox) -> Vec<u8> {
    body.get(COMMAND).map_or_else(Vec::new, |c| c.to_vec())
}

/// A call waiting for its answer. Dropped before the answer came, it
/// cancels the call locally: a late answer is dropped.
pub(super) struct Pending {
    shared: Arc<Shared>,
    tag: u64,
    rx: oneshot::Receiver<Delivery>,
    done: bool,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            self.shared.cancel(self.tag);
        }
    }
}

impl Pending {
    /// The answer, within `timeout` if there is one.
    pub(super) async fn wait(mut self, timeout: Option<Duration>) -> Result<Received, CallError<NoError>> {
        let delivery = match timeout {
            Some(limit) => match tokio::time::timeout(limit, &mut self.rx).await {
                Ok(delivery) => delivery,
                Err(_) => {
                    tracing::debug!(tag = self.tag, "call timed out");
                    return Err(CallError::Timeout(limit));
                }
            },
            None => (&mut self.rx).await,
        };
        self.done = true;
        match delivery {
            Ok(Ok(received)) => Ok(received),
            Ok(Err(reason)) => Err(CallError::ConnectionLost(reason.to_string())),
            Err(_) => Err(self.shared.lost()),
        }
    }
}
