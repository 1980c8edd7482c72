use std::time::Duration;

use bytes::Bytes;

use super::tls::TlsRole;
use crate::wire::Limits;

/// How a connection behaves. Build it from [`Default`] and change what you
/// need, directly or with the `with_*` methods:
///
/// ```
/// # use amp_runtime::connection::ConnectionConfig;
/// # use std::time::Duration;
/// let config = ConnectionConfig { nodelay: false, ..Default::default() }
///     .with_default_timeout(Duration::from_secs(30));
/// ```
#[derive(Clone, Debug)]
pub struct ConnectionConfig {
    /// Caps on what the peer may send in one box (bytes and pairs).
    pub limits: Limits,
    /// Most calls awaiting an answer at once; one more fails at once with
    /// [`CallError::TooManyOutstanding`](crate::CallError::TooManyOutstanding).
    pub max_outstanding_calls: usize,
    /// Boxes waiting to be written. When the queue is full, callers (and
    /// handlers sending answers) wait: a peer that reads slowly cannot make
    /// memory grow without bound.
    pub send_queue_depth: usize,
    /// Queued boxes are joined into one write of at most about this many
    /// bytes (a single larger box is still written whole). Reading pauses
    /// while four times this is waiting to be written.
    pub write_batch_bytes: usize,
    /// Handlers running at once on this connection (each call of the peer
    /// runs its own handler). At the cap, reading pauses until one finishes.
    /// A handler that waits for an answer from the same peer counts too:
    /// keep the cap above the number of such calls in flight.
    pub max_concurrent_handlers: usize,
    /// After answering `UNKNOWN` (a handler failed in an undeclared way,
    /// panicked, or the arguments did not decode), keep the connection open.
    /// `false` (the default) closes it after the answer, as Twisted does.
    pub keep_connection_on_undeclared_failure: bool,
    /// After the peer's end of input, how long handlers of its calls may
    /// still run so their answers go out (a peer may have shut down only its
    /// sending side); the connection then closes. `Duration::ZERO` closes at
    /// once, as Twisted does.
    pub eof_grace: Duration,
    /// Timeout of every call made without an explicit one; `None` waits forever.
    pub default_timeout: Option<Duration>,
    /// Sets `TCP_NODELAY` on TCP connections (on by default; Twisted leaves it off).
    pub nodelay: bool,
    /// Sent, before closing, to a peer whose very first byte is not NUL
    /// (an AMP box always starts with one). Only the connection's first byte
    /// is checked (Evennia's Portal sends an HTTP page: amp-evennia's
    /// `EVENNIA_HTTP_REPLY`). `None`: such a peer just fails the framing check.
    pub non_amp_reply: Option<Bytes>,
    /// The TLS side this connection takes when the peer sends `StartTLS`.
    /// `None` answers it with the error `TLS_ERROR` / `TLS not available`, as
    /// Twisted does without TLS support.
    pub start_tls: Option<TlsRole>,
    /// Longest a TLS handshake may take before the connection is closed.
    pub tls_handshake_timeout: Duration,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            limits: Limits::default(),
            max_outstanding_calls: 16_384,
            send_queue_depth: 1_024,
            write_batch_bytes: 64 * 1024,
            max_concurrent_handlers: 1_024,
            keep_connection_on_undeclared_failure: false,
            eof_grace: Duration::from_secs(10),
            default_timeout: None,
            nodelay: true,
            non_amp_reply: None,
            start_tls: None,
            tls_handshake_timeout: Duration::from_secs(10),
        }
    }
}

impl ConnectionConfig {
    /// Sets [`limits`](Self::limits).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets [`max_outstanding_calls`](Self::max_outstanding_calls).
    pub fn with_max_outstanding_calls(mut self, n: usize) -> Self {
        self.max_outstanding_calls = n;
        self
    }

    /// Sets [`send_queue_depth`](Self::send_queue_depth).
    pub fn with_send_queue_depth(mut self, n: usize) -> Self {
        self.send_queue_depth = n;
        self
    }

    /// Sets [`max_concurrent_handlers`](Self::max_concurrent_handlers).
    pub fn with_max_concurrent_handlers(mut self, n: usize) -> Self {
        self.max_concurrent_handlers = n;
        self
    }

    /// Sets [`keep_connection_on_undeclared_failure`](Self::keep_connection_on_undeclared_failure).
    pub fn with_keep_connection_on_undeclared_failure(mut self, keep: bool) -> Self {
        self.keep_connection_on_undeclared_failure = keep;
        self
    }

    /// Sets [`eof_grace`](Self::eof_grace).
    pub fn with_eof_grace(mut self, grace: Duration) -> Self {
        self.eof_grace = grace;
        self
    }

    /// Sets [`default_timeout`](Self::default_timeout).
    pub fn with_default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = Some(timeout);
        self
    }

    /// Sets [`nodelay`](Self::nodelay).
    pub fn with_nodelay(mut self, nodelay: bool) -> Self {
        self.nodelay = nodelay;
        self
    }

    /// Sets [`non_amp_reply`](Self::non_amp_reply).
    pub fn with_non_amp_reply(mut self, reply: impl Into<Bytes>) -> Self {
        self.non_amp_reply = Some(reply.into());
        self
    }

    /// Sets [`start_tls`](Self::start_tls).
    pub fn with_start_tls(mut self, role: TlsRole) -> Self {
        self.start_tls = Some(role);
        self
    }

    /// The values actually used: zero sizes are raised to 1.
    pub(crate) fn normalized(mut self) -> Self {
        self.max_outstanding_calls = self.max_outstanding_calls.max(1);
        self.send_queue_depth = self.send_queue_depth.max(1);
        self.write_batch_bytes = self.write_batch_bytes.max(1);
        self.max_concurrent_handlers = self.max_concurrent_handlers.max(1);
        self
    }
}
