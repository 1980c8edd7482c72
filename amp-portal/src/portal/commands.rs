//! The commands the Portal answers on its AMP port.

amp_runtime::amp_protocol! {
    /// What the Portal answers: the launcher's operations and status
    /// requests, the Server's output and admin operations (their
    /// `packed_data` left compressed, decoded where the handler chooses),
    /// FunctionCall.
    pub PortalAmp:
        amp_evennia::commands::MsgLauncher2Portal,
        amp_evennia::commands::slices::MsgServer2PortalSlices as msg_server2_portal,
        amp_evennia::commands::slices::AdminServer2PortalSlices as admin_server2_portal,
        amp_evennia::commands::MsgStatus,
        amp_evennia::commands::FunctionCall
}
