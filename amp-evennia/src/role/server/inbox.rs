//! Receiving from the Portal: the AMP handler and the event processor.
//!
//! Order matters (a player's input must not overtake the PCONN that creates
//! their session), so the handler puts each received payload in one queue,
//! in the order the boxes arrived, before it awaits anything. Small payloads
//! are decompressed and unpickled right there; large ones on the blocking
//! pool, their place in the queue held meanwhile. One task, the processor,
//! takes the queue in order: it applies each message to the session table,
//! queues its event for the game, and only then lets the handler answer the
//! Portal (an error as `EXCEPTION`, as Evennia does). When the game falls
//! behind, the processor waits before taking the next message, or drops
//! input: see [`super::flow`]. The processor itself never awaits the Portal.

use std::sync::Arc;
use std::time::Duration;

use amp_runtime::Context;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::events::{ServerEvent, ShutdownMode};
use super::flow::Delivery;
use super::outbox::{Outbox, Payload};
use super::table::SessionTable;
use crate::codec::compressed::CompressedSlices;
use crate::commands::packed_data::{PackedDataCodec, PackedDataError};
use crate::commands::slices::{
    AdminPortal2ServerSlicesArguments, AdminPortal2ServerSlicesError, AdminPortal2ServerSlicesResponse,
    MsgPortal2ServerSlicesArguments, MsgPortal2ServerSlicesError, MsgPortal2ServerSlicesResponse, ServerSlicesHandler,
};
use crate::commands::{FunctionCallArguments, FunctionCallError, FunctionCallResponse};
use crate::commands::{MsgStatusArguments, MsgStatusError, MsgStatusResponse};
use crate::payload::admin::{AdminFromPortal, AdminFromServer};
use crate::payload::message::Message;
use crate::payload::status::SERVER_STATUS_OK;
use crate::payload::{PayloadError, SessId};
use crate::role::exception::evennia_description;
use crate::role::function_call::FunctionRegistry;

/// A message for the processor.
pub(crate) enum Item {
    Admin(AdminFromPortal),
    Input(SessId, Message),
    /// The handshake on connection `peer` finished.
    Connected {
        portal: String,
        peer: u64,
    },
    /// Connection `peer` closed.
    Disconnected {
        peer: u64,
        reason: String,
    },
}

enum Content {
    Ready(Result<Item, PackedDataError>),
    Pending(oneshot::Receiver<Result<Item, PackedDataError>>),
}

/// A received message in the processor's queue, in arrival order.
pub(crate) struct Queued {
    content: Content,
    /// Told the outcome once the item is applied (`Err`: the text of the
    /// `EXCEPTION` answer).
    ack: Option<oneshot::Sender<Result<(), String>>>,
}

/// The sending end of the processor's queue.
#[derive(Clone)]
pub(crate) struct Inbox {
    tx: mpsc::UnboundedSender<Queued>,
    codec: PackedDataCodec,
}

impl Inbox {
    /// Queues an item that needs no answer.
    pub(crate) fn push(&self, item: Item) {
        let _ = self.tx.send(Queued { content: Content::Ready(Ok(item)), ack: None });
    }

    /// Queues a received payload, decoded with `read` (now, or on the
    /// blocking pool when large); the receiver gets the outcome once applied.
    fn push_payload<F>(&self, slices: CompressedSlices, read: F) -> oneshot::Receiver<Result<(), String>>
    where
        F: FnOnce(&[u8]) -> Result<Item, PayloadError> + Send + 'static,
    {
        let (ack, outcome) = oneshot::channel();
        let content = if self.codec.is_heavy(&slices) {
            let (tx, rx) = oneshot::channel();
            let codec = self.codec;
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(codec.decode_now(&slices, read));
            });
            Content::Pending(rx)
        } else {
            Content::Ready(self.codec.decode_now(&slices, read))
        };
        // A closed queue drops the ack: the handler then answers that the server stopped.
        let _ = self.tx.send(Queued { content, ack: Some(ack) });
        outcome
    }
}

/// Answers the Portal's calls (the `ServerSlices` protocol).
pub(crate) struct Handler {
    pub(crate) inbox: Inbox,
    pub(crate) functions: Arc<FunctionRegistry>,
}

const STOPPING: &str = "the server is stopping";

async fn outcome(rx: oneshot::Receiver<Result<(), String>>) -> Result<(), String> {
    rx.await.unwrap_or_else(|_| Err(STOPPING.to_owned()))
}

impl ServerSlicesHandler for Handler {
    async fn msg_portal2_server(
        &self,
        _cx: &Context,
        args: MsgPortal2ServerSlicesArguments,
    ) -> Result<MsgPortal2ServerSlicesResponse, MsgPortal2ServerSlicesError> {
        // Queued before the first await: the order of arrival is kept.
        let rx = self.inbox.push_payload(args.packed_data, |bytes| {
            let (sessid, message) = Message::from_pickle(bytes)?;
            Ok(Item::Input(sessid, message))
        });
        outcome(rx)
            .await
            .map(|()| MsgPortal2ServerSlicesResponse {})
            .map_err(|text| MsgPortal2ServerSlicesError::Exception(evennia_description(text)))
    }

    async fn admin_portal2_server(
        &self,
        _cx: &Context,
        args: AdminPortal2ServerSlicesArguments,
    ) -> Result<AdminPortal2ServerSlicesResponse, AdminPortal2ServerSlicesError> {
        let rx =
            self.inbox.push_payload(args.packed_data, |bytes| Ok(Item::Admin(AdminFromPortal::from_pickle(bytes)?)));
        outcome(rx)
            .await
            .map(|()| AdminPortal2ServerSlicesResponse {})
            .map_err(|text| AdminPortal2ServerSlicesError::Exception(evennia_description(text)))
    }

    async fn msg_status(&self, _cx: &Context, _args: MsgStatusArguments) -> Result<MsgStatusResponse, MsgStatusError> {
        Ok(MsgStatusResponse { status: bytes::Bytes::from_static(SERVER_STATUS_OK) })
    }

    async fn function_call(
        &self,
        _cx: &Context,
        args: FunctionCallArguments,
    ) -> Result<FunctionCallResponse, FunctionCallError> {
        self.functions.answer(args).await
    }
}

/// The receiving end of the processor's queue.
pub(crate) type QueueReceiver = mpsc::UnboundedReceiver<Queued>;

/// Creates the queue; [`Processor::run`] serves it.
pub(crate) fn channel(codec: PackedDataCodec) -> (Inbox, QueueReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Inbox { tx, codec }, rx)
}

/// Applies the queue to the session table and tells the game.
pub(crate) struct Processor {
    pub(crate) table: SessionTable,
    pub(crate) delivery: Delivery,
    pub(crate) outbox: Outbox,
    /// Set to ask the supervisor to stop the Server.
    pub(crate) stop: watch::Sender<bool>,
    /// The connection whose handshake finished, if it is still up.
    pub(crate) connected: Option<u64>,
    /// Inputs dropped since the last one delivered (for the log).
    pub(crate) dropping: u64,
}

/// What applying an item leads to.
enum Next {
    Continue,
    Stop,
    /// Stop once the task (the SSYNC before a reload or reset) is done.
    StopAfter(ShutdownMode, JoinHandle<()>),
}

/// A reload or reset whose SSYNC awaits the Portal's answer.
struct Stopping {
    mode: ShutdownMode,
    ssync: JoinHandle<()>,
    /// The answer to the Portal's SRELOAD / SRESET, given once stopped.
    ack: Option<oneshot::Sender<Result<(), String>>>,
}

/// Ends when `stopping`'s SSYNC is done; never when there is none.
async fn ssync_done(stopping: &mut Option<Stopping>) {
    match stopping {
        Some(s) => {
            let _ = (&mut s.ssync).await;
        }
        None => std::future::pending().await,
    }
}

impl Processor {
    /// Serves the queue until a shutdown, or until every sender is gone.
    pub(crate) async fn run(mut self, mut rx: QueueReceiver) {
        let mut stopping: Option<Stopping> = None;
        loop {
            // While a reload's SSYNC awaits its answer, the Portal's other
            // messages are still taken: the answer may be behind them.
            let queued = tokio::select! {
                biased;
                () = ssync_done(&mut stopping) => {
                    if let Some(Stopping { mode, ack, .. }) = stopping.take() {
                        self.finish(mode, ack);
                    }
                    break;
                }
                queued = rx.recv() => match queued {
                    Some(queued) => queued,
                    None => break,
                },
            };
            self.delivery.room().await;
            let item: Result<Item, String> = match queued.content {
                Content::Ready(item) => item.map_err(|e| e.to_string()),
                Content::Pending(rx) => match rx.await {
                    Ok(item) => item.map_err(|e| e.to_string()),
                    // Only a panic in the decoder drops the sender.
                    Err(_) => Err("the payload's decoder failed".to_owned()),
                },
            };
            let (result, next) = match item {
                Ok(item) => self.apply(item, stopping.is_some()).await,
                Err(e) => {
                    tracing::warn!(error = %e, "undecodable message from the Portal");
                    (Err(e), Next::Continue)
                }
            };
            match next {
                Next::Continue => {
                    if let Some(ack) = queued.ack {
                        let _ = ack.send(result);
                    }
                }
                Next::Stop => {
                    self.finish(ShutdownMode::Shutdown, queued.ack);
                    break;
                }
                Next::StopAfter(mode, ssync) => stopping = Some(Stopping { mode, ssync, ack: queued.ack }),
            }
        }
    }

    /// Tells the game, answers the Portal's request, and asks the Server to stop.
    fn finish(&mut self, mode: ShutdownMode, ack: Option<oneshot::Sender<Result<(), String>>>) {
        tracing::info!(mode = mode.as_str(), "the Portal asked the server to stop");
        self.delivery.push(ServerEvent::Shutdown { mode });
        if let Some(ack) = ack {
            let _ = ack.send(Ok(()));
        }
        let _ = self.stop.send(true);
    }

    fn emit(&self, event: ServerEvent) {
        self.delivery.push(event);
    }

    async fn apply(&mut self, item: Item, stopping: bool) -> (Result<(), String>, Next) {
        match item {
            Item::Input(sessid, message) => {
                if !self.table.contains(sessid) {
                    // As Evennia: input of a session the Server does not know is dropped.
                    tracing::debug!(sessid, "input for an unknown session dropped");
                } else if self.delivery.full() {
                    // Only while a call awaits the Portal's answer (see `flow`).
                    if self.dropping == 0 {
                        tracing::warn!(
                            "the game is behind while a call awaits the Portal's answer: \
                             dropping players' input until it catches up"
                        );
                    }
                    self.dropping += 1;
                    self.delivery.count_drop();
                } else {
                    if self.dropping > 0 {
                        tracing::warn!(dropped = self.dropping, "players' input dropped while the game was behind");
                        self.dropping = 0;
                    }
                    self.emit(ServerEvent::Input { sessid, message });
                }
            }
            Item::Admin(admin) => return self.admin(admin, stopping).await,
            Item::Connected { portal, peer } => {
                self.connected = Some(peer);
                self.emit(ServerEvent::Connected { portal });
            }
            Item::Disconnected { peer, reason } => {
                if self.connected == Some(peer) {
                    self.connected = None;
                    self.emit(ServerEvent::Disconnected { reason });
                }
            }
        }
        (Ok(()), Next::Continue)
    }

    async fn admin(&mut self, admin: AdminFromPortal, stopping: bool) -> (Result<(), String>, Next) {
        match admin {
            AdminFromPortal::Psync(sync) => {
                let dropped = self.table.replace(sync.sessions);
                let sessions = self.table.all();
                tracing::info!(sessions = sessions.len(), dropped = dropped.len(), mode = ?sync.server_restart_mode, "Portal PSYNC");
                self.emit(ServerEvent::Synced {
                    restart_mode: sync.server_restart_mode,
                    portal_start_time: sync.portal_start_time,
                    sessions,
                    dropped,
                });
            }
            AdminFromPortal::Pconn { sessid, session } => {
                let session = self.table.insert(sessid, session);
                self.emit(ServerEvent::SessionConnected(session));
            }
            AdminFromPortal::Pconnsync { sessid, session } => {
                // Evennia updates a known session and ignores others.
                if let Some(session) = self.table.update(sessid, &session) {
                    self.emit(ServerEvent::SessionSynced(session));
                }
            }
            AdminFromPortal::Pdisconn { sessid } => {
                // The Portal repeats PDISCONN after an SDISCONN: the second finds nothing.
                if let Some(session) = self.table.remove(sessid) {
                    self.emit(ServerEvent::SessionDisconnected(session));
                }
            }
            AdminFromPortal::Pdisconnall => {
                for session in self.table.clear() {
                    self.emit(ServerEvent::SessionDisconnected(session));
                }
            }
            AdminFromPortal::Sshutd { .. } | AdminFromPortal::Sreload { .. } | AdminFromPortal::Sreset { .. }
                if stopping =>
            {
                // Already stopping (its SSYNC awaits the answer): once is enough.
                tracing::debug!("stop request while stopping ignored");
            }
            AdminFromPortal::Sshutd { .. } => return (Ok(()), Next::Stop),
            AdminFromPortal::Sreload { .. } => return (Ok(()), self.sync_then_stop(ShutdownMode::Reload)),
            AdminFromPortal::Sreset { .. } => return (Ok(()), self.sync_then_stop(ShutdownMode::Reset)),
            AdminFromPortal::Other(raw) => {
                tracing::warn!(%raw, "unknown admin operation from the Portal");
                return (Err(raw.not_recognized()), Next::Continue);
            }
        }
        (Ok(()), Next::Continue)
    }

    /// As Evennia's Server before a reload or reset: leaves every session's
    /// data with the Portal (SSYNC), which hands it to the next Server. The
    /// answer is awaited (for up to 10 s) in a task: the processor goes on
    /// taking the Portal's messages meanwhile.
    fn sync_then_stop(&self, mode: ShutdownMode) -> Next {
        let ssync = AdminFromServer::Ssync { sessions: self.table.sync_data(), clean: None };
        let outbox = self.outbox.clone();
        let task = tokio::spawn(async move {
            match outbox.send(Payload::Admin(ssync)).await {
                Ok(receipt) => match tokio::time::timeout(Duration::from_secs(10), receipt).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "SSYNC before {} failed", mode.as_str()),
                    Err(_) => tracing::warn!("SSYNC before {}: no answer within 10 s", mode.as_str()),
                },
                Err(e) => tracing::warn!(error = %e, "SSYNC before {} not sent", mode.as_str()),
            }
        });
        Next::StopAfter(mode, task)
    }
}
