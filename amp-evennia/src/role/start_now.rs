//! Starting a call at once, to fix the order boxes reach the wire.
//!
//! A runtime call (`Peer::call`) queues its box during its first poll, then
//! waits for the answer. To send several calls in order without waiting for
//! each answer, each call is polled once right away (outside tokio's
//! cooperative budget, which could otherwise make that first poll return
//! early), and only then is the next one made. The connections of this
//! crate keep their send queue deeper than the calls and answers they can
//! have pending, so that first poll never waits for room.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future polled once: already finished, or running.
pub enum Started<F: Future> {
    Done(F::Output),
    Running(Pin<Box<tokio::task::Unconstrained<F>>>),
}

/// Polls `fut` once now.
pub fn start_now<F: Future>(fut: F) -> Started<F> {
    let mut fut = Box::pin(tokio::task::unconstrained(fut));
    // A no-op waker is enough: whoever finishes the future polls it again
    // with a real waker, which every future must then use.
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(out) => Started::Done(out),
        Poll::Pending => Started::Running(fut),
    }
}

impl<F: Future> Started<F> {
    /// Waits for the result.
    pub async fn finish(self) -> F::Output {
        match self {
            Started::Done(out) => out,
            Started::Running(fut) => fut.await,
        }
    }
}
