//! The Server's session table, shared by the event processor (which applies
//! the Portal's messages) and the game's handle (which reads it and logs
//! sessions in or out).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::events::Session;
use crate::payload::session::SessionData;
use crate::payload::SessId;

/// Sessions by id, in id order.
#[derive(Debug, Clone, Default)]
pub(crate) struct SessionTable(Arc<Mutex<BTreeMap<SessId, SessionData>>>);

fn session(sessid: SessId, data: &SessionData) -> Session {
    Session { sessid, data: data.clone() }
}

impl SessionTable {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<SessId, SessionData>> {
        // The map stays consistent even if a holder panicked: every change is one call.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every session, in id order.
    pub(crate) fn all(&self) -> Vec<Session> {
        self.lock().iter().map(|(id, data)| session(*id, data)).collect()
    }

    /// Every session id, in order.
    pub(crate) fn ids(&self) -> Vec<SessId> {
        self.lock().keys().copied().collect()
    }

    pub(crate) fn get(&self, sessid: SessId) -> Option<Session> {
        self.lock().get(&sessid).map(|data| session(sessid, data))
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    pub(crate) fn contains(&self, sessid: SessId) -> bool {
        self.lock().contains_key(&sessid)
    }

    /// Adds or replaces a session.
    pub(crate) fn insert(&self, sessid: SessId, data: SessionData) -> Session {
        let s = session(sessid, &data);
        self.lock().insert(sessid, data);
        s
    }

    /// Applies an update to a known session (`None` if unknown).
    pub(crate) fn update(&self, sessid: SessId, data: &SessionData) -> Option<Session> {
        let mut map = self.lock();
        let current = map.get_mut(&sessid)?;
        current.update(data);
        Some(session(sessid, current))
    }

    pub(crate) fn remove(&self, sessid: SessId) -> Option<Session> {
        self.lock().remove(&sessid).map(|data| Session { sessid, data })
    }

    /// Replaces every session; returns the sessions that were dropped.
    pub(crate) fn replace(&self, sessions: Vec<(SessId, SessionData)>) -> Vec<Session> {
        let mut map = self.lock();
        let old = std::mem::take(&mut *map);
        map.extend(sessions);
        old.into_iter().filter(|(id, _)| !map.contains_key(id)).map(|(sessid, data)| Session { sessid, data }).collect()
    }

    pub(crate) fn clear(&self) -> Vec<Session> {
        std::mem::take(&mut *self.lock()).into_iter().map(|(sessid, data)| Session { sessid, data }).collect()
    }

    /// Every session as SSYNC's `sessiondata`.
    pub(crate) fn sync_data(&self) -> Vec<(SessId, SessionData)> {
        self.lock().iter().map(|(id, data)| (*id, data.clone())).collect()
    }
}
