//! Typed admin messages: the payloads of `AdminPortal2Server`,
//! `AdminServer2Portal` and `MsgLauncher2Portal`, built and read exactly as
//! Evennia 6.1 does. Each type is named after the process that sends it:
//! [`AdminFromPortal`], [`AdminFromServer`], [`AdminFromLauncher`].
//!
//! Each payload is `(sessid, {"operation": chr(N), ...})` (see
//! [`Envelope`]). The keys of each operation, in the order Evennia writes them:
//!
//! | direction | operation | sessid | other keys |
//! |---|---|---|---|
//! | Portal -> Server | PSYNC | 0 | `server_restart_mode`, `sessiondata` (`{sessid: {...}}`), `portal_start_time` |
//! | Portal -> Server | PCONN | the session | `sessiondata` (all of it) |
//! | Portal -> Server | PCONNSYNC | the session | `sessiondata` (what the Portal owns) |
//! | Portal -> Server | PDISCONN | the session | |
//! | Portal -> Server | PDISCONNALL | 0 | |
//! | Portal -> Server | SRELOAD, SRESET, SSHUTD | 0 | `server_restart_mode` |
//! | Server -> Portal | PSYNC | 0 | `spid`, `info_dict` |
//! | Server -> Portal | SLOGIN | the session | `sessiondata` (`{"logged_in": True, "uid": uid}`) |
//! | Server -> Portal | SDISCONN | the session | `reason` |
//! | Server -> Portal | SDISCONNALL | 0 | `reason` |
//! | Server -> Portal | SSYNC | 0 | `sessiondata` (`{sessid: {...}}`), `clean` (only when false) |
//! | Server -> Portal | SRELOAD, SRESET, SSHUTD, PSHUTD | 0 | |
//! | Server -> Portal | SCONN | 0 | `protocol_path`, `config` |
//!
//! PSTATUS is defined by Evennia but no process handles it: the 6.1 Portal
//! answers it with `EXCEPTION` ("operation \x12 not recognized.", the
//! character itself where `\x12` is written here). Anything else decodes
//! as `Other`, kept whole.
//!
//! [`AdminFromLauncher`] types the third kind, `MsgLauncher2Portal`: what
//! Evennia's launcher (`evennia start`, `reload`, `stop`, ...) sends the
//! Portal. It carries no `(sessid, kwargs)` payload but two arguments:
//! `operation`, the code's one byte, and `arguments`, a pickle:
//!
//! | operation | `arguments` (as the launcher sends it) | what the Portal does |
//! |---|---|---|
//! | SSTART | the Server's command line (`['twistd', '--python=...server.py', ...]`) | starts the Server with it, unless one is connected |
//! | SRELOAD, SRESET | `{}` | stops the Server in that mode (then starts it again); with no Server connected, starts one with `arguments` as its command line |
//! | SSHUTD | `{}` | stops the Server |
//! | PSHUTD | `{}` | stops the Server, then itself |
//!
//! The launcher asks for status with `MsgStatus`, not with PSTATUS here.

mod from_launcher;
mod from_portal;
mod from_server;

pub use from_launcher::{AdminFromLauncher, RawLauncherAdmin};
pub use from_portal::{AdminFromPortal, PortalSync};
pub use from_server::AdminFromServer;

use super::operation::{operation_repr, Operation};
use super::session::SessionData;
use super::{bad_field, short_repr, Envelope, Kwargs, PayloadError, SessId};
use crate::codec::pickle::Value;

/// Every session's data keyed by session id: PSYNC's and SSYNC's
/// `sessiondata` (`{sessid: {...}}`), in order.
pub type SessionMap = Vec<(SessId, SessionData)>;

/// An admin message with an operation this module does not type, kept whole.
#[derive(Debug, Clone, PartialEq)]
pub struct RawAdmin {
    /// The session id.
    pub sessid: SessId,
    /// The `operation` string.
    pub operation: String,
    /// The other keys.
    pub kwargs: Kwargs,
}

/// The Server's `info_dict` (sent with PSYNC). Evennia's keys, in its order:
/// `servername`, `version`, `amp`, `errors`, `info`, `webserver`,
/// `irc_rss`; every key is kept.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerInfo(pub Kwargs);

impl ServerInfo {
    /// Evennia's keys, with `servername` and `version` set and the rest empty
    /// (`amp` names the Portal's AMP port as Evennia's Server does:
    /// `"amp : PORT"`).
    pub fn new(servername: &str, version: &str, amp_port: u16) -> Self {
        ServerInfo(
            Kwargs::new()
                .with("servername", servername)
                .with("version", version)
                .with("amp", format!("amp : {amp_port}"))
                .with("errors", "")
                .with("info", "")
                .with("webserver", "")
                .with("irc_rss", ""),
        )
    }

    /// `servername`.
    pub fn servername(&self) -> Option<&str> {
        self.0.get("servername").and_then(Value::as_str)
    }

    /// `version`.
    pub fn version(&self) -> Option<&str> {
        self.0.get("version").and_then(Value::as_str)
    }
}

pub(super) fn admin_kwargs(op: Operation) -> Kwargs {
    Kwargs::new().with("operation", op.as_str())
}

pub(super) fn opt_str_value(s: &Option<String>) -> Value {
    s.as_deref().map_or(Value::None, Value::from)
}

pub(super) fn sessions_value(sessions: &SessionMap) -> Value {
    Value::Dict(sessions.iter().map(|(id, data)| (Value::from(*id), data.to_value())).collect())
}

pub(super) fn sessions_from(kwargs: &mut Kwargs, op: Operation) -> Result<SessionMap, PayloadError> {
    let value =
        kwargs.remove("sessiondata").ok_or(PayloadError::MissingField { operation: op.name(), key: "sessiondata" })?;
    match value {
        Value::Dict(pairs) => pairs
            .into_iter()
            .map(|(key, data)| {
                let sessid = match &key {
                    Value::Int(n) if *n >= 0 => *n as u64,
                    other => return Err(bad_field("sessiondata", "int session ids", other)),
                };
                Ok((sessid, SessionData::from_value(data)?))
            })
            .collect(),
        other => Err(bad_field("sessiondata", "a dict", &other)),
    }
}

pub(super) fn session_from(kwargs: &mut Kwargs, op: Operation) -> Result<SessionData, PayloadError> {
    let value =
        kwargs.remove("sessiondata").ok_or(PayloadError::MissingField { operation: op.name(), key: "sessiondata" })?;
    SessionData::from_value(value)
}

pub(super) fn take_operation(kwargs: &mut Kwargs) -> Result<String, PayloadError> {
    match kwargs.remove("operation") {
        Some(Value::Str(op)) => Ok(op),
        _ => Err(PayloadError::NoOperation),
    }
}

impl RawAdmin {
    /// The payload: `operation` first, then the other keys.
    pub fn to_envelope(&self) -> Envelope {
        let mut kwargs = Kwargs::new().with("operation", self.operation.as_str());
        for (k, v) in self.kwargs.iter() {
            kwargs.insert(k, v.clone());
        }
        Envelope::new(self.sessid, kwargs)
    }

    /// Evennia's error text for an operation it does not handle:
    /// `"operation %(op)s not recognized." % {"op": operation}`, so the
    /// operation's character itself (`"operation \x07 not recognized."`).
    pub fn not_recognized(&self) -> String {
        format!("operation {} not recognized.", self.operation)
    }
}

impl std::fmt::Display for RawAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "operation {} (session {}) {}",
            operation_repr(&self.operation),
            self.sessid,
            short_repr(&self.kwargs.to_value())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_shapes_match_evennia() {
        let psync = AdminFromServer::Psync { spid: 13423, info: ServerInfo::new("game", "6.1.0", 4016) };
        assert_eq!(
            psync.to_envelope().to_value().to_string(),
            "(0, {'operation': '\\x03', 'spid': 13423, 'info_dict': {'servername': 'game', 'version': '6.1.0', \
             'amp': 'amp : 4016', 'errors': '', 'info': '', 'webserver': '', 'irc_rss': ''}})"
        );
        let sdisconn = AdminFromServer::Sdisconn { sessid: 1, reason: Some("quit".into()) };
        assert_eq!(sdisconn.to_envelope().to_value().to_string(), "(1, {'operation': '\\x05', 'reason': 'quit'})");
        let sshutd = AdminFromPortal::Sshutd { server_restart_mode: Some("shutdown".into()) };
        assert_eq!(
            sshutd.to_envelope().to_value().to_string(),
            "(0, {'operation': '\\x11', 'server_restart_mode': 'shutdown'})"
        );
        assert!(AdminFromServer::Sreload.starts_evennia_server());
        assert!(!AdminFromServer::Sshutd.starts_evennia_server());
    }

    #[test]
    fn malformed_payloads_are_typed_errors() {
        let no_op = Envelope::new(0, Kwargs::new());
        assert_eq!(AdminFromPortal::from_envelope(no_op.clone()), Err(PayloadError::NoOperation));
        assert_eq!(AdminFromServer::from_envelope(no_op), Err(PayloadError::NoOperation));
        let pconn = Envelope::new(1, Kwargs::new().with("operation", "\x01"));
        assert!(matches!(
            AdminFromPortal::from_envelope(pconn),
            Err(PayloadError::MissingField { key: "sessiondata", .. })
        ));
        let bad_sessions = Envelope::new(
            0,
            Kwargs::new()
                .with("operation", "\x03")
                .with("sessiondata", Value::Dict(vec![(Value::from("1"), Value::None)])),
        );
        assert!(matches!(AdminFromPortal::from_envelope(bad_sessions), Err(PayloadError::BadField { .. })));
        let bad_mode = Envelope::new(0, Kwargs::new().with("operation", "\x11").with("server_restart_mode", 3));
        assert!(matches!(AdminFromPortal::from_envelope(bad_mode), Err(PayloadError::BadField { .. })));
        let raw = RawAdmin { sessid: 0, operation: "\x07".into(), kwargs: Kwargs::new() };
        assert_eq!(raw.not_recognized(), "operation \x07 not recognized.");
    }
}
