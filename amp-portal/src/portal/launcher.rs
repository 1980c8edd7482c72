//! The launcher's side: `evennia start`, `reload`, `reset`, `stop`,
//! `status`, `info` (`amp_server.py`'s `portal_receive_launcher2portal`,
//! `portal_receive_status`, `get_status`, `send_Status2Launcher`; the
//! Portal's `shutdown` in `service.py`).
//!
//! The launcher connects to the AMP port, asks for the status (MsgStatus)
//! and sends an operation (MsgLauncher2Portal). For those that take time
//! it waits for the Portal to call MsgStatus on it once done: after SSTART
//! when the Server has connected, after SRELOAD, SRESET and SSHUTD when
//! the Server's connection has dropped.

use std::time::Duration;

use amp_evennia::codec::pickle::Value;
use amp_evennia::commands::{MsgStatus, MsgStatusArguments};
use amp_evennia::payload::admin::{AdminFromLauncher, AdminFromPortal};
use amp_evennia::payload::status::PortalStatus;
use amp_evennia::Kwargs;
use amp_runtime::Peer;
use bytes::Bytes;

use super::state::AfterDisconnect;
use super::{lock, Portal, PortalEvent, StopReason, ToSession};
use crate::settings::Settings;

/// The Portal's `info_dict` (`service.py`), which `evennia info` prints and
/// requires every key of.
pub(crate) fn info_dict(settings: &Settings, listeners: &[(String, Vec<String>)]) -> Kwargs {
    let list = |key: &str| {
        let lines = listeners.iter().find(|(k, _)| k == key).map(|(_, l)| l.clone()).unwrap_or_default();
        Value::List(lines.into_iter().map(Value::from).collect())
    };
    let errors = settings.unsupported().join("\n");
    Kwargs::new()
        .with("servername", settings.servername.as_str())
        .with("version", settings.version.as_str())
        .with("errors", errors)
        .with("info", "")
        .with(
            "lockdown_mode",
            if settings.lockdown_mode { "  LOCKDOWN_MODE active: Only local connections." } else { "" },
        )
        .with("amp", format!("amp: {}", settings.amp_port))
        .with("telnet", list("telnet"))
        .with("telnet_ssl", list("telnet_ssl"))
        .with("ssh", list("ssh"))
        .with("webclient", list("webclient"))
        .with("webserver_proxy", list("webserver_proxy"))
        .with("webserver_internal", list("webserver_internal"))
}

/// Evennia's `ifacestr`: `-<interface>` unless it is the only one and a
/// wildcard.
pub fn interface_suffix(interface: &str, count: usize) -> String {
    if !matches!(interface, "0.0.0.0" | "::") || count > 1 {
        format!("-{interface}")
    } else {
        String::new()
    }
}

impl Portal {
    /// `get_status()`: `(True, server_connected, portal_pid, server_pid,
    /// portal_info_dict, server_info_dict)`.
    pub(crate) fn status(&self) -> PortalStatus {
        let state = lock(&self.shared.state);
        PortalStatus {
            portal_running: true,
            server_running: state.server_peer().is_some(),
            portal_pid: Some(i64::from(std::process::id())),
            server_pid: state.server_pid,
            portal_info: self.shared.info.clone(),
            server_info: state.server_info.clone(),
        }
    }

    /// MsgLauncher2Portal: the connection becomes the launcher's.
    pub(crate) fn launcher_operation(&self, peer: &Peer, op: AdminFromLauncher) -> Result<(), String> {
        let server_connected = {
            let mut state = lock(&self.shared.state);
            state.launcher = Some(peer.clone());
            state.server_peer().is_some()
        };
        tracing::info!(operation = ?op.operation(), server_connected, "launcher operation");
        match op {
            AdminFromLauncher::Sstart { server_cmd } => {
                if !server_connected {
                    lock(&self.shared.state).status_on_connect = true;
                    self.start_server(&server_cmd);
                }
            }
            AdminFromLauncher::Sreload { server_cmd } | AdminFromLauncher::Sreset { server_cmd }
                if !server_connected =>
            {
                lock(&self.shared.state).status_on_connect = true;
                let cmd = server_cmd.unwrap_or_else(|| lock(&self.shared.state).twistd_cmd.clone());
                self.start_server(&cmd);
            }
            AdminFromLauncher::Sreload { .. } => {
                self.after_server_disconnect(AfterDisconnect::StatusToLauncher);
                self.stop_server("reload");
            }
            AdminFromLauncher::Sreset { .. } => {
                self.after_server_disconnect(AfterDisconnect::StatusToLauncher);
                self.stop_server("reset");
            }
            AdminFromLauncher::Sshutd => {
                if server_connected {
                    self.after_server_disconnect(AfterDisconnect::StatusToLauncher);
                    self.stop_server("shutdown");
                }
            }
            AdminFromLauncher::Pshutd => {
                if server_connected {
                    self.after_server_disconnect(AfterDisconnect::StopPortal);
                } else {
                    let portal = self.clone();
                    tokio::spawn(async move { shutdown(&portal, false, StopReason::Pshutd).await });
                }
            }
            AdminFromLauncher::Other(raw) => {
                tracing::error!("Operation {} not recognized", String::from_utf8_lossy(&raw.operation));
                return Err(raw.not_recognized());
            }
        }
        Ok(())
    }
}

/// `send_Status2Launcher`: MsgStatus to the launcher, if one is connected.
pub(crate) fn status_to_launcher(portal: &Portal) {
    let launcher = lock(&portal.shared.state).launcher.clone().filter(|p| !p.is_closed());
    let Some(launcher) = launcher else { return };
    let status = match portal.status().to_pickle() {
        Ok(s) => s,
        Err(e) => return tracing::error!(error = %e, "cannot pickle the status"),
    };
    tokio::spawn(async move {
        let args = MsgStatusArguments { status: Bytes::from(status) };
        if let Err(e) = launcher.call::<MsgStatus>(args).await {
            tracing::debug!(error = %e, "the launcher did not take the status");
        }
    });
}

/// How long a stopping Portal waits for the Server's answer to PDISCONNALL
/// and for its players' last lines.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// The Portal's `shutdown`: PDISCONNALL (answered) then every player sees an
/// empty line and is disconnected; with `stop_server`, SSHUTD too.
pub(crate) async fn shutdown(portal: &Portal, stop_server: bool, reason: StopReason) {
    if portal.shared.stop.borrow().is_some() {
        return;
    }
    portal.emit(PortalEvent::ShuttingDown);
    tracing::info!(?reason, "Portal shutting down");
    let server = lock(&portal.shared.state).server_peer();
    if let Some(peer) = &server {
        let packed = AdminFromPortal::Pdisconnall.to_envelope();
        let pickle = packed.to_pickle().ok();
        let slices = pickle.and_then(|p| portal.shared.packer.compression.compress_slices(&p).ok());
        if let Some(packed_data) = slices {
            let args = amp_evennia::commands::slices::AdminPortal2ServerSlicesArguments { packed_data };
            let call = peer.call::<amp_evennia::commands::slices::AdminPortal2ServerSlices>(args);
            let _ = tokio::time::timeout(STOP_GRACE, call).await;
        }
    }
    let sessions: Vec<_> = {
        let mut state = lock(&portal.shared.state);
        state.queue.clear();
        std::mem::take(&mut state.sessions).into_iter().collect()
    };
    for (sessid, entry) in &sessions {
        // `session.disconnect()`: its reason is "", shown as an empty line.
        portal.deliver(*sessid, &entry.tx, ToSession::Disconnect(Some(String::new())));
    }
    if stop_server {
        portal.stop_server("shutdown");
    }
    // Give the protocols their last write, bounded.
    let deadline = tokio::time::Instant::now() + STOP_GRACE;
    for (_, entry) in sessions {
        let _ = tokio::time::timeout_at(deadline, entry.tx.closed()).await;
    }
    if let Some(peer) = server {
        let _ = tokio::time::timeout(STOP_GRACE, peer.flush()).await;
    }
    let _ = portal.shared.stop.send(Some(reason));
}
