//! Typed admin messages: the payloads of `AdminPortal2Server` and
//! `AdminServer2Portal`, built and read exactly as Evennia 6.1 does.
//!
//! Each payload is `(sessid, {"operation": chr(N), ...})` (see
//! [`Packed`]). The keys of each operation, in the order Evennia writes them:
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
//! answers it with `EXCEPTION` ("operation '\x12' not recognized.").
//! Anything else decodes as `Other`, kept whole.

use crate::ops::{operation_repr, Operation};
use crate::payload::{bad_field, short_repr, Kwargs, Packed, PayloadError, SessId, DUMMY_SESSID};
use crate::pickle::Value;
use crate::session::SessionData;

/// Every session's data keyed by session id: PSYNC's and SSYNC's
/// `sessiondata` (`{sessid: {...}}`), in order.
pub type SessionMap = Vec<(SessId, SessionData)>;

/// An admin message from the Portal to the Server (`AdminPortal2Server`).
#[derive(Debug, Clone, PartialEq)]
pub enum PortalAdmin {
    /// PSYNC: the Portal's reply to the Server's PSYNC, with every session.
    Psync(PortalSync),
    /// PCONN: a new session, with all of its data.
    Pconn {
        /// The session.
        sessid: SessId,
        /// Its data (`get_sync_data()`).
        session: SessionData,
    },
    /// PCONNSYNC: the Portal's part of a session's data changed (telnet
    /// negotiation ended).
    Pconnsync {
        /// The session.
        sessid: SessId,
        /// The keys the Portal owns: protocol_key, address, sessid, csessid,
        /// conn_time, protocol_flags, server_data.
        session: SessionData,
    },
    /// PDISCONN: the session's connection closed.
    Pdisconn {
        /// The session.
        sessid: SessId,
    },
    /// PDISCONNALL: every session is gone (the Portal is stopping).
    Pdisconnall,
    /// SRELOAD: shut down in reload mode.
    Sreload {
        /// `server_restart_mode` (`"reload"`).
        server_restart_mode: Option<String>,
    },
    /// SRESET: shut down in reset mode.
    Sreset {
        /// `server_restart_mode` (`"reset"`).
        server_restart_mode: Option<String>,
    },
    /// SSHUTD: shut down.
    Sshutd {
        /// `server_restart_mode` (`"shutdown"`).
        server_restart_mode: Option<String>,
    },
    /// Any other operation (Evennia's Server answers these with
    /// `Exception("operation ... not recognized.")`).
    Other(RawAdmin),
}

/// The Portal's PSYNC: what the Server needs to resume.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalSync {
    /// How the last Server stopped: `"shutdown"`, `"reload"`, `"reset"`, or
    /// `None`.
    pub server_restart_mode: Option<String>,
    /// Every session the Portal holds.
    pub sessions: SessionMap,
    /// When the Portal started (Unix seconds).
    pub portal_start_time: Option<f64>,
}

/// An admin message from the Server to the Portal (`AdminServer2Portal`).
#[derive(Debug, Clone, PartialEq)]
pub enum ServerAdmin {
    /// PSYNC: the Server's first message on each connection.
    Psync {
        /// `spid`: the Server's process id.
        spid: i64,
        /// `info_dict`: shown by `evennia status` and in the Portal's
        /// MsgStatus answers.
        info: ServerInfo,
    },
    /// SLOGIN: a session logged in; the Portal loads `sessiondata` into it.
    Slogin {
        /// The session.
        sessid: SessId,
        /// What changed (Evennia: `{"logged_in": True, "uid": uid}`).
        sessiondata: SessionData,
    },
    /// SDISCONN: close a session. The Portal sends `reason` to the player as
    /// text first (nothing when it is `None`).
    Sdisconn {
        /// The session.
        sessid: SessId,
        /// `reason` (Evennia always sends a `str`, often `""`).
        reason: Option<String>,
    },
    /// SDISCONNALL: close every session.
    Sdisconnall {
        /// `reason`.
        reason: Option<String>,
    },
    /// SSYNC: store session data on the Portal (kept across Server restarts).
    Ssync {
        /// `sessiondata`: `{sessid: {...}}`.
        sessions: SessionMap,
        /// `clean`: drop the Portal's sessions not listed (`None` is Evennia's
        /// default, true; the key is only written when given).
        clean: Option<bool>,
    },
    /// SRELOAD: asks the Portal to restart the Server in reload mode. A
    /// stock Portal then starts Evennia's own Python Server.
    Sreload,
    /// SRESET: the same in reset mode.
    Sreset,
    /// SSHUTD: asks the Portal to stop the Server.
    Sshutd,
    /// PSHUTD: asks the Portal to stop the Server and itself.
    Pshutd,
    /// PSTATUS: unhandled by Evennia 6.1 (see the module docs).
    Pstatus,
    /// SCONN: asks the Portal to open an outgoing protocol (IRC, RSS, ...).
    Sconn {
        /// `protocol_path`: the Python path of the protocol factory.
        protocol_path: String,
        /// `config`: its keyword arguments.
        config: Value,
    },
    /// Any other operation (the Portal answers `EXCEPTION`).
    Other(RawAdmin),
}

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

fn admin_kwargs(op: Operation) -> Kwargs {
    Kwargs::new().with("operation", op.as_str())
}

fn opt_str_value(s: &Option<String>) -> Value {
    s.as_deref().map_or(Value::None, Value::from)
}

fn sessions_value(sessions: &SessionMap) -> Value {
    Value::Dict(sessions.iter().map(|(id, data)| (Value::from(*id), data.to_value())).collect())
}

fn sessions_from(kwargs: &mut Kwargs, op: Operation) -> Result<SessionMap, PayloadError> {
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

fn session_from(kwargs: &mut Kwargs, op: Operation) -> Result<SessionData, PayloadError> {
    let value =
        kwargs.remove("sessiondata").ok_or(PayloadError::MissingField { operation: op.name(), key: "sessiondata" })?;
    SessionData::from_value(value)
}

fn take_operation(kwargs: &mut Kwargs) -> Result<String, PayloadError> {
    match kwargs.remove("operation") {
        Some(Value::Str(op)) => Ok(op),
        _ => Err(PayloadError::NoOperation),
    }
}

impl PortalAdmin {
    /// The operation, `None` for an untyped one.
    pub fn operation(&self) -> Option<Operation> {
        Some(match self {
            PortalAdmin::Psync(_) => Operation::Psync,
            PortalAdmin::Pconn { .. } => Operation::Pconn,
            PortalAdmin::Pconnsync { .. } => Operation::Pconnsync,
            PortalAdmin::Pdisconn { .. } => Operation::Pdisconn,
            PortalAdmin::Pdisconnall => Operation::Pdisconnall,
            PortalAdmin::Sreload { .. } => Operation::Sreload,
            PortalAdmin::Sreset { .. } => Operation::Sreset,
            PortalAdmin::Sshutd { .. } => Operation::Sshutd,
            PortalAdmin::Other(raw) => return Operation::parse(&raw.operation),
        })
    }

    /// The payload's session id (0 for messages about no session).
    pub fn sessid(&self) -> SessId {
        match self {
            PortalAdmin::Pconn { sessid, .. }
            | PortalAdmin::Pconnsync { sessid, .. }
            | PortalAdmin::Pdisconn { sessid } => *sessid,
            PortalAdmin::Other(raw) => raw.sessid,
            _ => DUMMY_SESSID,
        }
    }

    /// The payload, keys in Evennia's order.
    pub fn to_packed(&self) -> Packed {
        let (sessid, kwargs) = match self {
            PortalAdmin::Psync(sync) => (
                DUMMY_SESSID,
                admin_kwargs(Operation::Psync)
                    .with("server_restart_mode", opt_str_value(&sync.server_restart_mode))
                    .with("sessiondata", sessions_value(&sync.sessions))
                    .with("portal_start_time", sync.portal_start_time.map_or(Value::None, Value::Float)),
            ),
            PortalAdmin::Pconn { sessid, session } => {
                (*sessid, admin_kwargs(Operation::Pconn).with("sessiondata", session.to_value()))
            }
            PortalAdmin::Pconnsync { sessid, session } => {
                (*sessid, admin_kwargs(Operation::Pconnsync).with("sessiondata", session.to_value()))
            }
            PortalAdmin::Pdisconn { sessid } => (*sessid, admin_kwargs(Operation::Pdisconn)),
            PortalAdmin::Pdisconnall => (DUMMY_SESSID, admin_kwargs(Operation::Pdisconnall)),
            PortalAdmin::Sreload { server_restart_mode } => (
                DUMMY_SESSID,
                admin_kwargs(Operation::Sreload).with("server_restart_mode", opt_str_value(server_restart_mode)),
            ),
            PortalAdmin::Sreset { server_restart_mode } => (
                DUMMY_SESSID,
                admin_kwargs(Operation::Sreset).with("server_restart_mode", opt_str_value(server_restart_mode)),
            ),
            PortalAdmin::Sshutd { server_restart_mode } => (
                DUMMY_SESSID,
                admin_kwargs(Operation::Sshutd).with("server_restart_mode", opt_str_value(server_restart_mode)),
            ),
            PortalAdmin::Other(raw) => return raw.to_packed(),
        };
        Packed::new(sessid, kwargs)
    }

    /// Reads a payload. Unknown keys of known operations are ignored, as
    /// Evennia ignores them; unknown operations become [`PortalAdmin::Other`].
    pub fn from_packed(packed: Packed) -> Result<PortalAdmin, PayloadError> {
        let Packed { sessid, mut kwargs } = packed;
        let operation = take_operation(&mut kwargs)?;
        let Some(op) = Operation::parse(&operation) else {
            return Ok(PortalAdmin::Other(RawAdmin { sessid, operation, kwargs }));
        };
        let mode = |kwargs: &Kwargs| kwargs.opt_str("server_restart_mode").map(|m| m.map(str::to_owned));
        Ok(match op {
            Operation::Psync => PortalAdmin::Psync(PortalSync {
                server_restart_mode: mode(&kwargs)?,
                portal_start_time: kwargs.opt_f64("portal_start_time")?,
                sessions: sessions_from(&mut kwargs, op)?,
            }),
            Operation::Pconn => PortalAdmin::Pconn { sessid, session: session_from(&mut kwargs, op)? },
            Operation::Pconnsync => PortalAdmin::Pconnsync { sessid, session: session_from(&mut kwargs, op)? },
            Operation::Pdisconn => PortalAdmin::Pdisconn { sessid },
            Operation::Pdisconnall => PortalAdmin::Pdisconnall,
            Operation::Sreload => PortalAdmin::Sreload { server_restart_mode: mode(&kwargs)? },
            Operation::Sreset => PortalAdmin::Sreset { server_restart_mode: mode(&kwargs)? },
            Operation::Sshutd => PortalAdmin::Sshutd { server_restart_mode: mode(&kwargs)? },
            _ => PortalAdmin::Other(RawAdmin { sessid, operation, kwargs }),
        })
    }

    /// Reads `packed_data` (a pickle).
    pub fn from_pickle(bytes: &[u8]) -> Result<PortalAdmin, PayloadError> {
        PortalAdmin::from_packed(Packed::from_pickle(bytes)?)
    }
}

impl ServerAdmin {
    /// The operation, `None` for an untyped one.
    pub fn operation(&self) -> Option<Operation> {
        Some(match self {
            ServerAdmin::Psync { .. } => Operation::Psync,
            ServerAdmin::Slogin { .. } => Operation::Slogin,
            ServerAdmin::Sdisconn { .. } => Operation::Sdisconn,
            ServerAdmin::Sdisconnall { .. } => Operation::Sdisconnall,
            ServerAdmin::Ssync { .. } => Operation::Ssync,
            ServerAdmin::Sreload => Operation::Sreload,
            ServerAdmin::Sreset => Operation::Sreset,
            ServerAdmin::Sshutd => Operation::Sshutd,
            ServerAdmin::Pshutd => Operation::Pshutd,
            ServerAdmin::Pstatus => Operation::Pstatus,
            ServerAdmin::Sconn { .. } => Operation::Sconn,
            ServerAdmin::Other(raw) => return Operation::parse(&raw.operation),
        })
    }

    /// The payload's session id (0 for messages about no session).
    pub fn sessid(&self) -> SessId {
        match self {
            ServerAdmin::Slogin { sessid, .. } | ServerAdmin::Sdisconn { sessid, .. } => *sessid,
            ServerAdmin::Other(raw) => raw.sessid,
            _ => DUMMY_SESSID,
        }
    }

    /// Whether a stock Portal would start Evennia's own Python Server
    /// after this message (SRELOAD, SRESET).
    pub fn starts_evennia_server(&self) -> bool {
        matches!(self.operation(), Some(Operation::Sreload | Operation::Sreset | Operation::Sstart))
    }

    /// The payload, keys in Evennia's order.
    pub fn to_packed(&self) -> Packed {
        let simple = |op: Operation| Packed::new(DUMMY_SESSID, admin_kwargs(op));
        match self {
            ServerAdmin::Psync { spid, info } => Packed::new(
                DUMMY_SESSID,
                admin_kwargs(Operation::Psync).with("spid", *spid).with("info_dict", info.0.to_value()),
            ),
            ServerAdmin::Slogin { sessid, sessiondata } => {
                Packed::new(*sessid, admin_kwargs(Operation::Slogin).with("sessiondata", sessiondata.to_value()))
            }
            ServerAdmin::Sdisconn { sessid, reason } => {
                let mut kwargs = admin_kwargs(Operation::Sdisconn);
                if let Some(reason) = reason {
                    kwargs.insert("reason", reason.as_str());
                }
                Packed::new(*sessid, kwargs)
            }
            ServerAdmin::Sdisconnall { reason } => {
                let mut kwargs = admin_kwargs(Operation::Sdisconnall);
                if let Some(reason) = reason {
                    kwargs.insert("reason", reason.as_str());
                }
                Packed::new(DUMMY_SESSID, kwargs)
            }
            ServerAdmin::Ssync { sessions, clean } => {
                let mut kwargs = admin_kwargs(Operation::Ssync).with("sessiondata", sessions_value(sessions));
                if let Some(clean) = clean {
                    kwargs.insert("clean", *clean);
                }
                Packed::new(DUMMY_SESSID, kwargs)
            }
            ServerAdmin::Sreload => simple(Operation::Sreload),
            ServerAdmin::Sreset => simple(Operation::Sreset),
            ServerAdmin::Sshutd => simple(Operation::Sshutd),
            ServerAdmin::Pshutd => simple(Operation::Pshutd),
            ServerAdmin::Pstatus => simple(Operation::Pstatus),
            ServerAdmin::Sconn { protocol_path, config } => Packed::new(
                DUMMY_SESSID,
                admin_kwargs(Operation::Sconn)
                    .with("protocol_path", protocol_path.as_str())
                    .with("config", config.clone()),
            ),
            ServerAdmin::Other(raw) => raw.to_packed(),
        }
    }

    /// Reads a payload. Unknown keys of known operations are ignored, as
    /// Evennia ignores them; unknown operations become [`ServerAdmin::Other`].
    pub fn from_packed(packed: Packed) -> Result<ServerAdmin, PayloadError> {
        let Packed { sessid, mut kwargs } = packed;
        let operation = take_operation(&mut kwargs)?;
        let Some(op) = Operation::parse(&operation) else {
            return Ok(ServerAdmin::Other(RawAdmin { sessid, operation, kwargs }));
        };
        let reason = |kwargs: &Kwargs| kwargs.opt_str("reason").map(|r| r.map(str::to_owned));
        Ok(match op {
            Operation::Psync => {
                let spid =
                    kwargs.opt_i64("spid")?.ok_or(PayloadError::MissingField { operation: "PSYNC", key: "spid" })?;
                let info = match kwargs.remove("info_dict") {
                    Some(v @ Value::Dict(_)) => ServerInfo(Kwargs::from_value(v)?),
                    None | Some(Value::None) => ServerInfo::default(),
                    Some(other) => return Err(bad_field("info_dict", "a dict", &other)),
                };
                ServerAdmin::Psync { spid, info }
            }
            Operation::Slogin => ServerAdmin::Slogin { sessid, sessiondata: session_from(&mut kwargs, op)? },
            Operation::Sdisconn => ServerAdmin::Sdisconn { sessid, reason: reason(&kwargs)? },
            Operation::Sdisconnall => ServerAdmin::Sdisconnall { reason: reason(&kwargs)? },
            Operation::Ssync => {
                ServerAdmin::Ssync { clean: kwargs.opt_bool("clean")?, sessions: sessions_from(&mut kwargs, op)? }
            }
            Operation::Sreload => ServerAdmin::Sreload,
            Operation::Sreset => ServerAdmin::Sreset,
            Operation::Sshutd => ServerAdmin::Sshutd,
            Operation::Pshutd => ServerAdmin::Pshutd,
            Operation::Pstatus => ServerAdmin::Pstatus,
            Operation::Sconn => ServerAdmin::Sconn {
                protocol_path: kwargs.opt_str("protocol_path")?.unwrap_or_default().to_owned(),
                config: kwargs.remove("config").unwrap_or(Value::Dict(Vec::new())),
            },
            _ => ServerAdmin::Other(RawAdmin { sessid, operation, kwargs }),
        })
    }

    /// Reads `packed_data` (a pickle).
    pub fn from_pickle(bytes: &[u8]) -> Result<ServerAdmin, PayloadError> {
        ServerAdmin::from_packed(Packed::from_pickle(bytes)?)
    }
}

impl RawAdmin {
    /// The payload: `operation` first, then the other keys.
    pub fn to_packed(&self) -> Packed {
        let mut kwargs = Kwargs::new().with("operation", self.operation.as_str());
        for (k, v) in self.kwargs.iter() {
            kwargs.insert(k, v.clone());
        }
        Packed::new(self.sessid, kwargs)
    }

    /// Evennia's error text for an operation it does not handle:
    /// `operation '\x07' not recognized.`
    pub fn not_recognized(&self) -> String {
        format!("operation {} not recognized.", operation_repr(&self.operation))
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

    fn round_trip_portal(msg: PortalAdmin) {
        let bytes = msg.to_packed().to_pickle().unwrap();
        assert_eq!(PortalAdmin::from_pickle(&bytes).unwrap(), msg);
    }

    fn round_trip_server(msg: ServerAdmin) {
        let bytes = msg.to_packed().to_pickle().unwrap();
        assert_eq!(ServerAdmin::from_pickle(&bytes).unwrap(), msg);
    }

    #[test]
    fn every_portal_operation_round_trips() {
        let s = SessionData::telnet(4, "127.0.0.1", 12.5);
        round_trip_portal(PortalAdmin::Psync(PortalSync {
            server_restart_mode: Some("reload".into()),
            sessions: vec![(4, s.clone())],
            portal_start_time: Some(1.25),
        }));
        round_trip_portal(PortalAdmin::Psync(PortalSync {
            server_restart_mode: None,
            sessions: vec![],
            portal_start_time: None,
        }));
        round_trip_portal(PortalAdmin::Pconn { sessid: 4, session: s.clone() });
        round_trip_portal(PortalAdmin::Pconnsync { sessid: 4, session: s });
        round_trip_portal(PortalAdmin::Pdisconn { sessid: 4 });
        round_trip_portal(PortalAdmin::Pdisconnall);
        round_trip_portal(PortalAdmin::Sreload { server_restart_mode: Some("reload".into()) });
        round_trip_portal(PortalAdmin::Sreset { server_restart_mode: Some("reset".into()) });
        round_trip_portal(PortalAdmin::Sshutd { server_restart_mode: Some("shutdown".into()) });
        round_trip_portal(PortalAdmin::Other(RawAdmin {
            sessid: 0,
            operation: "\x07".into(),
            kwargs: Kwargs::new().with("x", 1),
        }));
    }

    #[test]
    fn every_server_operation_round_trips() {
        round_trip_server(ServerAdmin::Psync { spid: 42, info: ServerInfo::new("game", "6.1.0", 4006) });
        round_trip_server(ServerAdmin::Slogin {
            sessid: 2,
            sessiondata: SessionData::from(Kwargs::new().with("logged_in", true).with("uid", 1)),
        });
        round_trip_server(ServerAdmin::Sdisconn { sessid: 2, reason: Some("quit".into()) });
        round_trip_server(ServerAdmin::Sdisconn { sessid: 2, reason: None });
        round_trip_server(ServerAdmin::Sdisconnall { reason: Some(String::new()) });
        round_trip_server(ServerAdmin::Ssync { sessions: vec![(2, SessionData::new())], clean: None });
        round_trip_server(ServerAdmin::Ssync { sessions: vec![], clean: Some(false) });
        for simple in
            [ServerAdmin::Sreload, ServerAdmin::Sreset, ServerAdmin::Sshutd, ServerAdmin::Pshutd, ServerAdmin::Pstatus]
        {
            round_trip_server(simple);
        }
        round_trip_server(ServerAdmin::Sconn {
            protocol_path: "evennia.server.portal.irc.IRCBotFactory".into(),
            config: Kwargs::new().with("uid", 3).into_value(),
        });
    }

    #[test]
    fn payload_shapes_match_evennia() {
        let psync = ServerAdmin::Psync { spid: 13423, info: ServerInfo::new("game", "6.1.0", 4016) };
        assert_eq!(
            psync.to_packed().to_value().to_string(),
            "(0, {'operation': '\\x03', 'spid': 13423, 'info_dict': {'servername': 'game', 'version': '6.1.0', \
             'amp': 'amp : 4016', 'errors': '', 'info': '', 'webserver': '', 'irc_rss': ''}})"
        );
        let sdisconn = ServerAdmin::Sdisconn { sessid: 1, reason: Some("quit".into()) };
        assert_eq!(sdisconn.to_packed().to_value().to_string(), "(1, {'operation': '\\x05', 'reason': 'quit'})");
        let sshutd = PortalAdmin::Sshutd { server_restart_mode: Some("shutdown".into()) };
        assert_eq!(
            sshutd.to_packed().to_value().to_string(),
            "(0, {'operation': '\\x11', 'server_restart_mode': 'shutdown'})"
        );
        assert!(ServerAdmin::Sreload.starts_evennia_server());
        assert!(!ServerAdmin::Sshutd.starts_evennia_server());
    }

    #[test]
    fn malformed_payloads_are_typed_errors() {
        let no_op = Packed::new(0, Kwargs::new());
        assert_eq!(PortalAdmin::from_packed(no_op.clone()), Err(PayloadError::NoOperation));
        assert_eq!(ServerAdmin::from_packed(no_op), Err(PayloadError::NoOperation));
        let pconn = Packed::new(1, Kwargs::new().with("operation", "\x01"));
        assert!(matches!(PortalAdmin::from_packed(pconn), Err(PayloadError::MissingField { key: "sessiondata", .. })));
        let bad_sessions = Packed::new(
            0,
            Kwargs::new()
                .with("operation", "\x03")
                .with("sessiondata", Value::Dict(vec![(Value::from("1"), Value::None)])),
        );
        assert!(matches!(PortalAdmin::from_packed(bad_sessions), Err(PayloadError::BadField { .. })));
        let bad_mode = Packed::new(0, Kwargs::new().with("operation", "\x11").with("server_restart_mode", 3));
        assert!(matches!(PortalAdmin::from_packed(bad_mode), Err(PayloadError::BadField { .. })));
        let raw = RawAdmin { sessid: 0, operation: "\x07".into(), kwargs: Kwargs::new() };
        assert_eq!(raw.not_recognized(), "operation '\\x07' not recognized.");
    }
}
