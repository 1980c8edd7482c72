//! The Portal's answers on its AMP port.
//!
//! The Server's output and admin operations are applied in the order they
//! arrived, as Evennia's Portal applies them: output must reach a player in
//! the order the game sent it, and an SDISCONN must not overtake the output
//! sent before it. The runtime runs calls concurrently (a call that awaits is
//! moved to a task of its own and the next box is read), and a large output
//! is decoded on the blocking pool: each call therefore first takes its turn
//! on `Shared::arrival`, a FIFO lock, before its first await (the runtime
//! polls each call once as it reads it, so the turns are taken in arrival
//! order), and holds it until it is applied.

use amp_evennia::commands::slices::{
    AdminServer2PortalSlicesArguments, AdminServer2PortalSlicesError, AdminServer2PortalSlicesResponse,
    MsgServer2PortalSlicesArguments, MsgServer2PortalSlicesError, MsgServer2PortalSlicesResponse,
};
use amp_evennia::commands::{
    FunctionCallArguments, FunctionCallError, FunctionCallResponse, MsgLauncher2PortalArguments,
    MsgLauncher2PortalError, MsgLauncher2PortalResponse, MsgStatusArguments, MsgStatusError, MsgStatusResponse,
};
use amp_evennia::payload::admin::{AdminFromLauncher, AdminFromServer};
use amp_evennia::payload::message::Message;
use amp_evennia::role::exception::evennia_description;
use amp_runtime::Context;
use bytes::Bytes;

use super::commands::PortalAmpHandler;
use super::Portal;

pub(crate) struct Handler {
    pub(crate) portal: Portal,
}

impl PortalAmpHandler for Handler {
    async fn msg_launcher2_portal(
        &self,
        cx: &Context,
        args: MsgLauncher2PortalArguments,
    ) -> Result<MsgLauncher2PortalResponse, MsgLauncher2PortalError> {
        let exception = |text: String| MsgLauncher2PortalError::Exception(evennia_description(text));
        let op = AdminFromLauncher::try_from(&args).map_err(|e| exception(e.to_string()))?;
        self.portal.launcher_operation(cx.peer(), op).map_err(exception)?;
        Ok(MsgLauncher2PortalResponse {})
    }

    async fn msg_server2_portal(
        &self,
        _cx: &Context,
        args: MsgServer2PortalSlicesArguments,
    ) -> Result<MsgServer2PortalSlicesResponse, MsgServer2PortalSlicesError> {
        let _turn = self.portal.shared.arrival.lock().await;
        let packer = self.portal.shared.packer;
        let slices = args.packed_data;
        // Large output is decoded off the executor, the turn held meanwhile.
        let decoded = if packer.is_heavy(&slices) {
            packer.decode(slices, Message::from_pickle).await
        } else {
            packer.decode_now(&slices, Message::from_pickle)
        };
        match decoded {
            Ok((sessid, message)) => self.portal.server_output(sessid, message),
            // Evennia's Portal logs such a payload and answers as usual.
            Err(e) => tracing::error!(error = %e, "cannot read the Server's MsgServer2Portal"),
        }
        Ok(MsgServer2PortalSlicesResponse {})
    }

    async fn admin_server2_portal(
        &self,
        cx: &Context,
        args: AdminServer2PortalSlicesArguments,
    ) -> Result<AdminServer2PortalSlicesResponse, AdminServer2PortalSlicesError> {
        let _turn = self.portal.shared.arrival.lock().await;
        let exception = |text: String| AdminServer2PortalSlicesError::Exception(evennia_description(text));
        let admin = self
            .portal
            .shared
            .packer
            .decode_now(&args.packed_data, AdminFromServer::from_pickle)
            .map_err(|e| exception(e.to_string()))?;
        self.portal.server_admin(cx.peer(), admin).await.map_err(exception)?;
        Ok(AdminServer2PortalSlicesResponse {})
    }

    async fn msg_status(&self, _cx: &Context, _args: MsgStatusArguments) -> Result<MsgStatusResponse, MsgStatusError> {
        let status = self
            .portal
            .status()
            .to_pickle()
            .map_err(|e| MsgStatusError::Exception(evennia_description(e.to_string())))?;
        Ok(MsgStatusResponse { status: Bytes::from(status) })
    }

    async fn function_call(
        &self,
        _cx: &Context,
        args: FunctionCallArguments,
    ) -> Result<FunctionCallResponse, FunctionCallError> {
        self.portal.shared.functions.answer(args).await
    }
}
