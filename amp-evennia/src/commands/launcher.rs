//! `MsgLauncher2Portal`'s arguments and the launcher's typed instructions.
//!
//! ```
//! use amp_evennia::commands::MsgLauncher2PortalArguments;
//! use amp_evennia::AdminFromLauncher;
//!
//! let args = MsgLauncher2PortalArguments::try_from(&AdminFromLauncher::Sshutd).unwrap();
//! assert_eq!(&args.operation[..], b"\x11");
//! assert_eq!(AdminFromLauncher::try_from(&args).unwrap(), AdminFromLauncher::Sshutd);
//! ```

use super::MsgLauncher2PortalArguments;
use crate::payload::admin::{AdminFromLauncher, RawLauncherAdmin};
use crate::payload::PayloadError;

impl From<RawLauncherAdmin> for MsgLauncher2PortalArguments {
    fn from(raw: RawLauncherAdmin) -> Self {
        MsgLauncher2PortalArguments { operation: raw.operation, arguments: raw.arguments }
    }
}

impl From<&MsgLauncher2PortalArguments> for RawLauncherAdmin {
    fn from(args: &MsgLauncher2PortalArguments) -> Self {
        RawLauncherAdmin { operation: args.operation.clone(), arguments: args.arguments.clone() }
    }
}

impl TryFrom<&AdminFromLauncher> for MsgLauncher2PortalArguments {
    type Error = PayloadError;

    /// The command's arguments, as Evennia's launcher writes them.
    fn try_from(admin: &AdminFromLauncher) -> Result<Self, PayloadError> {
        admin.to_raw().map(MsgLauncher2PortalArguments::from)
    }
}

impl TryFrom<&MsgLauncher2PortalArguments> for AdminFromLauncher {
    type Error = PayloadError;

    /// Reads a received command (see [`AdminFromLauncher::from_raw`]).
    fn try_from(args: &MsgLauncher2PortalArguments) -> Result<Self, PayloadError> {
        AdminFromLauncher::from_raw(&RawLauncherAdmin::from(args))
    }
}
