//! What the Portal holds: its sessions and its AMP peers.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use amp_evennia::payload::admin::SessionMap;
use amp_evennia::payload::session::SessionData;
use amp_evennia::payload::SessId;
use amp_evennia::Kwargs;
use amp_runtime::Peer;
use tokio::sync::{mpsc, Notify};

use super::session::ToSession;

/// One session, from its connection to its end.
pub(crate) struct Entry {
    /// Its synced data (`get_sync_data()`), kept current.
    pub(crate) data: SessionData,
    /// Its protocol's queue.
    pub(crate) tx: mpsc::Sender<ToSession>,
    /// Wakes its protocol to close at once (its queue may be full).
    pub(crate) kill: Arc<Notify>,
    /// Whether the Server has been told of it (Evennia's `server_connected`).
    pub(crate) admitted: bool,
}

/// What the Portal does once the Server's connection drops (Evennia keeps
/// one such callback per connection: a later order replaces an earlier one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterDisconnect {
    /// Tell the launcher (it waits for the Server to go, then acts).
    StatusToLauncher,
    /// Start the Server again with the last command line (reload, reset).
    StartServer,
    /// Stop the Portal (PSHUTD).
    StopPortal,
}

/// The Server's connection, once it has sent PSYNC.
pub(crate) struct ServerLink {
    pub(crate) peer: Peer,
    pub(crate) after_disconnect: Option<AfterDisconnect>,
}

pub(crate) struct State {
    pub(crate) sessions: BTreeMap<SessId, Entry>,
    /// Sessions waiting for the connection queue, oldest first.
    pub(crate) queue: VecDeque<SessId>,
    latest_sessid: SessId,
    pub(crate) server: Option<ServerLink>,
    /// The Server's pid from its last PSYNC (Evennia never clears it).
    pub(crate) server_pid: Option<i64>,
    /// The Server's `info_dict`, cleared when it disconnects.
    pub(crate) server_info: Kwargs,
    /// `server_restart_mode`: how the last Server stopped.
    pub(crate) restart_mode: Option<String>,
    /// The command line the Server was last started with.
    pub(crate) twistd_cmd: Vec<String>,
    /// Tell the launcher once the next Server has connected.
    pub(crate) status_on_connect: bool,
    /// The launcher's connection (the last one that sent an operation).
    pub(crate) launcher: Option<Peer>,
}

impl State {
    pub(crate) fn new(twistd_cmd: Vec<String>) -> Self {
        State {
            sessions: BTreeMap::new(),
            queue: VecDeque::new(),
            latest_sessid: 0,
            server: None,
            server_pid: None,
            server_info: Kwargs::new(),
            restart_mode: Some("shutdown".to_owned()),
            twistd_cmd,
            status_on_connect: false,
            launcher: None,
        }
    }

    /// Evennia's `generate_sessid`: 1, 2, 3 ... skipping ids in use.
    pub(crate) fn next_sessid(&mut self) -> SessId {
        loop {
            self.latest_sessid += 1;
            if !self.sessions.contains_key(&self.latest_sessid) {
                return self.latest_sessid;
            }
        }
    }

    /// The Server's connection, while it is open.
    pub(crate) fn server_peer(&self) -> Option<Peer> {
        self.server.as_ref().map(|s| s.peer.clone()).filter(|p| !p.is_closed())
    }

    pub(crate) fn admitted_count(&self) -> usize {
        self.sessions.values().filter(|e| e.admitted).count()
    }

    /// `get_all_sync_data()`: every session the Server knows of.
    pub(crate) fn sync_data(&self) -> SessionMap {
        self.sessions.iter().filter(|(_, e)| e.admitted).map(|(id, e)| (*id, e.data.clone())).collect()
    }

    /// Removes a session; `None` if it was not there.
    pub(crate) fn remove(&mut self, sessid: SessId) -> Option<Entry> {
        self.queue.retain(|id| *id != sessid);
        self.sessions.remove(&sessid)
    }
}
