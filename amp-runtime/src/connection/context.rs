use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::Peer;

/// Where a connection's peer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerAddr {
    /// A TCP peer.
    Tcp(SocketAddr),
    /// A Unix socket peer (the path, when it has one).
    Unix(Option<PathBuf>),
    /// Anything else (an in-memory duplex, a TLS stream over something else).
    Other,
}

impl fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerAddr::Tcp(a) => write!(f, "{a}"),
            PeerAddr::Unix(Some(p)) => write!(f, "unix:{}", p.display()),
            PeerAddr::Unix(None) => write!(f, "unix:(unnamed)"),
            PeerAddr::Other => write!(f, "(stream)"),
        }
    }
}

/// What a handler gets with each call: the connection it came on.
///
/// Cloning is cheap. The per-connection state is a type map shared by every
/// call of the connection.
#[derive(Clone)]
pub struct Context {
    peer: Peer,
    addr: PeerAddr,
    state: Arc<Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>,
}

impl Context {
    /// The context of a connection.
    pub fn new(peer: Peer, addr: PeerAddr) -> Self {
        Context { peer, addr, state: Arc::default() }
    }

    /// A context with no connection behind it (calls through its peer fail
    /// with a connection-lost error): for calling handlers directly.
    pub fn detached() -> Self {
        Context::new(Peer::detached(), PeerAddr::Other)
    }

    /// A handle to call the peer on the same connection.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> &PeerAddr {
        &self.addr
    }

    /// The connection's state of type `T`, if set.
    pub fn state<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&TypeId::of::<T>()).cloned().and_then(|v| v.downcast::<T>().ok())
    }

    /// The connection's state of type `T`, set to `init()` on first use.
    pub fn state_or_insert_with<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let v = map.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(init())).clone();
        v.downcast::<T>().unwrap_or_else(|_| unreachable!("state map is keyed by TypeId"))
    }

    /// Sets the connection's state of type `T`, returning the previous value.
    pub fn set_state<T: Any + Send + Sync>(&self, value: T) -> Option<Arc<T>> {
        let mut map = self.state.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(TypeId::of::<T>(), Arc::new(value)).and_then(|v| v.downcast::<T>().ok())
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context").field("peer_addr", &self.addr).finish_non_exhaustive()
    }
}
