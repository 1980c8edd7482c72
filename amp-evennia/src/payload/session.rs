//! A session's data as Evennia syncs it between Portal and Server.
//!
//! Evennia's `Session.get_sync_data()` is a dict of the attributes named in
//! `settings.SESSION_SYNC_ATTRS`: `protocol_key`, `address`, `suid`, `sessid`,
//! `uid`, `csessid`, `uname`, `logged_in`, `puid`, `conn_time`, `cmd_last`,
//! `cmd_last_visible`, `cmd_total`, `protocol_flags`, `server_data`,
//! `cmdset_storage_string` (those the session has). PCONN carries all of
//! them, PCONNSYNC a subset, SLOGIN only what changed; a game may add keys.
//! [`SessionData`] keeps every key in order (so it goes back to Evennia
//! unchanged) and reads the common ones.

use crate::codec::pickle::Value;
use crate::payload::{Kwargs, PayloadError, SessId};

/// A session's synced attributes (a `str`-keyed dict, every key kept).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionData(Kwargs);

impl SessionData {
    /// No attributes.
    pub fn new() -> Self {
        SessionData(Kwargs::new())
    }

    /// The data a Portal telnet session syncs on connect (PCONN), as Evennia
    /// 6.1's Portal builds it before telnet negotiation: not logged in, the
    /// default protocol flags. `now` is a Unix time in seconds.
    pub fn telnet(sessid: SessId, address: &str, now: f64) -> Self {
        let flags = Kwargs::new()
            .with("ENCODING", "utf-8")
            .with("SCREENREADER", false)
            .with("INPUTDEBUG", false)
            .with("RAW", false)
            .with("NOCOLOR", false)
            .with("LOCALECHO", false);
        SessionData(
            Kwargs::new()
                .with("protocol_key", "telnet")
                .with("address", address)
                .with("suid", Value::None)
                .with("sessid", sessid)
                .with("uid", Value::None)
                .with("csessid", Value::None)
                .with("uname", Value::None)
                .with("logged_in", false)
                .with("puid", Value::None)
                .with("conn_time", now)
                .with("cmd_last", now)
                .with("cmd_last_visible", now)
                .with("cmd_total", 0)
                .with("protocol_flags", flags.into_value())
                .with("server_data", Value::Dict(Vec::new())),
        )
    }

    /// Reads a session dict (`str` keys).
    pub fn from_value(value: Value) -> Result<Self, PayloadError> {
        Ok(SessionData(Kwargs::from_value(value)?))
    }

    /// As a Python dict.
    pub fn to_value(&self) -> Value {
        self.0.to_value()
    }

    /// Every attribute.
    pub fn kwargs(&self) -> &Kwargs {
        &self.0
    }

    /// Every attribute, to change.
    pub fn kwargs_mut(&mut self) -> &mut Kwargs {
        &mut self.0
    }

    /// One attribute.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Sets one attribute.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(key, value);
    }

    /// `sessid`, when it is a non-negative int.
    pub fn sessid(&self) -> Option<SessId> {
        self.get("sessid").and_then(Value::as_i64).and_then(|n| u64::try_from(n).ok())
    }

    /// `protocol_key`: `"telnet"`, `"ssh"`, `"webclient/websocket"`, ...
    pub fn protocol_key(&self) -> Option<&str> {
        self.get("protocol_key").and_then(Value::as_str)
    }

    /// `address`, when it is a `str` (telnet's `"127.0.0.1"`).
    pub fn address(&self) -> Option<&str> {
        self.get("address").and_then(Value::as_str)
    }

    /// `uid`: the account id once logged in.
    pub fn uid(&self) -> Option<i64> {
        self.get("uid").and_then(Value::as_i64)
    }

    /// `uname`: the account name once logged in.
    pub fn uname(&self) -> Option<&str> {
        self.get("uname").and_then(Value::as_str)
    }

    /// `logged_in` (false when absent).
    pub fn logged_in(&self) -> bool {
        self.get("logged_in").and_then(Value::as_bool).unwrap_or(false)
    }

    /// `conn_time`: when the session connected (Unix seconds).
    pub fn conn_time(&self) -> Option<f64> {
        self.get("conn_time").and_then(Value::as_f64)
    }

    /// `protocol_flags`, the dict the Portal's protocol negotiated.
    pub fn protocol_flags(&self) -> Option<&Value> {
        self.get("protocol_flags")
    }

    /// One protocol flag (`"ENCODING"`, `"SCREENWIDTH"`, ...).
    pub fn protocol_flag(&self, name: &str) -> Option<&Value> {
        self.protocol_flags().and_then(|f| f.get(name))
    }

    /// The client's encoding flag (`"utf-8"` by default in Evennia).
    pub fn encoding(&self) -> Option<&str> {
        self.protocol_flag("ENCODING").and_then(Value::as_str)
    }

    /// The screen width the client reported (`SCREENWIDTH` is `{0: 78}`:
    /// per-window widths; this reads window 0).
    pub fn screen_width(&self) -> Option<i64> {
        let flag = self.protocol_flag("SCREENWIDTH")?;
        flag.as_dict()?.iter().find(|(k, _)| k.as_i64() == Some(0)).and_then(|(_, v)| v.as_i64())
    }

    /// Applies `update` as Evennia's `Session.load_sync_data` does: every
    /// attribute is replaced, except `protocol_flags`, which is merged key by
    /// key when both sides are dicts.
    pub fn update(&mut self, update: &SessionData) {
        for (key, value) in update.0.iter() {
            if key == "protocol_flags" {
                if let (Some(Value::Dict(mine)), Value::Dict(theirs)) = (self.0.get_mut(key), value) {
                    for (k, v) in theirs {
                        match mine.iter_mut().find(|(mk, _)| mk == k) {
                            Some((_, slot)) => *slot = v.clone(),
                            None => mine.push((k.clone(), v.clone())),
                        }
                    }
                    continue;
                }
            }
            self.0.insert(key, value.clone());
        }
    }
}

impl From<Kwargs> for SessionData {
    fn from(kwargs: Kwargs) -> Self {
        SessionData(kwargs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telnet_data_reads_back() {
        let s = SessionData::telnet(3, "127.0.0.1", 1.5);
        assert_eq!(s.sessid(), Some(3));
        assert_eq!(s.protocol_key(), Some("telnet"));
        assert_eq!(s.address(), Some("127.0.0.1"));
        assert!(!s.logged_in());
        assert_eq!(s.uid(), None);
        assert_eq!(s.encoding(), Some("utf-8"));
        assert_eq!(s.conn_time(), Some(1.5));
        let keys: Vec<&str> = s.kwargs().keys().collect();
        assert_eq!(keys[..4], ["protocol_key", "address", "suid", "sessid"]);
    }

    #[test]
    fn update_merges_protocol_flags_and_replaces_the_rest() {
        let mut s = SessionData::telnet(1, "127.0.0.1", 1.0);
        let width = Value::Dict(vec![(Value::from(0), Value::from(78))]);
        let mut flags = Kwargs::new().with("SCREENWIDTH", width).with("ENCODING", "latin-1");
        let update = SessionData::from(
            Kwargs::new().with("logged_in", true).with("uid", 5).with("protocol_flags", flags.clone().into_value()),
        );
        s.update(&update);
        assert!(s.logged_in());
        assert_eq!(s.uid(), Some(5));
        assert_eq!(s.screen_width(), Some(78));
        assert_eq!(s.encoding(), Some("latin-1"));
        // Flags not in the update stay.
        assert_eq!(s.protocol_flag("LOCALECHO"), Some(&Value::Bool(false)));
        // A non-dict replaces.
        flags.insert("x", 1);
        s.update(&SessionData::from(Kwargs::new().with("protocol_flags", Value::None)));
        assert_eq!(s.protocol_flags(), Some(&Value::None));
    }
}
