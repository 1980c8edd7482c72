//! [`AdminFromPortal`]: what the Portal sends the Server (`AdminPortal2Server`).

use super::{
    admin_kwargs, opt_str_value, session_from, sessions_from, sessions_value, take_operation, RawAdmin, SessionMap,
};
use crate::codec::pickle::Value;
use crate::payload::operation::Operation;
use crate::payload::session::SessionData;
use crate::payload::{Envelope, Kwargs, PayloadError, SessId, DUMMY_SESSID};

/// An admin message from the Portal to the Server (`AdminPortal2Server`).
#[derive(Debug, Clone, PartialEq)]
pub enum AdminFromPortal {
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

impl AdminFromPortal {
    /// The operation, `None` for an untyped one.
    pub fn operation(&self) -> Option<Operation> {
        Some(match self {
            AdminFromPortal::Psync(_) => Operation::Psync,
            AdminFromPortal::Pconn { .. } => Operation::Pconn,
            AdminFromPortal::Pconnsync { .. } => Operation::Pconnsync,
            AdminFromPortal::Pdisconn { .. } => Operation::Pdisconn,
            AdminFromPortal::Pdisconnall => Operation::Pdisconnall,
            AdminFromPortal::Sreload { .. } => Operation::Sreload,
            AdminFromPortal::Sreset { .. } => Operation::Sreset,
            AdminFromPortal::Sshutd { .. } => Operation::Sshutd,
            AdminFromPortal::Other(raw) => return Operation::parse(&raw.operation),
        })
    }

    /// The payload's session id (0 for messages about no session).
    pub fn sessid(&self) -> SessId {
        match self {
            AdminFromPortal::Pconn { sessid, .. }
            | AdminFromPortal::Pconnsync { sessid, .. }
            | AdminFromPortal::Pdisconn { sessid } => *sessid,
            AdminFromPortal::Other(raw) => raw.sessid,
            _ => DUMMY_SESSID,
        }
    }

    /// The payload, keys in Evennia's order.
    pub fn to_envelope(&self) -> Envelope {
        let (sessid, kwargs) = match self {
            AdminFromPortal::Psync(sync) => (
                DUMMY_SESSID,
                admin_kwargs(Operation::Psync)
                    .with("server_restart_mode", opt_str_value(&sync.server_restart_mode))
                    .with("sessiondata", sessions_value(&sync.sessions))
                    .with("portal_start_time", sync.portal_start_time.map_or(Value::None, Value::Float)),
            ),
            AdminFromPortal::Pconn { sessid, session } => {
                (*sessid, admin_kwargs(Operation::Pconn).with("sessiondata", session.to_value()))
            }
            AdminFromPortal::Pconnsync { sessid, session } => {
                (*sessid, admin_kwargs(Operation::Pconnsync).with("sessiondata", session.to_value()))
            }
            AdminFromPortal::Pdisconn { sessid } => (*sessid, admin_kwargs(Operation::Pdisconn)),
            AdminFromPortal::Pdisconnall => (DUMMY_SESSID, admin_kwargs(Operation::Pdisconnall)),
            AdminFromPortal::Sreload { server_restart_mode } => (
                DUMMY_SESSID,
                admin_kwargs(Operation::Sreload).with("server_restart_mode", opt_str_value(server_restart_mode)),
            ),
            AdminFromPortal::Sreset { server_restart_mode } => (
                DUMMY_SESSID,
                admin_kwargs(Operation::Sreset).with("server_restart_mode", opt_str_value(server_restart_mode)),
            ),
            AdminFromPortal::Sshutd { server_restart_mode } => (
                DUMMY_SESSID,
                admin_kwargs(Operation::Sshutd).with("server_restart_mode", opt_str_value(server_restart_mode)),
            ),
            AdminFromPortal::Other(raw) => return raw.to_envelope(),
        };
        Envelope::new(sessid, kwargs)
    }

    /// Reads a payload. Unknown keys of known operations are ignored, as
    /// Evennia ignores them; unknown operations become [`AdminFromPortal::Other`].
    pub fn from_envelope(envelope: Envelope) -> Result<AdminFromPortal, PayloadError> {
        let Envelope { sessid, mut kwargs } = envelope;
        let operation = take_operation(&mut kwargs)?;
        let Some(op) = Operation::parse(&operation) else {
            return Ok(AdminFromPortal::Other(RawAdmin { sessid, operation, kwargs }));
        };
        let mode = |kwargs: &Kwargs| kwargs.opt_str("server_restart_mode").map(|m| m.map(str::to_owned));
        Ok(match op {
            Operation::Psync => AdminFromPortal::Psync(PortalSync {
                server_restart_mode: mode(&kwargs)?,
                portal_start_time: kwargs.opt_f64("portal_start_time")?,
                sessions: sessions_from(&mut kwargs, op)?,
            }),
            Operation::Pconn => AdminFromPortal::Pconn { sessid, session: session_from(&mut kwargs, op)? },
            Operation::Pconnsync => AdminFromPortal::Pconnsync { sessid, session: session_from(&mut kwargs, op)? },
            Operation::Pdisconn => AdminFromPortal::Pdisconn { sessid },
            Operation::Pdisconnall => AdminFromPortal::Pdisconnall,
            Operation::Sreload => AdminFromPortal::Sreload { server_restart_mode: mode(&kwargs)? },
            Operation::Sreset => AdminFromPortal::Sreset { server_restart_mode: mode(&kwargs)? },
            Operation::Sshutd => AdminFromPortal::Sshutd { server_restart_mode: mode(&kwargs)? },
            _ => AdminFromPortal::Other(RawAdmin { sessid, operation, kwargs }),
        })
    }

    /// Reads `packed_data` (a pickle).
    pub fn from_pickle(bytes: &[u8]) -> Result<AdminFromPortal, PayloadError> {
        AdminFromPortal::from_envelope(Envelope::from_pickle(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip_portal(msg: AdminFromPortal) {
        let bytes = msg.to_envelope().to_pickle().unwrap();
        assert_eq!(AdminFromPortal::from_pickle(&bytes).unwrap(), msg);
    }

    #[test]
    fn every_portal_operation_round_trips() {
        let s = SessionData::telnet(4, "127.0.0.1", 12.5);
        round_trip_portal(AdminFromPortal::Psync(PortalSync {
            server_restart_mode: Some("reload".into()),
            sessions: vec![(4, s.clone())],
            portal_start_time: Some(1.25),
        }));
        round_trip_portal(AdminFromPortal::Psync(PortalSync {
            server_restart_mode: None,
            sessions: vec![],
            portal_start_time: None,
        }));
        round_trip_portal(AdminFromPortal::Pconn { sessid: 4, session: s.clone() });
        round_trip_portal(AdminFromPortal::Pconnsync { sessid: 4, session: s });
        round_trip_portal(AdminFromPortal::Pdisconn { sessid: 4 });
        round_trip_portal(AdminFromPortal::Pdisconnall);
        round_trip_portal(AdminFromPortal::Sreload { server_restart_mode: Some("reload".into()) });
        round_trip_portal(AdminFromPortal::Sreset { server_restart_mode: Some("reset".into()) });
        round_trip_portal(AdminFromPortal::Sshutd { server_restart_mode: Some("shutdown".into()) });
        round_trip_portal(AdminFromPortal::Other(RawAdmin {
            sessid: 0,
            operation: "\x07".into(),
            kwargs: Kwargs::new().with("x", 1),
        }));
    }
}
