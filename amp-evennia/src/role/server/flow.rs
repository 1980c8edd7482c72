//! Flow control between the Portal, the Server and the game.
//!
//! The Server answers each of the Portal's calls once the message is applied
//! to the session table and its event queued for the game; a Portal call
//! left unanswered holds one of the connection's handlers, and at the cap
//! the runtime stops reading the connection. That is the backpressure. But
//! the answers to the Server's own calls (a reply the game sent, PSYNC,
//! FunctionCall) arrive on the same connection, behind the Portal's calls:
//! while the Server is not reading, a game awaiting one of them waits for
//! nothing. So:
//!
//! - Events first go to the game's queue ([`ServerBuilder::event_capacity`](super::ServerBuilder::event_capacity)),
//!   then to a backlog inside the Server of as many again.
//! - With the backlog full, and no call of the Server awaiting its answer,
//!   the Server stops answering, hence reading: the Portal holds the rest
//!   (Evennia's Portal buffers it, and limits each player's command rate).
//! - With the backlog full while a call awaits its answer, the Server goes
//!   on reading so that the answer can arrive, and drops players' input
//!   (logged, and counted by [`ServerHandle::dropped_inputs`](super::ServerHandle::dropped_inputs)),
//!   as Evennia's Portal drops input over its rate limit. Session events
//!   (connections, disconnections, syncs) are never dropped; past twice the
//!   capacity they stop the reading even then.
//!
//! A game that awaits the Portal while it does not take events therefore
//! never waits on its own backlog, and the Server's memory stays bounded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use super::events::ServerEvent;

/// What the processor decides from.
#[derive(Debug, Default, Clone, Copy)]
struct Load {
    /// Events in the backlog (not yet in the game's queue).
    queued: usize,
    /// Calls of the Server awaiting the Portal's answer.
    awaiting: usize,
}

/// The counters shared by the outbox, the handshake, the handle and the
/// processor. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Flow {
    load: Arc<watch::Sender<Load>>,
    dropped: Arc<AtomicU64>,
}

impl Flow {
    /// Counts a call awaiting the Portal's answer until the guard is dropped.
    pub(crate) fn awaiting(&self) -> Awaiting {
        self.load.send_modify(|l| l.awaiting += 1);
        Awaiting(self.clone())
    }

    /// Players' input dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn queued(&self) -> usize {
        self.load.borrow().queued
    }
}

/// A call awaiting the Portal's answer (see [`Flow::awaiting`]).
pub(crate) struct Awaiting(Flow);

impl Drop for Awaiting {
    fn drop(&mut self) {
        self.0.load.send_modify(|l| l.awaiting -= 1);
    }
}

/// The processor's way to the game: the game's queue, and the backlog
/// behind it, served in order by a task.
pub(crate) struct Delivery {
    /// The game's queue, used directly while the backlog is empty.
    game: mpsc::Sender<ServerEvent>,
    backlog: mpsc::UnboundedSender<ServerEvent>,
    flow: Flow,
    load: watch::Receiver<Load>,
    /// The backlog's size past which input may be dropped.
    cap: usize,
}

impl Delivery {
    /// Starts the backlog's task (needs a tokio runtime); the backlog holds
    /// `cap` events (twice that for events never dropped).
    pub(crate) fn spawn(game: mpsc::Sender<ServerEvent>, flow: Flow, cap: usize) -> Delivery {
        let (backlog, rx) = mpsc::unbounded_channel();
        tokio::spawn(deliver(rx, game.clone(), flow.clone()));
        let load = flow.load.subscribe();
        Delivery { game, backlog, flow, load, cap: cap.max(1) }
    }

    /// Waits until another message of the Portal may be taken: the backlog
    /// is below its cap, or a call awaits the Portal's answer and the
    /// backlog is below twice its cap.
    pub(crate) async fn room(&mut self) {
        let cap = self.cap;
        // Err only if every Flow is gone, which the processor's own prevents.
        let _ = self.load.wait_for(|l| l.queued < cap || (l.awaiting > 0 && l.queued < 2 * cap)).await;
    }

    /// Whether the backlog is at its cap: input is dropped rather than queued.
    pub(crate) fn full(&self) -> bool {
        self.flow.queued() >= self.cap
    }

    /// Counts a dropped input.
    pub(crate) fn count_drop(&self) {
        self.flow.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Queues an event for the game, after every event queued before.
    pub(crate) fn push(&self, event: ServerEvent) {
        let event = if self.flow.queued() == 0 {
            // Nothing waits in the backlog (its task decrements only once an
            // event is in the game's queue): the game's queue keeps the order.
            match self.game.try_send(event) {
                Ok(()) => return,
                // A game that dropped its receiver just stops hearing.
                Err(mpsc::error::TrySendError::Closed(_)) => return,
                Err(mpsc::error::TrySendError::Full(event)) => event,
            }
        } else {
            event
        };
        self.flow.load.send_modify(|l| l.queued += 1);
        if self.backlog.send(event).is_err() {
            // The task is gone (the runtime is shutting down): nothing is queued.
            self.flow.load.send_modify(|l| l.queued -= 1);
        }
    }
}

/// Moves the backlog into the game's queue, in order, as room appears.
async fn deliver(mut backlog: mpsc::UnboundedReceiver<ServerEvent>, game: mpsc::Sender<ServerEvent>, flow: Flow) {
    while let Some(event) = backlog.recv().await {
        // Err: the game dropped its receiver; the event is discarded.
        let _ = game.send(event).await;
        flow.load.send_modify(|l| l.queued -= 1);
    }
}
