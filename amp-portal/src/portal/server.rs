//! The Server's side of the link: what the Portal sends it and what it does
//! with the Server's admin operations and output (`amp_server.py`'s
//! `portal_receive_adminserver2portal` and `portal_receive_server2portal`).

use amp_evennia::commands::slices::{
    AdminPortal2ServerSlices, AdminPortal2ServerSlicesArguments, MsgPortal2ServerSlices,
    MsgPortal2ServerSlicesArguments,
};
use amp_evennia::payload::admin::{AdminFromPortal, AdminFromServer, PortalSync, ServerInfo};
use amp_evennia::payload::message::Message;
use amp_evennia::payload::session::SessionData;
use amp_evennia::payload::{Envelope, SessId};
use amp_evennia::role::start_now::start_now;
use amp_evennia::Kwargs;
use amp_runtime::Peer;

use super::state::{AfterDisconnect, ServerLink};
use super::{launcher, lock, Portal, PortalEvent, ToSession};

/// Which of the Portal's two payload commands a call uses.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Upstream {
    /// `AdminPortal2Server`.
    Admin,
    /// `MsgPortal2Server`.
    Msg,
}

impl Portal {
    /// Sends `packed` to `peer` now, in the order of these calls; the answer
    /// is awaited on a task and a failure logged (Evennia's `callRemote`
    /// with an errback). Small payloads only: pickled and compressed inline.
    pub(crate) fn call_server(&self, peer: &Peer, kind: Upstream, packed: Envelope) {
        let what = match kind {
            Upstream::Admin => "AdminPortal2Server",
            Upstream::Msg => "MsgPortal2Server",
        };
        let pickle = match packed.to_pickle() {
            Ok(p) => p,
            Err(e) => return tracing::error!(error = %e, "cannot pickle {what}"),
        };
        let packed_data = match self.shared.packer.compression.compress_slices(&pickle) {
            Ok(s) => s,
            Err(e) => return tracing::error!(error = %e, "cannot compress {what}"),
        };
        let peer = peer.clone();
        let call = start_now(async move {
            match kind {
                Upstream::Admin => peer
                    .call::<AdminPortal2ServerSlices>(AdminPortal2ServerSlicesArguments { packed_data })
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string()),
                Upstream::Msg => peer
                    .call::<MsgPortal2ServerSlices>(MsgPortal2ServerSlicesArguments { packed_data })
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string()),
            }
        });
        let portal = self.clone();
        tokio::spawn(async move {
            if let Err(error) = call.finish().await {
                tracing::warn!(%error, "the Server did not take {what}");
                portal.emit(PortalEvent::ServerCallFailed { command: what, error });
            }
        });
    }

    /// An admin operation to `peer`.
    pub(crate) fn admin_to(&self, peer: &Peer, admin: AdminFromPortal) {
        self.call_server(peer, Upstream::Admin, admin.to_envelope());
    }

    /// An admin operation to the Server, if one is connected.
    pub(crate) fn admin_to_server(&self, admin: AdminFromPortal) -> bool {
        let peer = lock(&self.shared.state).server_peer();
        match peer {
            Some(peer) => {
                self.admin_to(&peer, admin);
                true
            }
            None => false,
        }
    }

    /// Evennia's `stop_server(mode)`: SRELOAD, SRESET or SSHUTD with
    /// `server_restart_mode`, and the mode kept for the next PSYNC.
    pub(crate) fn stop_server(&self, mode: &str) {
        let server_restart_mode = Some(mode.to_owned());
        let admin = match mode {
            "reload" => AdminFromPortal::Sreload { server_restart_mode },
            "reset" => AdminFromPortal::Sreset { server_restart_mode },
            _ => AdminFromPortal::Sshutd { server_restart_mode },
        };
        self.admin_to_server(admin);
        lock(&self.shared.state).restart_mode = Some(mode.to_owned());
    }

    /// Sets what happens when the current Server's connection drops.
    pub(crate) fn after_server_disconnect(&self, then: AfterDisconnect) {
        if let Some(link) = lock(&self.shared.state).server.as_mut() {
            link.after_disconnect = Some(then);
        }
    }

    /// The Server's admin operation. `Err` is the text of the `EXCEPTION`
    /// answer.
    pub(crate) async fn server_admin(&self, peer: &Peer, admin: AdminFromServer) -> Result<(), String> {
        match admin {
            AdminFromServer::Psync { spid, info } => self.server_psync(peer, spid, info).await,
            AdminFromServer::Slogin { sessid, sessiondata } => {
                let flags = {
                    let mut state = lock(&self.shared.state);
                    state.sessions.get_mut(&sessid).map(|entry| {
                        entry.data.update(&sessiondata);
                        (entry.tx.clone(), flags_of(&sessiondata))
                    })
                };
                if let Some((tx, flags)) = flags {
                    if let Some(flags) = flags {
                        self.deliver(sessid, &tx, ToSession::Flags(flags));
                    }
                    self.deliver(sessid, &tx, ToSession::LoggedIn);
                    self.emit(PortalEvent::SessionLoggedIn { sessid });
                }
            }
            AdminFromServer::Sdisconn { sessid, reason } => self.server_disconnect(sessid, reason),
            AdminFromServer::Sdisconnall { reason } => {
                let all: Vec<SessId> = lock(&self.shared.state).sessions.keys().copied().collect();
                for sessid in all {
                    self.server_disconnect(sessid, reason.clone());
                }
            }
            AdminFromServer::Ssync { sessions, clean } => self.server_session_sync(sessions, clean.unwrap_or(true)),
            AdminFromServer::Sreload | AdminFromServer::Sreset => {
                let mode = if matches!(admin, AdminFromServer::Sreload) { "reload" } else { "reset" };
                tracing::info!("the Server asks to {mode}: it will be started again once it disconnects");
                self.after_server_disconnect(AfterDisconnect::StartServer);
                self.stop_server(mode);
            }
            AdminFromServer::Sshutd => self.stop_server("shutdown"),
            AdminFromServer::Pshutd => {
                self.after_server_disconnect(AfterDisconnect::StopPortal);
                self.stop_server("shutdown");
            }
            AdminFromServer::Sconn { protocol_path, .. } => {
                tracing::error!(
                    protocol = %protocol_path,
                    "SCONN refused: the Server asked the Portal to start a bot protocol ({protocol_path}); \
                     Python bot classes (IRC, RSS, Grapevine, Discord) cannot run in amp-portal"
                );
                return Err(format!("amp-portal cannot start the Python protocol {protocol_path}"));
            }
            AdminFromServer::Pstatus => {
                return Err(format!("operation {} not recognized.", amp_evennia::Operation::Pstatus.as_str()))
            }
            AdminFromServer::Other(raw) => return Err(raw.not_recognized()),
        }
        Ok(())
    }

    /// PSYNC: the connection becomes the Server's, gets the Portal's own
    /// PSYNC (every session, the restart mode, the start time) before the
    /// answer to its own, and the launcher hears of it if it waits.
    async fn server_psync(&self, peer: &Peer, spid: i64, info: ServerInfo) {
        let (sync, notify_launcher) = {
            let mut state = lock(&self.shared.state);
            state.server = Some(ServerLink { peer: peer.clone(), after_disconnect: None });
            state.server_pid = Some(spid);
            state.server_info = info.0;
            let sync = PortalSync {
                // As Evennia's Portal: the mode is reported once, then forgotten.
                server_restart_mode: state.restart_mode.take(),
                sessions: state.sync_data(),
                portal_start_time: Some(self.shared.start_time),
            };
            (sync, std::mem::take(&mut state.status_on_connect))
        };
        tracing::info!(spid, sessions = sync.sessions.len(), "Server connected (PSYNC)");
        self.admin_to(peer, AdminFromPortal::Psync(sync));
        self.emit(PortalEvent::ServerConnected { spid: Some(spid) });
        self.watch_server(peer.clone());
        if notify_launcher {
            launcher::status_to_launcher(self);
        }
        // An answer made at once would be written ahead of the queued PSYNC
        // call: wait until that call is on the wire, then answer.
        let _ = peer.flush().await;
    }

    /// Waits for the Server's connection to close, then does what was asked
    /// (`wait_for_disconnect`).
    fn watch_server(&self, peer: Peer) {
        let portal = self.clone();
        tokio::spawn(async move {
            let reason = peer.closed().await;
            let then = {
                let mut state = lock(&portal.shared.state);
                match &state.server {
                    Some(link) if link.peer.same_connection(&peer) => {
                        let then = link.after_disconnect;
                        state.server = None;
                        state.server_info = Kwargs::new();
                        then
                    }
                    // A newer Server already took over.
                    _ => return,
                }
            };
            tracing::info!(?reason, "the Server's AMP connection closed");
            portal.emit(PortalEvent::ServerDisconnected);
            match then {
                Some(AfterDisconnect::StatusToLauncher) => launcher::status_to_launcher(&portal),
                Some(AfterDisconnect::StartServer) => {
                    let cmd = lock(&portal.shared.state).twistd_cmd.clone();
                    portal.start_server(&cmd);
                }
                Some(AfterDisconnect::StopPortal) => {
                    launcher::shutdown(&portal, false, super::StopReason::Pshutd).await;
                }
                None => {}
            }
        });
    }

    /// Evennia's `start_server(cmd)`: keeps the command line for reloads and
    /// runs it.
    pub(crate) fn start_server(&self, cmd: &[String]) {
        lock(&self.shared.state).twistd_cmd = cmd.to_vec();
        match self.shared.process.start(cmd) {
            Ok(pid) => self.emit(PortalEvent::ServerStarted { pid }),
            Err(e) => tracing::error!(error = %e, "cannot start the Server"),
        }
    }

    /// SDISCONN: the reason shown, the connection closed, PDISCONN back.
    fn server_disconnect(&self, sessid: SessId, reason: Option<String>) {
        let entry = lock(&self.shared.state).remove(sessid);
        let Some(entry) = entry else { return };
        self.emit(PortalEvent::SessionClosed { sessid });
        self.deliver(sessid, &entry.tx, ToSession::Disconnect(reason));
        if entry.admitted {
            self.admin_to_server(AdminFromPortal::Pdisconn { sessid });
        }
    }

    /// SSYNC: session data stored; with `clean`, sessions the Server did not
    /// list are closed.
    fn server_session_sync(&self, sessions: Vec<(SessId, SessionData)>, clean: bool) {
        let mut updates = Vec::new();
        let mut missing = Vec::new();
        {
            let mut state = lock(&self.shared.state);
            for (sessid, data) in &sessions {
                if let Some(entry) = state.sessions.get_mut(sessid) {
                    entry.data.update(data);
                    if let Some(flags) = flags_of(data) {
                        updates.push((*sessid, entry.tx.clone(), flags));
                    }
                }
            }
            if clean {
                missing = state
                    .sessions
                    .iter()
                    .filter(|(id, e)| e.admitted && !sessions.iter().any(|(s, _)| s == *id))
                    .map(|(id, _)| *id)
                    .collect();
            }
        }
        for (sessid, tx, flags) in updates {
            self.deliver(sessid, &tx, ToSession::Flags(flags));
        }
        for sessid in missing {
            self.server_disconnect(sessid, None);
        }
    }

    /// MsgServer2Portal: output for a session; dropped for an unknown one,
    /// as Evennia does.
    pub(crate) fn server_output(&self, sessid: SessId, message: Message) {
        let tx = lock(&self.shared.state).sessions.get(&sessid).map(|e| e.tx.clone());
        if let Some(tx) = tx {
            self.deliver(sessid, &tx, ToSession::Output(message));
        }
    }

    /// Queues `item` for a session's protocol; a full queue closes the
    /// session (its client stopped reading).
    pub(crate) fn deliver(&self, sessid: SessId, tx: &tokio::sync::mpsc::Sender<ToSession>, item: ToSession) {
        match tx.try_send(item) {
            Ok(()) => {}
            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => {}
            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(
                    sessid,
                    limit = self.shared.limits.output_queue,
                    "session {sessid}: {} messages wait for a client that does not read; disconnected",
                    self.shared.limits.output_queue
                );
                let entry = lock(&self.shared.state).remove(sessid);
                if let Some(entry) = entry {
                    entry.kill.notify_one();
                    self.emit(PortalEvent::SessionClosed { sessid });
                    if entry.admitted {
                        self.admin_to_server(AdminFromPortal::Pdisconn { sessid });
                    }
                }
            }
        }
    }
}

/// The `protocol_flags` of a session update, if it has a dict of them.
fn flags_of(data: &SessionData) -> Option<Kwargs> {
    match data.protocol_flags() {
        Some(value @ amp_evennia::codec::pickle::Value::Dict(_)) => {
            let pairs = value.as_dict()?;
            let mut flags = Kwargs::new();
            for (k, v) in pairs {
                flags.insert(k.as_str()?.to_owned(), v.clone());
            }
            Some(flags)
        }
        _ => None,
    }
}
