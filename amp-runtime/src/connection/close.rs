use std::fmt;

use crate::wire::ProtocolError;

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// Closed on this side ([`Peer::close`](crate::Peer::close), a graceful
    /// shutdown, or every handle asked for it).
    Local,
    /// The peer closed the stream at a box boundary.
    PeerClosed,
    /// The peer broke the framing rules (or the stream ended inside a box).
    Protocol(ProtocolError),
    /// Reading or writing failed.
    Io(String),
    /// A handler answered a declared fatal error (`fatalErrors`): the error
    /// box was sent, then the connection closed, as Twisted does.
    FatalError {
        /// The error code sent.
        code: String,
    },
    /// A handler failed in an undeclared way (answered `UNKNOWN`), and the
    /// connection is configured to close then, as Twisted does.
    UndeclaredFailure,
    /// The first byte the peer sent was not NUL: the configured non-AMP reply
    /// was sent and the connection closed (Evennia's HTTP answer).
    NotAmp,
    /// The connection switched to another protocol: no more AMP on it.
    Switched,
    /// Starting TLS failed.
    Tls(String),
    /// A StartTLS or protocol-switch call was cancelled before its answer
    /// came: the two sides may disagree on what the stream now carries.
    UpgradeAbandoned,
    /// The peer kept calling while this side awaited a StartTLS or switch
    /// answer, and the answers held back outgrew their limit.
    Backlog,
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Local => write!(f, "the connection was closed locally"),
            CloseReason::PeerClosed => write!(f, "the peer closed the connection"),
            CloseReason::Protocol(e) => write!(f, "protocol error: {e}"),
            CloseReason::Io(e) => write!(f, "i/o error: {e}"),
            CloseReason::FatalError { code } => write!(f, "closed after answering the fatal error {code}"),
            CloseReason::UndeclaredFailure => write!(f, "closed after answering UNKNOWN (an undeclared failure)"),
            CloseReason::NotAmp => write!(f, "the peer does not speak AMP (first byte not NUL)"),
            CloseReason::Switched => write!(f, "the connection switched to another protocol: no AMP traffic allowed"),
            CloseReason::Tls(e) => write!(f, "TLS failed: {e}"),
            CloseReason::Backlog => write!(f, "too many answers held back while an upgrade answer was awaited"),
            CloseReason::UpgradeAbandoned => {
                write!(f, "a StartTLS or protocol switch was cancelled before its answer; the connection was closed")
            }
        }
    }
}
