//! Outgoing descriptor ordinals in wire order.
//!
//! A `Descriptor` argument is written as an ordinal: the count of
//! descriptors this side sent before it on the connection. The peer matches
//! ordinals to descriptors in the order they arrive, so the ordinals of a
//! box must be fixed in the order boxes reach the wire. A box that carries
//! descriptors is therefore encoded (again: it was first encoded without
//! knowing) while holding the connection's next ordinal, and the ordinal
//! stays locked until the box is in the send queue. Both this side's calls
//! and its answers go through [`FdOrdinals::encode`]; boxes without
//! descriptors never take the lock.

use std::os::fd::OwnedFd;
use std::sync::Arc;

use tokio::sync::mpsc::Permit;
use tokio::sync::OwnedMutexGuard;

use super::outgoing::{After, Frame, Outgoing};
use crate::types::ArgContext;
use crate::wire::AmpBox;

/// The ordinal the next descriptor sent on a connection gets.
#[derive(Default)]
pub(crate) struct FdOrdinals(Arc<tokio::sync::Mutex<u64>>);

/// A box's descriptors, numbered from the connection's next ordinal, which
/// stays locked until they are queued. Dropping this instead gives the
/// ordinals back.
pub(crate) struct OrderedFds {
    next: OwnedMutexGuard<u64>,
    fds: Vec<OwnedFd>,
}

impl FdOrdinals {
    /// Encodes a box with `encode`, its descriptors numbered from the
    /// connection's next ordinal (waiting for boxes encoded before it to be
    /// queued).
    pub(crate) async fn encode<E>(
        &self,
        encode: impl FnOnce(&mut ArgContext) -> Result<AmpBox, E>,
    ) -> Result<(AmpBox, OrderedFds), E> {
        let next = self.0.clone().lock_owned().await;
        let mut acx = ArgContext { next_fd_ordinal: *next, ..ArgContext::default() };
        let body = encode(&mut acx)?;
        Ok((body, OrderedFds { next, fds: acx.fds_out }))
    }
}

impl OrderedFds {
    /// Queues `frame` with the descriptors and uses up their ordinals, in one
    /// step under the lock.
    #[inline]
    pub(crate) fn queue(self, permit: Permit<'_, Outgoing>, frame: Frame, after: After) {
        let OrderedFds { mut next, fds } = self;
        *next += fds.len() as u64;
        permit.send(Outgoing { frame, fds, after });
    }
}
