use std::collections::VecDeque;
use std::os::fd::OwnedFd;

/// Per-connection state an argument type may need while encoding or decoding,
/// like Twisted's `proto` argument. Plain types ignore it.
///
/// It carries the file descriptors of `Descriptor` arguments: ones to send
/// with the box being written, and ones received that the box refers to.
#[derive(Debug, Default)]
pub struct ArgContext {
    /// Descriptors to send alongside the box being written, in ordinal order.
    pub fds_out: Vec<OwnedFd>,
    /// Descriptors received from the peer and not yet claimed by an argument.
    pub fds_in: VecDeque<OwnedFd>,
    /// Ordinal the next sent descriptor gets (per connection, from 0).
    pub next_fd_ordinal: u64,
}

impl ArgContext {
    /// A context with no descriptors: for boxes that carry none.
    pub fn new() -> Self {
        Self::default()
    }
}
