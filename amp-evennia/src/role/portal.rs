//! The Portal role lives in `amp-portal` (its `portal::Portal`: the
//! players' sessions, the AMP link to the Server and the launcher). What is
//! left here is a fact about Evennia's Portal that more than one crate
//! needs: what it answers on its AMP port to a connection that is not AMP.

/// What Evennia 6.1's Portal sends, byte for byte (259 bytes), to a connection
/// on its AMP port whose data does not start with NUL, before closing it
/// (`_HTTP_WARNING` in `evennia/server/portal/amp.py`; captured in
/// `tests/fixtures/evennia-6.1/captures.txt`). amp-portal's Portal sends it
/// as its [`ConnectionConfig::non_amp_reply`](amp_runtime::ConnectionConfig::non_amp_reply).
///
/// Evennia checks every read; the runtime checks only the first byte of a
/// connection, so a box split across reads is never mistaken for HTTP.
pub const EVENNIA_HTTP_REPLY: &[u8] = b"HTTP/1.1 200 OK\nContent-Type: text/html\n\n<html>\n  <body>\n    \
This is Evennia's internal AMP port. It handles communication\n    between Evennia's different processes.\n    \
<p>\n        <h3>This port should NOT be publicly visible.</h3>\n    </p>\n  </body>\n</html>";
