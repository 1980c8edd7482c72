//! What goes into a connection's send queue: a box (or raw bytes), the
//! descriptors that travel with it, and what to do once it is written.

use std::os::fd::OwnedFd;

use bytes::Bytes;
use tokio::sync::oneshot;

use super::close::CloseReason;
use super::switch::SwitchedStream;
use super::tls::TlsRole;
use crate::wire::{AmpBox, EncodeError, BY_REFERENCE};

/// What the connection writes for one [`Outgoing`].
pub(crate) enum Frame {
    /// Nothing: only the action matters.
    Empty,
    /// Bytes as they are: a serialized box, or a reply to a peer that does
    /// not speak AMP.
    Raw(Bytes),
    /// A box, already checked with [`AmpBox::validate`]. The connection
    /// serializes it straight into its write buffer, large values by
    /// reference.
    Box(AmpBox),
}

impl Frame {
    /// The frame for a box, checked against AMP's limits. A box holding a
    /// value the connection writes by reference goes whole. Any other is
    /// serialized here, in the task that built it: its parts are then freed
    /// where they were allocated (a free from another thread costs more), and
    /// the connection's task, which every call goes through, does less.
    pub(crate) fn of_box(b: AmpBox) -> Result<Frame, EncodeError> {
        if b.iter().any(|(_, v)| v.len() >= BY_REFERENCE) {
            b.validate()?;
            Ok(Frame::Box(b))
        } else {
            Ok(Frame::Raw(b.serialize()?))
        }
    }
}

/// One box (or raw bytes) for the connection to write.
pub(crate) struct Outgoing {
    pub(crate) frame: Frame,
    /// Descriptors to pass with the first byte (Unix sockets only).
    pub(crate) fds: Vec<OwnedFd>,
    /// What to do once the bytes are written.
    pub(crate) after: After,
}

impl Outgoing {
    /// A checked box with nothing to do after it.
    pub(crate) fn boxed(b: AmpBox) -> Self {
        Outgoing { frame: Frame::Box(b), fds: Vec::new(), after: After::Nothing }
    }

    /// A frame without descriptors, then `after`.
    pub(crate) fn new(frame: Frame, after: After) -> Self {
        Outgoing { frame, fds: Vec::new(), after }
    }

    /// Just an action, once everything before it is written.
    pub(crate) fn action(after: After) -> Self {
        Outgoing::new(Frame::Empty, after)
    }

    /// Bytes the frame takes on the wire (at most; exact for boxes built
    /// with `insert`). The same on every call, for queue accounting.
    pub(crate) fn len(&self) -> usize {
        match &self.frame {
            Frame::Empty => 0,
            Frame::Raw(bytes) => bytes.len(),
            Frame::Box(b) => b.stored_len(),
        }
    }
}

/// What the connection does once a box is written.
pub(crate) enum After {
    Nothing,
    /// The box is a StartTLS or switch call: write nothing more until its
    /// answer comes (Twisted buffers the same way).
    PauseWrites,
    /// Close the connection (fatal error, undeclared failure, non-AMP reply).
    Close(CloseReason),
    /// The box answers a StartTLS: run the handshake in `role`.
    UpgradeTls(TlsRole),
    /// The box answers a protocol switch: hand the stream over.
    Switch(oneshot::Sender<SwitchedStream>),
    /// Someone waits until everything up to here is written.
    Flushed(oneshot::Sender<()>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_values_go_whole_small_boxes_serialized_bad_ones_refused() {
        let mut small = AmpBox::new();
        small.insert("b", "2");
        small.insert("a", "1");
        let expected = small.serialize().unwrap();
        assert!(matches!(Frame::of_box(small), Ok(Frame::Raw(bytes)) if bytes == expected));

        let value = Bytes::from(vec![b'x'; BY_REFERENCE]);
        let mut big = AmpBox::new();
        big.insert("value", value.clone());
        match Frame::of_box(big) {
            // The value is still the caller's buffer: nothing was copied.
            Ok(Frame::Box(b)) => assert_eq!(b.get("value").unwrap().as_ptr(), value.as_ptr()),
            _ => panic!("a box with a large value goes whole"),
        }

        for bad in [AmpBox::from_pairs(vec![(Bytes::new(), Bytes::new())]), {
            let mut b = AmpBox::new();
            b.insert("v", vec![0u8; crate::wire::MAX_VALUE_LEN + 1]);
            b
        }] {
            assert!(Frame::of_box(bad).is_err());
        }
    }
}
