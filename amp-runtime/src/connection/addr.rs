//! [`PeerAddr`]: where a connection's peer is.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

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
