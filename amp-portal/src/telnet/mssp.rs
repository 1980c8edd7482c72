//! MSSP (Mud Server Status Protocol): the table Evennia sends to crawlers.
//!
//! When a client answers `IAC DO MSSP` to the Portal's `IAC WILL MSSP`,
//! Evennia (`evennia/server/portal/mssp.py`) sends
//! `IAC SB MSSP (MSSP_VAR name MSSP_VAL value)* IAC SE` for its table: its
//! defaults (see [`evennia_table`]) updated (`dict.update`) with the
//! `MSSPTable` dict of the game's `MSSP_META_MODULE`; a list value gives one
//! `VAR name VAL item` per item, an empty list nothing. Names and values are
//! `str()`-ed and UTF-8 encoded. Evennia's table is rebuilt at each request;
//! only `PLAYERS` changes while the Portal runs (`UPTIME` is the Portal's start
//! time), so here the table is built once and `PLAYERS` read live.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::codes::{VAL, VAR};
use crate::python::repr::float_repr;

/// One MSSP value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsspValue {
    /// One value (Python's `str(value)`).
    Text(String),
    /// A list: one variable per item (Python's `str(item)` each).
    List(Vec<String>),
    /// The number of logged-in sessions at the time of the request
    /// (`sessionhandler.count_loggedin()`), from [`Mssp::set_players`].
    Players,
}

/// An MSSP table: names and values in order, as a Python dict.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MsspTable {
    entries: Vec<(String, MsspValue)>,
}

impl MsspTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// `table[name] = value`: a new name goes last, an existing one keeps its place.
    pub fn set(&mut self, name: impl Into<String>, value: MsspValue) {
        let name = name.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => self.entries.push((name, value)),
        }
    }

    /// `table.update(other)`, as Evennia applies `MSSP_META_MODULE.MSSPTable`.
    pub fn update(&mut self, other: MsspTable) {
        for (name, value) in other.entries {
            self.set(name, value);
        }
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &MsspValue)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }
}

/// The settings Evennia's default MSSP table reads.
#[derive(Debug, Clone, PartialEq)]
pub struct MsspSettings {
    /// `SERVERNAME` ("Evennia").
    pub servername: String,
    /// `str(port)` for each of `TELNET_PORTS`, in the settings' order (default `[4000]`).
    pub telnet_ports: Vec<String>,
    /// `TELNET_OOB_ENABLED` (False): the table's `GMCP` and `MSDP` fields. In
    /// Evennia 6.1 this is the setting's only effect: MSDP and GMCP are offered
    /// and spoken on every telnet connection whatever it says.
    pub telnet_oob_enabled: bool,
    /// `SSL_ENABLED` (False).
    pub ssl_enabled: bool,
    /// `evennia.__version__` ("6.1.0"); `CODEBASE` is `"Evennia "` and its first word.
    pub evennia_version: String,
    /// The Portal's start, in seconds since the epoch (`time.time()` when
    /// Evennia's Portal session handler was made): `UPTIME` is `str()` of it,
    /// as Evennia sends it (a timestamp, not a duration).
    pub portal_start_time: f64,
}

/// Evennia's default table, in Evennia's order.
pub fn evennia_table(settings: &MsspSettings) -> MsspTable {
    let flag = |on: bool| MsspValue::Text(if on { "1" } else { "0" }.into());
    let text = |s: &str| MsspValue::Text(s.into());
    let version = settings.evennia_version.split_whitespace().next().unwrap_or("");
    let mut table = MsspTable::new();
    table.set("NAME", MsspValue::Text(settings.servername.clone()));
    table.set("PLAYERS", MsspValue::Players);
    table.set("UPTIME", MsspValue::Text(float_repr(settings.portal_start_time)));
    // "most important port should be last in list"
    table.set("PORT", MsspValue::List(settings.telnet_ports.iter().rev().cloned().collect()));
    table.set("CRAWL DELAY", text("-1"));
    table.set("CODEBASE", MsspValue::Text(format!("Evennia {version}")));
    table.set("FAMILY", text("Custom"));
    table.set("ANSI", text("1"));
    table.set("GMCP", flag(settings.telnet_oob_enabled));
    table.set("ATCP", text("0"));
    table.set("MCCP", text("1"));
    table.set("MCP", text("0"));
    table.set("MSDP", flag(settings.telnet_oob_enabled));
    table.set("MSP", text("0"));
    table.set("MXP", text("1"));
    table.set("PUEBLO", text("0"));
    table.set("SSL", flag(settings.ssl_enabled));
    table.set("UTF-8", text("1"));
    table.set("ZMP", text("0"));
    table.set("VT100", text("1"));
    table.set("XTERM 256 COLORS", text("1"));
    table
}

/// An MSSP table shared by a listener's connections, with the live player count.
#[derive(Debug, Default)]
pub struct Mssp {
    table: MsspTable,
    players: AtomicUsize,
}

impl Mssp {
    /// A table to send (Evennia's defaults updated with the game's own, typically).
    pub fn new(table: MsspTable) -> Self {
        Mssp { table, players: AtomicUsize::new(0) }
    }

    /// The table.
    pub fn table(&self) -> &MsspTable {
        &self.table
    }

    /// Sets the number of logged-in sessions `PLAYERS` reports.
    pub fn set_players(&self, count: usize) {
        self.players.store(count, Ordering::Relaxed);
    }

    /// The subnegotiation payload (between `IAC SB MSSP` and `IAC SE`, before
    /// `IAC` doubling).
    pub fn payload(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut entry = |name: &str, value: &str| {
            out.push(VAR);
            out.extend_from_slice(name.as_bytes());
            out.push(VAL);
            out.extend_from_slice(value.as_bytes());
        };
        for (name, value) in self.table.iter() {
            match value {
                MsspValue::Text(v) => entry(name, v),
                MsspValue::List(items) => items.iter().for_each(|v| entry(name, v)),
                MsspValue::Players => entry(name, &self.players.load(Ordering::Relaxed).to_string()),
            }
        }
        out
    }
}
