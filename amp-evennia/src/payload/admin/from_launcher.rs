//! [`AdminFromLauncher`]: what Evennia's launcher sends the Portal
//! (`MsgLauncher2Portal`).

use bytes::Bytes;

use crate::codec::pickle::{self, Value};
use crate::payload::operation::Operation;
use crate::payload::{bad_field, PayloadError};

/// An instruction of Evennia's launcher to the Portal (`MsgLauncher2Portal`;
/// see the [module docs](crate::payload::admin)). The Portal answers with an
/// empty box, or `EXCEPTION` for an operation it does not handle.
///
/// [`from_raw`](Self::from_raw) and [`to_raw`](Self::to_raw) read and write
/// the command's two arguments; the generated
/// [`MsgLauncher2PortalArguments`](crate::commands::MsgLauncher2PortalArguments)
/// converts with `TryFrom` both ways.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminFromLauncher {
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
    Other(RawLauncherAdmin),
}

/// `MsgLauncher2Portal`'s two arguments as they travel: the operation's byte
/// and the pickle, not decoded (an operation this module does not type is
/// kept this way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLauncherAdmin {
    /// The `operation` argument.
    pub operation: Bytes,
    /// The `arguments` argument (a pickle, not decoded).
    pub arguments: Bytes,
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

impl AdminFromLauncher {
    /// The operation, `None` for an untyped one.
    pub fn operation(&self) -> Option<Operation> {
        Some(match self {
            AdminFromLauncher::Sstart { .. } => Operation::Sstart,
            AdminFromLauncher::Sreload { .. } => Operation::Sreload,
            AdminFromLauncher::Sreset { .. } => Operation::Sreset,
            AdminFromLauncher::Sshutd => Operation::Sshutd,
            AdminFromLauncher::Pshutd => Operation::Pshutd,
            AdminFromLauncher::Other(raw) => {
                return std::str::from_utf8(&raw.operation).ok().and_then(Operation::parse)
            }
        })
    }

    /// The command's two arguments, as Evennia's launcher writes them
    /// (`arguments` pickled at protocol 5).
    pub fn to_raw(&self) -> Result<RawLauncherAdmin, PayloadError> {
        let (op, value) = match self {
            AdminFromLauncher::Sstart { server_cmd } => (Operation::Sstart, command_line_value(server_cmd)),
            AdminFromLauncher::Sreload { server_cmd } => {
                (Operation::Sreload, server_cmd.as_deref().map_or_else(empty_dict, command_line_value))
            }
            AdminFromLauncher::Sreset { server_cmd } => {
                (Operation::Sreset, server_cmd.as_deref().map_or_else(empty_dict, command_line_value))
            }
            AdminFromLauncher::Sshutd => (Operation::Sshutd, empty_dict()),
            AdminFromLauncher::Pshutd => (Operation::Pshutd, empty_dict()),
            AdminFromLauncher::Other(raw) => return Ok(raw.clone()),
        };
        let arguments = pickle::encode(&value).map_err(pickle::Error::from)?;
        Ok(RawLauncherAdmin {
            operation: Bytes::from_static(op.as_str().as_bytes()),
            arguments: Bytes::from(arguments),
        })
    }

    /// Reads a received command's two arguments. `arguments` is decoded only
    /// for the operations whose Portal uses it (SSTART, SRELOAD, SRESET), as
    /// Evennia reads it; unknown operations become [`AdminFromLauncher::Other`].
    pub fn from_raw(args: &RawLauncherAdmin) -> Result<AdminFromLauncher, PayloadError> {
        let op = std::str::from_utf8(&args.operation).ok().and_then(Operation::parse);
        let decoded = || pickle::decode(&args.arguments).map_err(pickle::Error::from);
        Ok(match op {
            Some(Operation::Sstart) => AdminFromLauncher::Sstart { server_cmd: command_line_from(decoded()?)? },
            Some(Operation::Sreload) => AdminFromLauncher::Sreload { server_cmd: optional_command_line(decoded()?)? },
            Some(Operation::Sreset) => AdminFromLauncher::Sreset { server_cmd: optional_command_line(decoded()?)? },
            Some(Operation::Sshutd) => AdminFromLauncher::Sshutd,
            Some(Operation::Pshutd) => AdminFromLauncher::Pshutd,
            _ => AdminFromLauncher::Other(RawLauncherAdmin {
                operation: args.operation.clone(),
                arguments: args.arguments.clone(),
            }),
        })
    }
}

impl RawLauncherAdmin {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    fn launcher_args(operation: &[u8], arguments: &[u8]) -> RawLauncherAdmin {
        RawLauncherAdmin { operation: Bytes::copy_from_slice(operation), arguments: Bytes::copy_from_slice(arguments) }
    }

    /// `admin` is what Python sent as `sent`, and encodes to the same
    /// operation and the same Python value (this codec writes no memo for
    /// containers, so the pickle's bytes may differ; Python loads it equal).
    fn assert_same_as_python(admin: &AdminFromLauncher, sent: &RawLauncherAdmin) {
        assert_eq!(&AdminFromLauncher::from_raw(sent).unwrap(), admin);
        let ours = admin.to_raw().unwrap();
        assert_eq!(ours.operation, sent.operation);
        assert_eq!(pickle::decode(&ours.arguments).unwrap(), pickle::decode(&sent.arguments).unwrap());
        assert_eq!(&AdminFromLauncher::from_raw(&ours).unwrap(), admin);
    }

    #[test]
    fn launcher_stop_matches_the_captured_launcher() {
        // `evennia stop` (tests/fixtures/evennia-6.1/captures.txt, conn4.s2p.bin
        // boxes 2 and 3): SSHUTD, then PSHUTD, each with `{}` pickled.
        assert_same_as_python(&AdminFromLauncher::Sshutd, &launcher_args(b"\x11", b"\x80\x05}\x94."));
        assert_same_as_python(&AdminFromLauncher::Pshutd, &launcher_args(b"\x10", b"\x80\x05}\x94."));
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
        let sstart = AdminFromLauncher::Sstart { server_cmd: server_cmd.clone() };
        assert_same_as_python(&sstart, &launcher_args(b"\x0f", &unhex(CPYTHON_SERVER_CMD)));
        assert_eq!(sstart.operation(), Some(Operation::Sstart));

        // SRELOAD / SRESET: `{}` as the launcher sends them, or a command line.
        for admin in [
            AdminFromLauncher::Sreload { server_cmd: None },
            AdminFromLauncher::Sreload { server_cmd: Some(server_cmd.clone()) },
            AdminFromLauncher::Sreset { server_cmd: None },
            AdminFromLauncher::Sreset { server_cmd: Some(server_cmd) },
        ] {
            let args = admin.to_raw().unwrap();
            assert_eq!(args.operation[..], *admin.operation().unwrap().as_str().as_bytes());
            assert_eq!(AdminFromLauncher::from_raw(&args).unwrap(), admin);
        }
        let none = launcher_args(b"\x0e", &pickle::encode(&Value::None).unwrap());
        assert_eq!(AdminFromLauncher::from_raw(&none).unwrap(), AdminFromLauncher::Sreload { server_cmd: None });
    }

    #[test]
    fn launcher_unknown_and_malformed_instructions() {
        // PSTATUS goes by MsgStatus; here it is untyped, kept as it came.
        let raw = RawLauncherAdmin { operation: Bytes::from_static(b"\x12"), arguments: Bytes::from_static(b"junk") };
        let args = launcher_args(b"\x12", b"junk");
        assert_eq!(AdminFromLauncher::from_raw(&args).unwrap(), AdminFromLauncher::Other(raw.clone()));
        assert_eq!(AdminFromLauncher::Other(raw.clone()).to_raw().unwrap(), args);
        assert_eq!(AdminFromLauncher::Other(raw.clone()).operation(), Some(Operation::Pstatus));
        assert_eq!(raw.not_recognized(), "operation \x12 not recognized.");
        let bad_utf8 = AdminFromLauncher::from_raw(&launcher_args(b"\xff", b"")).unwrap();
        assert!(
            matches!(&bad_utf8, AdminFromLauncher::Other(r) if r.not_recognized() == "operation \u{fffd} not recognized.")
        );
        assert_eq!(bad_utf8.operation(), None);
        // As Evennia, SSHUTD and PSHUTD never read `arguments`.
        assert_eq!(AdminFromLauncher::from_raw(&launcher_args(b"\x11", b"junk")).unwrap(), AdminFromLauncher::Sshutd);
        // SSTART needs a pickled list of str.
        assert!(matches!(AdminFromLauncher::from_raw(&launcher_args(b"\x0f", b"junk")), Err(PayloadError::Pickle(_))));
        let dict = pickle::encode(&Value::Dict(Vec::new())).unwrap();
        assert!(matches!(
            AdminFromLauncher::from_raw(&launcher_args(b"\x0f", &dict)),
            Err(PayloadError::BadField { .. })
        ));
        let ints = pickle::encode(&Value::List(vec![Value::from(1)])).unwrap();
        assert!(matches!(
            AdminFromLauncher::from_raw(&launcher_args(b"\x0e", &ints)),
            Err(PayloadError::BadField { .. })
        ));
    }
}
