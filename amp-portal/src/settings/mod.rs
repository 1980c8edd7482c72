//! The game's settings, as Evennia's Portal reads them.
//!
//! Evennia's Portal is a Django process and reads `django.conf.settings`
//! directly. This Portal runs the game's own Python once at start
//! ([`read_game_settings`]): the same settings module, the same defaults
//! (`evennia/settings_default.py`), the same overrides in
//! `server/conf/settings.py`. Every value can then be overridden from the
//! command line ([`Overrides`]). Changing the game's settings needs a
//! restart of the Portal, as with Evennia's own.
//!
//! What this Portal does not support yet is listed by
//! [`Settings::unsupported`] and reported at start, never ignored silently.

mod overrides;
mod python;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use crate::render::ansi::ColorSettings;
use crate::telnet::mssp::MsspTable;

pub use overrides::Overrides;
pub use python::{read_game_settings, SettingsError};

/// Every setting the Portal uses, with Evennia 6.1's defaults
/// ([`Settings::default`] is `settings_default.py` for a game in the current
/// folder).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `GAME_DIR`: the game folder (the Server runs there).
    pub game_dir: PathBuf,
    /// `SERVERNAME`.
    pub servername: String,
    /// `get_evennia_version()`, for the info table.
    pub version: String,
    /// `get_evennia_version(mode="pretty")`, MSSP's CODEBASE.
    pub version_pretty: String,
    /// `LOCKDOWN_MODE`: every listener on 127.0.0.1 only.
    pub lockdown_mode: bool,
    /// `AMP_HOST`: where the Server and the launcher connect.
    pub amp_host: String,
    /// `AMP_PORT`.
    pub amp_port: u16,
    /// `AMP_INTERFACE`: where the Portal listens for AMP.
    pub amp_interface: String,
    /// `TELNET_ENABLED`.
    pub telnet_enabled: bool,
    /// `TELNET_PORTS`.
    pub telnet_ports: Vec<u16>,
    /// `TELNET_INTERFACES`.
    pub telnet_interfaces: Vec<String>,
    /// `TELNET_OOB_ENABLED`: in Evennia 6.1, only the MSSP table's `GMCP` and
    /// `MSDP` fields (MSDP and GMCP are offered to every client).
    pub telnet_oob_enabled: bool,
    /// `MXP_ENABLED`: WILL MXP offered on connect.
    pub mxp_enabled: bool,
    /// `SSL_ENABLED` (not supported yet).
    pub ssl_enabled: bool,
    /// `SSH_ENABLED` (not supported yet).
    pub ssh_enabled: bool,
    /// `WEBSERVER_ENABLED` (the web side is not built yet).
    pub webserver_enabled: bool,
    /// `WEBSERVER_PORTS`: (public proxy port, the Server's internal port).
    pub webserver_ports: Vec<(u16, u16)>,
    /// `WEBSERVER_INTERFACES`.
    pub webserver_interfaces: Vec<String>,
    /// `UPSTREAM_IPS`.
    pub upstream_ips: Vec<String>,
    /// `WEBCLIENT_ENABLED`.
    pub webclient_enabled: bool,
    /// `WEBSOCKET_CLIENT_ENABLED`.
    pub websocket_client_enabled: bool,
    /// `WEBSOCKET_CLIENT_PORT`.
    pub websocket_client_port: u16,
    /// `WEBSOCKET_CLIENT_INTERFACE`.
    pub websocket_client_interface: String,
    /// `MAX_CONNECTION_RATE`: new sessions per second passed to the Server.
    pub max_connection_rate: f64,
    /// `MAX_COMMAND_RATE`: input lines per second and session.
    pub max_command_rate: f64,
    /// `COMMAND_RATE_WARNING`.
    pub command_rate_warning: String,
    /// `MAX_CHAR_LIMIT`: longest input (0: no limit).
    pub max_char_limit: i64,
    /// `MAX_CHAR_LIMIT_WARNING`.
    pub max_char_limit_warning: String,
    /// `ENCODINGS`: the first is a new session's ENCODING, all are fallbacks.
    pub encodings: Vec<String>,
    /// `IDLE_COMMAND`: what a lone NUL from a client stands for.
    pub idle_command: String,
    /// `SCREENREADER_REGEX_STRIP`.
    pub screenreader_regex_strip: String,
    /// The colour settings (`COLOR_NO_DEFAULT`, `COLOR_ANSI_EXTRA_MAP`, ...).
    pub colors: ColorSettings,
    /// `CLIENT_DEFAULT_WIDTH`.
    pub client_default_width: i64,
    /// `CLIENT_DEFAULT_HEIGHT`.
    pub client_default_height: i64,
    /// `SERVER_LOG_FILE`: the Server process's stdout and stderr go here.
    pub server_log_file: PathBuf,
    /// `PORTAL_LOG_FILE`.
    pub portal_log_file: PathBuf,
    /// `SESSION_SYNC_ATTRS`: the keys of a session's data sent to the Server.
    pub session_sync_attrs: Vec<String>,
    /// `MSSP_META_MODULE`'s `MSSPTable`, in its order (Evennia's defaults
    /// are added by the telnet layer).
    pub mssp_table: MsspTable,
    /// Portal plugin modules with a non-empty `start_plugin_services`
    /// (Python services this Portal cannot run).
    pub plugin_modules: Vec<String>,
    /// Protocol classes a game replaced (`TELNET_PROTOCOL_CLASS` ...):
    /// setting name -> class path, only those that differ from Evennia's.
    pub custom_classes: BTreeMap<String, String>,
    /// Evennia's package folder (for the Server command line Evennia's
    /// Portal guesses when no launcher sent one).
    pub evennia_dir: Option<PathBuf>,
    /// The interpreter that read the settings (the Server's `twistd` is
    /// looked for next to it).
    pub python: PathBuf,
    /// `sys.path` of that interpreter in the game folder: the Server's
    /// `PYTHONPATH`, as Evennia's Portal passes its own `sys.path`.
    pub python_path: Vec<String>,
    /// What reading the settings reported (a bad MSSP module, ...).
    pub problems: Vec<String>,
}

/// Evennia's own protocol classes (settings_default.py): a game that names
/// another class runs Python this Portal cannot run.
pub const DEFAULT_CLASSES: &[(&str, &str)] = &[
    ("TELNET_PROTOCOL_CLASS", "evennia.server.portal.telnet.TelnetProtocol"),
    ("BASE_SESSION_CLASS", "evennia.server.session.Session"),
    ("AMP_SERVER_PROTOCOL_CLASS", "evennia.server.portal.amp_server.AMPServerProtocol"),
    ("SSL_PROTOCOL_CLASS", "evennia.server.portal.ssl.SSLProtocol"),
    ("SSH_PROTOCOL_CLASS", "evennia.server.portal.ssh.SshProtocol"),
    ("WEBSOCKET_PROTOCOL_CLASS", "evennia.server.portal.webclient.WebSocketClient"),
    ("AJAX_CLIENT_CLASS", "evennia.server.portal.webclient_ajax.AjaxWebClient"),
];

impl Default for Settings {
    fn default() -> Self {
        let game_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let logs = game_dir.join("server").join("logs");
        let text = |s: &str| s.to_owned();
        Settings {
            servername: text("Evennia"),
            version: text("6.1.0"),
            version_pretty: text("Evennia 6.1.0"),
            lockdown_mode: false,
            amp_host: text("localhost"),
            amp_port: 4006,
            amp_interface: text("127.0.0.1"),
            telnet_enabled: true,
            telnet_ports: vec![4000],
            telnet_interfaces: vec![text("0.0.0.0")],
            telnet_oob_enabled: false,
            mxp_enabled: true,
            ssl_enabled: false,
            ssh_enabled: false,
            webserver_enabled: true,
            webserver_ports: vec![(4001, 4005)],
            webserver_interfaces: vec![text("0.0.0.0")],
            upstream_ips: vec![text("127.0.0.1")],
            webclient_enabled: true,
            websocket_client_enabled: true,
            websocket_client_port: 4002,
            websocket_client_interface: text("0.0.0.0"),
            max_connection_rate: 2.0,
            max_command_rate: 80.0,
            command_rate_warning: text("You entered commands too fast. Wait a moment and try again."),
            max_char_limit: 6000,
            max_char_limit_warning: text(
                "You entered a string that was too long. Please break it up into multiple parts.",
            ),
            encodings: vec![text("utf-8"), text("latin-1"), text("ISO-8859-1")],
            idle_command: text("idle"),
            screenreader_regex_strip: text(r"\+-+|\+$|\+~|--+|~~+|==+"),
            colors: ColorSettings::default(),
            client_default_width: 78,
            client_default_height: 45,
            server_log_file: logs.join("server.log"),
            portal_log_file: logs.join("portal.log"),
            session_sync_attrs: [
                "protocol_key",
                "address",
                "suid",
                "sessid",
                "uid",
                "csessid",
                "uname",
                "logged_in",
                "puid",
                "conn_time",
                "cmd_last",
                "cmd_last_visible",
                "cmd_total",
                "protocol_flags",
                "server_data",
                "cmdset_storage_string",
            ]
            .map(text)
            .to_vec(),
            mssp_table: MsspTable::new(),
            plugin_modules: Vec::new(),
            custom_classes: BTreeMap::new(),
            evennia_dir: None,
            python: PathBuf::from("python3"),
            python_path: Vec::new(),
            problems: Vec::new(),
            game_dir,
        }
    }
}

impl Settings {
    /// An interface list as Evennia's `check_lockdown` gives it: only
    /// 127.0.0.1 in lockdown mode.
    pub fn interfaces<'a>(&self, configured: &'a [String]) -> Vec<&'a str> {
        if self.lockdown_mode {
            vec!["127.0.0.1"]
        } else {
            configured.iter().map(String::as_str).collect()
        }
    }

    /// What this Portal does not do that these settings ask for, one line
    /// each: reported at start (and in `evennia info`'s errors).
    pub fn unsupported(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.ssl_enabled {
            out.push("SSL_ENABLED is set: telnet+SSL is not supported by amp-portal yet; no SSL port is opened".into());
        }
        if self.ssh_enabled {
            out.push("SSH_ENABLED is set: SSH is not supported by amp-portal yet; no SSH port is opened".into());
        }
        if self.webserver_enabled {
            out.push(
                "WEBSERVER_ENABLED is set: the web proxy, the webclient's websocket and /webclientdata are not \
                 served by amp-portal yet; no web port is opened"
                    .into(),
            );
        }
        for module in &self.plugin_modules {
            out.push(format!(
                "PORTAL_SERVICES_PLUGIN_MODULES: {module} defines start_plugin_services: Python Portal services \
                 cannot run in amp-portal and are not started"
            ));
        }
        for (setting, class) in &self.custom_classes {
            out.push(format!(
                "{setting} = {class}: a custom Python class cannot run in amp-portal; Evennia's behaviour is used"
            ));
        }
        out
    }

    /// Checks the values a Portal cannot run with.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let bad = |what: String| Err(SettingsError::Invalid(what));
        if self.max_connection_rate.is_nan() || self.max_connection_rate <= 0.0 {
            return bad(format!("MAX_CONNECTION_RATE must be above 0, not {}", self.max_connection_rate));
        }
        if self.max_command_rate.is_nan() || self.max_command_rate <= 0.0 {
            return bad(format!("MAX_COMMAND_RATE must be above 0, not {}", self.max_command_rate));
        }
        if self.encodings.is_empty() {
            return bad("ENCODINGS must name at least one encoding".into());
        }
        for iface in self.telnet_interfaces.iter().chain([&self.amp_interface]) {
            if iface.parse::<IpAddr>().is_err() && iface != "localhost" {
                return bad(format!("interface {iface:?} is not an IP address"));
            }
        }
        Ok(())
    }
}
