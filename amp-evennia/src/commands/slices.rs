//! Evennia's payload commands with `packed_data` left compressed, as
//! [`CompressedSlices`](crate::codec::compressed::CompressedSlices).
//!
//! Same wire form as the commands in [`crate::commands`] (same names, same
//! `packed_data` keys), but the argument is [`PreCompressed`]: the sender
//! compresses first, off the async executor and on several cores when the
//! payload is large, then sends with no further work; the receiver gets the
//! slices as they came and decompresses where it chooses.
//! [`PackedDataCodec`](super::packed_data::PackedDataCodec) does both
//! steps. The protocols [`ServerSlices`](ServerSlicesHandler) and
//! [`PortalSlices`](PortalSlicesHandler) are what the roles answer.
//!
//! [`PreCompressed`]: crate::codec::compressed::PreCompressed

use amp_runtime::{amp_command, amp_protocol};

/// `MsgPortal2Server` (Portal -> Server: player input), slices as sent.
#[amp_command(
    name = "MsgPortal2Server",
    arguments(packed_data: crate::codec::compressed::PreCompressed),
    errors(Exception = "EXCEPTION")
)]
pub struct MsgPortal2ServerSlices;

/// `MsgServer2Portal` (Server -> Portal: output to a session), slices as sent.
#[amp_command(
    name = "MsgServer2Portal",
    arguments(packed_data: crate::codec::compressed::PreCompressed),
    errors(Exception = "EXCEPTION")
)]
pub struct MsgServer2PortalSlices;

/// `AdminPortal2Server` (Portal -> Server administration), slices as sent.
#[amp_command(
    name = "AdminPortal2Server",
    arguments(packed_data: crate::codec::compressed::PreCompressed),
    errors(Exception = "EXCEPTION")
)]
pub struct AdminPortal2ServerSlices;

/// `AdminServer2Portal` (Server -> Portal administration), slices as sent.
#[amp_command(
    name = "AdminServer2Portal",
    arguments(packed_data: crate::codec::compressed::PreCompressed),
    errors(Exception = "EXCEPTION")
)]
pub struct AdminServer2PortalSlices;

amp_protocol! {
    /// What a Server answers, with `packed_data` left compressed.
    pub ServerSlices:
        MsgPortal2ServerSlices as msg_portal2_server,
        AdminPortal2ServerSlices as admin_portal2_server,
        crate::commands::MsgStatus,
        crate::commands::FunctionCall;
    /// What a Portal answers (launcher commands aside), with `packed_data`
    /// left compressed.
    pub PortalSlices:
        MsgServer2PortalSlices as msg_server2_portal,
        AdminServer2PortalSlices as admin_server2_portal,
        crate::commands::MsgStatus,
        crate::commands::FunctionCall
}
