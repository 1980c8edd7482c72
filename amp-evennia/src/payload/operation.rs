//! Evennia's operation codes: the `operation` of every admin message.
//!
//! Evennia (`evennia/server/portal/amp.py`) names each administrative
//! operation by a one-character string, `chr(N)`, sent under the key
//! `operation` of an `AdminPortal2Server` / `AdminServer2Portal` payload or as
//! the `operation` argument of `MsgLauncher2Portal`.
//!
//! `chr(7)` is not an operation: the module first sets `SSHUTD = chr(7)`, then
//! redefines it as `chr(17)` further down, so Evennia 6.1 sends and expects
//! `"\x11"`. [`Operation::from_code`] rejects 7, as Evennia's handlers do
//! ("operation ... not recognized").

use std::fmt;

/// One of Evennia's operation codes (`chr(N)`), named as in `amp.py`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `PCONN` `"\x01"`: Portal -> Server, a session connected.
    Pconn,
    /// `PDISCONN` `"\x02"`: Portal -> Server, a session disconnected.
    Pdisconn,
    /// `PSYNC` `"\x03"`: Server -> Portal on connect (spid, info_dict); Portal
    /// -> Server in reply (every session's data).
    Psync,
    /// `SLOGIN` `"\x04"`: Server -> Portal, a session logged in.
    Slogin,
    /// `SDISCONN` `"\x05"`: Server -> Portal, disconnect a session.
    Sdisconn,
    /// `SDISCONNALL` `"\x06"`: Server -> Portal, disconnect every session.
    Sdisconnall,
    /// `SSYNC` `"\x08"`: Server -> Portal, store session data on the Portal.
    Ssync,
    /// `SCONN` `"\x0b"`: Server -> Portal, open an outgoing protocol (IRC, RSS bots).
    Sconn,
    /// `PCONNSYNC` `"\x0c"`: Portal -> Server, a session's data changed
    /// (telnet negotiation finished).
    Pconnsync,
    /// `PDISCONNALL` `"\x0d"`: Portal -> Server, every session is gone.
    Pdisconnall,
    /// `SRELOAD` `"\x0e"`: shut the Server down in reload mode.
    Sreload,
    /// `SSTART` `"\x0f"`: launcher -> Portal, start the Server process.
    Sstart,
    /// `PSHUTD` `"\x10"`: shut down the Portal (and the Server).
    Pshutd,
    /// `SSHUTD` `"\x11"`: shut the Server down.
    Sshutd,
    /// `PSTATUS` `"\x12"`: ask for status. Defined by Evennia 6.1 but handled
    /// by none of its processes.
    Pstatus,
    /// `SRESET` `"\x13"`: shut the Server down in reset mode.
    Sreset,
}

impl Operation {
    /// Every operation, in code order.
    pub const ALL: [Operation; 16] = [
        Operation::Pconn,
        Operation::Pdisconn,
        Operation::Psync,
        Operation::Slogin,
        Operation::Sdisconn,
        Operation::Sdisconnall,
        Operation::Ssync,
        Operation::Sconn,
        Operation::Pconnsync,
        Operation::Pdisconnall,
        Operation::Sreload,
        Operation::Sstart,
        Operation::Pshutd,
        Operation::Sshutd,
        Operation::Pstatus,
        Operation::Sreset,
    ];

    /// The code `N` of `chr(N)`.
    pub const fn code(self) -> u8 {
        match self {
            Operation::Pconn => 1,
            Operation::Pdisconn => 2,
            Operation::Psync => 3,
            Operation::Slogin => 4,
            Operation::Sdisconn => 5,
            Operation::Sdisconnall => 6,
            Operation::Ssync => 8,
            Operation::Sconn => 11,
            Operation::Pconnsync => 12,
            Operation::Pdisconnall => 13,
            Operation::Sreload => 14,
            Operation::Sstart => 15,
            Operation::Pshutd => 16,
            Operation::Sshutd => 17,
            Operation::Pstatus => 18,
            Operation::Sreset => 19,
        }
    }

    /// The operation of code `N`; `None` for any other (7 included, see the
    /// module docs).
    pub fn from_code(code: u8) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.code() == code)
    }

    /// The one-character string Evennia sends (`"\x01"` for PCONN).
    pub const fn as_str(self) -> &'static str {
        match self {
            Operation::Pconn => "\x01",
            Operation::Pdisconn => "\x02",
            Operation::Psync => "\x03",
            Operation::Slogin => "\x04",
            Operation::Sdisconn => "\x05",
            Operation::Sdisconnall => "\x06",
            Operation::Ssync => "\x08",
            Operation::Sconn => "\x0b",
            Operation::Pconnsync => "\x0c",
            Operation::Pdisconnall => "\x0d",
            Operation::Sreload => "\x0e",
            Operation::Sstart => "\x0f",
            Operation::Pshutd => "\x10",
            Operation::Sshutd => "\x11",
            Operation::Pstatus => "\x12",
            Operation::Sreset => "\x13",
        }
    }

    /// The operation a received string names: exactly one character from the
    /// table. As bytes, this is also what `MsgLauncher2Portal`'s `operation`
    /// argument holds.
    pub fn parse(text: &str) -> Option<Operation> {
        match text.as_bytes() {
            [code] => Operation::from_code(*code),
            _ => None,
        }
    }

    /// Evennia's constant name: `"PCONN"`, `"SSHUTD"`, ...
    pub const fn name(self) -> &'static str {
        match self {
            Operation::Pconn => "PCONN",
            Operation::Pdisconn => "PDISCONN",
            Operation::Psync => "PSYNC",
            Operation::Slogin => "SLOGIN",
            Operation::Sdisconn => "SDISCONN",
            Operation::Sdisconnall => "SDISCONNALL",
            Operation::Ssync => "SSYNC",
            Operation::Sconn => "SCONN",
            Operation::Pconnsync => "PCONNSYNC",
            Operation::Pdisconnall => "PDISCONNALL",
            Operation::Sreload => "SRELOAD",
            Operation::Sstart => "SSTART",
            Operation::Pshutd => "PSHUTD",
            Operation::Sshutd => "SSHUTD",
            Operation::Pstatus => "PSTATUS",
            Operation::Sreset => "SRESET",
        }
    }

    /// The operation of an Evennia constant name (`"PCONN"`).
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.name() == name)
    }
}

impl fmt::Display for Operation {
    /// The constant name and the code: `PCONN (\x01)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (\\x{:02x})", self.name(), self.code())
    }
}

/// Writes an operation string as Python's `repr` shows it (`'\x07'`), for
/// logs and messages about unknown operations. (Evennia's own error text
/// holds the character itself: see [`crate::payload::admin::RawAdmin::not_recognized`].)
pub fn operation_repr(text: &str) -> String {
    crate::codec::pickle::Value::Str(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_names_and_strings_agree() {
        for op in Operation::ALL {
            assert_eq!(op.as_str().as_bytes(), [op.code()]);
            assert_eq!(Operation::from_code(op.code()), Some(op));
            assert_eq!(Operation::parse(op.as_str()), Some(op));
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        let codes: Vec<u8> = Operation::ALL.iter().map(|op| op.code()).collect();
        assert_eq!(codes, [1, 2, 3, 4, 5, 6, 8, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    }

    #[test]
    fn sshutd_is_the_redefined_value() {
        assert_eq!(Operation::Sshutd.as_str(), "\x11");
        assert_eq!(Operation::from_code(7), None);
        for code in [0, 7, 9, 10, 20, 255] {
            assert_eq!(Operation::from_code(code), None, "{code}");
        }
        assert_eq!(Operation::parse(""), None);
        assert_eq!(Operation::parse("\x01\x01"), None);
    }

    #[test]
    fn display_and_repr() {
        assert_eq!(Operation::Pconn.to_string(), "PCONN (\\x01)");
        assert_eq!(operation_repr("\x07"), "'\\x07'");
    }
}
