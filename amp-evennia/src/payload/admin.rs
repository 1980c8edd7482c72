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
//! answers it with `EXCEPTION` ("operation \x12 not recognized.", the
//! character itself where `\x12` is written here). Anything else decodes
//! as `Other`, kept whole.
//!
//! [`LauncherAdmin`] types the third kind, `MsgLauncher2Portal`: what
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

use bytes::Bytes;

use crate::codec::pickle::{self, Value};
use crate::commands::MsgLauncher2PortalArguments;
use crate::payload::operation::{operation_repr, Operation};
use crate::payload::session::SessionData;
use crate::payload::{bad_field, short_repr, Kwargs, Packed, PayloadError, SessId, DUMMY_SESSID};

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

/// An instruction of Evennia's launcher to the Portal (`MsgLauncher2Portal`;
/// see the [module docs](self)). The Portal answers with an empty box, or
/// `EXCEPTION` for an operation it does not handle.
#[derive(Debug, Clone, PartialEq)]
pub enum LauncherAdmin {
    /// SSTART: start the Server (`evennia start`), unless one is connected.
    Sstart {
        /// The command line the Portal runs (Evennia's: `twistd`,
        /// `--python=<server.py>`, `--logger=...`, `--pidfile=...`). A stock
        /// Portal keeps it to restart the Server after a reload.
        server_cmd: Vec<String>,
    },
    /// SRELOAD: stop the Server in reload mode; the Portal starts it again.
    Sreload {
        /// The command line to start a Server with when none is connected;
        /// `None` sends `{}`, as the launcher does.
        server_cmd: Option<Vec<String>>,
    },
    /// SRESET: the same in reset mode.
    Sreset {
        /// As for [`Sreload`](Self::Sreload).
        server_cmd: Option<Vec<String>>,
    },
    /// SSHUTD: stop the Server.
    Sshutd,
    /// PSHUTD: stop the Server, then the Portal.
    Pshutd,
    /// Any other operation (a stock Portal answers `EXCEPTION`).
    Other(RawLauncher),
}

/// A `MsgLauncher2Portal` this module does not type, kept as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLauncher {
    /// The `operation` argument.
    pub operation: Bytes,
    /// The `arguments` argument (a pickle, not decoded).
    pub arguments: Bytes,
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

fn command_line_value(cmd: &[String]) -> Value {
    Value::List(cmd.iter().map(|arg| Value::from(arg.as_str())).collect())
}

fn command_line_from(value: Value) -> Result<Vec<String>, PayloadError> {
    match value {
        Value::List(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Str(arg) => Ok(arg),
                other => Err(bad_field("arguments", "a list of str", &other)),
            })
            .collect(),
        other => Err(bad_field("arguments", "a list of str", &other)),
    }
}

/// SRELOAD's and SRESET's `arguments`: `{}` (or `None`) when there is no
/// command line.
fn optional_command_line(value: Value) -> Result<Option<Vec<String>>, PayloadError> {
    match value {
        Value::None => Ok(None),
        Value::Dict(pairs) if pairs.is_empty() => Ok(None),
        other => command_line_from(other).map(Some),
    }
}

impl LauncherAdmin {
    /// The operation, `None` for an untyped one.
    pub fn operation(&self) -> Option<Operation> {
        Some(match self {
            LauncherAdmin::Sstart { .. } => Operation::Sstart,
            LauncherAdmin::Sreload { .. } => Operation::Sreload,
            LauncherAdmin::Sreset { .. } => Operation::Sreset,
            LauncherAdmin::Sshutd => Operation::Sshutd,
            LauncherAdmin::Pshutd => Operation::Pshutd,
            LauncherAdmin::Other(raw) => return std::str::from_utf8(&raw.operation).ok().and_then(Operation::parse),
        })
    }

    /// The command's arguments, as Evennia's launcher writes them
    /// (`arguments` pickled at protocol 5).
    pub fn to_arguments(&self) -> Result<MsgLauncher2PortalArguments, PayloadError> {
        let (op, value) = match self {
            LauncherAdmin::Sstart { server_cmd } => (Operation::Sstart, command_line_value(server_cmd)),
            LauncherAdmin::Sreload { server_cmd } => {
                (Operation::Sreload, server_cmd.as_deref().map_or_else(empty_dict, command_line_value))
            }
            LauncherAdmin::Sreset { server_cmd } => {
                (Operation::Sreset, server_cmd.as_deref().map_or_else(empty_dict, command_line_value))
            }
            LauncherAdmin::Sshutd => (Operation::Sshutd, empty_dict()),
            LauncherAdmin::Pshutd => (Operation::Pshutd, empty_dict()),
            LauncherAdmin::Other(raw) => {
                return Ok(MsgLauncher2PortalArguments {
                    operation: raw.operation.clone(),
                    arguments: raw.arguments.clone(),
                })
            }
        };
        let arguments = pickle::encode(&value).map_err(pickle::Error::from)?;
        Ok(MsgLauncher2PortalArguments {
            operation: Bytes::from_static(op.as_str().as_bytes()),
            arguments: Bytes::from(arguments),
        })
    }

    /// Reads a received command. `arguments` is decoded only for the
    /// operations whose Portal uses it (SSTART, SRELOAD, SRESET), as Evennia
    /// reads it; unknown operations become [`LauncherAdmin::Other`].
    pub fn from_arguments(args: &MsgLauncher2PortalArguments) -> Result<LauncherAdmin, PayloadError> {
        let op = std::str::from_utf8(&args.operation).ok().and_then(Operation::parse);
        let decoded = || pickle::decode(&args.arguments).map_err(pickle::Error::from);
        Ok(match op {
            Some(Operation::Sstart) => LauncherAdmin::Sstart { server_cmd: command_line_from(decoded()?)? },
            Some(Operation::Sreload) => LauncherAdmin::Sreload { server_cmd: optional_command_line(decoded()?)? },
            Some(Operation::Sreset) => LauncherAdmin::Sreset { server_cmd: optional_command_line(decoded()?)? },
            Some(Operation::Sshutd) => LauncherAdmin::Sshutd,
            Some(Operation::Pshutd) => LauncherAdmin::Pshutd,
            _ => LauncherAdmin::Other(RawLauncher {
                operation: args.operation.clone(),
                arguments: args.arguments.clone(),
            }),
        })
    }
}

impl RawLauncher {
    /// The stock Portal's error text for it: `operation <op> not
    /// recognized.` with the operation's text itself. (A stock Portal fails
    /// earlier, with Python's decoding error, on an `operation` that is not
    /// UTF-8; such bytes show here as U+FFFD.)
    pub fn not_recognized(&self) -> String {
        format!("operation {} not recognized.", String::from_utf8_lossy(&self.operation))
    }
}

fn empty_dict() -> Value {
    Value::Dict(Vec::new())
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

    /// `pickle.dumps(cmd, pickle.HIGHEST_PROTOCOL)` by CPython 3.12 for the
    /// command line of `launcher_start_and_reload_carry_a_command_line`.
    const CPYTHON_SERVER_CMD: &str = "800595c4000000000000005d94288c142f7372762f76656e762f62696e2f747769737464948c482d\
        2d707974686f6e3d2f7372762f76656e762f6c69622f707974686f6e332e31322f736974652d7061636b616765732f6576656e6e6961\
        2f7365727665722f7365727665722e7079948c322d2d6c6f676765723d6576656e6e69612e7574696c732e6c6f676765722e47657453\
        65727665724c6f674f62736572766572948c252d2d70696466696c653d2f7372762f67616d652f7365727665722f7365727665722e70\
        696494652e";

    fn unhex(hex: &str) -> Vec<u8> {
        let hex: String = hex.split_whitespace().collect();
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
    }

    fn launcher_args(operation: &[u8], arguments: &[u8]) -> MsgLauncher2PortalArguments {
        MsgLauncher2PortalArguments {
            operation: Bytes::copy_from_slice(operation),
            arguments: Bytes::copy_from_slice(arguments),
        }
    }

    /// `admin` is what Python sent as `sent`, and encodes to the same
    /// operation and the same Python value (this codec writes no memo for
    /// containers, so the pickle's bytes may differ; Python loads it equal).
    fn assert_same_as_python(admin: &LauncherAdmin, sent: &MsgLauncher2PortalArguments) {
        assert_eq!(&LauncherAdmin::from_arguments(sent).unwrap(), admin);
        let ours = admin.to_arguments().unwrap();
        assert_eq!(ours.operation, sent.operation);
        assert_eq!(pickle::decode(&ours.arguments).unwrap(), pickle::decode(&sent.arguments).unwrap());
        assert_eq!(&LauncherAdmin::from_arguments(&ours).unwrap(), admin);
    }

    #[test]
    fn launcher_stop_matches_the_captured_launcher() {
        // `evennia stop` (tests/fixtures/evennia-6.1/captures.txt, conn4.s2p.bin
        // boxes 2 and 3): SSHUTD, then PSHUTD, each with `{}` pickled.
        assert_same_as_python(&LauncherAdmin::Sshutd, &launcher_args(b"\x11", b"\x80\x05}\x94."));
        assert_same_as_python(&LauncherAdmin::Pshutd, &launcher_args(b"\x10", b"\x80\x05}\x94."));
    }

    #[test]
    fn launcher_start_and_reload_carry_a_command_line() {
        let server_cmd: Vec<String> = [
            "/srv/venv/bin/twistd",
            "--python=/srv/venv/lib/python3.12/site-packages/evennia/server/server.py",
            "--logger=evennia.utils.logger.GetServerLogObserver",
            "--pidfile=/srv/game/server/server.pid",
        ]
        .map(String::from)
        .to_vec();
        let sstart = LauncherAdmin::Sstart { server_cmd: server_cmd.clone() };
        assert_same_as_python(&sstart, &launcher_args(b"\x0f", &unhex(CPYTHON_SERVER_CMD)));
        assert_eq!(sstart.operation(), Some(Operation::Sstart));

        // SRELOAD / SRESET: `{}` as the launcher sends them, or a command line.
        for admin in [
            LauncherAdmin::Sreload { server_cmd: None },
            LauncherAdmin::Sreload { server_cmd: Some(server_cmd.clone()) },
            LauncherAdmin::Sreset { server_cmd: None },
            LauncherAdmin::Sreset { server_cmd: Some(server_cmd) },
        ] {
            let args = admin.to_arguments().unwrap();
            assert_eq!(args.operation[..], *admin.operation().unwrap().as_str().as_bytes());
            assert_eq!(LauncherAdmin::from_arguments(&args).unwrap(), admin);
        }
        let none = launcher_args(b"\x0e", &pickle::encode(&Value::None).unwrap());
        assert_eq!(LauncherAdmin::from_arguments(&none).unwrap(), LauncherAdmin::Sreload { server_cmd: None });
    }

    #[test]
    fn launcher_unknown_and_malformed_instructions() {
        // PSTATUS goes by MsgStatus; here it is untyped, kept as it came.
        let raw = RawLauncher { operation: Bytes::from_static(b"\x12"), arguments: Bytes::from_static(b"junk") };
        let args = launcher_args(b"\x12", b"junk");
        assert_eq!(LauncherAdmin::from_arguments(&args).unwrap(), LauncherAdmin::Other(raw.clone()));
        assert_eq!(LauncherAdmin::Other(raw.clone()).to_arguments().unwrap(), args);
        assert_eq!(LauncherAdmin::Other(raw.clone()).operation(), Some(Operation::Pstatus));
        assert_eq!(raw.not_recognized(), "operation \x12 not recognized.");
        let bad_utf8 = LauncherAdmin::from_arguments(&launcher_args(b"\xff", b"")).unwrap();
        assert!(
            matches!(&bad_utf8, LauncherAdmin::Other(r) if r.not_recognized() == "operation \u{fffd} not recognized.")
        );
        assert_eq!(bad_utf8.operation(), None);
        // As Evennia, SSHUTD and PSHUTD never read `arguments`.
        assert_eq!(LauncherAdmin::from_arguments(&launcher_args(b"\x11", b"junk")).unwrap(), LauncherAdmin::Sshutd);
        // SSTART needs a pickled list of str.
        assert!(matches!(
            LauncherAdmin::from_arguments(&launcher_args(b"\x0f", b"junk")),
            Err(PayloadError::Pickle(_))
        ));
        let dict = pickle::encode(&Value::Dict(Vec::new())).unwrap();
        assert!(matches!(
            LauncherAdmin::from_arguments(&launcher_args(b"\x0f", &dict)),
            Err(PayloadError::BadField { .. })
        ));
        let ints = pickle::encode(&Value::List(vec![Value::from(1)])).unwrap();
        assert!(matches!(
            LauncherAdmin::from_arguments(&launcher_args(b"\x0e", &ints)),
            Err(PayloadError::BadField { .. })
        ));
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
        assert_eq!(raw.not_recognized(), "operation \x07 not recognized.");
    }
}
