//! The Portal side's answers to a Server (the `PortalSlices` protocol).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use amp_runtime::{Context, Peer};
use bytes::Bytes;
use tokio::sync::mpsc;

use super::PortalEvent;
use crate::commands::packed_data::{PackedDataCodec, PackedDataError};
use crate::commands::slices::{
    AdminPortal2ServerSlices, AdminPortal2ServerSlicesArguments, AdminServer2PortalSlicesArguments,
    AdminServer2PortalSlicesError, AdminServer2PortalSlicesResponse, MsgServer2PortalSlicesArguments,
    MsgServer2PortalSlicesError, MsgServer2PortalSlicesResponse, PortalSlicesHandler,
};
use crate::commands::{FunctionCallArguments, FunctionCallError, FunctionCallResponse};
use crate::commands::{MsgStatusArguments, MsgStatusError, MsgStatusResponse};
use crate::payload::admin::{AdminFromPortal, AdminFromServer, PortalSync, ServerInfo};
use crate::payload::message::Message;
use crate::payload::operation::Operation;
use crate::payload::session::SessionData;
use crate::payload::status::PortalStatus;
use crate::payload::{Kwargs, SessId};
use crate::role::exception::evennia_description;
use crate::role::function_call::FunctionRegistry;
use crate::role::start_now::start_now;

/// What the Portal side holds, shared by its handle and its handler.
pub(crate) struct PortalState {
    pub(crate) sessions: Mutex<BTreeMap<SessId, SessionData>>,
    pub(crate) server: Mutex<Option<Peer>>,
    pub(crate) server_pid: Mutex<Option<i64>>,
    pub(crate) server_info: Mutex<ServerInfo>,
    pub(crate) restart_mode: Mutex<Option<String>>,
    pub(crate) next_sessid: Mutex<SessId>,
    pub(crate) start_time: f64,
    pub(crate) codec: PackedDataCodec,
    pub(crate) events: mpsc::UnboundedSender<PortalEvent>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl PortalState {
    fn emit(&self, event: PortalEvent) {
        let _ = self.events.send(event);
    }

    /// The Portal's PSYNC for the Server that just connected.
    fn portal_sync(&self) -> AdminFromPortal {
        AdminFromPortal::Psync(PortalSync {
            // As Evennia's Portal: the mode is reported once, then forgotten.
            server_restart_mode: lock(&self.restart_mode).take(),
            sessions: lock(&self.sessions).iter().map(|(id, d)| (*id, d.clone())).collect(),
            portal_start_time: Some(self.start_time),
        })
    }
}

pub(crate) struct Handler {
    pub(crate) state: Arc<PortalState>,
    pub(crate) functions: Arc<FunctionRegistry>,
}

fn describe(e: PackedDataError) -> String {
    e.to_string()
}

impl PortalSlicesHandler for Handler {
    async fn msg_server2_portal(
        &self,
        _cx: &Context,
        args: MsgServer2PortalSlicesArguments,
    ) -> Result<MsgServer2PortalSlicesResponse, MsgServer2PortalSlicesError> {
        let slices = args.packed_data;
        let (compressed, count) = (slices.compressed_len(), slices.len());
        // Decoded inline, in arrival order: decompression runs at over 1 GB/s.
        let (sessid, message) = self
            .state
            .codec
            .decode_now(&slices, Message::from_pickle)
            .map_err(|e| MsgServer2PortalSlicesError::Exception(evennia_description(describe(e))))?;
        // As Evennia's Portal: output for an unknown session is dropped.
        if lock(&self.state.sessions).contains_key(&sessid) {
            self.state.emit(PortalEvent::Output { sessid, message, compressed_bytes: compressed, slices: count });
        }
        Ok(MsgServer2PortalSlicesResponse {})
    }

    async fn admin_server2_portal(
        &self,
        cx: &Context,
        args: AdminServer2PortalSlicesArguments,
    ) -> Result<AdminServer2PortalSlicesResponse, AdminServer2PortalSlicesError> {
        let exception = |text: String| AdminServer2PortalSlicesError::Exception(evennia_description(text));
        let admin = self
            .state
            .codec
            .decode_now(&args.packed_data, AdminFromServer::from_pickle)
            .map_err(|e| exception(describe(e)))?;
        let state = &self.state;
        match admin {
            AdminFromServer::Psync { spid, info } => {
                *lock(&state.server) = Some(cx.peer().clone());
                *lock(&state.server_pid) = Some(spid);
                *lock(&state.server_info) = info.clone();
                // As Evennia's Portal: its own PSYNC goes out before the answer to the Server's.
                let sync = state.portal_sync().to_envelope();
                let pickle = sync.to_pickle().map_err(|e| exception(e.to_string()))?;
                let packed_data =
                    state.codec.compression.compress_slices(&pickle).map_err(|e| exception(e.to_string()))?;
                let peer = cx.peer().clone();
                let call = start_now(async move {
                    peer.call::<AdminPortal2ServerSlices>(AdminPortal2ServerSlicesArguments { packed_data }).await
                });
                tokio::spawn(async move {
                    if let Err(e) = call.finish().await {
                        tracing::warn!(error = %e, "the Server did not take the Portal's PSYNC");
                    }
                });
                state.emit(PortalEvent::ServerConnected { spid, info });
                // An answer made at once is written ahead of queued calls:
                // wait until the PSYNC call is on the wire, then answer.
                let _ = cx.peer().flush().await;
            }
            AdminFromServer::Slogin { sessid, sessiondata } => {
                if let Some(session) = lock(&state.sessions).get_mut(&sessid) {
                    session.update(&sessiondata);
                }
                state.emit(PortalEvent::Login { sessid, sessiondata });
            }
            AdminFromServer::Sdisconn { sessid, reason } => {
                let known = lock(&state.sessions).remove(&sessid).is_some();
                if known {
                    state.emit(PortalEvent::Disconnected { sessid, reason });
                    // As Evennia's Portal: the closed connection is reported back.
                    let peer = cx.peer().clone();
                    let codec = state.codec;
                    tokio::spawn(async move {
                        let pdisconn = AdminFromPortal::Pdisconn { sessid }.to_envelope();
                        if let Ok(packed_data) = codec.encode(pdisconn, 0).await {
                            let args = AdminPortal2ServerSlicesArguments { packed_data };
                            let _ = peer.call::<AdminPortal2ServerSlices>(args).await;
                        }
                    });
                }
            }
            AdminFromServer::Sdisconnall { reason } => {
                let gone: Vec<SessId> = std::mem::take(&mut *lock(&state.sessions)).into_keys().collect();
                state.emit(PortalEvent::DisconnectedAll { sessids: gone, reason });
            }
            AdminFromServer::Ssync { sessions, clean } => {
                {
                    let mut table = lock(&state.sessions);
                    for (sessid, data) in &sessions {
                        if let Some(session) = table.get_mut(sessid) {
                            session.update(data);
                        }
                    }
                    if clean.unwrap_or(true) {
                        table.retain(|id, _| sessions.iter().any(|(s, _)| s == id));
                    }
                }
                *lock(&state.restart_mode) = Some("shutdown".to_owned());
                state.emit(PortalEvent::Synced { sessids: sessions.iter().map(|(id, _)| *id).collect() });
            }
            admin @ (AdminFromServer::Sreload
            | AdminFromServer::Sreset
            | AdminFromServer::Sshutd
            | AdminFromServer::Pshutd) => {
                // A stock Portal would (re)start or stop processes here; this
                // one only reports the request.
                state.emit(PortalEvent::Admin(admin));
            }
            AdminFromServer::Sconn { protocol_path, .. } => {
                return Err(exception(format!("this Portal opens no outgoing protocols ({protocol_path})")));
            }
            AdminFromServer::Pstatus => {
                // Evennia formats the operation with %s: the character itself.
                return Err(exception(format!("operation {} not recognized.", Operation::Pstatus.as_str())));
            }
            AdminFromServer::Other(raw) => return Err(exception(raw.not_recognized())),
        }
        Ok(AdminServer2PortalSlicesResponse {})
    }

    async fn msg_status(&self, _cx: &Context, _args: MsgStatusArguments) -> Result<MsgStatusResponse, MsgStatusError> {
        let state = &self.state;
        let server_running = lock(&state.server).as_ref().is_some_and(|p| !p.is_closed());
        let status = PortalStatus {
            portal_running: true,
            server_running,
            portal_pid: Some(i64::from(std::process::id())),
            server_pid: *lock(&state.server_pid),
            portal_info: Kwargs::new().with("servername", "amp-evennia mini portal"),
            server_info: if server_running { lock(&state.server_info).0.clone() } else { Kwargs::new() },
        };
        let bytes = status.to_pickle().map_err(|e| MsgStatusError::Exception(evennia_description(e.to_string())))?;
        Ok(MsgStatusResponse { status: Bytes::from(bytes) })
    }

    async fn function_call(
        &self,
        _cx: &Context,
        args: FunctionCallArguments,
    ) -> Result<FunctionCallResponse, FunctionCallError> {
        self.functions.answer(args).await
    }
}
