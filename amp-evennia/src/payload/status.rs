//! `MsgStatus`: status questions between Evennia's processes.
//!
//! - Asked of the Portal (by the launcher, `evennia status`), the answer's
//!   `status` is `pickle.dumps((portal_running, server_running, portal_pid,
//!   server_pid, portal_info_dict, server_info_dict))`: [`PortalStatus`].
//! - Asked of the Server, Evennia 6.1 means to answer `"OK"`, but its
//!   responder takes an argument named `question` while the command's is
//!   `status`, so every call fails with `EXCEPTION` ("server_receive_status()
//!   got an unexpected keyword argument 'status'"). This crate's Server
//!   answers [`SERVER_STATUS_OK`].

use crate::codec::pickle::{self, Value};
use crate::payload::{bad_field, Kwargs, PayloadError};

/// What this crate's Server answers to `MsgStatus`: `OK`, the answer
/// Evennia's Server was written to give.
pub const SERVER_STATUS_OK: &[u8] = b"OK";

/// The Portal's status (the `status` of its `MsgStatus` answer).
#[derive(Debug, Clone, PartialEq)]
pub struct PortalStatus {
    /// Always true when the Portal answers.
    pub portal_running: bool,
    /// Whether a Server is connected.
    pub server_running: bool,
    /// The Portal's process id.
    pub portal_pid: Option<i64>,
    /// The Server's process id (its PSYNC `spid`), if known.
    pub server_pid: Option<i64>,
    /// The Portal's `info_dict` (listening ports, ...).
    pub portal_info: Kwargs,
    /// The Server's `info_dict` (from its PSYNC), empty without a Server.
    pub server_info: Kwargs,
}

impl PortalStatus {
    /// Reads the pickled status tuple.
    pub fn from_pickle(bytes: &[u8]) -> Result<PortalStatus, PayloadError> {
        let value = pickle::decode(bytes).map_err(pickle::Error::from)?;
        let items = match value {
            Value::Tuple(items) | Value::List(items) if items.len() == 6 => items,
            other => return Err(bad_field("status", "a 6-tuple", &other)),
        };
        let flag = |v: &Value, key: &str| v.as_bool().ok_or_else(|| bad_field(key, "a bool", v));
        let pid = |v: &Value, key: &str| match v {
            Value::None => Ok(None),
            Value::Int(n) => Ok(Some(*n)),
            other => Err(bad_field(key, "an int or None", other)),
        };
        let info = |v: &Value| match v {
            Value::None => Ok(Kwargs::new()),
            other => Kwargs::from_value(other.clone()),
        };
        Ok(PortalStatus {
            portal_running: flag(&items[0], "portal_running")?,
            server_running: flag(&items[1], "server_running")?,
            portal_pid: pid(&items[2], "portal_pid")?,
            server_pid: pid(&items[3], "server_pid")?,
            portal_info: info(&items[4])?,
            server_info: info(&items[5])?,
        })
    }

    /// The pickled status tuple (protocol 5).
    pub fn to_pickle(&self) -> Result<Vec<u8>, PayloadError> {
        let pid = |p: Option<i64>| p.map_or(Value::None, Value::Int);
        let value = Value::Tuple(vec![
            Value::Bool(self.portal_running),
            Value::Bool(self.server_running),
            pid(self.portal_pid),
            pid(self.server_pid),
            self.portal_info.to_value(),
            self.server_info.to_value(),
        ]);
        Ok(pickle::encode(&value).map_err(pickle::Error::from)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_and_rejects_other_shapes() {
        let status = PortalStatus {
            portal_running: true,
            server_running: false,
            portal_pid: Some(13382),
            server_pid: None,
            portal_info: Kwargs::new().with("servername", "game"),
            server_info: Kwargs::new(),
        };
        assert_eq!(PortalStatus::from_pickle(&status.to_pickle().unwrap()).unwrap(), status);
        let not_a_tuple = pickle::encode(&Value::Bytes(vec![])).unwrap();
        assert!(PortalStatus::from_pickle(&not_a_tuple).is_err());
    }
}
