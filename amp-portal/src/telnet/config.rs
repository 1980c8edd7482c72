//! What a telnet connection needs from the game's settings, and its limits.

use std::sync::Arc;

use super::mssp::Mssp;

/// The settings Evennia's telnet protocol reads, with Evennia's defaults
/// (`evennia/settings_default.py`), plus the bounds Evennia lacks.
///
/// One `TelnetConfig` is shared (in an `Arc`) by every connection of a listener.
#[derive(Debug, Clone)]
pub struct TelnetConfig {
    /// `ENCODINGS[0]` (`"utf-8"` when `ENCODINGS` is empty): the session's
    /// starting `ENCODING` flag.
    pub encoding: String,
    /// `CLIENT_DEFAULT_WIDTH` (78): `SCREENWIDTH` until NAWS says otherwise.
    pub client_default_width: i64,
    /// `CLIENT_DEFAULT_HEIGHT` (45): `SCREENHEIGHT` until NAWS says otherwise.
    pub client_default_height: i64,
    /// `MXP_ENABLED` (True): offer MXP on connect.
    pub mxp_enabled: bool,
    /// `IDLE_COMMAND` ("idle"): what a lone NUL keepalive becomes.
    pub idle_command: String,
    /// The MSSP table sent to crawlers, and the live player count.
    pub mssp: Arc<Mssp>,
    /// The MCCP2 compression level, 0-9 (9, Evennia's `zlib.compressobj(9)`).
    /// Every write is followed by a sync flush, and at levels 2-9 that flush
    /// costs some 3.5 µs (zlib-rs builds Huffman trees for each block; C zlib
    /// in Evennia does the same), the bulk of sending a line under MCCP; level
    /// 1 (static trees) costs a tenth of that for somewhat larger output.
    pub mccp_level: u32,
    /// Bounds on what one client can make the Portal hold.
    pub limits: Limits,
}

impl Default for TelnetConfig {
    fn default() -> Self {
        TelnetConfig {
            encoding: "utf-8".into(),
            client_default_width: 78,
            client_default_height: 45,
            mxp_enabled: true,
            idle_command: "idle".into(),
            mssp: Arc::new(Mssp::default()),
            mccp_level: 9,
            limits: Limits::default(),
        }
    }
}

/// Bounds on one connection's buffers. Evennia has none: an endless line or
/// subnegotiation grows its Portal's memory until the client stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest input line, in bytes after telnet unescaping, without its
    /// line break (64 KiB). A longer line is dropped whole (its start is not
    /// kept while the rest arrives) and reported as
    /// [`InputError::LineTooLong`](super::InputError::LineTooLong) when it ends;
    /// the connection stays. Keep it above `MAX_CHAR_LIMIT` (6000) so that
    /// Evennia's own "too long" message still answers lines in between.
    pub max_line: usize,
    /// The longest subnegotiation payload, in bytes (64 KiB). A longer one is
    /// read to its `IAC SE` and dropped, reported as
    /// [`InputError::SubnegotiationTooLong`](super::InputError::SubnegotiationTooLong);
    /// until that `IAC SE` everything the client sends is subnegotiation, as
    /// in Evennia (a client that never ends one is heard no more), but memory
    /// stays bounded.
    pub max_subnegotiation: usize,
    /// How deep a GMCP message's JSON may nest (500). Deeper JSON is passed
    /// on as a plain string, as text that is not JSON is. Evennia has no bound
    /// of its own but breaks somewhere above: pickling the decoded value for
    /// the Server fails near 900 levels (`RecursionError`, Python's stack)
    /// and CPython's JSON scanner stops near 1500, and either way the
    /// exception escapes and Twisted drops the connection.
    pub max_json_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_line: 64 * 1024, max_subnegotiation: 64 * 1024, max_json_depth: 500 }
    }
}
