//! `Descriptor`: Twisted's `amp.Descriptor`.

use std::os::fd::OwnedFd;

use bytes::Bytes;

use super::error::excerpt;
use super::integer::parse_integer;
use super::{ArgContext, ArgumentType, DecodeError, DecodeErrorKind};
use crate::wire::{AmpBox, EncodeError};

/// Twisted's `amp.Descriptor`: a file descriptor passed over a Unix socket.
///
/// The value on the wire is an ordinal, per connection and direction,
/// counting from 0 (`0`, `1`, ...); the descriptor itself travels out of
/// band (`SCM_RIGHTS`), which the connection does with the [`ArgContext`]:
///
/// - encoding duplicates the descriptor (`try_clone`, so the caller keeps
///   its own), pushes the copy onto [`ArgContext::fds_out`] and writes
///   [`ArgContext::next_fd_ordinal`], then increments it;
/// - decoding reads the ordinal (Python `int()` syntax, not negative) and
///   claims the oldest unclaimed received descriptor, the front of
///   [`ArgContext::fds_in`]; none left is [`DecodeErrorKind::MissingDescriptor`].
///
/// Twisted keys received descriptors by arrival order and looks them up by
/// the ordinal; claiming in arrival order gives the same descriptors
/// whenever the receiver reads descriptor arguments in the order the sender
/// wrote them, which holds when both sides declare them in the same order.
///
/// It has no plain string form, so it cannot be a `ListOf` element.
pub struct Descriptor;

impl ArgumentType for Descriptor {
    type Value = OwnedFd;

    fn to_box(name: &str, value: &OwnedFd, out: &mut AmpBox, acx: &mut ArgContext) -> Result<(), EncodeError> {
        let copy = value.try_clone().map_err(|e| EncodeError::Invalid {
            key: name.into(),
            reason: format!("cannot duplicate the file descriptor: {e}"),
        })?;
        let ordinal = acx.next_fd_ordinal;
        acx.fds_out.push(copy);
        acx.next_fd_ordinal += 1;
        out.insert(Bytes::copy_from_slice(name.as_bytes()), Bytes::from(ordinal.to_string()));
        Ok(())
    }

    fn from_box(name: &str, input: &AmpBox, acx: &mut ArgContext) -> Result<Option<OwnedFd>, DecodeError> {
        let Some(raw) = input.get(name) else { return Ok(None) };
        let ordinal: u64 = parse_integer(raw).map_err(|_| {
            DecodeError::new(name, DecodeErrorKind::BadInteger(format!("{}: not a descriptor ordinal", excerpt(raw))))
        })?;
        let fd = acx
            .fds_in
            .pop_front()
            .ok_or_else(|| DecodeError::new(name, DecodeErrorKind::MissingDescriptor { ordinal }))?;
        Ok(Some(fd))
    }
}
