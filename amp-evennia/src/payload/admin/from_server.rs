//! [`AdminFromServer`]: what the Server sends the Portal (`AdminServer2Portal`).

use super::{
    admin_kwargs, session_from, sessions_from, sessions_value, take_operation, RawAdmin, ServerInfo, SessionMap,
};
use crate::codec::pickle::Value;
use crate::payload::operation::Operation;
use crate::payload::session::SessionData;
use crate::payload::{bad_field, Envelope, Kwargs, PayloadError, SessId, DUMMY_SESSID};

/// An admin message from the Server to the Portal (`AdminServer2Portal`).
#[derive(Debug, Clone, PartialEq)]
pub enum AdminFromServer {
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

impl AdminFromServer {
    /// The operation, `None` for an untyped one.
    pub fn operation(&self) -> Option<Operation> {
        Some(match self {
            AdminFromServer::Psync { .. } => Operation::Psync,
            AdminFromServer::Slogin { .. } => Operation::Slogin,
            AdminFromServer::Sdisconn { .. } => Operation::Sdisconn,
            AdminFromServer::Sdisconnall { .. } => Operation::Sdisconnall,
            AdminFromServer::Ssync { .. } => Operation::Ssync,
            AdminFromServer::Sreload => Operation::Sreload,
            AdminFromServer::Sreset => Operation::Sreset,
            AdminFromServer::Sshutd => Operation::Sshutd,
            AdminFromServer::Pshutd => Operation::Pshutd,
            AdminFromServer::Pstatus => Operation::Pstatus,
            AdminFromServer::Sconn { .. } => Operation::Sconn,
            AdminFromServer::Other(raw) => return Operation::parse(&raw.operation),
        })
    }

    /// The payload's session id (0 for messages about no session).
    pub fn sessid(&self) -> SessId {
        match self {
            AdminFromServer::Slogin { sessid, .. } | AdminFromServer::Sdisconn { sessid, .. } => *sessid,
            AdminFromServer::Other(raw) => raw.sessid,
            _ => DUMMY_SESSID,
        }
    }

    /// Whether a stock Portal would start Evennia's own Python Server
    /// after this message (SRELOAD, SRESET).
    pub fn starts_evennia_server(&self) -> bool {
        matches!(self.operation(), Some(Operation::Sreload | Operation::Sreset | Operation::Sstart))
    }

    /// The payload, keys in Evennia's order.
    pub fn to_envelope(&self) -> Envelope {
        let simple = |op: Operation| Envelope::new(DUMMY_SESSID, admin_kwargs(op));
        match self {
            AdminFromServer::Psync { spid, info } => Envelope::new(
                DUMMY_SESSID,
                admin_kwargs(Operation::Psync).with("spid", *spid).with("info_dict", info.0.to_value()),
            ),
            AdminFromServer::Slogin { sessid, sessiondata } => {
                Envelope::new(*sessid, admin_kwargs(Operation::Slogin).with("sessiondata", sessiondata.to_value()))
            }
            AdminFromServer::Sdisconn { sessid, reason } => {
                let mut kwargs = admin_kwargs(Operation::Sdisconn);
                if let Some(reason) = reason {
                    kwargs.insert("reason", reason.as_str());
                }
                Envelope::new(*sessid, kwargs)
            }
            AdminFromServer::Sdisconnall { reason } => {
                let mut kwargs = admin_kwargs(Operation::Sdisconnall);
                if let Some(reason) = reason {
                    kwargs.insert("reason", reason.as_str());
                }
                Envelope::new(DUMMY_SESSID, kwargs)
            }
            AdminFromServer::Ssync { sessions, clean } => {
                let mut kwargs = admin_kwargs(Operation::Ssync).with("sessiondata", sessions_value(sessions));
                if let Some(clean) = clean {
                    kwargs.insert("clean", *clean);
                }
                Envelope::new(DUMMY_SESSID, kwargs)
            }
            AdminFromServer::Sreload => simple(Operation::Sreload),
            AdminFromServer::Sreset => simple(Operation::Sreset),
            AdminFromServer::Sshutd => simple(Operation::Sshutd),
            AdminFromServer::Pshutd => simple(Operation::Pshutd),
            AdminFromServer::Pstatus => simple(Operation::Pstatus),
            AdminFromServer::Sconn { protocol_path, config } => Envelope::new(
                DUMMY_SESSID,
                admin_kwargs(Operation::Sconn)
                    .with("protocol_path", protocol_path.as_str())
                    .with("config", config.clone()),
            ),
            AdminFromServer::Other(raw) => raw.to_envelope(),
        }
    }

    /// Reads a payload. Unknown keys of known operations are ignored, as
    /// Evennia ignores them; unknown operations become [`AdminFromServer::Other`].
    pub fn from_envelope(envelope: Envelope) -> Result<AdminFromServer, PayloadError> {
        let Envelope { sessid, mut kwargs } = envelope;
        let operation = take_operation(&mut kwargs)?;
        let Some(op) = Operation::parse(&operation) else {
            return Ok(AdminFromServer::Other(RawAdmin { sessid, operation, kwargs }));
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
                AdminFromServer::Psync { spid, info }
            }
            Operation::Slogin => AdminFromServer::Slogin { sessid, sessiondata: session_from(&mut kwargs, op)? },
            Operation::Sdisconn => AdminFromServer::Sdisconn { sessid, reason: reason(&kwargs)? },
            Operation::Sdisconnall => AdminFromServer::Sdisconnall { reason: reason(&kwargs)? },
            Operation::Ssync => {
                AdminFromServer::Ssync { clean: kwargs.opt_bool("clean")?, sessions: sessions_from(&mut kwargs, op)? }
            }
            Operation::Sreload => AdminFromServer::Sreload,
            Operation::Sreset => AdminFromServer::Sreset,
            Operation::Sshutd => AdminFromServer::Sshutd,
            Operation::Pshutd => AdminFromServer::Pshutd,
            Operation::Pstatus => AdminFromServer::Pstatus,
            Operation::Sconn => AdminFromServer::Sconn {
                protocol_path: kwargs.opt_str("protocol_path")?.unwrap_or_default().to_owned(),
                config: kwargs.remove("config").unwrap_or(Value::Dict(Vec::new())),
            },
            _ => AdminFromServer::Other(RawAdmin { sessid, operation, kwargs }),
        })
    }

    /// Reads `packed_data` (a pickle).
    pub fn from_pickle(bytes: &[u8]) -> Result<AdminFromServer, PayloadError> {
        AdminFromServer::from_envelope(Envelope::from_pickle(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::admin::ServerInfo;

    fn round_trip_server(msg: AdminFromServer) {
        let bytes = msg.to_envelope().to_pickle().unwrap();
        assert_eq!(AdminFromServer::from_pickle(&bytes).unwrap(), msg);
    }

    #[test]
    fn every_server_operation_round_trips() {
        round_trip_server(AdminFromServer::Psync { spid: 42, info: ServerInfo::new("game", "6.1.0", 4006) });
        round_trip_server(AdminFromServer::Slogin {
            sessid: 2,
            sessiondata: SessionData::from(Kwargs::new().with("logged_in", true).with("uid", 1)),
        });
        round_trip_server(AdminFromServer::Sdisconn { sessid: 2, reason: Some("quit".into()) });
        round_trip_server(AdminFromServer::Sdisconn { sessid: 2, reason: None });
        round_trip_server(AdminFromServer::Sdisconnall { reason: Some(String::new()) });
        round_trip_server(AdminFromServer::Ssync { sessions: vec![(2, SessionData::new())], clean: None });
        round_trip_server(AdminFromServer::Ssync { sessions: vec![], clean: Some(false) });
        for simple in [
            AdminFromServer::Sreload,
            AdminFromServer::Sreset,
            AdminFromServer::Sshutd,
            AdminFromServer::Pshutd,
            AdminFromServer::Pstatus,
        ] {
            round_trip_server(simple);
        }
        round_trip_server(AdminFromServer::Sconn {
            protocol_path: "evennia.server.portal.irc.IRCBotFactory".into(),
            config: Kwargs::new().with("uid", 3).into_value(),
        });
    }
}
